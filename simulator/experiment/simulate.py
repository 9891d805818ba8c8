"""Experiments: many replications of one scenario, and their results.

:func:`simulate` runs replication ``r`` with random streams derived from
``(seed, r)`` only, so a replication's numbers do not depend on which
process runs it or in what order. It returns :class:`Results`: the
per-replication KPI table, the summary with intervals, and daily occupancy
bands, ready to :meth:`Results.write`.

One replication and its outcome are :mod:`simulator.experiment.replication`
(``replicate`` and ``ReplicationOutcome`` are re-exported here); where
replications run is :mod:`simulator.experiment.executors`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.intervals import (
    daily_bands,
    occupancy_distribution,
    summarise,
    wait_distribution,
)
from simulator.analysis.precision import DEFAULT_PRECISION, advice, replications_needed
from simulator.analysis.warmup import warmup_table
from simulator.experiment.executors import iter_tasks, run_replications
from simulator.experiment.options import RunOptions
from simulator.experiment.replication import Failure, Progress, ReplicationOutcome, replicate
from simulator.measures.bounds import kpi_bounds
from simulator.measures.flows import flow_table
from simulator.measures.kpis import WAIT_QUANTILES, unresolved_wait_warnings
from simulator.scenario.limits import Limits, check_limits
from simulator.scenario.schema import Scenario
from simulator.store.manifest import build_manifest, failure_rows
from simulator.store.results import write_results, write_run_files

__all__ = [
    "ExperimentFailed",
    "ReplicationOutcome",
    "Results",
    "bounded_summary",
    "collect",
    "replicate",
    "simulate",
    "simulate_many",
]


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
    occupancy_distribution
        ``facility, occupied, share``: share of time at each occupancy.
    wait_distribution
        ``group, probability, wait_days``: quantiles of the wait per admission.
    warmup
        ``facility, detected_days, warmup_days, enough``: MSER-5 per facility.
    advice
        ``kpi, mean, relative_half_width, replications, needed`` for the key KPIs.
    warnings
        Things a planner should know before trusting the figures.
    failures
        Replications that raised.
    flows
        ``source, target, per_year, ci_low, ci_high, total, n``: patient flows
        (:mod:`simulator.measures.flows`).
    """

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    daily_occupancy: pd.DataFrame
    occupancy_distribution: pd.DataFrame
    wait_distribution: pd.DataFrame
    warmup: pd.DataFrame
    advice: pd.DataFrame
    started: dt.datetime
    finished: dt.datetime
    precision: float = DEFAULT_PRECISION
    timing: dict[str, float] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def warnings(self) -> list[str]:
        """Warm-up shorter than MSER-5 suggests; too few replications for the precision."""
        found = [
            f"facility {row.facility}: MSER-5 detects a warm-up of {row.detected_days} days "
            f"but run.warmup_days is {row.warmup_days:g}; consider a longer warm-up "
            "(strong seasonality can make MSER-5 overestimate it)"
            for row in self.warmup.itertuples()
            if not row.enough
        ]
        short = self.advice.dropna(subset=["needed"])
        short = short[short["needed"] > short["replications"]]
        if len(short):
            worst = short.sort_values("needed").iloc[-1]
            found.append(
                f"{len(short)} key KPI(s) have a 95 % half-width above "
                f"{100 * self.precision:g} % of the mean with {int(worst.replications)} "
                f"replications; {worst.kpi} needs about {int(worst.needed)} "
                "(run more replications, or give a precision to add them until it is reached)"
            )
        found += unresolved_wait_warnings(self.replications, self.scenario.run.days)
        found += [f"replication failed: {f}" for f in self.failures]
        return found

    def kpi(self, name: str) -> float:
        """The mean of one KPI over replications."""
        row = self.summary.loc[self.summary["kpi"] == name]
        if row.empty:
            raise KeyError(name)
        return float(row["mean"].iloc[0])

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables of a run folder by file name (``summary.csv``, ...), in writing order."""
        return {
            "summary.csv": self.summary,
            "replications.csv": self.replications,
            "daily_occupancy.csv": self.daily_occupancy,
            "occupancy_distribution.csv": self.occupancy_distribution,
            "wait_distribution.csv": self.wait_distribution,
            "warmup.csv": self.warmup,
            "advice.csv": self.advice,
            "flows.csv": self.flows,
        }

    def manifest(self, overrides: Sequence[str] = ()) -> dict[str, Any]:
        """What produced these results (``manifest.json``): versions, seed, hash, timing.

        ``overrides``: the ``path=value`` changes applied on top of the scenario files.
        """
        return build_manifest(
            kind="run",
            scenario=self.scenario,
            seed=self.seed,
            replications=len(self.replications),
            started=self.started,
            finished=self.finished,
            overrides=overrides,
            details={
                "timing": self.timing,
                "precision": self.precision,
                "warnings": self.warnings,
                "failures": failure_rows(self.failures),
            },
        )

    def write_files(
        self, folder: Path, inputs: Sequence[Path] = (), overrides: Sequence[str] = ()
    ) -> None:
        """Write the files of a run folder into ``folder``, which must exist."""
        write_run_files(
            folder,
            scenario=self.scenario,
            tables=self.tables(),
            manifest=self.manifest(overrides),
            inputs=inputs,
        )

    def write(
        self,
        out: str | os.PathLike[str] | None = None,
        inputs: Sequence[Path] = (),
        overrides: Sequence[str] = (),
    ) -> str:
        """Write the results folder under ``out`` (see :mod:`simulator.store.results`); its path.

        ``inputs``: the scenario files read (base first), copied beside the results;
        ``overrides``: the ``path=value`` changes applied on top of them.
        """
        folder = write_results(
            out or "results",
            scenario=self.scenario,
            tables=self.tables(),
            manifest=self.manifest(overrides),
            started=self.started,
            seed=self.seed,
            inputs=inputs,
        )
        return str(folder)


def bounded_summary(replications: pd.DataFrame) -> pd.DataFrame:
    """:func:`~simulator.analysis.intervals.summarise`, with every interval held to the
    range its KPI can take (:func:`simulator.measures.bounds.kpi_bounds`): a share's or
    a wait's interval never reaches below 0, nor a share's above 1."""
    summary = summarise(replications)
    low, high = kpi_bounds(list(summary["kpi"]))
    for column in ("ci_low", "ci_high"):
        values = summary[column].to_numpy(dtype=float)
        summary[column] = np.minimum(np.maximum(values, low), high)
    return summary


_INTEGERS = frozenset({int, np.int64})
_NUMBERS = _INTEGERS | {float, np.float64}


def kpi_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """``pd.DataFrame(rows)`` for rows of numbers, built a block at a time.

    The same table to the bit: columns in order of first appearance, a value a
    row lacks is ``nan``, a column of integers only is ``int64``, any other
    column of numbers ``float64``. Built from one array per kind, not column by
    column: pandas takes seconds to infer the type of each of the tens of
    thousands of KPI columns of a national scenario one at a time. Rows holding
    anything but numbers go to pandas as they are.
    """
    keys = list(dict.fromkeys(key for row in rows for key in row))
    if not rows or not keys:
        return pd.DataFrame(list(rows))
    if all(len(row) == len(keys) for row in rows):  # every row has every key (the rule)
        values = [[row[key] for key in keys] for row in rows]
    else:
        values = [[row.get(key, math.nan) for key in keys] for row in rows]
    kinds = [list(map(type, row)) for row in values]
    if not all(set(kind) <= _NUMBERS for kind in kinds):
        return pd.DataFrame(list(rows))
    integer = np.logical_and.reduce(
        [np.fromiter((k in _INTEGERS for k in kind), bool, len(keys)) for kind in kinds]
    )
    blocks = []
    for chosen, dtype in ((np.flatnonzero(integer), np.int64), (np.flatnonzero(~integer), float)):
        if not len(chosen):
            continue
        try:
            block = np.array([[row[i] for i in chosen] for row in values], dtype=dtype)
        except OverflowError:  # an integer beyond int64: pandas decides
            return pd.DataFrame(list(rows))
        blocks.append(pd.DataFrame(block, columns=[keys[i] for i in chosen]))
    table = blocks[0] if len(blocks) == 1 else pd.concat(blocks, axis=1)
    return table[keys]


def collect(
    scenario: Scenario,
    seed: int,
    outcomes: list[ReplicationOutcome],
    started: dt.datetime,
    precision: float = DEFAULT_PRECISION,
) -> Results:
    """Assemble the outcomes of every replication, sorted by replication."""
    outcomes = sorted(outcomes, key=lambda o: o.replication)
    table = kpi_table([{"replication": o.replication, **o.kpis} for o in outcomes])
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
    facilities = tuple(scenario.facilities)
    return Results(
        scenario=scenario,
        seed=seed,
        replications=table,
        summary=bounded_summary(table),
        daily_occupancy=daily,
        occupancy_distribution=occupancy_distribution(
            [o.occupancy_share for o in outcomes], facilities
        ),
        wait_distribution=wait_distribution(
            np.stack([o.wait_quantiles for o in outcomes]), WAIT_QUANTILES, tuple(scenario.groups)
        ),
        warmup=warmup_table(
            np.stack([o.daily_from_start for o in outcomes]),
            facilities,
            scenario.run.warmup_days,
        ),
        advice=advice(table.drop(columns="replication"), precision),
        flows=flow_table([o.flows for o in outcomes], scenario.run.days),
        precision=precision,
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
    *,
    options: RunOptions | None = None,
    replications: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    precision: float | None = None,
    max_replications: int | None = None,
    scheduler: str | None = None,
    limits: Limits | None = None,
) -> Results:
    """Run an experiment: ``replications`` replications of ``scenario``.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`simulator.load_scenario`).
    options
        How to run it (:class:`RunOptions`); the keyword arguments below,
        where given, override its fields of the same name.
    replications, seed
        Default to the scenario's ``run.replications`` and ``run.seed``.
    progress
        Called with (done, total) after each replication.
    jobs
        Worker processes; 1 runs in this process. The results do not depend on it.
    scheduler
        Address of a Dask scheduler to run the replications on instead.
    precision
        If given, keep adding replications (up to ``max_replications``) until
        every key KPI's 95 % half-width is within this share of its mean.
        The batches share one pool of workers (at most ``max_replications``
        of them), or one Dask client, closed when the run ends.
    limits
        What the scenario is checked against before anything runs
        (:class:`~simulator.scenario.limits.Limits`); by default the
        defaults, as on the command line. Raise one to run beyond it.

    Raises
    ------
    ValueError
        For fewer than one replication or job.
    LimitError
        For a scenario beyond ``limits`` (expected episodes per replication,
        steps per episode), before anything is allocated.
    ExperimentFailed
        When every replication failed; when only some did, the results of
        the others come back with ``failures`` set.
    """
    opts = (options or RunOptions()).merged(
        replications=replications,
        seed=seed,
        progress=progress,
        jobs=jobs,
        precision=precision,
        max_replications=max_replications,
        scheduler=scheduler,
        limits=limits,
    )
    if opts.limits is not None:
        check_limits(scenario, opts.limits, scenario.name)
    n, root = opts.replications_for(scenario), opts.seed_for(scenario)
    if n < 1:
        raise ValueError("replications must be at least 1")
    jobs, progress, scheduler = opts.jobs, opts.progress, opts.scheduler
    precision, max_replications = opts.precision, opts.max_replications
    if precision is not None:
        n = min(n, max_replications)  # the first batch counts towards the maximum too
    started = dt.datetime.now(dt.UTC)
    if precision is None:
        done = run_replications(
            scenario,
            root,
            range(n),
            jobs=jobs,
            progress=progress,
            scheduler=scheduler,
            workers=opts.workers,
        )
    else:
        # The batches of one precision run share one pool of workers, or one Dask
        # client, opened at the first batch that needs it and closed once (decision 56).
        with opts.merged(jobs=min(jobs, max_replications)).pooled() as pooled:
            done = _until_precise(scenario, root, n, precision, max_replications, pooled)
    return _results(scenario, root, done, started, precision or DEFAULT_PRECISION)


def _until_precise(
    scenario: Scenario,
    root: int,
    first: int,
    precision: float,
    maximum: int,
    opts: RunOptions,
) -> list[object]:
    """Replications ``0..first-1``, then batches until the key KPIs are within ``precision``.

    The sequential procedure: after each batch, run up to what the replications
    so far say every key KPI needs, at most ``maximum`` in all. ``opts`` says
    where they run (its ``workers``, if any, serve every batch).
    """

    def batch(replications: range) -> list[object]:
        return run_replications(
            scenario,
            root,
            replications,
            jobs=opts.jobs,
            progress=opts.progress,
            scheduler=opts.scheduler,
            workers=opts.workers,
        )

    done = batch(range(first))
    while len(done) < maximum:
        table = kpi_table([o.kpis for o in done if isinstance(o, ReplicationOutcome)])
        needed = [replications_needed(table[k], precision) for k in advice(table).kpi]
        target = min(max([x for x in needed if x is not None], default=0), maximum)
        if target <= len(done):
            break
        done += batch(range(len(done), target))
    return done


def _results(
    scenario: Scenario, seed: int, done: list[object], started: dt.datetime, precision: float
) -> Results:
    """:func:`collect` of the outcomes among ``done``, with its failures."""
    outcomes = [o for o in done if isinstance(o, ReplicationOutcome)]
    failures = [o for o in done if isinstance(o, Failure)]
    if not outcomes:
        raise ExperimentFailed(failures)
    results = collect(scenario, seed, outcomes, started, precision)
    results.failures = failures
    return results


def simulate_many(
    scenarios: Sequence[Scenario], *, options: RunOptions | None = None
) -> list[Results]:
    """:func:`simulate` each scenario, every replication of all of them submitted at once.

    The same results as one :func:`simulate` per scenario with these
    options, but no worker waits for the last replications of one scenario
    before it starts on the next: with several workers, a batch of small
    scenarios (bed counts, variants of a plan) finishes sooner. Each
    scenario keeps its own seed and replications (``options``', else its
    ``run`` settings), so the results pair as a comparison's do.

    Parameters
    ----------
    scenarios
        Validated scenarios (:func:`simulator.load_scenario`).
    options
        How to run them (:class:`RunOptions`: replications, seed, jobs,
        scheduler, a shared pool of :class:`~simulator.Workers`, limits).
        ``precision`` is not used: every scenario runs its replications.
        ``progress`` counts the replications of all the scenarios together.

    Returns
    -------
    list of Results
        One per scenario, in the order given.

    Raises
    ------
    LimitError
        For a scenario beyond ``options.limits``, before any runs.
    ExperimentFailed
        When every replication of some scenario failed.

    Examples
    --------
    >>> import simulator
    >>> opts = simulator.RunOptions(replications=10, seed=1, jobs=4)
    >>> low, high = simulator.simulate_many([six_beds, eight_beds], options=opts)  # doctest: +SKIP
    """
    opts = options or RunOptions()
    if opts.limits is not None:
        for scenario in scenarios:
            check_limits(scenario, opts.limits, scenario.name)
    seeds = [opts.seed_for(s) for s in scenarios]
    tasks = [
        (s, seed, r)
        for s, seed in zip(scenarios, seeds, strict=True)
        for r in range(opts.replications_for(s))
    ]
    owner = [i for i, s in enumerate(scenarios) for _ in range(opts.replications_for(s))]
    started = dt.datetime.now(dt.UTC)
    done: list[list[object]] = [[] for _ in scenarios]
    runs = iter_tasks(tasks, jobs=opts.jobs, scheduler=opts.scheduler, workers=opts.workers)
    with contextlib.closing(runs):  # closed at once if progress raises (Ctrl-C)
        for count, (index, outcome) in enumerate(runs, start=1):
            done[owner[index]].append(outcome)
            if opts.progress is not None:
                opts.progress(count, len(tasks))
    return [
        _results(s, seed, _by_replication(d), started, DEFAULT_PRECISION)
        for s, seed, d in zip(scenarios, seeds, done, strict=True)
    ]


def _by_replication(done: list[object]) -> list[object]:
    return sorted(done, key=lambda o: int(getattr(o, "replication", 0)))


class ExperimentFailed(RuntimeError):
    """Every replication of an experiment raised (a bug: exit code 1)."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__("every replication failed:\n" + "\n".join(str(f) for f in failures))
