"""Replications per second on one and two local workers and on a 2-worker Dask cluster.

Run from the repository root::

    .venv/bin/python benchmarks/scaling.py                       # everything, ~2-3 minutes
    .venv/bin/python benchmarks/scaling.py --scenario baseline --replications 8 16 64
    .venv/bin/python benchmarks/scaling.py --scenario national --national-days 30
    .venv/bin/python benchmarks/scaling.py --repeat 3            # best of 3 per row

For each scenario it times :func:`simulator.experiment.executors.run_replications`, the
executor alone (not the tables computed afterwards), with

* ``jobs=1``: every replication in this process, one after the other (timed
  last for each scenario: a pool forked from a process that has itself just
  run big replications pays copy-on-write page faults in its workers' first
  replication, seen adding 50-130 % to a national one);
* ``jobs=2``: a process pool of two workers (started, and forked, by each call);
* ``dask``: a ``distributed.LocalCluster`` of two worker processes with one
  thread each, started once before the timings (its start and the workers'
  first imports are printed separately): the path ``--scheduler`` takes.

The scenarios are the Midt-Troms baseline (1095 days; 8 and 32 replications),
a synthetic national one (``national.py``, a short horizon) and a "short"
baseline of 10 days whose replications are so quick that what is left is the
executor's fixed cost per task. Every executor's outcomes are checked to be
identical to ``jobs=1``.

Columns: ``reps/s`` replications per wall-clock second; ``speed-up`` against
``jobs=1``; ``overhead/task`` = (wall time x workers - sum of the
replications' own seconds) / replications, i.e. worker time not spent inside a
replication (starting workers, sending the scenario and the results,
scheduling, idle workers at the end), and that as a share of the mean
replication time.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator import Scenario, load_scenario, validate
from simulator.experiment.dask_cluster import _connect
from simulator.experiment.executors import run_replications

try:
    from benchmarks.national import national_scenario
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from national import national_scenario  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "midt-troms" / "baseline.yaml"
SEED = 2026


@dataclass
class Row:
    """One executor on one scenario (the best of ``repeat`` runs)."""

    scenario: str
    executor: str
    workers: int
    replications: int
    wall: float
    replication_seconds: float

    @property
    def rate(self) -> float:
        return self.replications / self.wall

    @property
    def overhead(self) -> float:
        """Seconds of worker time per task not spent in a replication."""
        return (self.wall * self.workers - self.replication_seconds) / self.replications

    @property
    def mean_replication(self) -> float:
        return self.replication_seconds / self.replications


def timed(
    scenario: Scenario, replications: int, jobs: int = 1, scheduler: str | None = None
) -> tuple[float, float, list[object]]:
    """(wall seconds, sum of replication seconds, outcomes) of one executor call."""
    started = time.perf_counter()
    done = run_replications(scenario, SEED, range(replications), jobs=jobs, scheduler=scheduler)
    wall = time.perf_counter() - started
    failed = [d for d in done if not hasattr(d, "seconds")]
    if failed:
        raise SystemExit(f"{scenario.name}: replications failed: {failed}")
    return wall, sum(float(getattr(d, "seconds", 0.0)) for d in done), done


def measure(
    label: str,
    scenario: Scenario,
    replications: int,
    executors: list[tuple[str, int, Callable[[], tuple[float, float, list[object]]]]],
    repeat: int,
) -> list[Row]:
    """Time each executor ``repeat`` times; keep the fastest; check identical outcomes."""
    rows: list[Row] = []
    reference: pd.DataFrame | None = None
    for name, workers, run in executors:
        best: tuple[float, float] | None = None
        for _ in range(repeat):
            wall, seconds, done = run()
            kpis = pd.DataFrame([getattr(d, "kpis", {}) for d in done])
            if reference is None:
                reference = kpis
            elif not kpis.equals(reference):  # equals: nan == nan
                raise SystemExit(f"{label}: {name} gave different KPIs from {executors[0][0]}")
            if best is None or wall < best[0]:
                best = (wall, seconds)
        assert best is not None
        row = Row(label, name, workers, replications, *best)
        rows.append(row)
        print(
            f"  {label:<9} {name:<6} {row.wall:7.2f} s wall, {row.rate:7.2f} reps/s, "
            f"replications {row.mean_replication:.3f} s each",
            flush=True,
        )
    return rows


def table(rows: list[Row]) -> str:
    head = (
        f"{'scenario':<9} {'executor':<8} {'workers':>7} {'reps':>5} {'s/rep':>7} "
        f"{'wall s':>7} {'reps/s':>8} {'speed-up':>8} {'overhead/task':>14} {'overhead %':>10}"
    )
    lines = [head, "-" * len(head)]
    serial = {(r.scenario, r.replications): r.wall for r in rows if r.executor == "jobs=1"}
    for r in rows:
        key = (r.scenario, r.replications)
        speedup = serial[key] / r.wall if key in serial else float("nan")
        lines.append(
            f"{r.scenario:<9} {r.executor:<8} {r.workers:>7} {r.replications:>5} "
            f"{r.mean_replication:>7.3f} {r.wall:>7.2f} {r.rate:>8.2f} {speedup:>8.2f} "
            f"{1000 * r.overhead:>11.1f} ms {100 * r.overhead / r.mean_replication:>9.1f} %"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario",
        choices=("all", "baseline", "national", "short"),
        default="all",
        help="which scenarios to run (default all)",
    )
    parser.add_argument(
        "--replications",
        type=int,
        nargs="+",
        default=[8, 32],
        help="of the baseline, one row each (default 8 32)",
    )
    parser.add_argument(
        "--national-replications", type=int, default=4, help="of the national one (default 4)"
    )
    parser.add_argument(
        "--national-days", type=float, default=45, help="run.days of the national one (45)"
    )
    parser.add_argument(
        "--short-replications", type=int, default=64, help="of the 10-day baseline (64)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs per row, the fastest kept (default 3; 1 for the national scenario)",
    )
    parser.add_argument(
        "--no-dask", action="store_true", help="leave out the Dask LocalCluster rows"
    )
    args = parser.parse_args(argv)

    scenarios: list[tuple[str, Scenario, int, int]] = []  # label, scenario, reps, repeat
    if args.scenario in ("all", "short"):
        short = load_scenario(BASELINE, ["run.days=10", "run.warmup_days=0"])
        scenarios.append(("short", short, args.short_replications, args.repeat or 3))
    if args.scenario in ("all", "baseline"):
        for n in args.replications:
            scenarios.append(("baseline", load_scenario(BASELINE), n, args.repeat or 3))
    if args.scenario in ("all", "national"):
        started = time.perf_counter()
        national = validate(national_scenario(days=args.national_days), "national")
        print(
            f"national scenario ({len(national.facilities)} facilities, "
            f"{args.national_days:g} + {national.run.warmup_days:g} warm-up days) built in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        scenarios.append(("national", national, args.national_replications, args.repeat or 1))
    cluster = None
    address: str | None = None
    if not args.no_dask:
        from distributed import LocalCluster

        started = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        address = cluster.scheduler_address
        up = time.perf_counter() - started
        started = time.perf_counter()
        warm = load_scenario(BASELINE, ["run.days=1", "run.warmup_days=0"])
        run_replications(warm, SEED, range(4), scheduler=address)
        first = time.perf_counter() - started
        calls = []
        for _ in range(5):
            started = time.perf_counter()
            _connect(address).close()
            calls.append(time.perf_counter() - started)
        per_call = statistics.median(calls)
        print(
            f"Dask LocalCluster (2 workers x 1 thread) started in {up:.1f} s; the first run "
            f"(workers import samsim) took {first:.1f} s; connecting (with its checks) and "
            f"closing takes {1000 * per_call:.0f} ms per run",
            flush=True,
        )

    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    try:
        for label, scenario, n, repeat in scenarios:
            # jobs=1 last: a pool forked from a process that has just run big replications
            # itself pays copy-on-write page faults in its workers' first replication.
            executors: list[tuple[str, int, Callable[[], tuple[float, float, list[object]]]]] = [
                ("jobs=2", 2, lambda s=scenario, n=n: timed(s, n, jobs=2))
            ]
            if address is not None:
                executors.append(
                    ("dask", 2, lambda s=scenario, n=n: timed(s, n, scheduler=address))
                )
            executors.append(("jobs=1", 1, lambda s=scenario, n=n: timed(s, n, jobs=1)))
            rows += measure(label, scenario, n, executors, repeat)
    finally:
        if cluster is not None:
            cluster.close()
    load_after = os.getloadavg()[0]

    order = {"jobs=1": 0, "jobs=2": 1, "dask": 2}
    print()
    print(table(sorted(rows, key=lambda r: (r.scenario, r.replications, order[r.executor]))))
    print(
        "\nreps/s: replications per wall-clock second of run_replications (the executor "
        "alone); speed-up: against jobs=1.\noverhead/task: (wall x workers - sum of the "
        "replications' own seconds) / replications; %: of the mean replication time.\n"
        f"Outcomes of every executor identical to jobs=1. Load average {load_before:.2f} before, "
        f"{load_after:.2f} after, on {os.cpu_count()} CPUs"
        + (": other processes competed." if max(load_before, load_after) > 1.5 else ".")
    )
    short_dask = [r for r in rows if r.scenario == "short" and r.executor == "dask"]
    if short_dask:
        fixed = statistics.fmean(r.overhead for r in short_dask)
        print(f"Dask's fixed cost per task, from the 10-day replications: {1000 * fixed:.1f} ms")


if __name__ == "__main__":
    main()
