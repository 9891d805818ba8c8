"""``samsim run`` through click's ``CliRunner`` (test tier: the CLI).

Exit codes follow :mod:`simulator.cli`: 0 done, 2 the user's input is wrong
(one message, no traceback). The results folder path is the last line of
standard output, so scripts can capture it; progress goes to standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from simulator import load_scenario
from simulator.cli import main

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario, write_yaml  # noqa: E402


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=40, warmup_days=5)
    return write_yaml(tmp_path / "scenarios" / "minimal.yaml", data)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def assert_user_error(result: Result, *fragments: str) -> None:
    """Exit code 2, a message naming what is wrong, and no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_run_prints_the_results_folder_last(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "run",
        str(scenario_file),
        "--replications",
        "2",
        "--seed",
        "1",
        "--out",
        str(out),
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    folder = Path(last_line(result.stdout))
    assert folder.is_dir()
    assert folder.parent == out / "minimal"
    for name in ("scenario.yaml", "manifest.json", "summary.csv", "replications.csv"):
        assert (folder / name).is_file(), name
    summary = (folder / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert summary[0] == "kpi,mean,std,ci_low,ci_high,n"
    # Two replications each: n is 2 for a KPI every replication defines.
    assert any(line.startswith("cost.total,") and line.endswith(",2") for line in summary)


def test_set_is_applied_and_stored(scenario_file: Path, tmp_path: Path) -> None:
    result = invoke(
        "run",
        str(scenario_file),
        "--replications",
        "1",
        "--seed",
        "1",
        "--jobs",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--quiet",
        "--set",
        "facilities.hospital.beds=17",
        "--set",
        "run.days=30",
    )
    assert result.exit_code == 0, result.output
    folder = Path(last_line(result.stdout))
    stored = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    assert stored["facilities"]["hospital"]["beds"] == 17
    assert stored["run"]["days"] == 30
    scenario = load_scenario(folder / "scenario.yaml")
    assert scenario.facilities["hospital"].beds == 17
    daily = (folder / "daily_occupancy.csv").read_text(encoding="utf-8").splitlines()
    assert len(daily) == 1 + 30 * len(scenario.facilities)


def test_bad_set_key_is_a_user_error(scenario_file: Path, tmp_path: Path) -> None:
    result = invoke(
        "run",
        str(scenario_file),
        "--replications",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--quiet",
        "--set",
        "facilities.hospital.bedz=3",
    )
    assert_user_error(result, "facilities.hospital.bedz", "beds")
    assert not (tmp_path / "out").exists()


def test_bad_set_value_is_a_user_error(scenario_file: Path, tmp_path: Path) -> None:
    result = invoke(
        "run",
        str(scenario_file),
        "--out",
        str(tmp_path / "out"),
        "--quiet",
        "--set",
        "facilities.hospital.beds=-2",
    )
    assert_user_error(result, "facilities.hospital.beds", "-2")


def test_set_without_equals_is_a_user_error(scenario_file: Path, tmp_path: Path) -> None:
    result = invoke("run", str(scenario_file), "--out", str(tmp_path), "--quiet", "--set", "run")
    assert_user_error(result, "--set")


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = invoke("run", str(missing), "--out", str(tmp_path / "out"), "--quiet")
    assert_user_error(result, "nowhere.yaml", "not found")


def test_invalid_scenario_is_a_user_error(tmp_path: Path) -> None:
    data: dict[str, Any] = minimal_scenario()
    data["facilities"]["hospital"]["beds"] = -1
    path = write_yaml(tmp_path / "bad.yaml", data)
    result = invoke("run", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert_user_error(result, "bad.yaml", "facilities.hospital.beds")


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_replications_must_be_a_positive_integer(
    scenario_file: Path, tmp_path: Path, value: str
) -> None:
    result = invoke(
        "run", str(scenario_file), "--replications", value, "--out", str(tmp_path), "--quiet"
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "--replications" in result.stderr


def test_progress_goes_to_stderr(scenario_file: Path, tmp_path: Path) -> None:
    args = ["run", str(scenario_file), "-r", "2", "-s", "1", "-j", "1", "--out", str(tmp_path)]
    loud = invoke(*args)
    assert loud.exit_code == 0, loud.output
    # Not a terminal: one line says what runs (a bar cannot redraw itself here).
    assert "minimal: running 2 replications" in loud.stderr
    assert "replications" not in loud.stdout
    assert Path(last_line(loud.stdout)).is_dir()
    assert "kohd-north" in loud.stdout  # the summary table

    quiet = invoke(*args, "--quiet")
    assert quiet.exit_code == 0, quiet.output
    assert "running" not in quiet.stderr
    # --quiet: only the results folder on stdout.
    assert quiet.stdout.splitlines() == [last_line(quiet.stdout)]
    assert last_line(loud.stdout) != last_line(quiet.stdout)
    summaries = [(Path(last_line(r.stdout)) / "summary.csv").read_bytes() for r in (loud, quiet)]
    assert summaries[0] == summaries[1]  # the same seed gives the same results


def test_validate_command(scenario_file: Path, tmp_path: Path) -> None:
    ok = invoke("validate", str(scenario_file))
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("ok")
    bad = invoke("validate", str(scenario_file), str(tmp_path / "missing.yaml"))
    assert bad.exit_code == 2
    assert "missing.yaml" in bad.output


def test_out_that_cannot_be_a_folder_is_a_user_error(scenario_file: Path, tmp_path: Path) -> None:
    """A bad --out fails before simulating, with exit 2 and no traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    for out in (blocker, blocker / "sub"):
        result = invoke("run", str(scenario_file), "-r", "1", "-j", "1", "--out", str(out), "-q")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert str(out) in result.stderr


def test_report_refuses_a_sizing_folder_with_a_clear_message(tmp_path: Path) -> None:
    folder = tmp_path / "size-x" / "run"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"kind": "sizing"}')
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 2
    assert "sizing folder" in result.output and "Traceback" not in result.output
    assert not (folder / "report.html").exists()
