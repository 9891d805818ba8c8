"""The public API: what ``import simulator`` offers, and how it is called."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from helpers import single_unit_dict

import simulator
from simulator import RunOptions, compare, simulate, validate
from simulator.sizing.search import size_facility
from simulator.sizing.unconstrained import unconstrained_curve

EXP = {"dist": "exponential", "mean": 1.0}


def unit(beds: int, name: str = "unit") -> simulator.Scenario:
    return validate(single_unit_dict(beds, 2.0, EXP, "divert", days=20, warmup=2, name=name))


def test_all_is_locked() -> None:
    """A name added to or dropped from the public API is a decision: change this list too."""
    assert simulator.__all__ == [
        "Comparison",
        "Problem",
        "Results",
        "RunOptions",
        "SamsimError",
        "Scenario",
        "ScenarioError",
        "Workers",
        "__version__",
        "compare",
        "load_scenario",
        "simulate",
        "simulate_many",
        "validate",
    ]
    for name in simulator.__all__:
        assert hasattr(simulator, name), name


def test_a_shared_pool_and_simulate_many_from_the_top_level() -> None:
    """``simulator.Workers`` and ``simulator.simulate_many`` are the experiment's own."""
    from simulator.experiment.executors import Workers
    from simulator.experiment.simulate import simulate_many

    assert simulator.Workers is Workers and simulator.simulate_many is simulate_many
    for public in (simulator.Workers, simulator.simulate_many):
        assert "Examples" in (public.__doc__ or ""), public
    three, four = unit(3, "three"), unit(4, "four")
    with simulator.Workers(2) as workers:
        opts = RunOptions(replications=2, seed=5, workers=workers)
        together = simulator.simulate_many([three, four], options=opts)
    alone = [simulate(s, replications=2, seed=5) for s in (three, four)]
    for shared, single in zip(together, alone, strict=True):
        assert shared.replications.equals(single.replications)


@pytest.mark.parametrize(
    ("function", "positional"),
    [
        (simulate, ["scenario"]),
        (compare, ["base", "alternatives"]),
        (size_facility, ["scenario", "facility", "target"]),
        (unconstrained_curve, ["scenario", "facility"]),
    ],
)
def test_options_are_keyword_only(function: object, positional: list[str]) -> None:
    parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    assert [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD] == positional
    keywords = {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}
    assert {"options", "replications", "seed", "jobs", "scheduler", "progress"} <= keywords


def test_a_positional_option_is_refused() -> None:
    with pytest.raises(TypeError):
        simulate(unit(3), 2)  # type: ignore[misc]


def test_run_options_are_frozen_and_checked() -> None:
    opts = RunOptions(replications=3, seed=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.seed = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        RunOptions(3)  # type: ignore[misc]
    for bad in ({"replications": 0}, {"jobs": 0}, {"max_replications": 0}, {"precision": 1.5}):
        with pytest.raises(ValueError, match="must be"):
            RunOptions(**bad)  # type: ignore[arg-type]


def test_merged_changes_only_what_is_given() -> None:
    opts = RunOptions(replications=3, seed=4, jobs=2)
    assert opts.merged(seed=9, jobs=None) == RunOptions(replications=3, seed=9, jobs=2)
    assert opts.merged() == opts
    with pytest.raises(TypeError):
        opts.merged(replication=3)


def test_defaults_come_from_the_scenario() -> None:
    scenario = unit(3)
    assert RunOptions().replications_for(scenario) == scenario.run.replications
    assert RunOptions().seed_for(scenario) == scenario.run.seed
    assert RunOptions(replications=7, seed=8).replications_for(scenario) == 7
    assert RunOptions(replications=7, seed=8).seed_for(scenario) == 8


def test_options_object_and_keywords_give_the_same_results() -> None:
    scenario = unit(3)
    by_keywords = simulate(scenario, replications=2, seed=6)
    by_options = simulate(scenario, options=RunOptions(replications=2, seed=6))
    overridden = simulate(scenario, options=RunOptions(replications=2, seed=1), seed=6)
    for results in (by_options, overridden):
        assert results.seed == 6
        assert results.replications.equals(by_keywords.replications)


def test_compare_takes_the_same_options() -> None:
    seen: list[tuple[int, int]] = []
    opts = RunOptions(
        replications=2, seed=3, progress=lambda done, total: seen.append((done, total))
    )
    comparison = compare(unit(3, "three"), [unit(4, "four")], options=opts)
    assert comparison.base.seed == 3 and len(comparison.base.replications) == 2
    assert len(comparison.alternatives[0].replications) == 2
    assert len(seen) == 4  # two replications of each scenario


def test_sweep_settings_are_keyword_only() -> None:
    from simulator.sweeps.runner import resume_sweep, run_sweep

    for function, positional in ((run_sweep, ["sweep", "out"]), (resume_sweep, ["folder"])):
        parameters = inspect.signature(function).parameters.values()
        assert [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD] == positional
        keywords = {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}
        assert {"jobs", "scheduler", "progress"} <= keywords
