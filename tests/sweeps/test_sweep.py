"""Sweeps (:mod:`simulator.sweeps.runner`): points, invalid points, files, resume, a kill, the CLI.

The promise under test: nothing is lost. Every point is saved the moment it
ends, checksummed; a damaged point file is detected and run again; a resumed
sweep — after a deleted file, a corrupted one, more replications, or
``kill -9`` — writes the same bytes as one that ran straight through.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from simulator import load_scenario, simulate
from simulator.cli import main
from simulator.errors import SamsimError
from simulator.scenario.limits import Limits
from simulator.sweeps.runner import (
    SweepEvent,
    load_sweep,
    prepare_points,
    resume_sweep,
    run_sweep,
    start_sweep,
    stored_sweep,
    sweep_from_vary,
)
from simulator.sweeps.store import point_path, read_point, write_point

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario, write_yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "scenarios" / "midt-troms" / "sweep-kohd-kols.yaml"
FINAL = ("sweep.csv", "replications.csv", "replications.parquet")
BEDS = "facilities.kohd-north.beds"
RATE = "groups.kols.rate_per_1000"


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=90, warmup_days=10, replications=2, seed=7)
    return write_yaml(tmp_path / "scenarios" / "minimal.yaml", data)


def small_sweep(scenario_file: Path, replications: int = 2, seed: int = 1) -> Any:
    return sweep_from_vary(
        scenario_file, [f"{BEDS}=1:3", f"{RATE}=5,8"], replications=replications, seed=seed
    )


def final_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FINAL}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_user_error(result: Result, *fragments: str) -> None:
    """Exit code 2, a message naming what is wrong, and no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def ran(events: list[SweepEvent]) -> set[tuple[int | None, int | None]]:
    return {(e.point, e.replication) for e in events if e.kind == "replication"}


# --- points and results ------------------------------------------------------------------


def test_defaults_come_from_the_scenario(scenario_file: Path) -> None:
    sweep = sweep_from_vary(scenario_file, [f"{BEDS}=2,4"])
    assert (sweep.replications, sweep.seed, sweep.design) == (2, 7, "grid")
    assert sweep.key_kpis()[:3] == [
        "facility.kohd-north.diversion_share",
        "facility.kohd-north.occupancy_mean",
        "facility.kohd-north.utilisation",
    ]
    assert "cost.payer.municipality" in sweep.key_kpis()


def test_rows_carry_their_parameters_and_match_a_direct_run(
    scenario_file: Path, tmp_path: Path
) -> None:
    folder = run_sweep(small_sweep(scenario_file, seed=7), tmp_path / "out")
    assert folder.parent == tmp_path / "out" / "sweep-minimal"
    table = pd.read_csv(folder / "sweep.csv")
    reps = pd.read_csv(folder / "replications.csv")
    assert list(table.columns[:6]) == ["point", BEDS, RATE, "status", "replications", "problems"]
    assert list(table.columns[6:9]) == [
        "facility.kohd-north.diversion_share",
        "facility.kohd-north.diversion_share.ci_low",
        "facility.kohd-north.diversion_share.ci_high",
    ]
    assert list(reps.columns[:4]) == ["point", BEDS, RATE, "replication"]
    assert len(table) == 6 and len(reps) == 12
    assert table[BEDS].tolist() == [1, 1, 2, 2, 3, 3]
    assert (folder / "sweep.csv").read_text().splitlines()[1].startswith("0,1,5,ok,2,")  # no 1.0
    assert pd.read_parquet(folder / "replications.parquet")[BEDS].dtype.kind == "i"
    # Point 5 is beds 3, rate 8: the same numbers as `samsim run` with those --set.
    direct = simulate(
        load_scenario(scenario_file, [f"{BEDS}=3", f"{RATE}=8"]), replications=2, seed=7
    )
    row = table.set_index("point").loc[5]
    for kpi in ("facility.kohd-north.diversion_share", "cost.total", "facility.hospital.bed_days"):
        summary = direct.summary.set_index("kpi").loc[kpi]
        assert row[kpi] == pytest.approx(summary["mean"], rel=1e-12)
        assert row[f"{kpi}.ci_high"] == pytest.approx(summary["ci_high"], rel=1e-12)
    own = reps[reps["point"] == 5].set_index("replication")["cost.total"]
    assert own.tolist() == pytest.approx(direct.replications["cost.total"].tolist(), rel=1e-12)


