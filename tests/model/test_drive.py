"""Episodes driven from event callbacks (simulator.model.drive): same order as a Process,
failures thrown in, nothing held for a patient once the episode has ended."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Generator
from typing import Any

import pytest
import simpy
from helpers import minimal_scenario

from simulator import validate
from simulator.model.drive import drive
from simulator.model.engine import Model


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


def test_nothing_is_held_for_a_patient_after_the_episode_ends() -> None:
    scenario = validate(minimal_scenario(), "minimal")
    model = Model(scenario, 7, 0)
    generators: list[weakref.ref[Generator[simpy.Event, Any, None]]] = []
    episode = model.episode

    def tracked(*args: int) -> Generator[simpy.Event, Any, None]:
        generator = episode(*args)
        generators.append(weakref.ref(generator))
        return generator

    model.episode = tracked  # type: ignore[method-assign]
    collecting = gc.isenabled()
    gc.disable()  # as in Model.run: only reference counting frees
    try:
        model.env.process(model.source())
        model.outside = model._outside_patients()
        model.env.run(until=model.calendar.horizon)
        alive = sum(ref() is not None for ref in generators)
    finally:
        if collecting:
            gc.enable()
    still_open = sum(1 for row in model.episodes if row[3] != row[3])  # END is nan
    assert len(generators) == len(model.episodes) > 50
    assert 0 < still_open < len(model.episodes) / 2
    assert alive == still_open  # an ended episode left nothing behind


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
