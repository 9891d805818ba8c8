"""Episodes driven from event callbacks (simulator.model.drive): same order as a Process,
failures thrown in, nothing held for a patient once the episode has ended, and the common
path without a generator (simulator.model.episode) gives the same record."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from helpers import minimal_scenario

from simulator import load_scenario, validate
from simulator.model import episode as episode_module
from simulator.model.drive import drive
from simulator.model.engine import Model, run_replication
from simulator.model.placement import Patient
from simulator.model.records import Episode


def _walker(
    env: simpy.Environment, name: str, log: list[tuple[float, str]], ready: simpy.Event
) -> Generator[simpy.Event, Any, None]:
    log.append((env.now, f"{name} start"))
    yield env.timeout(1.0)
    log.append((env.now, f"{name} after timeout"))
    value = yield ready  # triggered and processed before some resume: goes on at once
    log.append((env.now, f"{name} got {value}"))
    yield env.timeout(0.5) | env.timeout(2.0)
    log.append((env.now, f"{name} after condition"))


def _run(start: Any) -> list[tuple[float, str]]:
    env = simpy.Environment()
    log: list[tuple[float, str]] = []
    ready = env.event()

    def arrive(name: str, at: float) -> None:
        env.timeout(at).callbacks.append(  # type: ignore[union-attr]
            lambda _e: start(env, _walker(env, name, log, ready))
        )

    arrive("a", 0.25)
    arrive("b", 1.0)
    env.timeout(1.1).callbacks.append(lambda _e: ready.succeed("bed"))  # type: ignore[union-attr]
    env.run()
    return log


def test_driven_generators_run_as_processes_do() -> None:
    as_process = _run(lambda env, gen: env.process(gen))
    driven = _run(lambda env, gen: drive(gen))
    assert driven == as_process
    assert (1.25, "a after timeout") in driven and (2.0, "b got bed") in driven


def test_a_failed_event_is_thrown_into_the_generator() -> None:
    env = simpy.Environment()
    caught: list[str] = []

    def patient() -> Generator[simpy.Event, Any, None]:
        failing = env.event()
        failing.fail(ValueError("closed"))
        try:
            yield failing
        except ValueError as error:
            caught.append(str(error))
        yield env.timeout(1.0)
        caught.append("went on")

    drive(patient())
    env.run()
    assert caught == ["closed", "went on"]


def _run_to_horizon(model: Model) -> None:
    collecting = gc.isenabled()
    gc.disable()  # as in Model.run: only reference counting frees
    try:
        model.env.process(model.source())
        model.outside = model._outside_patients()
        model.env.run(until=model.calendar.horizon)
    finally:
        if collecting:
            gc.enable()


def test_nothing_is_held_for_a_patient_after_the_episode_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every patient -- driven by a generator or, on the common path, by callbacks only --
    is freed when its episode ends: at the horizon the live patients are the open ones."""
    patients: list[weakref.ref[Patient]] = []

    class Tracked(Patient):
        __slots__ = ()

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            patients.append(weakref.ref(self))

    monkeypatch.setattr(episode_module, "Patient", Tracked)
    spec = minimal_scenario()
    # One short-term place: patients queue for it at the horizon, each in a generator
    # (delays at home run without one since the clock).
    spec["facilities"]["nursing-home"].update(beds=1, schedule=[])
    spec["groups"]["kols"]["steps"]["short_term"]["los"]["mean"] = 200
    scenario = validate(spec, "minimal")
    model = Model(scenario, 7, 0)
    generators: list[weakref.ref[Generator[simpy.Event, Any, None]]] = []
    pathway = model._pathway

    def tracked(*args: Any) -> Generator[simpy.Event, Any, None]:
        generator = pathway(*args)
        generators.append(weakref.ref(generator))
        return generator

    model._pathway = tracked  # type: ignore[method-assign]
    gc.collect()
    gc.disable()
    try:
        _run_to_horizon(model)
        alive = sum(ref() is not None for ref in patients)
        live_generators = sum(ref() is not None for ref in generators)
    finally:
        gc.enable()
    episodes = model.episodes.array()
    still_open = int(np.isnan(episodes[:, Episode.END]).sum())
    assert len(patients) == len(episodes) > 50
    assert 0 < still_open < len(episodes) / 2
    assert alive == still_open  # an ended episode left nothing behind
    assert 0 < live_generators <= still_open  # and no generator outlived its episode
    assert len(generators) < len(patients)  # some episodes ran without one


def _forced_generators(self: Model, m: int, g: int, step: int, band: int = 0) -> None:
    drive(self.episode(m, g, step, band))


@pytest.mark.parametrize("name", ["baseline.yaml", "dps-closure-2028.yaml"])
def test_callbacks_without_a_generator_give_the_same_record(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The common path without a generator (Episodes.start) changes nothing: the same
    tables, to the bit, as every episode driven by its generator."""
    path = Path(__file__).resolve().parents[2] / "scenarios" / "midt-troms" / name
    scenario = load_scenario(path, overrides=("run.days=120", "run.warmup_days=20"))
    fast = run_replication(scenario, 3, 0)
    monkeypatch.setattr(Model, "start", _forced_generators)
    slow = run_replication(scenario, 3, 0)
    assert len(fast.episodes) > 1000 and fast.events == slow.events
    for table in ("episodes", "stays", "diversions", "blocks", "waiting"):
        np.testing.assert_array_equal(getattr(fast, table), getattr(slow, table))
    for mine, theirs in zip(fast.occupancy, slow.occupancy, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(fast.pathways.periods, slow.pathways.periods)
    np.testing.assert_array_equal(fast.pathways.discharges, slow.pathways.discharges)
    np.testing.assert_array_equal(fast.pathways.step_costs, slow.pathways.step_costs)


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