def test_invalid_point_is_reported_and_the_others_run(scenario_file: Path, tmp_path: Path) -> None:
    sweep = sweep_from_vary(scenario_file, [f"{BEDS}=-1,1,2"], replications=2, seed=1)
    events: list[SweepEvent] = []
    folder = run_sweep(sweep, tmp_path / "out", progress=events.append)
    invalid = [e for e in events if e.kind == "invalid"]
    assert [(e.point, dict(e.values)) for e in invalid] == [(0, {BEDS: -1})]
    assert "must be >= 0" in invalid[0].message
    table = pd.read_csv(folder / "sweep.csv", keep_default_na=False)
    assert table["status"].tolist() == ["invalid", "ok", "ok"]
    assert "facilities.kohd-north.beds: must be >= 0 (got -1)" in table.loc[0, "problems"]
    assert table.loc[0, "facility.kohd-north.occupancy_mean"] == ""
    assert sorted(pd.read_csv(folder / "replications.csv")["point"].unique()) == [1, 2]
    info = json.loads((folder / "sweep.json").read_text())
    assert info["points"][0]["problems"] and info["points"][0]["scenario_hash"] is None
    assert not point_path(folder, 0).exists()


def test_a_sweep_with_no_valid_point_is_a_user_error(scenario_file: Path, tmp_path: Path) -> None:
    with pytest.raises(SamsimError, match="unknown key; did you mean 'beds'"):
        run_sweep(sweep_from_vary(scenario_file, ["facilities.kohd-north.bedz=1,2"]), tmp_path)
    with pytest.raises(SamsimError, match="did you mean 'kohd-north'"):
        sweep_from_vary(scenario_file, ["facilities.kohd-nort.beds=1,2"])
    with pytest.raises(SamsimError, match="which factor facilities.kohd-north.beds sets too"):
        sweep_from_vary(scenario_file, [f"{BEDS}=1,2", "facilities.kohd-north=3"])
    assert not (tmp_path / "sweep-minimal").exists()


def test_point_files_are_checksummed_and_name_their_point(
    scenario_file: Path, tmp_path: Path
) -> None:
    folder = run_sweep(small_sweep(scenario_file), tmp_path / "out")
    stored = json.loads(point_path(folder, 3).read_text())
    assert set(stored) == {"sha256", "content"} and len(stored["sha256"]) == 64
    content = stored["content"]
    assert content["values"] == {BEDS: 2, RATE: 8}
    assert content["point"] == 3 and content["seed"] == 1 and content["replications"] == [0, 1]
    info = json.loads((folder / "sweep.json").read_text())
    assert content["scenario_hash"] == info["points"][3]["scenario_hash"]
    assert info["definition"]["seed"] == 1 and info["replications"] == 2
    assert [p["values"] for p in info["points"]][:2] == [{BEDS: 1, RATE: 5}, {BEDS: 1, RATE: 8}]
    assert not list(folder.rglob(".*tmp-*"))


# --- resume ------------------------------------------------------------------------------


def test_resume_after_a_deleted_point_file_is_byte_identical(
    scenario_file: Path, tmp_path: Path
) -> None:
    sweep = small_sweep(scenario_file)
    whole = run_sweep(sweep, tmp_path / "a")
    resumed = run_sweep(sweep, tmp_path / "b")
    point_path(resumed, 2).unlink()
    for name in FINAL:
        (resumed / name).unlink()
    events: list[SweepEvent] = []
    resume_sweep(resumed, progress=events.append)
    assert ran(events) == {(2, 0), (2, 1)}  # only the missing point ran
    assert final_bytes(resumed) == final_bytes(whole)


