"""Experiments: many replications of one scenario, and their results.

:func:`simulate` runs replication ``r`` with random streams derived from
``(seed, r)`` only, so a replication's numbers do not depend on which
process runs it or in what order. It returns :class:`Results`: the
per-replication KPI table, the summary with intervals, and daily occupancy
bands, ready to :meth:`Results.write`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.analysis import daily_bands, summarise
from simulator.executors import Failure, run_replications
from simulator.kpis import compute_kpis
from simulator.model import run_replication
from simulator.schema import Scenario

__all__ = ["ExperimentFailed", "Results", "ReplicationOutcome", "simulate", "replicate"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReplicationOutcome:
    """KPIs and daily occupancy of one replication (small enough to send between processes)."""

    replication: int
    kpis: dict[str, float]
    daily_occupied: np.ndarray  # (facilities, days)
    daily_capacity: np.ndarray
    episodes: int
    events: int
    seconds: float


def replicate(scenario: Scenario, seed: int, replication: int) -> ReplicationOutcome:
    """Run one replication and reduce it to its KPIs."""
    started = time.perf_counter()
    record = run_replication(scenario, seed, replication)
    kpis, paths = compute_kpis(record, scenario)
    return ReplicationOutcome(
        replication=replication,
        kpis=kpis,
        daily_occupied=np.array([p.daily_occupied for p in paths]),
        daily_capacity=np.array([p.daily_capacity for p in paths]),
        episodes=len(record.episodes),
        events=record.events,
        seconds=time.perf_counter() - started,
    )


@dataclass
class Results:
    """The results of an experiment: tables a planner or an analyst reads.

    Attributes
    ----------
    scenario
        The validated scenario that produced them.
    seed
        The experiment's root seed.
    replications
        One row per replication, one column per KPI.
    summary
        ``kpi, mean, std, ci_low, ci_high, n``.
    daily_occupancy
        ``day, facility, mean, p05, p95, beds`` over replications.
    """

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    daily_occupancy: pd.DataFrame
    started: dt.datetime
    finished: dt.datetime
    timing: dict[str, float] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    def kpi(self, name: str) -> float:
        """The mean of one KPI over replications."""
        row = self.summary.loc[self.summary["kpi"] == name]
        if row.empty:
            raise KeyError(name)
        return float(row["mean"].iloc[0])

    def write(self, out: str | None = None) -> str:
        """Write the results folder under ``out`` (see :mod:`simulator.results`); its path."""
        from simulator.results import write_results

        return str(write_results(self, out or "results"))


def collect(
    scenario: Scenario, seed: int, outcomes: list[ReplicationOutcome], started: dt.datetime
) -> Results:
    """Assemble the outcomes of every replication, sorted by replication."""
    outcomes = sorted(outcomes, key=lambda o: o.replication)
    table = pd.DataFrame([{"replication": o.replication, **o.kpis} for o in outcomes])
    start = scenario.run.start_date
    days = outcomes[0].daily_occupied.shape[1]
    dates = [(start + dt.timedelta(days=i)).isoformat() for i in range(days)]
    daily = daily_bands(
        np.stack([o.daily_occupied for o in outcomes]),
        np.stack([o.daily_capacity for o in outcomes]),
        dates,
        tuple(scenario.facilities),
    )
    seconds = sum(o.seconds for o in outcomes)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=table,
        summary=summarise(table),
        daily_occupancy=daily,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        timing={
            "replication_seconds": seconds,
            "episodes": float(sum(o.episodes for o in outcomes)),
            "events": float(sum(o.events for o in outcomes)),
        },
    )


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
) -> Results:
    """Run an experiment: ``replications`` replications of ``scenario``.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`simulator.load_scenario`).
    replications, seed
        Default to the scenario's ``run.replications`` and ``run.seed``.
    progress
        Called with (done, total) after each replication.
    jobs
        Worker processes; 1 runs in this process. The results do not depend on it.

    Raises
    ------
    ExperimentFailed
        When every replication failed; when only some did, the results of
        the others come back with ``failures`` set.
    """
    n = replications if replications is not None else scenario.run.replications
    root = seed if seed is not None else scenario.run.seed
    if n < 1:
        raise ValueError("replications must be at least 1")
    started = dt.datetime.now(dt.UTC)
    done = run_replications(scenario, root, range(n), jobs=jobs, progress=progress)
    outcomes = [o for o in done if isinstance(o, ReplicationOutcome)]
    failures = [o for o in done if isinstance(o, Failure)]
    if not outcomes:
        raise ExperimentFailed(failures)
    results = collect(scenario, root, outcomes, started)
    results.failures = failures
    return results


class ExperimentFailed(RuntimeError):
    """Every replication of an experiment raised (a bug: exit code 1)."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__("every replication failed:\n" + "\n".join(str(f) for f in failures))
