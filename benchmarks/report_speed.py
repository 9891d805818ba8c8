"""Where a run's time goes: simulation against plots, report and workbook, for the bundled baseline.

Simulates the Midt-Troms baseline at its default replications (20) on every
core (as ``samsim run`` without ``--jobs``), writes the results folder, then
times every figure one after the other (building, PNG, and SVG with
``--svg``), and the parts samsim writes after a run: the plots (drawn in
parallel, as samsim draws them), ``report.html`` alone, ``results.xlsx``
alone, and the whole report as samsim writes it (plots, report.html and the
workbook beside them). Each part is repeated (``--repeat``, 3 by default) and
its median printed, in wall-clock and in CPU seconds (the CPU of worker
processes included): on a machine shared with other work, CPU is the figure
to read. ``--reuse FOLDER`` times only the drawing for a results folder
written before (a run or comparison folder). ``--compare ALT`` (repeatable)
runs a comparison of the scenario against ALT instead of one run (as
``samsim compare``: a run workbook per scenario and the comparison's);
``--only PART`` (repeatable) times only the parts named (``results.xlsx``,
``plots``, ``report.html``, ``all, as samsim``).

    .venv/bin/python benchmarks/report_speed.py
    .venv/bin/python benchmarks/report_speed.py --replications 5
    .venv/bin/python benchmarks/report_speed.py --reuse results/baseline/<run id>
    .venv/bin/python benchmarks/report_speed.py --compare scenarios/midt-troms/more-kohd-beds.yaml \
        --replications 4 --skip-parts --only results.xlsx
"""

from __future__ import annotations

import argparse
import inspect
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulator import compare, load_scenario, simulate
from simulator.plots import comparison_figures, is_comparison, read_comparison, read_run
from simulator.plots import run_figures as make_run_figures
from simulator.plots.style import DPI, styled

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "midt-troms" / "baseline.yaml"


def time_figures(folder: Path, lang: str, svg: bool) -> float:
    """Build and save every figure of ``folder`` one by one, printing the parts; CPU seconds."""
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
        t0 = time.process_time()
        with styled():
            fig = make()
        t1 = time.process_time()
        with styled():
            fig.savefig(out / f"{stem}.png", dpi=DPI)
            t2 = time.process_time()
            if svg:
                fig.set_layout_engine("none")
                fig.savefig(out / f"{stem}.svg")
        t3 = time.process_time()
        w, h = fig.get_size_inches()
        print(
            f"  {stem:28s} {w:4.1f}x{h:4.1f} in  build {t1 - t0:5.2f} s  "
            f"png {t2 - t1:5.2f} s" + (f"  svg {t3 - t2:5.2f} s" if svg else "")
        )
        total += t3 - t0
    for run in runs:
        total += time_figures(run, lang, svg)
    return total


def cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(task: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of ``task()`` (its forked workers included), and its result."""
    t0, c0 = time.perf_counter(), cpu()
    result = task()
    return time.perf_counter() - t0, cpu() - c0, result


def accepted(function: Callable[..., Any], **options: Any) -> dict[str, Any]:
    """The options ``function`` takes: an older samsim (for "before") lacks some."""
    parameters = inspect.signature(function).parameters
    return {k: v for k, v in options.items() if k in parameters and v is not None}


def parts(folder: Path, lang: str, workers: int | None) -> dict[str, Callable[[], Any]]:
    """What samsim writes after a run, each alone, and all of it as samsim writes it."""
    from simulator.plots import write_figures
    from simulator.report import _write_pages, write_report
    from simulator.store.xlsx import write_workbooks

    drawn: list[Path] = []

    def plots() -> None:
        drawn[:] = write_figures(folder, lang, **accepted(write_figures, workers=workers))

    return {
        "plots": plots,
        "report.html": lambda: _write_pages(folder, lang, drawn),
        "results.xlsx": lambda: write_workbooks(folder, lang),
        "all, as samsim": lambda: write_report(
            folder, lang, **accepted(write_report, workers=workers)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=BASELINE, help="[the baseline]")
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--reuse", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workers", type=int, default=None, help="drawing processes")
    parser.add_argument("--repeat", type=int, default=3, help="times each part is timed")
    parser.add_argument("--svg", action="store_true", help="time SVG too, figure by figure")
    parser.add_argument("--skip-parts", action="store_true", help="no figure-by-figure timing")
    parser.add_argument(
        "--compare", type=Path, action="append", default=[], help="an alternative to compare"
    )
    parser.add_argument("--only", action="append", default=[], help="time only this part")
    args = parser.parse_args()
    simulation = sim_cpu = float("nan")
    if args.reuse is not None:
        folder = args.reuse
    else:
        scenario = load_scenario(args.scenario)
        if args.compare:
            alternatives = [load_scenario(p) for p in args.compare]
            simulation, sim_cpu, results = timed(
                lambda: compare(
                    scenario, alternatives, replications=args.replications, jobs=args.jobs
                )
            )
            replications = len(results.base.replications)
            what = f"comparison of {1 + len(alternatives)} scenarios"
        else:
            simulation, sim_cpu, results = timed(
                lambda: simulate(scenario, replications=args.replications, jobs=args.jobs)
            )
            replications = len(results.replications)
            what = "simulation"
        folder = Path(results.write(tempfile.mkdtemp(prefix="samsim-bench-")))
        print(
            f"{what} ({replications} replications, {args.jobs} jobs): "
            f"{simulation:.2f} s wall, {sim_cpu:.2f} s CPU"
        )
        print(f"folder: {folder}")
    if not args.skip_parts:
        print("figures one by one, CPU s (build, PNG" + (", SVG):" if args.svg else "):"))
        print(f"  sum: {time_figures(folder, args.lang, args.svg):.2f} s")
    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.repeat):
        for name, task in parts(folder, args.lang, args.workers).items():
            if args.only and name not in args.only:
                continue
            wall, used, _ = timed(task)
            times.setdefault(name, []).append((wall, used))
    print(f"median of {args.repeat} (wall s / CPU s):")
    for name, values in times.items():
        wall = statistics.median(v[0] for v in values)
        used = statistics.median(v[1] for v in values)
        print(f"  {name:16s} {wall:6.2f} / {used:6.2f}")
    if simulation == simulation and "all, as samsim" in times:
        wall = statistics.median(v[0] for v in times["all, as samsim"])
        used = statistics.median(v[1] for v in times["all, as samsim"])
        print(
            f"split: simulation {simulation:.2f} s wall / {sim_cpu:.2f} s CPU; "
            f"plots+report+xlsx {wall:.2f} s wall / {used:.2f} s CPU "
            f"({wall / simulation:.2f} of the simulation's wall time, "
            f"{used / sim_cpu:.2f} of its CPU)"
        )


if __name__ == "__main__":
    main()