def test_damaged_point_files_are_detected_and_run_again(
    scenario_file: Path, tmp_path: Path
) -> None:
    sweep = small_sweep(scenario_file)
    whole = run_sweep(sweep, tmp_path / "a")
    folder = run_sweep(sweep, tmp_path / "b")
    truncated = point_path(folder, 0)
    truncated.write_bytes(truncated.read_bytes()[:300])
    flipped = point_path(folder, 1)
    text = flipped.read_text()
    at = text.index('"kpis":[[') + len('"kpis":[[')
    flipped.write_text(text[:at] + ("7" if text[at] != "7" else "8") + text[at + 1 :])
    point_path(folder, 2).write_bytes(point_path(folder, 3).read_bytes())  # another point's
    record, _ = read_point(folder, 4, {BEDS: 3, RATE: 5}, _hash(folder, 4), 1)
    assert record is not None
    write_point(folder, replace(record, seed=99))  # a sound file of another seed
    partial, _ = read_point(folder, 5, {BEDS: 3, RATE: 8}, _hash(folder, 5), 1)
    assert partial is not None
    write_point(folder, replace(partial, rows={0: partial.rows[0]}))  # replication 1 missing
    events: list[SweepEvent] = []
    resume_sweep(folder, progress=events.append)
    damaged = {e.point: e.message for e in events if e.kind == "damaged"}
    assert set(damaged) == {0, 1, 2, 4}
    assert "not valid JSON" in damaged[0]
    assert "checksum mismatch" in damaged[1]
    assert "holds point 3" in damaged[2]
    assert "seed 99" in damaged[4]
    assert [e.point for e in events if e.kind == "partial"] == [5]
    assert ran(events) == {(p, r) for p in (0, 1, 2, 4) for r in (0, 1)} | {(5, 1)}
    assert final_bytes(folder) == final_bytes(whole)


def _hash(folder: Path, point: int) -> str:
    info = json.loads((folder / "sweep.json").read_text())
    return str(info["points"][point]["scenario_hash"])


def test_more_replications_run_only_the_new_ones(scenario_file: Path, tmp_path: Path) -> None:
    folder = run_sweep(small_sweep(scenario_file, replications=2), tmp_path / "a")
    events: list[SweepEvent] = []
    resume_sweep(folder, replications=3, progress=events.append)
    assert ran(events) == {(p, 2) for p in range(6)}
    assert json.loads((folder / "sweep.json").read_text())["replications"] == 3
    fresh = run_sweep(small_sweep(scenario_file, replications=3), tmp_path / "b")
    assert final_bytes(folder) == final_bytes(fresh)
    with pytest.raises(SamsimError) as caught:
        resume_sweep(folder, replications=2)
    assert str(caught.value) == (
        f"replications 2: the sweep in {folder} has 3 replications per point; "
        "replications can be added, not removed"
    )
    result = invoke("sweep", "--resume", str(folder), "--replications", "2", "--no-plots")
    assert_user_error(result)
    assert result.stderr == (
        f"--replications 2: the sweep in {folder} has 3 replications per point; "
        "replications can be added, not removed\n"
    )
    events.clear()
    resume_sweep(folder, progress=events.append)  # complete: nothing runs
    assert ran(events) == set()
    assert final_bytes(folder) == final_bytes(fresh)


def test_jobs_2_writes_the_same_files(scenario_file: Path, tmp_path: Path) -> None:
    sweep = small_sweep(scenario_file)
    one = run_sweep(sweep, tmp_path / "a", jobs=1)
    two = run_sweep(sweep, tmp_path / "b", jobs=2)
    assert final_bytes(one) == final_bytes(two)


