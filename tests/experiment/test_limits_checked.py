"""simulate() and compare() check the scenario limits, as the command line does, and only once.

A Python user once could start a 50-million-episode run by a slip of the
population: only the commands checked :mod:`simulator.scenario.limits`. The
library now checks before anything runs, with limits the caller may raise;
the commands check once, naming the file, and tell the library not to again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import minimal_scenario, write_yaml

from simulator import RunOptions, compare, simulate, validate
from simulator.cli import main
from simulator.experiment import simulate as simulate_module
from simulator.scenario import limits as limits_module
from simulator.scenario.limits import LimitError, Limits, expected_episodes


def huge() -> dict[str, Any]:
    """The minimal scenario with a population whose episodes pass the default limit."""
    data = minimal_scenario()
    data["name"] = "huge"
    data["municipalities"]["north"]["population"] = 1e9
    data["groups"]["kols"]["rate_per_1000"] = 100.0
    return data


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (and refuse) every replication batch, so a missing check cannot hang the test."""
    calls: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("replications ran although the limits should have refused them")

    monkeypatch.setattr(simulate_module, "run_replications", refuse)
    return calls


def test_simulate_refuses_a_scenario_beyond_the_default_limits(no_runs: list[object]) -> None:
    scenario = validate(huge())
    assert expected_episodes(scenario) > Limits().episodes
    with pytest.raises(LimitError) as refused:
        simulate(scenario, replications=1)
    assert refused.value.limits == ("episodes",)
    assert "episodes expected in each replication" in str(refused.value)
    assert no_runs == []


def test_simulate_checks_the_limits_it_is_given(no_runs: list[object]) -> None:
    scenario = validate(minimal_scenario())
    below = expected_episodes(scenario) / 2
    with pytest.raises(LimitError):
        simulate(scenario, replications=1, limits=Limits(episodes=below))
    with pytest.raises(LimitError):  # the same through RunOptions
        simulate(scenario, options=RunOptions(replications=1, limits=Limits(episodes=below)))
    assert no_runs == []


def test_a_raised_limit_lets_the_scenario_run() -> None:
    data = minimal_scenario()
    data["run"]["days"] = 30
    scenario = validate(data)
    episodes = expected_episodes(scenario)
    with pytest.raises(LimitError):
        simulate(scenario, replications=1, limits=Limits(episodes=episodes / 2))
    results = simulate(scenario, replications=1, limits=Limits(episodes=episodes * 2))
    assert len(results.replications) == 1


def test_compare_refuses_before_any_scenario_runs(no_runs: list[object]) -> None:
    base = validate(minimal_scenario())
    with pytest.raises(LimitError) as refused:
        compare(base, [validate(huge())], replications=1)
    assert refused.value.problems[0].source == "huge"
    assert no_runs == []  # not even the base, which is within the limits


def count_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources of every limits check from now on."""
    sources: list[str] = []
    real = limits_module.limit_problems

    def counted(scenario: Any, limits: Any = None, source: str = "<scenario>") -> Any:
        sources.append(source)
        return real(scenario, limits, source)

    monkeypatch.setattr(limits_module, "limit_problems", counted)
    return sources


def small_file(tmp_path: Path, name: str) -> Path:
    data = minimal_scenario()
    data["name"] = name
    data["run"].update(days=20, warmup_days=0)
    return write_yaml(tmp_path / f"{name}.yaml", data)


def test_the_command_line_checks_each_scenario_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = count_checks(monkeypatch)
    base, alt = small_file(tmp_path, "base"), small_file(tmp_path, "alt")
    common = ["-r", "2", "-j", "1", "-q", "--no-report"]
    out = str(tmp_path / "out")
    result = CliRunner().invoke(main, ["run", str(base), *common, "--out", out])
    assert result.exit_code == 0, result.output
    assert sources == [str(base)]  # the command's check, naming the file; simulate's skipped
    sources.clear()
    result = CliRunner().invoke(main, ["compare", str(base), str(alt), *common, "--out", out])
    assert result.exit_code == 0, result.output
    assert sources == [str(base), str(alt)]
