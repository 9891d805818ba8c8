"""Where a run's time goes: simulation against plots and report, for the bundled baseline.

Simulates the Midt-Troms baseline at its default replications (20) on every
core (as ``samsim run`` without ``--jobs``), writes the results folder, then
times every figure one after the other (building, PNG, SVG), and the whole
report as samsim writes it (figures drawn in parallel, report.html,
results.xlsx). Prints one line per part and the split, in wall-clock and in
CPU seconds (the CPU of worker processes included). ``--reuse FOLDER`` times only the drawing
for a results folder written before (a run or comparison folder).

    .venv/bin/python benchmarks/report_speed.py
    .venv/bin/python benchmarks/report_speed.py --replications 5
    .venv/bin/python benchmarks/report_speed.py --reuse results/baseline/<run id>
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from simulator import load_scenario, simulate
from simulator.plots import comparison_figures, is_comparison, read_comparison, read_run
from simulator.plots import run_figures as make_run_figures
from simulator.plots.style import DPI, styled

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "midt-troms" / "baseline.yaml"


def time_figures(folder: Path, lang: str) -> float:
    """Build and save every figure of ``folder`` one by one, printing the parts; total seconds."""
    total = 0.0
    if is_comparison(folder):
        comparison = read_comparison(folder)
        figures = dict(comparison_figures(comparison, lang))
        runs = [run.path for run in comparison.runs.values()]
    else:
        figures = dict(make_run_figures(read_run(folder), lang))
        runs = []
    out = Path(tempfile.mkdtemp(prefix="samsim-bench-"))
    for stem, make in figures.items():
        t0 = time.perf_counter()
        with styled():
            fig = make()
        t1 = time.perf_counter()
        with styled():
            fig.savefig(out / f"{stem}.png", dpi=DPI)
            t2 = time.perf_counter()
            fig.set_layout_engine("none")
            fig.savefig(out / f"{stem}.svg")
        t3 = time.perf_counter()
        w, h = fig.get_size_inches()
        print(
            f"  {stem:28s} {w:4.1f}x{h:4.1f} in  build {t1 - t0:5.2f} s  "
            f"png {t2 - t1:5.2f} s  svg {t3 - t2:5.2f} s"
        )
        total += t3 - t0
    for run in runs:
        total += time_figures(run, lang)
    return total


def cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_report(folder: Path, lang: str, workers: int | None) -> tuple[float, float]:
    """Wall and CPU seconds of the whole report (figures, report.html, results.xlsx)."""
    import inspect

    from simulator.report import write_report

    extra = {"workers": workers} if "workers" in inspect.signature(write_report).parameters else {}
    t0, c0 = time.perf_counter(), cpu()
    write_report(folder, lang, **extra)  # an older samsim (for "before") has no workers
    return time.perf_counter() - t0, cpu() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--reuse", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workers", type=int, default=None, help="drawing processes")
    parser.add_argument("--skip-parts", action="store_true", help="only the whole report")
    args = parser.parse_args()
    simulation = sim_cpu = float("nan")
    if args.reuse is not None:
        folder = args.reuse
    else:
        scenario = load_scenario(BASELINE)
        t0, c0 = time.perf_counter(), cpu()
        results = simulate(scenario, replications=args.replications, jobs=args.jobs)
        simulation, sim_cpu = time.perf_counter() - t0, cpu() - c0
        folder = Path(results.write(tempfile.mkdtemp(prefix="samsim-bench-")))
        print(
            f"simulation ({len(results.replications)} replications, {args.jobs} jobs): "
            f"{simulation:.2f} s wall, {sim_cpu:.2f} s CPU"
        )
    if not args.skip_parts:
        print("figures one by one (build, PNG, SVG):")
        parts = time_figures(folder, args.lang)
        print(f"  sum: {parts:.2f} s")
    wall, used = time_report(folder, args.lang, args.workers)
    print(
        f"plots + report.html + results.xlsx as samsim writes them: {wall:.2f} s wall, "
        f"{used:.2f} s CPU"
    )
    if simulation == simulation:
        print(
            f"split: simulation {simulation:.2f} s wall / {sim_cpu:.2f} s CPU; "
            f"plots+report {wall:.2f} s wall / {used:.2f} s CPU "
            f"({wall / simulation:.2f} of the simulation's wall time)"
        )


if __name__ == "__main__":
    main()