def test_resume_of_another_sweep_is_a_user_error(scenario_file: Path, tmp_path: Path) -> None:
    folder = run_sweep(small_sweep(scenario_file, seed=1), tmp_path / "out")
    result = invoke(
        "sweep", str(scenario_file), "--vary", f"{BEDS}=1:4", "--vary", f"{RATE}=5,8",
        "--seed", "2", "--resume", str(folder), "--no-plots",
    )  # fmt: skip
    assert_user_error(result, "seed: 1 in the folder, 2 now", f"factor {BEDS}: 1,2,3 in the folder")
    assert result.stderr.startswith(f"--resume {folder}: the sweep there is not the one given:\n")
    assert result.stderr.endswith(
        "\nresume with --resume alone to continue it as it was, or leave out --resume "
        "to start a new sweep\n"
    )
    result = invoke("sweep", "--resume", str(folder), "--seed", "3", "--no-plots")
    assert_user_error(result, "seed: 1 in the folder, 3 now")
    result = invoke(
        "sweep", str(scenario_file), "--vary", f"{BEDS}=1:3", "--vary", f"{RATE}=5,8",
        "--set", "facilities.hospital.beds=12", "--seed", "1", "--resume", str(folder),
    )  # fmt: skip
    assert_user_error(result, "base scenario:", "the scenario or a value set on it differs")
    result = invoke("sweep", "--resume", str(tmp_path))
    assert_user_error(result)
    assert result.stderr == (
        f"--resume {tmp_path}: not a sweep folder (no sweep.json); name the folder the sweep "
        "was written to, OUT/sweep-<name>/<run id>\n"
    )
    assert_user_error(invoke("sweep", "--resume", str(tmp_path / "none")), "none: no such folder")
    assert_user_error(
        invoke("sweep", "--resume", str(folder), "--vary", "a=1"), "go with a SCENARIO"
    )
    # The library names its settings: the folder, the sweep expected; no flag.
    with pytest.raises(SamsimError) as caught:
        resume_sweep(folder, expected=small_sweep(scenario_file, seed=2))
    assert str(caught.value) == (
        f"folder {folder}: the sweep there is not the one expected:\n"
        "  seed: 1 in the folder, 2 now\n"
        "continue it as it was (without an expected sweep), or start a new sweep"
    )
    with pytest.raises(SamsimError) as caught:
        stored_sweep(tmp_path)
    assert str(caught.value).startswith(f"folder {tmp_path}: not a sweep folder (no sweep.json)")


