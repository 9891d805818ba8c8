"""One manifest builder for run, comparison, sweep and sizing folders."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import math
from pathlib import Path

import grimp
import pytest
from helpers import single_unit_dict, write_yaml

from simulator import validate
from simulator.experiment.compare import compare
from simulator.experiment.executors import Failure
from simulator.experiment.simulate import simulate
from simulator.store.manifest import (
    COMMON_KEYS,
    KINDS,
    build_manifest,
    failure_rows,
    manifest_text,
    scenario_hash,
    write_manifest,
)

EXP = {"dist": "exponential", "mean": 1.0}
START = dt.datetime(2026, 3, 1, 10, 15, 30, tzinfo=dt.UTC)


def unit(beds: int, name: str) -> dict:
    return single_unit_dict(beds, 2.0, EXP, "divert", days=20, warmup=2, name=name)


def test_common_keys_come_first_then_the_kinds_own() -> None:
    scenario = validate(unit(3, "three"))
    m = build_manifest(
        kind="run",
        scenario=scenario,
        seed=7,
        replications=4,
        started=START,
        finished=START + dt.timedelta(seconds=90),
        overrides=["run.days=30", "facilities.unit.beds=4"],
        details={"timing": {"simulate": 1.5}},
    )
    assert list(m) == [*COMMON_KEYS, "timing"]
    assert m["kind"] == "run"
    assert m["scenario"] == "three" and m["title"] == scenario.title
    assert m["scenario_hash"] == scenario_hash(scenario) and len(m["scenario_hash"]) == 64
    assert (m["seed"], m["replications"]) == (7, 4)
    assert m["overrides"] == ["run.days=30", "facilities.unit.beds=4"]
    assert m["started"] == "2026-03-01T10:15:30+00:00"
    assert m["finished"] == "2026-03-01T10:17:00+00:00"
    assert m["samsim_version"] == importlib.metadata.version("samsim")
    assert m["packages"]["numpy"] == importlib.metadata.version("numpy")


def test_a_scenario_hash_changes_with_the_scenario() -> None:
    assert scenario_hash(validate(unit(3, "a"))) != scenario_hash(validate(unit(4, "a")))
    assert scenario_hash(validate(unit(3, "a"))) == scenario_hash(validate(unit(3, "a")))


def test_a_folder_without_one_validated_scenario_names_it_itself() -> None:
    m = build_manifest(
        kind="sweep", name="beds", title="Beds", digest="abc", seed=1, replications=2, started=None
    )
    assert (m["scenario"], m["title"], m["scenario_hash"]) == ("beds", "Beds", "abc")
    assert m["started"] is None and m["finished"] is None and m["overrides"] == []


def test_unknown_kind_and_repeated_common_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="kind must be one of run, comparison, sweep, sizing"):
        build_manifest(kind="batch", seed=1, replications=1, started=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="repeat common manifest keys: seed"):
        build_manifest(kind="run", seed=1, replications=1, started=None, details={"seed": 2})
    assert KINDS == ("run", "comparison", "sweep", "sizing", "calibration")


def test_failure_rows_with_and_without_tracebacks() -> None:
    failures = [
        Failure(scenario="s", replication=3, seed=9, error="ValueError: x", traceback="Trace...")
    ]
    assert failure_rows(failures) == [
        {"replication": 3, "seed": 9, "error": "ValueError: x", "traceback": "Trace..."}
    ]
    assert failure_rows(failures, traceback=False) == [
        {"replication": 3, "seed": 9, "error": "ValueError: x"}
    ]


def test_a_nan_is_written_as_null_so_the_file_stays_json(tmp_path: Path) -> None:
    write_manifest(tmp_path, {"a": math.nan, "b": [1.0, math.inf], "c": {"d": -math.inf}})
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": {"d": None}}
    assert manifest_text({"x": 1}) == '{\n  "x": 1\n}\n'


def test_run_and_comparison_folders_share_the_common_keys(tmp_path: Path) -> None:
    three, four = validate(unit(3, "three")), validate(unit(4, "four"))
    results = simulate(three, replications=2, seed=5)
    run = json.loads(
        (Path(results.write(tmp_path, overrides=["run.seed=5"])) / "manifest.json").read_text(
            encoding="utf-8"
        )
    )
    assert run["kind"] == "run" and run["overrides"] == ["run.seed=5"]
    assert list(run)[: len(COMMON_KEYS)] == list(COMMON_KEYS)
    for key in ("timing", "precision", "warnings", "failures", "scenario_files", "checksums"):
        assert key in run
    assert (run["seed"], run["replications"]) == (5, 2)

    folder = compare(three, [four], replications=2, seed=5).write(tmp_path, overrides=["x=1"])
    both = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert both["kind"] == "comparison" and both["overrides"] == ["x=1"]
    assert list(both)[: len(COMMON_KEYS)] == list(COMMON_KEYS)
    assert (both["base"], both["alternatives"]) == ("three", ["four"])
    assert both["scenario"] == "three" and both["scenario_hash"] == scenario_hash(three)
    assert "comparison.csv" in both["checksums"]
    sub = json.loads((folder / "four" / "manifest.json").read_text(encoding="utf-8"))
    assert sub["kind"] == "run" and sub["overrides"] == ["x=1"]


def test_store_never_imports_experiment() -> None:
    graph = grimp.build_graph("simulator")
    for module in sorted(m for m in graph.modules if m.startswith("simulator.store")):
        imported = graph.find_modules_directly_imported_by(module)
        assert not [m for m in imported if m.startswith("simulator.experiment")], module


def test_a_sweep_json_carries_the_common_keys(tmp_path: Path) -> None:
    from simulator.sweeps.definition import sweep_from_vary
    from simulator.sweeps.runner import start_sweep

    path = write_yaml(tmp_path / "three.yaml", unit(3, "three"))
    sweep = sweep_from_vary(
        path,
        ["facilities.unit.beds=2,3"],
        replications=2,
        seed=4,
        overrides=("run.days=20",),
    )
    folder = start_sweep(sweep, tmp_path / "out")
    info = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    assert list(info)[: len(COMMON_KEYS)] == list(COMMON_KEYS)
    assert info["kind"] == "sweep"
    assert (info["seed"], info["replications"]) == (4, 2)
    assert info["scenario"] == "three" and info["scenario_hash"] == sweep.base_hash
    assert info["overrides"] == ["run.days=20"]
    assert info["started"] == info["created"]
