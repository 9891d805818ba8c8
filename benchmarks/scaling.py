"""Replications per second on one and two local workers and on a 2-worker Dask cluster.

Run from the repository root::

    .venv/bin/python benchmarks/scaling.py                       # everything, ~5-10 minutes
    .venv/bin/python benchmarks/scaling.py --scenario baseline --replications 20
    .venv/bin/python benchmarks/scaling.py --scenario national --national-days 30
    .venv/bin/python benchmarks/scaling.py --repeat 5 --no-dask  # median of 5 per row
    .venv/bin/python benchmarks/scaling.py --quiet-workers       # Dask workers as docs/dask.md

For each scenario it times :func:`simulator.experiment.executors.run_replications`, the
executor alone (not the tables computed afterwards), with

* ``jobs=1``: every replication one after the other, in a forked child process
  (a pool forked from a process that has itself just run big replications
  pays copy-on-write page faults in its workers' first replication, seen
  adding 50-130 % to a national one; the child keeps this process small);
* ``jobs=2``: a process pool of two workers (started, and forked, by each call);
* ``dask``: a ``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1``
  started as processes of their own once before the timings (their start
  and the workers' first imports are printed separately): the path
  ``--scheduler`` takes.

The executors take turns, ``--repeat`` rounds (3 by default), and each row is
the median of its runs. The scenarios are the Midt-Troms baseline (1095 days;
8 and 20 replications; ``--baseline`` reads another file), a synthetic
national one (``national.py``, a short horizon) and a "short" baseline of 10
days whose replications are so quick that what is left is the executor's
fixed cost per task. Every executor's outcomes are checked to be identical
to ``jobs=1``.

Wall-clock columns: ``reps/s``; ``speed-up`` against ``jobs=1``; ``serial``,
the serial fraction of Amdahl's law that gives this speed-up (Karp-Flatt);
``overhead/task`` = (wall time x workers - sum of the replications' own
seconds) / replications, i.e. worker time not spent inside a replication
(starting workers, sending the scenario and the results, scheduling, idle
workers at the end), and that as a share of the mean replication time.

CPU columns (steadier when other processes share the cores): a replication's
CPU in the thread that ran it (``ReplicationOutcome.cpu_seconds``) and that
against ``jobs=1``; the CPU of the worker processes (the pool's, from
``RUSAGE_CHILDREN``; the Dask workers' and their nannies', from psutil) and of
this process (with the Dask scheduler's); CPU per task spent outside the
replications; and the speed-up the CPU allows, ``jobs=1``'s CPU / (this
call's CPU / workers): what two idle cores would give if no worker waited.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import functools
import gc
import math
import multiprocessing as mp
import os
import resource
import socket
import statistics
import subprocess
import sys
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
class Run:
    """One executor call: wall-clock and CPU seconds, and its outcomes."""

    wall: float
    replication_seconds: float  # sum of the replications' own wall-clock seconds
    replication_cpu: float  # sum of the replications' own CPU seconds (their thread)
    worker_cpu: float  # CPU of the worker processes during the call (0 for jobs=1)
    parent_cpu: float  # CPU of this process during the call
    outcomes: list[object]


@dataclass
class Row:
    """One executor on one scenario: the median of ``repeat`` runs, field by field."""

    scenario: str
    executor: str
    workers: int
    replications: int
    wall: float
    replication_seconds: float
    replication_cpu: float = math.nan
    worker_cpu: float = math.nan
    parent_cpu: float = math.nan
    walls: tuple[float, ...] = ()

    @property
    def rate(self) -> float:
        return self.replications / self.wall

    @property
    def overhead(self) -> float:
        """Seconds of worker time per task not spent in a replication (wall-clock)."""
        return (self.wall * self.workers - self.replication_seconds) / self.replications

    @property
    def mean_replication(self) -> float:
        return self.replication_seconds / self.replications

    @property
    def mean_cpu(self) -> float:
        """CPU seconds of one replication, in the thread that ran it."""
        return self.replication_cpu / self.replications

    @property
    def cpu_overhead(self) -> float:
        """CPU seconds per task spent outside the replications, workers and this process."""
        return (self.worker_cpu + self.parent_cpu - self.replication_cpu) / self.replications

    @property
    def total_cpu(self) -> float:
        return self.worker_cpu + self.parent_cpu


def serial_fraction(speedup: float, workers: int) -> float:
    """Karp-Flatt: the serial fraction ``e`` with ``1/S = e + (1 - e) / p``."""
    if workers < 2:
        return 0.0
    return (1 / speedup - 1 / workers) / (1 - 1 / workers)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(
    scenario: Scenario,
    replications: int,
    jobs: int = 1,
    scheduler: str | None = None,
    cluster: DaskCluster | None = None,
) -> Run:
    """Wall-clock and CPU seconds of one executor call, and its outcomes.

    Pool workers are waited for when the call ends, so their CPU is in this
    process's ``RUSAGE_CHILDREN``; a Dask cluster's workers live on, and
    ``cluster`` reads theirs. The Dask scheduler's CPU counts as this process's.
    """
    clock: Callable[[], float] = cluster or _children_cpu
    scheduler_cpu = cluster.scheduler_cpu if cluster else lambda: 0.0
    gc.collect()
    workers_before, parent_before = clock(), time.process_time() + scheduler_cpu()
    started = time.perf_counter()
    done = run_replications(scenario, SEED, range(replications), jobs=jobs, scheduler=scheduler)
    wall = time.perf_counter() - started
    parent = time.process_time() + scheduler_cpu() - parent_before
    workers = clock() - workers_before
    failed = [d for d in done if not hasattr(d, "seconds")]
    if failed:
        raise SystemExit(f"{scenario.name}: replications failed: {failed}")
    return Run(
        wall=wall,
        replication_seconds=sum(float(getattr(d, "seconds", 0.0)) for d in done),
        replication_cpu=sum(float(getattr(d, "cpu_seconds", math.nan)) for d in done),
        worker_cpu=workers,
        parent_cpu=parent,
        outcomes=done,
    )


Executor = tuple[str, int, Callable[[], Run]]
"""(name, workers, a call that runs the replications once)."""


def measure(
    label: str, scenario: Scenario, replications: int, executors: list[Executor], repeat: int
) -> list[Row]:
    """Run each executor ``repeat`` times, in turn; keep medians; check identical outcomes.

    The executors take turns (each round runs every one once), so a burst of
    load from other processes falls on all of them alike.
    """
    runs: dict[str, list[Run]] = {name: [] for name, _, _ in executors}
    reference: pd.DataFrame | None = None
    for _ in range(repeat):
        for name, _, run in executors:
            result = run()
            kpis = pd.DataFrame([getattr(d, "kpis", {}) for d in result.outcomes])
            if reference is None:
                reference = kpis
            elif not kpis.equals(reference):  # equals: nan == nan
                raise SystemExit(f"{label}: {name} gave different KPIs from {executors[0][0]}")
            result.outcomes = []  # the KPIs are checked; keep no tables around
            runs[name].append(result)
    rows: list[Row] = []
    for name, workers, _ in executors:
        done = runs[name]

        def median(field: str, done: list[Run] = done) -> float:
            return statistics.median(float(getattr(r, field)) for r in done)

        row = Row(
            label,
            name,
            workers,
            replications,
            wall=median("wall"),
            replication_seconds=median("replication_seconds"),
            replication_cpu=median("replication_cpu"),
            worker_cpu=median("worker_cpu"),
            parent_cpu=median("parent_cpu"),
            walls=tuple(r.wall for r in done),
        )
        rows.append(row)
        print(
            f"  {label:<9} {name:<6} {row.wall:7.2f} s wall (runs "
            + ", ".join(f"{w:.2f}" for w in row.walls)
            + f"), replications {row.mean_replication:.3f} s, {row.mean_cpu:.3f} s CPU each",
            flush=True,
        )
    return rows


def table(rows: list[Row]) -> str:
    """Wall-clock figures, then CPU figures (steadier when other processes compete)."""
    head = (
        f"{'scenario':<9} {'executor':<8} {'workers':>7} {'reps':>5} {'s/rep':>7} "
        f"{'wall s':>7} {'reps/s':>8} {'speed-up':>8} {'serial':>7} "
        f"{'overhead/task':>14} {'overhead %':>10}"
    )
    lines = [head, "-" * len(head)]
    serial = {(r.scenario, r.replications): r for r in rows if r.executor == "jobs=1"}
    for r in rows:
        one = serial.get((r.scenario, r.replications))
        speedup = one.wall / r.wall if one else math.nan
        lines.append(
            f"{r.scenario:<9} {r.executor:<8} {r.workers:>7} {r.replications:>5} "
            f"{r.mean_replication:>7.3f} {r.wall:>7.2f} {r.rate:>8.2f} {speedup:>8.2f} "
            f"{serial_fraction(speedup, r.workers):>7.3f} "
            f"{1000 * r.overhead:>11.1f} ms {100 * r.overhead / r.mean_replication:>9.1f} %"
        )
    head = (
        f"{'scenario':<9} {'executor':<8} {'reps':>5} {'cpu/rep':>8} {'vs jobs=1':>9} "
        f"{'worker cpu':>10} {'parent cpu':>10} {'cpu overhead/task':>17} "
        f"{'cpu speed-up':>12} {'serial':>7}"
    )
    lines += ["", head, "-" * len(head)]
    for r in rows:
        one = serial.get((r.scenario, r.replications))
        inflation = r.mean_cpu / one.mean_cpu if one else math.nan
        # What the speed-up would be if every CPU second of the call were spread evenly
        # over the workers with no core idle: the serial run's CPU / (this run's / workers).
        bound = one.total_cpu / (r.total_cpu / r.workers) if one else math.nan
        lines.append(
            f"{r.scenario:<9} {r.executor:<8} {r.replications:>5} {r.mean_cpu:>8.3f} "
            f"{inflation:>9.3f} {r.worker_cpu:>10.2f} {r.parent_cpu:>10.2f} "
            f"{1000 * r.cpu_overhead:>8.1f} ms {100 * r.cpu_overhead / r.mean_cpu:>4.1f} % "
            f"{bound:>12.2f} {serial_fraction(bound, r.workers):>7.3f}"
        )
    return "\n".join(lines)


QUIET_WORKERS = {
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "2s",
    "DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL": "1s",
}
"""Dask settings for workers that run samsim only (``--quiet-workers``, docs/dask.md): no
statistical profiler, and the event-loop tick (20 ms), the system monitor (0.5 s) and the
memory monitor (0.1 s) less often; each wakes a thread that takes the GIL from SimPy."""


class DaskCluster:
    """A Dask scheduler and two workers (one thread each) as processes of their own.

    Started as ``--scheduler`` users start theirs (``dask scheduler``, ``dask
    worker --nthreads 1``), not as a ``LocalCluster``, whose scheduler and
    nannies would run in this process and add their CPU to its figures.
    Calling it gives the CPU seconds used so far by the workers and their
    nannies; :meth:`scheduler_cpu` the scheduler's.
    """

    def __init__(self, workers: int = 2, quiet: bool = False) -> None:
        import psutil
        from distributed import Client

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        env = dict(os.environ)
        if quiet:
            env.update(QUIET_WORKERS)
        quietly = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
        cli = [sys.executable, "-m"]
        self._scheduler = subprocess.Popen(
            [*cli, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port)]
            + ["--no-dashboard"],
            **quietly,  # type: ignore[call-overload]
        )
        self._workers = subprocess.Popen(
            [*cli, "distributed.cli.dask_worker", self.address, "--nworkers", str(workers)]
            + ["--nthreads", "1", "--no-dashboard"],
            **quietly,  # type: ignore[call-overload]
        )
        self._tree = psutil.Process(self._workers.pid)
        self.client = Client(self.address, timeout="60s")  # type: ignore[no-untyped-call]
        self.client.wait_for_workers(workers, timeout=120)

    def __call__(self) -> float:
        processes = [self._tree, *self._tree.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in processes)

    def scheduler_cpu(self) -> float:
        import psutil

        return float(sum(psutil.Process(self._scheduler.pid).cpu_times()[:2]))

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]
        for process in (self._workers, self._scheduler):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def in_child(run: Callable[[], Run]) -> Run:
    """``run()`` in a forked child process: this process's heap stays as it was.

    A pool forked from a process that has itself just run big replications
    pays copy-on-write page faults in its workers' first replication (seen
    adding 50-130 % to a national one), so ``jobs=1`` runs in a child too.
    """
    with cf.ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as child:
        return child.submit(run).result()


def serial(scenario: Scenario, replications: int) -> Run:
    return timed(scenario, replications, jobs=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario",
        choices=("all", "baseline", "national", "short"),
        default="all",
        help="which scenarios to run (default all)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=BASELINE,
        help="the baseline scenario file (default the bundled Midt-Troms baseline)",
    )
    parser.add_argument(
        "--replications",
        type=int,
        nargs="+",
        default=[8, 20],
        help="of the baseline, one row each (default 8 20)",
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
        help="runs per row, the median kept (default 3; 1 for the national scenario)",
    )
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask rows")
    parser.add_argument(
        "--quiet-workers",
        action="store_true",
        help="start the Dask workers with QUIET_WORKERS: no profiler, monitors less often",
    )
    args = parser.parse_args(argv)
    baseline: Path = args.baseline

    scenarios: list[tuple[str, Scenario, int, int]] = []  # label, scenario, reps, repeat
    if args.scenario in ("all", "short"):
        short = load_scenario(baseline, ["run.days=10", "run.warmup_days=0"])
        scenarios.append(("short", short, args.short_replications, args.repeat or 3))
    if args.scenario in ("all", "baseline"):
        for n in args.replications:
            scenarios.append(("baseline", load_scenario(baseline), n, args.repeat or 3))
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
    cluster: DaskCluster | None = None
    address: str | None = None
    if not args.no_dask:
        started = time.perf_counter()
        cluster = DaskCluster(quiet=args.quiet_workers)
        address = cluster.address
        up = time.perf_counter() - started
        started = time.perf_counter()
        warm = load_scenario(baseline, ["run.days=1", "run.warmup_days=0"])
        run_replications(warm, SEED, range(4), scheduler=address)
        first = time.perf_counter() - started
        calls = []
        for _ in range(5):
            started = time.perf_counter()
            _connect(address).close()
            calls.append(time.perf_counter() - started)
        per_call = statistics.median(calls)
        print(
            f"Dask scheduler and 2 workers x 1 thread "
            f"({'quiet settings' if args.quiet_workers else 'default settings'}) started in "
            f"{up:.1f} s; the first run (workers import samsim) took {first:.1f} s; connecting "
            f"(with its checks) and closing takes {1000 * per_call:.0f} ms per run",
            flush=True,
        )

    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    try:
        for label, scenario, n, repeat in scenarios:
            executors: list[Executor] = [
                ("jobs=1", 1, functools.partial(in_child, functools.partial(serial, scenario, n))),
                ("jobs=2", 2, functools.partial(timed, scenario, n, jobs=2)),
            ]
            if address is not None:
                executors.append(
                    (
                        "dask",
                        2,
                        functools.partial(timed, scenario, n, scheduler=address, cluster=cluster),
                    )
                )
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
        "alone); speed-up: against jobs=1; serial: the serial fraction e of Amdahl's law "
        "that gives this speed-up on these workers (Karp-Flatt).\noverhead/task: (wall x "
        "workers - sum of the replications' own seconds) / replications; %: of the mean "
        "replication time.\ncpu/rep: CPU seconds of a replication in the thread that ran it; "
        "vs jobs=1: that against jobs=1; worker cpu, parent cpu: CPU seconds of the worker "
        "processes and of this process during the call; cpu overhead/task: (worker + parent "
        "cpu - replications' cpu) / replications; cpu speed-up: jobs=1's CPU / (this call's "
        "CPU / workers), the speed-up on idle cores if no worker waited, and its serial "
        "fraction.\n"
        f"Medians of the runs. Outcomes of every executor identical to jobs=1. Load average "
        f"{load_before:.2f} before, {load_after:.2f} after, on {os.cpu_count()} CPUs"
        + (": other processes competed." if max(load_before, load_after) > 1.5 else ".")
    )
    short_dask = [r for r in rows if r.scenario == "short" and r.executor == "dask"]
    if short_dask:
        fixed = statistics.fmean(r.overhead for r in short_dask)
        print(f"Dask's fixed cost per task, from the 10-day replications: {1000 * fixed:.1f} ms")


if __name__ == "__main__":
    main()