def test_the_same_sweep_given_again_resumes(scenario_file: Path, tmp_path: Path) -> None:
    folder = run_sweep(small_sweep(scenario_file, seed=1), tmp_path / "out")
    before = final_bytes(folder)
    point_path(folder, 1).unlink()
    result = invoke(
        "sweep", str(scenario_file), "--vary", f"{BEDS}=1:3", "--vary", f"{RATE}=5,8",
        "--seed", "1", "--resume", str(folder), "--no-plots", "--jobs", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5 point(s) already complete" in result.stderr
    assert result.stdout.rstrip().splitlines()[-1] == str(folder)
    assert final_bytes(folder) == before


def busy_scenario(tmp_path: Path) -> Path:
    """Points of a fraction of a second each, so that a kill lands in the middle."""
    data: dict[str, Any] = minimal_scenario()
    data["name"] = "busy"
    data["run"].update(days=90, warmup_days=10)
    data["municipalities"]["north"]["population"] = 3_000_000
    data["facilities"]["hospital"]["beds"] = 400
    data["facilities"]["nursing-home"].update(beds=150, schedule=[])
    return write_yaml(tmp_path / "busy.yaml", data)


def test_a_real_kill_then_resume_gives_the_same_files(tmp_path: Path) -> None:
    scenario = busy_scenario(tmp_path)
    args = ["sweep", str(scenario), "--vary", f"{BEDS}=20:35", "--replications", "2"]
    args += ["--seed", "1", "--jobs", "1", "--no-plots", "--quiet"]
    out = tmp_path / "killed"
    command = [sys.executable, "-c", "from simulator.cli import main; main()"]
    process = subprocess.Popen([*command, *args, "--out", str(out)], cwd=ROOT)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if len(list(out.glob("sweep-busy/*/points/point-*.json"))) >= 3:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        assert process.wait(timeout=30) == -signal.SIGKILL, "the sweep ended before the kill"
    finally:
        if process.poll() is None:
            process.kill()
    (folder,) = out.glob("sweep-busy/*")
    assert not (folder / "sweep.csv").exists()
    assert 3 <= len(list(folder.glob("points/point-*.json"))) < 16
    result = invoke("sweep", "--resume", str(folder), "--jobs", "1", "--no-plots", "--quiet")
    assert result.exit_code == 0, result.output
    assert not list(folder.rglob(".*tmp-*"))
    whole = invoke(*args, "--out", str(tmp_path / "whole"))
    assert whole.exit_code == 0, whole.output
    (reference,) = (tmp_path / "whole").glob("sweep-busy/*")
    assert final_bytes(folder) == final_bytes(reference)


def test_ctrl_c_saves_what_finished_and_says_how_to_resume(
    scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.sweeps.runner as sweep_module

    real = sweep_module.iter_tasks

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        for count, item in enumerate(real(*args, **kwargs)):
            if count == 5:  # points 0 and 1 are done, point 2 has one of its two
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(sweep_module, "iter_tasks", interrupted)
    result = invoke(
        "sweep", str(scenario_file), "--vary", f"{BEDS}=1:3", "--vary", f"{RATE}=5,8",
        "--replications", "2", "--seed", "1", "--out", str(tmp_path / "out"), "--jobs", "1",
    )  # fmt: skip
    assert result.exit_code == 130, result.output
    (folder,) = (tmp_path / "out" / "sweep-minimal").iterdir()
    assert f"samsim sweep --resume {folder}" in result.stderr
    assert sorted(p.name for p in (folder / "points").iterdir()) == [
        "point-0000.json",
        "point-0001.json",
    ]
    assert not (folder / "sweep.csv").exists()
    monkeypatch.setattr(sweep_module, "iter_tasks", real)
    assert invoke("sweep", "--resume", str(folder), "--no-plots", "--jobs", "1").exit_code == 0
    whole = run_sweep(small_sweep(scenario_file), tmp_path / "whole")
    assert final_bytes(folder) == final_bytes(whole)


# --- sweep files -------------------------------------------------------------------------


def sweep_file(tmp_path: Path, scenario_file: Path, **changes: Any) -> Path:
    spec: dict[str, Any] = {
        "name": "share",
        "base": os.path.relpath(scenario_file, tmp_path),
        "replications": 2,
        "seed": 3,
        "factors": {
            "facilities.kohd-north.beds": "1,2",
            "kohd_share": {
                "label": "share starting at KØHD",
                "values": [0.2, 0.5, 1.2],
                "set": {
                    "groups.kols.entry.kohd_stay": "{value}",
                    "groups.kols.entry.hospital_stay": "1 - {value}",
                },
            },
        },
    }
    spec.update(changes)
    return write_yaml(tmp_path / "study.yaml", {"sweep": spec})


def test_a_sweep_file_with_a_derived_factor(scenario_file: Path, tmp_path: Path) -> None:
    path = sweep_file(tmp_path, scenario_file)
    sweep = load_sweep(path)
    points = prepare_points(sweep)
    assert len(points) == 6
    entry = points[1].scenario.groups["kols"].entry  # type: ignore[union-attr]
    assert entry == {"kohd_stay": 0.5, "hospital_stay": 0.5}
    result = invoke("sweep", str(path), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-plots")
    assert result.exit_code == 0, result.output
    assert "point 2 (facilities.kohd-north.beds=1, kohd_share=1.2): invalid" in result.stderr
    assert "must be >= 0" in result.stderr
    folder = Path(result.stdout.rstrip().splitlines()[-1])
    assert folder.parent.name == "sweep-share"
    table = pd.read_csv(folder / "sweep.csv")
    assert list(table.columns[:3]) == ["point", "facilities.kohd-north.beds", "kohd_share"]
    assert table["status"].tolist() == ["ok", "ok", "invalid"] * 2
    # --replications and --set on the command line override the file.
    again = load_sweep(path, overrides=["run.days=60"], replications=4, seed=9)
    assert (again.replications, again.seed, again.base["run"]["days"]) == (4, 9, 60)


def test_sweep_file_mistakes_are_user_errors(scenario_file: Path, tmp_path: Path) -> None:
    path = sweep_file(tmp_path, scenario_file, factor={})
    assert_user_error(
        invoke("sweep", str(path)), "sweep.factor: unknown key; did you mean 'factors'?"
    )
    path = sweep_file(tmp_path, scenario_file, base="nowhere.yaml")
    assert_user_error(invoke("sweep", str(path)), "file not found")
    path = sweep_file(tmp_path, scenario_file)
    assert_user_error(invoke("sweep", str(path), "--vary", "a=1"), "is a sweep file")
    assert_user_error(invoke("run", str(path)), "this is a sweep file, not a scenario")


def test_the_bundled_sweep_file_is_valid() -> None:
    sweep = load_sweep(BUNDLED)
    points = prepare_points(sweep)
    assert len(points) == 24 and all(p.scenario is not None for p in points)
    entries = {
        p.values["kols_kohd_share"]: p.scenario.groups["kols"].entry  # type: ignore[union-attr]
        for p in points
    }
    assert entries[0.35] == {"kohd_stay": 0.35, "hospital_stay": 0.65}
    assert sweep.key_kpis()[0] == "facility.dms-senja-kohd.diversion_share"
    result = invoke("validate", str(BUNDLED))
    assert result.exit_code == 0 and result.stdout.startswith("ok"), result.output


# --- the command line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--vary", "facilities.kohd-north.bedz=1,2"], "unknown key; did you mean 'beds'?"),
        ([], "needs at least one --vary"),
    ],
)
def test_cli_mistakes_are_user_errors(
    scenario_file: Path, tmp_path: Path, extra: list[str], fragment: str
) -> None:
    result = invoke("sweep", str(scenario_file), *extra, "--out", str(tmp_path), "--no-plots")
    assert_user_error(result, fragment)
    assert len(result.stderr.strip().splitlines()) <= 2  # one clear message


# Each mistake in a sweep's settings: (vary, design, samples, kpis), the library's
# message (naming settings), the command line's (naming flags, and the flags that fix it).
SETTING_MISTAKES = [
    (
        ["beds"],
        None,
        None,
        (),
        "vary beds: must look like dotted.path=VALUES, e.g. beds=2,4,6",
        "--vary beds: must look like dotted.path=VALUES, e.g. beds=2,4,6",
    ),
    (
        [f"{BEDS}=1:x"],
        None,
        None,
        (),
        f"vary {BEDS}=1:x: not a number (got 'x')",
        f"--vary {BEDS}=1:x: not a number (got 'x')",
    ),
    (
        [f"{BEDS}=1..3"],
        "grid",
        None,
        (),
        f"vary {BEDS}=1..3: bounds low..high are for a Latin hypercube design; "
        "a grid needs a list (2,4,6) or a range (2:12:2)",
        f"--vary {BEDS}=1..3: bounds low..high are for a Latin hypercube design; "
        "a grid needs a list (2,4,6) or a range (2:12:2)\n"
        "on the command line: --design lhs --samples N",
    ),
    (
        [f"{BEDS}=1,3"],
        "lhs",
        4,
        (),
        f"vary {BEDS}=1,3: a Latin hypercube design needs bounds low..high for every factor, "
        "e.g. 0.1..0.5 or 2..12",
        f"--vary {BEDS}=1,3: a Latin hypercube design needs bounds low..high for every factor, "
        "e.g. 0.1..0.5 or 2..12",
    ),
    (
        [f"{BEDS}=1..3"],
        "lhs",
        None,
        (),
        "design lhs: needs samples, the number of points to draw",
        "--design lhs: needs samples, the number of points to draw\n"
        "on the command line: --samples N",
    ),
    (
        [f"{BEDS}=1,2"],
        None,
        4,
        (),
        "samples 4: samples are drawn by a Latin hypercube design only; "
        "a grid runs every combination",
        "--samples 4: samples are drawn by a Latin hypercube design only; "
        "a grid runs every combination\non the command line: --design lhs",
    ),
    (
        [f"{BEDS}=1,2"],
        None,
        None,
        ("facility.kohd-north.diversion_shar",),
        "kpis facility.kohd-north.diversion_shar: no such KPI in this scenario; "
        "did you mean 'facility.kohd-north.diversion_share'?",
        "--kpi facility.kohd-north.diversion_shar: no such KPI in this scenario; "
        "did you mean 'facility.kohd-north.diversion_share'?",
    ),
]


@pytest.mark.parametrize(
    ("vary", "design", "samples", "kpis", "library", "command_line"),
    SETTING_MISTAKES,
    ids=["syntax", "not-a-number", "bounds-in-grid", "list-in-lhs", "no-samples",
         "samples-in-grid", "kpi"],
)  # fmt: skip
def test_a_wrong_setting_names_the_setting_in_the_library_and_the_flag_on_the_command_line(
    scenario_file: Path,
    tmp_path: Path,
    vary: list[str],
    design: str | None,
    samples: int | None,
    kpis: tuple[str, ...],
    library: str,
    command_line: str,
) -> None:
    with pytest.raises(SamsimError) as caught:
        sweep = sweep_from_vary(scenario_file, vary, design, samples, kpis=kpis)
        start_sweep(sweep, tmp_path / "library")  # unknown KPIs are found here
    assert str(caught.value) == library
    assert "--" not in str(caught.value)
    args = [arg for text in vary for arg in ("--vary", text)]
    args += [
        *(["--design", design] if design else []),
        *(["--samples", str(samples)] * bool(samples)),
    ]
    args += [arg for kpi in kpis for arg in ("--kpi", kpi)]
    result = invoke("sweep", str(scenario_file), *args, "--out", str(tmp_path), "--no-plots")
    assert_user_error(result)
    assert result.stderr == command_line + "\n"


def test_a_sweep_file_mistake_names_its_key_not_a_flag(scenario_file: Path, tmp_path: Path) -> None:
    """A sweep file's design, samples and factors are keys of the file: named as such."""
    cases = [
        ({"factors": {BEDS: "1..3"}}, f"sweep.factors.{BEDS}: bounds low..high are for a "
         "Latin hypercube design; a grid needs a list (2,4,6) or a range (2:12:2); "
         "or write design: lhs and samples: N"),
        ({"design": "lhs", "samples": 4,
          "factors": {"beds": {"values": "1,3", "set": {BEDS: "{value}"}}}},
         "sweep.factors.beds.values: a Latin hypercube design needs bounds low..high"),
        ({"design": "lhs", "factors": {BEDS: "1..3"}},
         "sweep.samples: required for design: lhs, the number of points to draw, e.g. samples: 20"),
        ({"samples": 4, "factors": {BEDS: "1,2"}}, "sweep.samples: samples are drawn by a Latin "
         "hypercube design only; a grid runs every combination: remove it, or write design: lhs"),
    ]  # fmt: skip
    for spec, expected in cases:
        path = write_yaml(tmp_path / "sweep.yaml", {"sweep": {"base": str(scenario_file), **spec}})
        with pytest.raises(SamsimError) as caught:
            load_sweep(path)
        assert str(caught.value).startswith(f"{path}: {expected}"), str(caught.value)
        result = invoke("sweep", str(path), "--out", str(tmp_path), "--no-plots")
        assert_user_error(result, f"{path}: {expected}")
        assert "--" not in result.stderr


def test_cli_prints_a_table_and_the_folder_last_and_draws_plots(
    scenario_file: Path, tmp_path: Path
) -> None:
    result = invoke(
        "sweep", str(scenario_file), "--vary", f"{BEDS}=1..4", "--vary", f"{RATE}=4.0..8.0",
        "--design", "lhs", "--samples", "5", "--replications", "2", "--seed", "4",
        "--kpi", "group.kols.municipal_share", "--out", str(tmp_path / "out"), "--jobs", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip().splitlines()
    folder = Path(lines[-1])
    assert lines[0].split()[:5] == [
        "point",
        "beds",
        "rate_per_1000",
        "status",
        "kohd-north.diversion_share",
    ]
    assert len([line for line in lines if line.split()[-1:] != [] and " ok " in line]) == 5
    assert "point 4 done (5/5)" in result.stderr
    table = pd.read_csv(folder / "sweep.csv")
    assert table[BEDS].between(1, 4).all() and table[BEDS].dtype.kind == "i"
    assert "group.kols.municipal_share" in table.columns
    stems = sorted(p.name for p in (folder / "plots").iterdir())
    assert stems == sorted(
        f"{stem}.{ext}"
        for stem in (
            "effect_facilities_kohd-north_beds",
            "effect_groups_kols_rate_per_1000",
            "heatmap",
        )
        for ext in ("png", "svg")
    )


def test_limits_make_points_invalid_and_are_kept_for_resume(
    scenario_file: Path, tmp_path: Path
) -> None:
    """A point beyond the episode limit is skipped like an invalid one; sweep.json keeps
    the limits, so a resumed sweep judges its points the same way."""
    # about 14 000 inhabitants x 5 per 1 000 a year x 100 days: ~19 episodes at rate 5
    limits = Limits(episodes=50)
    sweep = sweep_from_vary(scenario_file, [f"{RATE}=5,50"], replications=2, seed=1, limits=limits)
    events: list[SweepEvent] = []
    folder = run_sweep(sweep, tmp_path / "out", progress=events.append)
    invalid = [e for e in events if e.kind == "invalid"]
    assert [e.point for e in invalid] == [1]
    assert "episodes expected in each replication, more than the limit of 50" in invalid[0].message
    assert json.loads((folder / "sweep.json").read_text())["limits"]["episodes"] == 50
    assert stored_sweep(folder).limits == limits
    before = final_bytes(folder)
    resume_sweep(folder)
    assert final_bytes(folder) == before
