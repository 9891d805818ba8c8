"""One worker pool (or Dask client) per command: ``samsim compare``, ``size``, ``run --precision``.

Run from the repository root::

    .venv/bin/python benchmarks/pool.py                        # this checkout, ~2 minutes
    .venv/bin/python benchmarks/pool.py --before /tmp/before   # and an older one, in turns

``--before`` names a folder holding an older ``simulator`` package (e.g.
``git archive <commit> simulator | tar -x -C /tmp/before``; ``--after`` one
timed instead of this checkout, to leave out changes not committed); each
command is run once with each tree in turn, ``--repeat`` times, so that
other load on the machine falls on both alike. Every command is a fresh ``samsim``
process; its wall-clock seconds and the CPU seconds of it and its worker
processes (``RUSAGE_CHILDREN``) are reported, the median of the repeats.

Commands (``--jobs`` workers, default 2, plots and report off where the
command allows it):

* ``compare``: the Midt-Troms baseline against ``more-kohd-beds.yaml``,
  ``--replications`` each (default 10);
* ``size``: ``dms-senja-kohd`` of the baseline for ``diversion_share<0.05``
  over ``--range`` (default 4:10, a scan of seven counts plus the
  unconstrained run), ``--size-replications`` each (default 5); ``size``
  always draws its plot and report, the same work before and after;
* ``bisect`` (only when asked for with ``--only bisect``): the same
  ``size`` over ``--bisect-range`` (default 2:40), a bisection, one count
  at a time;
* ``precision`` (only when asked for with ``--only precision``): ``samsim
  run`` of the baseline with ``--precision`` (default 0.2) from
  ``--precision-replications`` (default 3) up to ``--precision-max``
  (default 60), replications of ``--precision-days`` (default 60, no
  warm-up; ``--days`` instead when given): batches of 3, 10 and 14
  replications with seed 1 (decision 56: one pool or client for them all).
  ``--pool-starts K`` first times K pools of ``--jobs`` workers started,
  given a trivial task each and shut down, in a process holding the
  baseline: what such a run saved per batch after its first.

Each command's figures come twice, medians of the turns: the whole command,
and its experiment alone (the library call it makes, ``compare``,
``size_facility`` or ``simulate``: no Python start-up, imports, reading or writing).

``--days`` (with ``--warmup``, default 0) shortens every replication, so
that what a pool costs per experiment (start-up, a worker idle at the end)
is a larger share of the command.

``--dask N`` runs every command on a Dask ``LocalCluster`` of N worker
processes (one thread each) started here for the whole benchmark
(``--scheduler``; decision 53: one client per command). Its CPU is added to
each command's: the scheduler's (this process) and the workers' and
nannies' (``psutil``), so CPU is the command's, its scheduler's and its
workers' together. Both trees use the same workers, which run this
checkout's samsim. ``--connections K`` first times K connections to it
(samsim's connect with its checks, then close): what a command saves for
each experiment after its first.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios" / "midt-troms"

# Starts samsim from the package in argv[1] (or the installed one for "-"): the
# editable install's finder would otherwise win over sys.path.
LAUNCHER = """
import resource, sys, time
tree = sys.argv.pop(1)
if tree != "-":
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, tree)
import simulator.experiment.compare as compare_module
import simulator.sizing.search as search_module

def timed(module, name):
    call = getattr(module, name)
    def cpu():  # this process and its workers that have ended (a pool ends in the call)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + workers.ru_utime + workers.ru_stime

    def wrapper(*args, **kwargs):
        started, used = time.perf_counter(), cpu()
        try:
            return call(*args, **kwargs)
        finally:
            wall, used = time.perf_counter() - started, cpu() - used
            print(f"EXPERIMENT {wall} {used}", file=sys.stderr)
    setattr(module, name, wrapper)

