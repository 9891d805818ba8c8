"""Plots of a results folder, as matplotlib Figures and as PNG/SVG files.

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

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from simulator.plots.costs import cost_figure
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
    if len(run.daily_occupancy):
        figures["occupancy"] = lambda: occupancy_figure(
            run.daily_occupancy, run.scenario, lang, run.replications
        )
    if len(run.occupancy_distribution) and len(run.summary):
        figures["occupancy_distribution"] = lambda: occupancy_distribution_figure(
            run.occupancy_distribution, run.summary, run.scenario, lang
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


def write_figures(folder: Path, lang: str = "en") -> list[Path]:
    """Write every figure of a run or comparison folder as PNG and SVG; their paths.

    A run folder gets ``plots/{occupancy,occupancy_distribution,waiting_time,costs}``;
    a comparison folder gets ``plots/forest_<alternative>`` and each scenario's
    subfolder its own run figures.
    """
    folder = Path(folder)
    written: list[Path] = []
    if is_comparison(folder):
        comparison = read_comparison(folder)
        for stem, make in comparison_figures(comparison, lang).items():
            written += save(make(), folder / "plots", stem)
        for run in comparison.runs.values():
            written += write_figures(run.path, lang)
        return written
    run = read_run(folder)
    for stem, make in run_figures(run, lang).items():
        written += save(make(), folder / "plots", stem)
    return written


def figure_files(paths: Sequence[Path], folder: Path) -> list[Path]:
    """The PNG files among ``paths`` that lie directly in ``folder/plots``."""
    target = (Path(folder) / "plots").resolve()
    return [p for p in paths if p.suffix == ".png" and p.parent.resolve() == target]
