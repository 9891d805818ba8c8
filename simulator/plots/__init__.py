"""Plots of a results folder, as matplotlib Figures and as PNG (and, on request, SVG) files.

Each ``*_figure`` function takes tables of a results folder (see
:mod:`simulator.store.readers`) and the resolved scenario as plain data, and returns
a :class:`matplotlib.figure.Figure`; :func:`write_figures` reads a run or
comparison folder and writes every figure under ``<folder>/plots/``.

Figures are built on :class:`~matplotlib.figure.Figure` directly, never
through ``pyplot``: no global figure registry, no GUI backend, nothing
changed by importing this package. Text comes from :mod:`simulator.text.labels`,
in English or Norwegian. One module a figure: :mod:`~simulator.plots.occupancy`,
:mod:`~simulator.plots.waits`, :mod:`~simulator.plots.costs`,
:mod:`~simulator.plots.forest`; :mod:`~simulator.plots.style` holds what they share.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from simulator.plots.costs import cost_figure
from simulator.plots.flows import flow_figure
from simulator.plots.forest import FOREST_PANELS, forest_figure
from simulator.plots.occupancy import (
    Reference,
    occupancy_distribution_figure,
    occupancy_figure,
    reference_distribution,
)
from simulator.plots.style import VERMILION, save
from simulator.plots.waits import wait_figure
from simulator.store.readers import (
    ComparisonFolder,
    RunFolder,
    is_comparison,
    period_bounds,
    period_text,
    read_comparison,
    read_run,
)

__all__ = [
    "FOREST_PANELS",
    "VERMILION",
    "ComparisonFolder",
    "Reference",
    "RunFolder",
    "comparison_figures",
    "cost_figure",
    "figure_files",
    "figure_jobs",
    "flow_figure",
    "forest_figure",
    "is_comparison",
    "occupancy_distribution_figure",
    "occupancy_figure",
    "period_bounds",
    "period_text",
    "read_comparison",
    "read_run",
    "reference_distribution",
    "run_figures",
    "wait_figure",
    "write_figures",
]


def run_figures(run: RunFolder, lang: str = "en") -> dict[str, Callable[[], Figure]]:
    """The figures of one run folder by file stem, built when called (skips missing tables)."""
    figures: dict[str, Callable[[], Figure]] = {}
    if len(run.flows):
        figures["flows"] = lambda: flow_figure(run.flows, run.scenario, lang)
    if len(run.daily_occupancy):
        figures["occupancy"] = lambda: occupancy_figure(
            run.daily_occupancy, run.scenario, lang, run.replications
        )
    if len(run.occupancy_distribution) and len(run.summary):
        figures["occupancy_distribution"] = lambda: occupancy_distribution_figure(
            run.occupancy_distribution, run.summary, run.scenario, lang, run.daily_occupancy
        )
    if len(run.wait_distribution):
        figures["waiting_time"] = lambda: wait_figure(run.wait_distribution, run.scenario, lang)
    if len(run.summary):
        figures["costs"] = lambda: cost_figure(run.summary, run.scenario, lang)
    return figures


def comparison_figures(
    comparison: ComparisonFolder, lang: str = "en"
) -> dict[str, Callable[[], Figure]]:
    """One forest plot per alternative, by file stem ``forest_<alternative>``."""
    base = comparison.runs.get(comparison.base)
    names = base.names if base else {}
    title = base.title if base else comparison.base
    figures: dict[str, Callable[[], Figure]] = {}
    for alt in comparison.alternatives:
        rows = comparison.comparison[comparison.comparison["scenario"] == alt]
        run = comparison.runs.get(alt)

        def make(rows: pd.DataFrame = rows, alt_title: str = run.title if run else alt) -> Figure:
            return forest_figure(rows, names, lang, title, alt_title)

        figures[f"forest_{alt}"] = make
    return figures


Job = tuple[Path, str, Callable[[], Figure]]
"""One figure to write: (plots folder, file stem, what builds it)."""

# Drawn first: the figures that take longest, so that parallel workers finish together.
_SLOW_FIRST = {
    "occupancy_distribution": 0,
    "occupancy": 1,
    "waiting_time": 2,
    "costs": 3,
    "flows": 4,
}


def figure_jobs(folder: Path, lang: str = "en") -> list[Job]:
    """Every figure of a run or comparison folder (and its scenarios' folders), slowest first."""
    folder = Path(folder)
    jobs: list[Job] = []
    if is_comparison(folder):
        comparison = read_comparison(folder)
        jobs += [(folder / "plots", s, m) for s, m in comparison_figures(comparison, lang).items()]
        for run in comparison.runs.values():
            jobs += figure_jobs(run.path, lang)
    else:
        run = read_run(folder)
        jobs += [(folder / "plots", s, m) for s, m in run_figures(run, lang).items()]
    return sorted(jobs, key=lambda job: _SLOW_FIRST.get(job[1], len(_SLOW_FIRST)))


_PENDING: list[Job] = []  # what forked workers draw (inherited, never pickled)
_SVG = False  # whether they write SVG too (inherited like _PENDING)


def _draw(index: int) -> list[Path]:
    folder, stem, make = _PENDING[index]
    return save(make(), folder, stem, svg=_SVG)


def _workers(jobs: int, workers: int | None) -> int:
    """Processes to draw ``jobs`` figures with: one unless forking is safe and pays."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if (
        workers < 2
        or jobs < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or threading.active_count() > 1  # forking a process with threads can deadlock
    ):
        return 1
    return min(workers, jobs)


def write_figures(
    folder: Path, lang: str = "en", workers: int | None = None, svg: bool = False
) -> list[Path]:
    """Write every figure of a run or comparison folder as PNG (and SVG); their paths.

    A run folder gets ``plots/{flows,occupancy,occupancy_distribution,waiting_time,costs}.png``;
    a comparison folder gets ``plots/forest_<alternative>`` and each scenario's
    subfolder its own run figures. ``workers`` processes draw them (default: the
    cores, at most 4; forked, where the platform forks and no other thread runs,
    else one after the other). The files are the same either way. ``svg``
    also writes each figure as ``<stem>.svg`` (text kept as text), for editing
    or print; the report embeds only the PNG files, so they are not written
    unless asked for: an SVG costs a third of the PNG's drawing again.
    """
    global _PENDING, _SVG
    jobs = figure_jobs(folder, lang)
    count = _workers(len(jobs), workers)
    if count == 1:
        return [p for folder_, stem, make in jobs for p in save(make(), folder_, stem, svg)]
    _PENDING, _SVG = jobs, svg
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            drawn = pool.map(_draw, range(len(jobs)), chunksize=1)
    finally:
        _PENDING, _SVG = [], False
    return [p for paths in drawn for p in paths]


def figure_files(paths: Sequence[Path], folder: Path) -> list[Path]:
    """The PNG files among ``paths`` that lie directly in ``folder/plots``."""
    target = (Path(folder) / "plots").resolve()
    return [p for p in paths if p.suffix == ".png" and p.parent.resolve() == target]