timed(compare_module, "compare")  # the command's experiment: the library call it makes
timed(search_module, "size_facility")
import simulator.experiment.simulate as simulate_module  # run imports it when it runs
timed(simulate_module, "simulate")
from simulator.cli import main
main(prog_name="samsim")
"""


def commands(args: argparse.Namespace, out: Path) -> dict[str, list[str]]:
    """The samsim arguments of each measured command."""
    baseline = str(SCENARIOS / "baseline.yaml")
    common = ["--jobs", str(args.jobs), "--seed", "1", "-q", "--out", str(out)]
    if args.days is not None:  # short replications: what is not simulation shows
        common += ["--set", f"run.days={args.days}", "--set", f"run.warmup_days={args.warmup}"]
    return {
        "compare": [
            "compare",
            baseline,
            str(SCENARIOS / "more-kohd-beds.yaml"),
            "--replications",
            str(args.replications),
            "--no-report",
            *common,
        ],
        **{
            name: [
                "size",
                baseline,
                "--facility",
                "dms-senja-kohd",
                "--target",
                "diversion_share<0.05",
                "--range",
                counts,
                "--replications",
                str(args.size_replications),
                *common,
            ]
            for name, counts in (("size", args.range), ("bisect", args.bisect_range))
        },
        "precision": [
            "run",
            baseline,
            "--precision",
            str(args.precision),
            "--replications",
            str(args.precision_replications),
            "--max-replications",
            str(args.precision_max),
            "--no-report",
            *common,
            *(
                ["--set", f"run.days={args.precision_days}", "--set", "run.warmup_days=0"]
                if args.days is None
                else []
            ),
        ],
    }


def cluster_cpu() -> float:
    """CPU seconds so far of this process and every live process under it (a LocalCluster's)."""
    import psutil  # a dependency of distributed

    total = 0.0
    me = psutil.Process()
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def timed(tree: str, argv: list[str], dask: bool = False) -> tuple[float, float, float, float]:
    """Wall-clock and CPU seconds (the process and its workers) of one samsim command.

    With ``dask``, the CPU of this process and its live children (the
    cluster's scheduler, nannies and workers) over the same interval is added.
    Then the same two of its experiment alone (the library's ``compare`` or
    ``size_facility``, without starting Python, importing, reading and
    writing): the command's own CPU in the call, and the workers' (a local
    pool's, or with ``dask`` the cluster's over the whole command, most of it
    in the call).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cluster_before = cluster_cpu() if dask else 0.0
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, tree, *argv], capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cluster_after = cluster_cpu() if dask else 0.0
    if result.returncode != 0:
        raise SystemExit(f"samsim {' '.join(argv)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # RUSAGE_CHILDREN counts the samsim process once it has ended; cluster_cpu() the
    # processes still running (this one included), which the samsim process is not.
    cluster = cluster_after - cluster_before
    marks = [line.split() for line in result.stderr.splitlines() if line.startswith("EXPERIMENT ")]
    call_wall, call_cpu = (float(marks[-1][1]), float(marks[-1][2])) if marks else (0.0, 0.0)
    return wall, cpu + cluster, call_wall, call_cpu + cluster


def local_cluster(workers: int) -> Any:
    """A LocalCluster of ``workers`` processes with one thread each, quiet."""
    import logging

    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )


def connecting(address: str, times: int) -> None:
    """What one connection costs: connect with samsim's checks and close, ``times`` times.

    Wall-clock and CPU (this process, the scheduler in it included, and the
    cluster's processes) per connection, median of ``times``; what a command
    saved per experiment beyond its first.
    """
    from simulator.experiment.dask_cluster import _connect

    walls, cpus = [], []
    for _ in range(times):
        cpu, started = cluster_cpu(), time.perf_counter()
        _connect(address).close()  # type: ignore[no-untyped-call]
        walls.append(time.perf_counter() - started)
        cpus.append(cluster_cpu() - cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"connect, check and close: wall {1000 * wall:.1f} ms, CPU {1000 * cpu:.1f} ms")


def starting_pools(jobs: int, times: int) -> None:
    """What one local pool costs: start ``jobs`` workers, one task each, shut down; ``times`` times.

    In this process with the Midt-Troms baseline loaded (a parent of a
    ``samsim run``'s size); wall-clock and CPU (this process and the
    workers, which have ended), median of ``times``: what a precision run
    saves for each batch after its first (decision 56).
    """
    import concurrent.futures as cf
    import os

    from simulator import load_scenario

    load_scenario(SCENARIOS / "baseline.yaml")
    walls, cpus = [], []
    for _ in range(times):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, started = time.process_time(), time.perf_counter()
        with cf.ProcessPoolExecutor(jobs) as pool:
            for future in [pool.submit(os.getpid) for _ in range(jobs)]:
                future.result()
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpus.append(time.process_time() - cpu + workers)
    wall, cpu = 1000 * statistics.median(walls), 1000 * statistics.median(cpus)
    print(f"a pool of {jobs} started, run and shut down: wall {wall:.1f} ms, CPU {cpu:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="folder holding an older simulator package")
    parser.add_argument("--after", help="folder holding the simulator package to time instead")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--size-replications", type=int, default=5)
    parser.add_argument("--range", default="4:10")
    parser.add_argument("--bisect-range", default="2:40")
    parser.add_argument(
        "--only", choices=["compare", "size", "bisect", "precision"], action="append"
    )
    parser.add_argument("--precision", type=float, default=0.2)
    parser.add_argument("--precision-replications", type=int, default=3)
    parser.add_argument("--precision-max", type=int, default=60)
    parser.add_argument("--precision-days", type=float, default=60)
    parser.add_argument("--dask", type=int, metavar="N", help="on a LocalCluster of N workers")
    parser.add_argument(
        "--connections", type=int, default=0, help="with --dask: time this many connections first"
    )
    parser.add_argument(
        "--pool-starts", type=int, default=0, help="time this many local pool starts first"
    )
    parser.add_argument("--days", type=float, help="run.days of every scenario (default: its own)")
    parser.add_argument("--warmup", type=float, default=0, help="run.warmup_days with --days")
    args = parser.parse_args()
    trees = {"this checkout": str(Path(args.after).resolve()) if args.after else "-"}
    if args.before:
        trees = {"before": str(Path(args.before).resolve()), **trees}
    where = f"a Dask LocalCluster of {args.dask} workers" if args.dask else f"{args.jobs} jobs"
    with open("/proc/loadavg") as load:
        print(f"load average {load.read().split()[0]}, {where}, {args.repeat} turns")
    if args.pool_starts:
        starting_pools(args.jobs, args.pool_starts)
    times: dict[tuple[str, str], list[tuple[float, float, float, float]]] = {}
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(tempfile.TemporaryDirectory())
        chosen = commands(args, Path(out))
        chosen = {k: v for k, v in chosen.items() if k in (args.only or ["compare", "size"])}
        if args.dask:
            cluster = stack.enter_context(local_cluster(args.dask))
            if args.connections:
                connecting(cluster.scheduler_address, args.connections)
            chosen = {k: [*v, "--scheduler", cluster.scheduler_address] for k, v in chosen.items()}
        for turn in range(args.repeat):
            for name, argv in chosen.items():
                for label, tree in trees.items():
                    figures = timed(tree, argv, dask=bool(args.dask))
                    times.setdefault((name, label), []).append(figures)
                    wall, cpu, call_wall, call_cpu = figures
                    print(
                        f"turn {turn + 1}: {name:8} {label:14} wall {wall:6.2f} s cpu {cpu:6.2f} s"
                        f"; experiment wall {call_wall:6.2f} s cpu {call_cpu:6.2f} s"
                    )
    print(
        "\n| command | tree | wall s | CPU s | experiment wall s | experiment CPU s |"
        "\n|---|---|---|---|---|---|"
    )
    for (name, label), runs in times.items():
        medians = [statistics.median(run[i] for run in runs) for i in range(4)]
        print(f"| {name} | {label} | " + " | ".join(f"{m:.2f}" for m in medians) + " |")
    if len(trees) == 2:  # turn by turn, this checkout minus before: the load falls on both
        print("\n| command | paired change, median: wall s | CPU s | experiment wall s | CPU s |")
        print("|---|---|---|---|---|")
        for name in chosen:
            pairs = zip(times[name, "before"], times[name, "this checkout"], strict=True)
            changes = [[b - a for a, b in zip(x, y, strict=True)] for x, y in pairs]
            medians = [statistics.median(c[i] for c in changes) for i in range(4)]
            print(f"| {name} | " + " | ".join(f"{m:+.2f}" for m in medians) + " |")


if __name__ == "__main__":
    main()
