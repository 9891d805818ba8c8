"""A replication that raises is reported; the others finish and are written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import minimal_scenario, write_yaml

import simulator.experiment.replication as experiment
from simulator import simulate, validate
from simulator.cli import main
from simulator.experiment.executors import Failure, run_replications

real_replicate = experiment.replicate


def flaky(scenario, seed, replication):  # type: ignore[no-untyped-def]
    if replication == 1:
        raise RuntimeError("simulated failure")
    return real_replicate(scenario, seed, replication)


def test_failure_is_captured_with_scenario_replication_and_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(experiment, "replicate", flaky)
    scenario = validate(minimal_scenario())
    done = run_replications(scenario, 9, range(3))
    failures = [d for d in done if isinstance(d, Failure)]
    assert [f.replication for f in failures] == [1]
    assert failures[0].seed == 9 and failures[0].scenario == "minimal"
    assert "simulated failure" in failures[0].traceback
    results = simulate(scenario, replications=3, seed=9)
    assert list(results.replications["replication"]) == [0, 2]
    assert any("replication 1" in w for w in results.warnings)


def test_cli_writes_what_finished_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(experiment, "replicate", flaky)
    path = write_yaml(tmp_path / "s.yaml", minimal_scenario())
    result = CliRunner().invoke(
        main,
        ["run", str(path), "-r", "3", "--jobs", "1", "-q", "--no-report", "--out", str(tmp_path)],
    )
    assert result.exit_code == 1
    folder = Path(result.output.strip().splitlines()[-1])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [f["replication"] for f in manifest["failures"]] == [1]
    assert (folder / "summary.csv").is_file()


def test_every_replication_failing_exits_1_without_traceback_to_stdout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(scenario, seed, replication):  # type: ignore[no-untyped-def]
        raise RuntimeError("always")

    monkeypatch.setattr(experiment, "replicate", broken)
    path = write_yaml(tmp_path / "s.yaml", minimal_scenario())
    result = CliRunner().invoke(
        main, ["run", str(path), "-r", "2", "--jobs", "1", "-q", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "replication 0" in result.output and "replication 1" in result.output


def test_a_pool_gives_the_same_outcomes_as_one_process() -> None:
    scenario = validate(minimal_scenario())
    serial = run_replications(scenario, 5, range(4), jobs=1)
    pooled = run_replications(scenario, 5, range(4), jobs=2)
    assert [o.kpis for o in serial] == [o.kpis for o in pooled]  # type: ignore[attr-defined]
