"""One worker pool per command: ``samsim compare`` and ``samsim size``, wall-clock and CPU.

Run from the repository root::

    .venv/bin/python benchmarks/pool.py                        # this checkout, ~2 minutes
    .venv/bin/python benchmarks/pool.py --before /tmp/before   # and an older one, in turns

``--before`` names a folder holding an older ``simulator`` package (e.g.
``git archive <commit> simulator | tar -x -C /tmp/before``); each command is
run once with each tree in turn, ``--repeat`` times, so that other load on
the machine falls on both alike. Every command is a fresh ``samsim``
process; its wall-clock seconds and the CPU seconds of it and its worker
processes (``RUSAGE_CHILDREN``) are reported, the median of the repeats.

Commands (``--jobs`` workers, default 2, plots and report off where the
command allows it):

* ``compare``: the Midt-Troms baseline against ``more-kohd-beds.yaml``,
  ``--replications`` each (default 10);
* ``size``: ``dms-senja-kohd`` of the baseline for ``diversion_share<0.05``
  over ``--range`` (default 4:10, a scan of seven counts plus the
  unconstrained run), ``--size-replications`` each (default 5); ``size``
  always draws its plot and report, the same work before and after.

``--days`` (with ``--warmup``, default 0) shortens every replication, so
that what a pool costs per experiment (start-up, a worker idle at the end)
is a larger share of the command.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios" / "midt-troms"

# Starts samsim from the package in argv[1] (or the installed one for "-"): the
# editable install's finder would otherwise win over sys.path.
LAUNCHER = """
import sys
tree = sys.argv.pop(1)
if tree != "-":
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, tree)
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
        "size": [
            "size",
            baseline,
            "--facility",
            "dms-senja-kohd",
            "--target",
            "diversion_share<0.05",
            "--range",
            args.range,
            "--replications",
            str(args.size_replications),
            *common,
        ],
    }


def timed(tree: str, argv: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (the process and its workers) of one samsim command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, tree, *argv], capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"samsim {' '.join(argv)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="folder holding an older simulator package")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--size-replications", type=int, default=5)
    parser.add_argument("--range", default="4:10")
    parser.add_argument("--only", choices=["compare", "size"])
    parser.add_argument("--days", type=float, help="run.days of every scenario (default: its own)")
    parser.add_argument("--warmup", type=float, default=0, help="run.warmup_days with --days")
    args = parser.parse_args()
    trees = {"this checkout": "-"}
    if args.before:
        trees = {"before": str(Path(args.before).resolve()), **trees}
    with open("/proc/loadavg") as load:
        print(f"load average {load.read().split()[0]}, {args.jobs} jobs, {args.repeat} turns")
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as out:
        chosen = commands(args, Path(out))
        if args.only:
            chosen = {args.only: chosen[args.only]}
        for turn in range(args.repeat):
            for name, argv in chosen.items():
                for label, tree in trees.items():
                    wall, cpu = timed(tree, argv)
                    times.setdefault((name, label), []).append((wall, cpu))
                    print(
                        f"turn {turn + 1}: {name:8} {label:14} wall {wall:6.2f} s cpu {cpu:6.2f} s"
                    )
    print("\n| command | tree | wall s (median) | CPU s (median) |\n|---|---|---|---|")
    for (name, label), runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"| {name} | {label} | {wall:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
