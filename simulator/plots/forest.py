"""The forest plot of a comparison: paired differences with 95 % intervals, one panel a KPI."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.analysis.significance import significant
from simulator.plots.style import GREY, VERMILION, message, number_formatter, styled, wrap
from simulator.text.labels import Names, kpi_parts, kpi_unit, label

__all__ = ["FOREST_PANELS", "forest_figure"]

FOREST_PANELS: tuple[tuple[str, str], ...] = (
    ("facility", "occupancy_mean"),
    ("facility", "admissions"),
    ("facility", "diversion_share"),
    ("facility", "wait_mean"),
    ("facility", "blocked_days"),
    ("facility", "overflow_days"),
    ("group", "wait_mean"),
    ("group", "municipal_share"),
    ("municipality", "travel_minutes_mean"),
    ("municipality", "cost"),
    ("cost", ""),
)
"""The KPIs a forest plot shows, one panel each, in this order; ``("cost", "")`` is every
cost KPI in NOK except the cost per episode."""

_SCALE = {"share": (100.0, "share_points"), "nok": (1e-6, "mnok")}


def _forest_rows(table: pd.DataFrame, section: str, suffix: str) -> pd.DataFrame:
    kpis = table["kpi"].astype(str)
    if section == "cost":
        mask = kpis.str.startswith("cost.") & (kpis != "cost.per_episode")
    else:
        mask = kpis.str.startswith(section + ".") & kpis.str.endswith("." + suffix)
    rows = table[mask]
    values = rows[["difference", "ci_low", "ci_high"]].to_numpy(dtype=float)
    finite = np.isfinite(values[:, 0])
    moving = (np.abs(np.nan_to_num(values)) > 1e-9).any(axis=1)
    kept = rows.loc[finite & moving]
    if section == "cost":  # totals and payers first, then facilities
        first = ["cost.total", "cost.payer.municipality", "cost.payer.health_trust"]
        first += ["cost.blocked_payments", "cost.transport"]
        rank = {k: i for i, k in enumerate(first)}
        order = sorted(range(len(kept)), key=lambda i: rank.get(str(kept["kpi"].iloc[i]), 99))
        kept = kept.iloc[order]
    result: pd.DataFrame = kept
    return result


def _plain(text: str) -> str:
    """A label without its trailing unit in brackets: "mean wait (days)" -> "mean wait"."""
    return re.sub(r"\s*\([^)]*\)$", "", text)


def forest_figure(
    table: pd.DataFrame,
    names: Names,
    lang: str = "en",
    base: str = "",
    alternative: str = "",
) -> Figure:
    """Paired differences (alternative − base) with 95 % intervals: a forest plot.

    ``table`` holds the ``comparison.csv`` rows of one alternative. One panel
    per KPI of :data:`FOREST_PANELS`, each with its own unit, so that beds,
    days and NOK never share an axis; one row per facility, group or
    municipality whose difference or interval is not zero. Significant rows
    (the interval excludes 0) are filled and coloured.
    """
    panels = [(s, k, _forest_rows(table, s, k)) for s, k in FOREST_PANELS]
    panels = [p for p in panels if len(p[2])]
    heights = [len(p[2]) + 2.2 for p in panels]  # rows plus room for title and x axis
    # Two columns, panels in order, split where the columns come out most even.
    split = min(range(len(panels) + 1), key=lambda k: max(sum(heights[:k]), sum(heights[k:])))
    columns = [c for c in (list(range(split)), list(range(split, len(panels)))) if c]
    tallest = max((sum(heights[i] for i in c) for c in columns), default=4.0)
    title = label("title.forest", lang, alt=alternative, base=base)
    with styled():
        fig = Figure(figsize=(8.5 * max(len(columns), 1), 0.3 * tallest + 1.4))
        fig.set_layout_engine("constrained")
        if not panels:
            message(fig, label("title.forest_none", lang))
            fig.suptitle(wrap(title, 90))
            return fig
        subfigs = fig.subfigures(1, len(columns), squeeze=False)[0]
        for subfig, column in zip(subfigs, columns, strict=True):
            used = sum(heights[i] for i in column)
            ratios = [heights[i] for i in column] + ([tallest - used] if tallest > used else [])
            axes = subfig.subplots(len(ratios), 1, squeeze=False, height_ratios=ratios)[:, 0]
            for ax in axes[len(column) :]:
                ax.axis("off")  # filler that keeps row heights equal across columns
            for ax, i in zip(axes, column, strict=False):
                _forest_panel(ax, *panels[i], names, lang)
        fig.legend(
            [
                Line2D([], [], color=VERMILION, marker="o", linewidth=1.6),
                Line2D([], [], color=GREY, marker="o", markerfacecolor="white", linewidth=1.0),
            ],
            [label("legend.significant", lang), label("legend.not_significant", lang)],
            loc="outside lower center",
            ncols=2,
            frameon=False,
        )
        fig.suptitle(wrap(title, 60 * len(columns)))
    return fig


def _forest_panel(
    ax: Axes, section: str, suffix: str, rows: pd.DataFrame, names: Names, lang: str
) -> None:
    unit = kpi_unit(str(rows["kpi"].iloc[0]))
    scale, unit = _SCALE.get(unit, (1.0, unit))
    diff = rows["difference"].to_numpy(dtype=float) * scale
    low = rows["ci_low"].to_numpy(dtype=float) * scale
    high = rows["ci_high"].to_numpy(dtype=float) * scale
    low = np.where(np.isfinite(low), low, diff)
    high = np.where(np.isfinite(high), high, diff)
    y = np.arange(len(rows))[::-1]
    for yi, d, lo, hi, sig in zip(y, diff, low, high, significant(rows), strict=True):
        colour = VERMILION if sig else GREY
        ax.plot([lo, hi], [yi, yi], color=colour, linewidth=1.6 if sig else 1.0)
        ax.plot(
            [d],
            [yi],
            marker="o",
            markersize=5.5,
            color=colour,
            markerfacecolor=colour if sig else "white",
        )
    ax.axvline(0, color="black", linewidth=0.9)
    labels = [wrap(kpi_parts(str(k), names, lang)[1], 56) for k in rows["kpi"]]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    lo_all, hi_all = float(min(low.min(), 0.0)), float(max(high.max(), 0.0))
    pad = 0.06 * (hi_all - lo_all or 1.0)
    ax.set_xlim(lo_all - pad, hi_all + pad)
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    heading = label(f"section.{section}", lang)
    if suffix:
        heading += ": " + _plain(label(f"kpi.{suffix}", lang))
    ax.set_title(heading, loc="left", fontweight="bold")
    ax.set_xlabel(label("axis.difference", lang, unit=label(f"unit.{unit}", lang)))
