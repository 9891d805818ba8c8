"""One replication: run it, reduce it to what an experiment keeps, or say how it failed.

:func:`replicate` runs replication ``r`` of a scenario with the random
streams of ``(seed, r)`` (:mod:`simulator.model.streams`) and reduces its
record to a :class:`ReplicationOutcome`, small enough to send back from a
worker process or a Dask worker. :func:`attempt` is what a worker runs: a
replication that raises comes back as a :class:`Failure` with its traceback
instead of stopping the experiment. The executors
(:mod:`simulator.experiment.executors`, :mod:`simulator.experiment.dask_cluster`)
decide only where attempts run.
"""

from __future__ import annotations

import contextlib
import gc
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from simulator.measures.flows import flow_counts
from simulator.measures.kpis import facility_path, wait_quantiles
from simulator.measures.years import replication_kpis
from simulator.model.engine import run_replication
from simulator.scenario.schema import Scenario

__all__ = [
    "Failure",
    "Progress",
    "ReplicationOutcome",
    "Task",
    "attempt",
    "lost_task",
    "replicate",
]

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all) as an experiment runs."""

Task = tuple[Scenario, int, int]
"""One replication to run: (scenario, seed, replication)."""


@dataclass(frozen=True)
class ReplicationOutcome:
    """KPIs and daily occupancy of one replication (small enough to send between processes)."""

    replication: int
    kpis: dict[str, float]
    daily_occupied: np.ndarray  # (facilities, days of the collection period)
    daily_capacity: np.ndarray
    daily_from_start: np.ndarray  # (facilities, days from the simulation's start): warm-up
    occupancy_share: list[np.ndarray]  # per facility: share of open time at 0, 1, 2, ... occupied
    wait_quantiles: np.ndarray  # (groups, len(WAIT_QUANTILES))
    episodes: int
    events: int
    seconds: float
    flows: dict[tuple[str, str], int] = field(default_factory=dict)  # edge -> episodes
    cpu_seconds: float = 0.0  # CPU of the thread that ran it (``seconds`` is wall-clock)


def replicate(scenario: Scenario, seed: int, replication: int) -> ReplicationOutcome:
    """Run one replication and reduce it to its KPIs (the period's and each year's)."""
    started, cpu = time.perf_counter(), time.thread_time()
    with collector_paused():
        outcome = _reduce(scenario, seed, replication)
    return replace(
        outcome, seconds=time.perf_counter() - started, cpu_seconds=time.thread_time() - cpu
    )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a replication, one young collection after.

    A replication allocates millions of small objects that live until it
    ends (rows, events, processes). Left on, the collector scans them again
    and again while they are all still alive, finding nothing: at national
    scale a young and a middle collection right after the run, 2-2.5 s, then
    a full one, 2-3.5 s, to free the model (SimPy's pending processes hold it
    in reference cycles). Off until the outcome is made, one collection of
    the young generation (everything the replication allocated, nothing
    older) frees it at once: 1.3-1.5 s, and the memory is back before the
    next replication. Reference counting frees as usual meanwhile. When the
    caller had the collector off, it stays off and nothing is collected.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.collect(0)
            gc.enable()


def _reduce(scenario: Scenario, seed: int, replication: int) -> ReplicationOutcome:
    """Run the replication and reduce its record (:func:`replicate` times it)."""
    record = run_replication(scenario, seed, replication)
    kpis, paths = replication_kpis(record, scenario)
    return ReplicationOutcome(
        replication=replication,
        kpis=kpis,
        daily_occupied=np.array([p.daily_occupied for p in paths]),
        daily_capacity=np.array([p.daily_capacity for p in paths]),
        daily_from_start=np.array(
            [facility_path(log, 0.0, record.horizon).daily_occupied for log in record.occupancy]
        ),
        # Over the open time (decision 55): a closed spell is not time at 0 beds.
        occupancy_share=[
            p.open_level_time / p.open_time if p.open_time > 0 else np.zeros(0) for p in paths
        ],
        wait_quantiles=wait_quantiles(record),
        episodes=len(record.episodes),
        events=record.events,
        seconds=0.0,
        flows=flow_counts(record),
    )


@dataclass(frozen=True)
class Failure:
    """A replication that raised instead of finishing."""

    scenario: str
    replication: int
    seed: int
    error: str
    traceback: str

    def __str__(self) -> str:
        return (
            f"scenario {self.scenario}, replication {self.replication}, seed {self.seed}: "
            f"{self.error}"
        )


def attempt(scenario: Scenario, seed: int, replication: int) -> ReplicationOutcome | Failure:
    """Run one replication; a raised exception comes back as a :class:`Failure`."""
    try:
        return replicate(scenario, seed, replication)
    except Exception as exc:  # noqa: BLE001 - reported with its traceback, never swallowed
        return Failure(
            scenario=scenario.name,
            replication=replication,
            seed=seed,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
        )


def lost_task(task: Task, what: str, exc: BaseException) -> Failure:
    """A :class:`Failure` for a task whose worker, not the replication, failed."""
    scenario, seed, replication = task
    return Failure(scenario.name, replication, seed, f"{what}: {type(exc).__name__}: {exc}", "")
