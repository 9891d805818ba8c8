"""What is not simulation: start-up, collecting results, and the executors' cost per task.

Run from the repository root::

    .venv/bin/python benchmarks/overhead.py                       # everything, ~2-4 minutes
    .venv/bin/python benchmarks/overhead.py --only startup        # --help and import only
    .venv/bin/python benchmarks/overhead.py --only collect --national-days 20
    .venv/bin/python benchmarks/overhead.py --only executors --replications 8 --no-dask

Before and after a change: run the same script against an older checkout of
the package, e.g. ``git worktree add /tmp/before <commit>`` and then
``PYTHONPATH=/tmp/before .venv/bin/python benchmarks/overhead.py`` (the
first line printed says which ``simulator`` was imported).

Sections:

* ``startup``: ``samsim --help`` and ``import simulator.cli`` in fresh
  interpreters, the median of ``--repeat`` runs, wall-clock and CPU seconds
  (the CPU figure is the steadier one when other processes compete), and the
  heavy libraries ``import simulator.cli`` loads;
* ``collect``: one national replication (``national.py``, ``--national-days``
  after a 30-day warm-up), the CPU seconds Python's garbage collector spent
  in it and in a full collection right after (what it left behind); then
  :func:`~simulator.analysis.intervals.summarise` and
  :func:`~simulator.experiment.simulate.collect` over ``--copies`` copies of
  its outcome (timings depend on the tables' shape, not their values), with
  the per-KPI loop ``summarise`` was before (one t interval and one
  ``scipy.stats`` quantile per KPI) for reference;
* ``executors``: the baseline's replications with ``jobs=1`` and ``jobs=2``
  and on a two-worker Dask ``LocalCluster`` (``benchmarks/scaling.py`` does
  the timing): speed-up and worker time per task not spent in a replication;
  then the CPU seconds of a replication in a pool worker against this
  process, which other load does not change (wall-clock speed-ups on a
  shared machine do not mean much).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import datetime as dt
import functools
import gc
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import simulator
from simulator import load_scenario, validate
from simulator.analysis.intervals import summarise
from simulator.experiment import replication as replication_module
from simulator.experiment.replication import replicate
from simulator.experiment.simulate import collect

try:
    from benchmarks.national import national_scenario
    from benchmarks.scaling import (
        BASELINE,
        SEED,
        DaskCluster,
        Executor,
        Row,
        in_child,
        measure,
        serial,
        table,
        timed,
    )
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from national import national_scenario  # type: ignore[no-redef]
    from scaling import (  # type: ignore[no-redef]
        BASELINE,
        SEED,
        DaskCluster,
        Executor,
        Row,
        in_child,
        measure,
        serial,
        table,
        timed,
    )

HEAVY = ("pandas", "scipy.stats", "matplotlib", "simpy", "distributed", "pydantic", "numpy")


# --- start-up -----------------------------------------------------------------------------


def child_run(code: str) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of ``python -c code`` in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


def startup(repeat: int) -> None:
    print(f"\n## Start-up (fresh interpreters, median of {repeat})\n")
    statements = {
        "python (nothing)": "pass",
        "import simulator.cli": "import simulator.cli",
        "samsim --help": (
            "from simulator.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass"
        ),
    }
    print(f"{'what':<22} {'wall s':>7} {'cpu s':>7}")
    for name, code in statements.items():
        runs = [child_run(code)[:2] for _ in range(repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{name:<22} {wall:>7.3f} {cpu:>7.3f}")
    listing = (
        "import sys, simulator.cli\n"
        f"print(' '.join(sorted({{m.split('.')[0] if m.split('.')[0] != 'scipy' else "
        f"'.'.join(m.split('.')[:2]) for m in sys.modules if m.startswith({HEAVY!r})}})))"
    )
    loaded = child_run(listing)[2].strip()
    print(f"\nheavy libraries import simulator.cli loads: {loaded or 'none'}")


# --- collecting results -------------------------------------------------------------------


def per_kpi_summary(replications: pd.DataFrame) -> pd.DataFrame:
    """``summarise`` as it was before it was vectorised: a loop of t intervals per KPI."""
    from scipy import stats

    rows = []
    for kpi in replications.columns:
        if kpi == "replication":
            continue
        x = replications[kpi].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        n = len(x)
        mean = float(x.mean()) if n else math.nan
        sd = float(x.std(ddof=1)) if n > 1 else math.nan
        half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n) if n > 1 else math.nan
        rows.append((kpi, mean, sd, mean - half, mean + half, n))
    return pd.DataFrame(rows, columns=["kpi", "mean", "std", "ci_low", "ci_high", "n"])


class CollectorClock:
    """CPU seconds Python's cyclic garbage collector spends, from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.collections += 1


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` CPU-timed calls, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return min(times)


def collector_cost(scenario: Any, paused: bool) -> Any:
    """One replication, and the CPU seconds the garbage collector spent in it and after it.

    ``paused=False`` runs it as before the pause (``collector_paused`` a no-op).
    """
    saved = getattr(replication_module, "collector_paused", None)
    if not paused and saved is not None:
        replication_module.collector_paused = contextlib.nullcontext
    gc.collect()
    clock = CollectorClock()
    gc.callbacks.append(clock)
    try:
        started = time.process_time()
        outcome = replicate(scenario, 1, 0)
        cpu = time.process_time() - started
        inside, count = clock.seconds, clock.collections
        clock.seconds = 0.0
        found = gc.collect()
        after = clock.seconds
    finally:
        gc.callbacks.remove(clock)
        if saved is not None:
            replication_module.collector_paused = saved
    how = "collector paused, then one young collection" if paused else "collector as before"
    print(
        f"one replication ({how}): {outcome.episodes} episodes, {cpu:.2f} s CPU, of it "
        f"{inside:.2f} s in {count} garbage collections; a full collection after it: "
        f"{after:.2f} s, {found} objects freed; garbage collection in all {inside + after:.2f} s"
    )
    return outcome


def collecting(days: float, copies: int, repeat: int) -> None:
    scenario = validate(national_scenario(days=days), "national")
    print(
        f"\n## Collecting results: national scenario ({len(scenario.facilities)} facilities, "
        f"{days:g} + {scenario.run.warmup_days:g} warm-up days)\n"
    )
    outcome = None
    for paused in (True, False):
        if paused and not hasattr(replication_module, "collector_paused"):
            continue  # an older checkout: it has no pause
        outcome = collector_cost(scenario, paused)
    assert outcome is not None
    outcomes = [replace(outcome, replication=r) for r in range(copies)]
    table_ = pd.DataFrame([{"replication": o.replication, **o.kpis} for o in outcomes])
    kpis = table_.shape[1] - 1
    per_kpi = best_of(repeat, lambda: per_kpi_summary(table_))
    vectorised = best_of(repeat, lambda: summarise(table_))
    same = per_kpi_summary(table_).equals(summarise(table_))
    whole = best_of(repeat, lambda: collect(scenario, 1, outcomes, dt.datetime.now(dt.UTC)))
    print(f"{kpis} KPIs x {copies} replications (CPU s, best of {repeat}):")
    print(f"  summarise, per-KPI loop (as before)   {per_kpi:8.3f}")
    print(f"  summarise (this checkout)             {vectorised:8.3f}   equal: {same}")
    print(f"  collect, every table                  {whole:8.3f}")


# --- executors ----------------------------------------------------------------------------


def replication_times(task: tuple[Any, int]) -> tuple[float, float]:
    """(CPU s, wall s) of one replication where it runs (a pool worker or this process)."""
    scenario, replication = task
    cpu, wall = time.process_time(), time.perf_counter()
    replicate(scenario, SEED, replication)
    return time.process_time() - cpu, time.perf_counter() - wall


def worker_cpu(scenario: Any, replications: int) -> None:
    """CPU per replication in a 2-worker pool against this process: load does not change it."""
    tasks = [(scenario, r) for r in range(replications)]
    here = [replication_times(task) for task in tasks]
    with cf.ProcessPoolExecutor(2) as pool:
        there = list(pool.map(replication_times, tasks))
    cpu_here = statistics.mean(t[0] for t in here)
    cpu_there = statistics.mean(t[0] for t in there)
    print(
        f"\nCPU per replication: {cpu_here:.3f} s in this process, {cpu_there:.3f} s in a "
        f"pool worker (wall {statistics.mean(t[1] for t in here):.3f} s and "
        f"{statistics.mean(t[1] for t in there):.3f} s); two workers on two idle cores can "
        f"reach at most {2 * cpu_here / cpu_there:.2f}x"
    )


def executors(replications: int, repeat: int, dask: bool, baseline: Path) -> None:
    print(f"\n## Executors: baseline, {replications} replications (median of {repeat})\n")
    scenario = load_scenario(baseline)
    cluster: DaskCluster | None = None
    address: str | None = None
    if dask:
        cluster = DaskCluster()
        address = cluster.address
        warm = load_scenario(baseline, ["run.days=1", "run.warmup_days=0"])
        timed(warm, 4, scheduler=address)  # the workers import samsim once
    run: list[Executor] = [
        (
            "jobs=1",
            1,
            functools.partial(in_child, functools.partial(serial, scenario, replications)),
        ),
        ("jobs=2", 2, functools.partial(timed, scenario, replications, jobs=2)),
    ]
    if address is not None:
        run.append(
            (
                "dask",
                2,
                functools.partial(
                    timed, scenario, replications, scheduler=address, cluster=cluster
                ),
            )
        )
    try:
        rows: list[Row] = measure("baseline", scenario, replications, run, repeat)
    finally:
        if cluster is not None:
            cluster.close()
    order = {"jobs=1": 0, "jobs=2": 1, "dask": 2}
    print()
    print(table(sorted(rows, key=lambda r: order[r.executor])))
    worker_cpu(scenario, replications)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", choices=("startup", "collect", "executors"), help="run one section"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per start-up figure (5)")
    parser.add_argument(
        "--national-days", type=float, default=10, help="run.days of the national one (10)"
    )
    parser.add_argument("--copies", type=int, default=4, help="replications collected (4)")
    parser.add_argument(
        "--replications", type=int, default=20, help="baseline replications per executor (20)"
    )
    parser.add_argument(
        "--executor-repeat", type=int, default=3, help="runs per executor, median kept (3)"
    )
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask rows")
    parser.add_argument(
        "--baseline", type=Path, default=BASELINE, help="the baseline scenario file (bundled)"
    )
    args = parser.parse_args(argv)
    print(
        f"simulator from {Path(simulator.__file__).parent}; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if args.only in (None, "startup"):
        startup(args.repeat)
    if args.only in (None, "collect"):
        collecting(args.national_days, args.copies, 3)
    if args.only in (None, "executors"):
        executors(args.replications, args.executor_repeat, not args.no_dask, args.baseline)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f} (above ~1.5 figures scatter)")


if __name__ == "__main__":
    main()
