"""The simulating commands end honestly (test tier: the CLI, through ``CliRunner``).

Exit codes: 0 done; 2 the input is wrong or the results cannot be written
(checked before simulating where it can be); 130 interrupted, saying what was
kept. ``--quiet`` prints only the results folder; without a terminal no bare
progress-bar label is printed. ``samsim report`` refuses a folder that is not
whole instead of replacing a good report with a bad one.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from simulator.cli import main

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario, write_yaml  # noqa: E402


def scenario(tmp_path: Path, name: str = "minimal", **run: Any) -> Path:
    data: dict[str, Any] = minimal_scenario()
    data["name"] = name
    data["title"] = f"{name} in 2025"
    data["run"].update(days=30, warmup_days=5, replications=20, **run)
    text = yaml_with_comment(data)
    path = tmp_path / "scenarios" / f"{name}.yaml"
    write_yaml(path, data)
    path.write_text(text, encoding="utf-8")
    return path


def yaml_with_comment(data: dict[str, Any]) -> str:
    import yaml

    text = yaml.safe_dump(data, sort_keys=False)
    return text.replace("beds: 10\n", "beds: 10  # ten beds (hospital annual report)\n", 1)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def only_warnings(stderr: str) -> bool:
    """Standard error of a quiet command: warnings (and errors) only, no progress."""
    return all(line.startswith("warning: ") for line in stderr.splitlines())


def staging_left(root: Path) -> list[Path]:
    return list(root.rglob(".incomplete-*"))


def assert_exit(result: Result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


# --- quiet and progress --------------------------------------------------------------------


def test_quiet_prints_only_the_results_folder(tmp_path: Path) -> None:
    file = scenario(tmp_path)
    result = invoke("run", str(file), "-r", "2", "-j", "1", "--out", str(tmp_path), "-q")
    assert_exit(result, 0)
    assert len(result.stdout.splitlines()) == 1
    assert Path(result.stdout.strip()).is_dir()
    assert only_warnings(result.stderr)


def test_without_a_terminal_progress_is_one_line_not_a_bare_label(tmp_path: Path) -> None:
    base, alt = scenario(tmp_path), scenario(tmp_path, "other")
    run = invoke("run", str(base), "-r", "2", "-j", "1", "--out", str(tmp_path), "--no-report")
    assert_exit(run, 0, "minimal: running 2 replications")
    compare = invoke(
        "compare", str(base), str(alt), "-r", "2", "-j", "1", "--out", str(tmp_path), "--no-report"
    )
    assert_exit(compare, 0, "compare: running 2 replications of 2 scenarios")
    for result in (run, compare):
        assert all(not line.endswith(": replications") for line in result.stderr.splitlines())
    quiet = invoke(
        "compare", str(base), str(alt), "-r", "2", "-j", "1", "--out", str(tmp_path), "-q"
    )
    assert_exit(quiet, 0)
    assert quiet.stdout.strip() == last_line(quiet.stdout) and only_warnings(quiet.stderr)


# --- compare: collection periods -----------------------------------------------------------


def test_compare_refuses_different_periods_unless_allowed(tmp_path: Path) -> None:
    base = scenario(tmp_path)
    later = scenario(tmp_path, "later", start_date="2027-01-01")
    args = ["compare", str(base), str(later), "-r", "2", "-j", "1", "--out", str(tmp_path / "o")]
    refused = invoke(*args)
    assert_exit(refused, 2, "later collects over another period", "--allow-different-periods")
    assert "2027-01-01" in refused.stderr and "2025-01-01" in refused.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("manifest.json"))

    allowed = invoke(*args, "--allow-different-periods")
    assert_exit(allowed, 0, "different periods")
    folder = Path(last_line(allowed.stdout))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["different_periods"] is True
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "different periods" in report

    same = invoke(*args[:3], "--set", "run.start_date=2030-01-01", *args[3:])  # to both
    assert_exit(same, 0)


# --- --set: manifest, report, titles, validate ----------------------------------------------


def test_set_is_in_the_manifest_the_report_and_the_title(tmp_path: Path) -> None:
    file = scenario(tmp_path)
    result = invoke(
        "run", str(file), "-r", "2", "-j", "1", "--out", str(tmp_path), "-q",
        "--set", "run.start_date=2040-01-01", "--set", "facilities.hospital.beds=12",
    )  # fmt: skip
    assert_exit(result, 0)
    folder = Path(last_line(result.stdout))
    assert folder.name.endswith("-2040")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == ["run.start_date=2040-01-01", "facilities.hospital.beds=12"]
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "<h1>minimal in 2025 · 2040</h1>" in report
    assert "facilities.hospital.beds=12" in report
    assert "hospital annual report" not in report  # the file's comment was on the old value


def test_validate_takes_set(tmp_path: Path) -> None:
    file = scenario(tmp_path)
    assert_exit(invoke("validate", str(file), "--set", "facilities.hospital.beds=3"), 0)
    bad = invoke("validate", str(file), "--set", "facilities.hospital.beds=-3")
    assert_exit(bad, 2, "facilities.hospital.beds")
    assert bad.stdout.startswith("invalid")
    assert "--set: facilities.hospital.beds: " in bad.stderr  # the library says "override"


# --- precision -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-0.1", "1", "1.5"])
def test_precision_must_be_a_share(tmp_path: Path, value: str) -> None:
    result = invoke("run", str(scenario(tmp_path)), "--precision", value, "--out", str(tmp_path))
    assert_exit(result, 2, "--precision")
    assert not any(tmp_path.rglob("manifest.json"))


def test_precision_respects_max_replications(tmp_path: Path) -> None:
    file = scenario(tmp_path)  # run.replications: 20
    result = invoke(
        "run", str(file), "--precision", "0.0001", "--max-replications", "4", "-j", "1",
        "--out", str(tmp_path), "-q", "--no-report",
    )  # fmt: skip
    assert_exit(result, 0)
    manifest = json.loads((Path(last_line(result.stdout)) / "manifest.json").read_text())
    assert manifest["replications"] == 4
    refused = invoke(
        "run", str(file), "--precision", "0.05", "-r", "6", "--max-replications", "4",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert_exit(refused, 2, "--max-replications")


# --- results that cannot be written ----------------------------------------------------------


def test_unwritable_out_fails_before_simulating(tmp_path: Path) -> None:
    file = scenario(tmp_path)
    if Path("/proc/self").exists():
        result = invoke("run", str(file), "-r", "2", "--out", "/proc", "-q")
        assert_exit(result, 2, "--out", "/proc")
        assert result.stdout == ""
    # The file name is as long as a name may be; its copy in inputs/ gets "1-" in front.
    long_name = file.with_name("s" * 250 + ".yaml")
    file.rename(long_name)
    long = invoke("run", str(long_name), "-r", "2", "--out", str(tmp_path / "out"), "-q")
    assert_exit(long, 2, "257 bytes", "at most 255")
    assert staging_left(tmp_path) == []
    assert not any(tmp_path.rglob("manifest.json"))


def test_a_full_disk_while_writing_is_exit_2_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pd.DataFrame.to_csv

    def full(self: pd.DataFrame, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        if path is not None and str(path).endswith("warmup.csv"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "out"
    result = invoke("run", str(scenario(tmp_path)), "-r", "2", "-s", "7", "--out", str(out), "-q")
    assert_exit(result, 2, "No space left on device", "--seed 7", "not saved")
    assert staging_left(out) == []
    assert not any(out.rglob("manifest.json"))


# --- Ctrl-C ----------------------------------------------------------------------------------


def test_ctrl_c_while_simulating_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stop(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("simulator.experiment.simulate.simulate", stop)
    file = scenario(tmp_path)
    result = invoke("run", str(file), "-r", "2", "--out", str(tmp_path / "o"), "-q")
    assert_exit(result, 130, "interrupted", "nothing was written")
    monkeypatch.setattr("simulator.experiment.compare.compare", stop)
    other = scenario(tmp_path, "other")
    result = invoke("compare", str(file), str(other), "-r", "2", "--out", str(tmp_path / "o"))
    assert_exit(result, 130, "interrupted", "nothing was written")


def test_ctrl_c_while_drawing_keeps_the_results_and_says_how_to_draw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("simulator.report.write_report", stop)
    result = invoke("run", str(scenario(tmp_path)), "-r", "2", "--out", str(tmp_path), "-q")
    assert_exit(result, 130, "without report.html", "samsim report")
    folder = Path(last_line(result.stdout))
    assert (folder / "summary.csv").is_file() and not (folder / "report.html").exists()
    assert str(folder) in result.stderr


# --- samsim report on folders that are not whole ----------------------------------------------


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    result = invoke("run", str(scenario(tmp_path)), "-r", "2", "--out", str(tmp_path), "-q")
    assert_exit(result, 0)
    return Path(last_line(result.stdout))


def damage_table(folder: Path) -> None:
    path = folder / "daily_occupancy.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def damage_manifest(folder: Path) -> None:
    path = folder / "manifest.json"
    path.write_bytes(path.read_bytes()[:100])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (damage_table, "daily_occupancy.csv"),
        (damage_manifest, "manifest.json does not parse"),
        (lambda folder: (folder / "summary.csv").unlink(), "summary.csv is missing"),
    ],
)
def test_report_refuses_a_damaged_folder_and_keeps_the_good_report(
    run_folder: Path, damage: Any, message: str
) -> None:
    before = (run_folder / "report.html").read_bytes()
    damage(run_folder)
    result = invoke("report", str(run_folder))
    assert_exit(result, 2, message)
    assert (run_folder / "report.html").read_bytes() == before
    assert not list(run_folder.glob(".report.html.tmp-*"))


def test_report_refuses_a_staging_folder(run_folder: Path) -> None:
    staging = run_folder.parent / ".incomplete-20250101T000000Z-seed1-4242"
    run_folder.rename(staging)
    assert_exit(invoke("report", str(staging)), 2, "staging folder")


def test_report_redraws_a_whole_folder(run_folder: Path) -> None:
    (run_folder / "report.html").unlink()
    result = invoke("report", str(run_folder), "--lang", "nb")
    assert_exit(result, 0)
    assert Path(last_line(result.stdout)) == run_folder / "report.html"
    assert 'lang="nb"' in (run_folder / "report.html").read_text(encoding="utf-8")


def test_size_and_sweep_quiet_print_only_their_folder(tmp_path: Path) -> None:
    file = scenario(tmp_path)
    size = invoke(
        "size", str(file), "-f", "kohd-north", "-t", "diversion_share<0.5", "--range", "1:2",
        "-r", "2", "-j", "1", "--out", str(tmp_path), "-q",
    )  # fmt: skip
    assert_exit(size, 0)
    assert size.stdout.splitlines() == [last_line(size.stdout)] and only_warnings(size.stderr)
    assert Path(last_line(size.stdout)).is_dir()
    sweep = invoke(
        "sweep", str(file), "--vary", "facilities.kohd-north.beds=1,2", "-r", "2", "-j", "1",
        "--out", str(tmp_path), "-q", "--no-plots",
    )  # fmt: skip
    assert_exit(sweep, 0)
    assert sweep.stdout.splitlines() == [last_line(sweep.stdout)] and only_warnings(sweep.stderr)
    assert (Path(last_line(sweep.stdout)) / "sweep.json").is_file()


def test_report_checks_every_scenario_of_a_comparison(tmp_path: Path) -> None:
    base, alt = scenario(tmp_path), scenario(tmp_path, "other")
    result = invoke(
        "compare", str(base), str(alt), "-r", "2", "-j", "1", "--out", str(tmp_path), "-q",
        "--set", "facilities.hospital.beds=11",
    )  # fmt: skip
    assert_exit(result, 0)
    folder = Path(last_line(result.stdout))
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "facilities.hospital.beds=11" in report  # the change, for every scenario
    assert_exit(invoke("report", str(folder)), 0)
    before = (folder / "report.html").read_bytes()
    damage_table(folder / "other")
    assert_exit(invoke("report", str(folder)), 2, "other", "daily_occupancy.csv")
    assert (folder / "report.html").read_bytes() == before
    (folder / "comparison.csv").write_text("scenario,kpi\n", encoding="utf-8")
    assert_exit(invoke("report", str(folder)), 2, "comparison.csv differs from the checksum")


def test_simulate_counts_the_first_batch_towards_the_maximum() -> None:
    from simulator import simulate, validate

    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=20, warmup_days=5, replications=20)
    results = simulate(validate(data), precision=0.0001, max_replications=3)
    assert len(results.replications) == 3


def test_old_staging_folders_of_others_are_mentioned_not_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = out / "minimal" / ".incomplete-20250101T000000Z-seed1-99999"
    young = out / "minimal" / ".incomplete-20250102T000000Z-seed1-99998"
    old.mkdir(parents=True)
    young.mkdir()
    two_days_ago = old.stat().st_mtime - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    result = invoke("run", str(scenario(tmp_path)), "-r", "2", "--out", str(out), "-q")
    assert_exit(result, 0, "1 unfinished results folder(s) older than a day", str(old))
    assert only_warnings(result.stderr)
    assert old.is_dir() and young.is_dir()
    assert sorted(staging_left(out)) == sorted([old, young])  # nothing of ours left either


def test_report_checks_every_folder_before_drawing_any(run_folder: Path, tmp_path: Path) -> None:
    made = invoke("run", str(scenario(tmp_path, "b")), "-r", "2", "--out", str(tmp_path), "-q")
    other = Path(last_line(made.stdout))
    (run_folder / "report.html").unlink()
    damage_table(other)
    assert_exit(invoke("report", str(run_folder), str(other)), 2, "daily_occupancy.csv")
    assert not (run_folder / "report.html").exists()
