"""One replication in a worker: the garbage collector is paused for it, then frees it."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.experiment.replication import collector_paused, replicate

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "midt-troms" / "baseline.yaml"


class Node:
    """An object that can take part in a reference cycle."""

    other: Node | None = None


def test_collector_is_off_inside_and_frees_the_cycles_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        alive = weakref.ref(a)
        del a, b
        assert alive() is not None
    assert gc.isenabled()
    assert alive() is None  # collected on the way out, not at some later collection


def test_collector_left_off_when_the_caller_had_it_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            a = Node()
            a.other = a
            alive = weakref.ref(a)
            del a
        assert not gc.isenabled()
        assert alive() is not None  # nothing collected behind the caller's back
    finally:
        gc.enable()
        gc.collect()


def test_collector_back_on_when_the_replication_raises() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a bug")
    assert gc.isenabled()


def test_a_replication_runs_without_collections_and_ends_with_one() -> None:
    """The collector stays off through build, run and KPIs; one young collection frees it."""
    scenario = load_scenario(BASELINE, ["run.days=60"])  # enough objects for collections
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(seen)
    try:
        outcome = replicate(scenario, 3, 0)
    finally:
        gc.callbacks.remove(seen)
    assert collections == [0]
    assert gc.isenabled()
    assert outcome.seconds > 0
    assert 0 < outcome.cpu_seconds <= outcome.seconds + 0.01  # its thread's CPU, within wall
    assert gc.collect() == 0  # the model's reference cycles went with that collection
    assert replicate(scenario, 3, 0).kpis == outcome.kpis
