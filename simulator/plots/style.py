"""What every figure shares: colours, the matplotlib style, wrapped titles and axes helpers.

Colours are the Okabe–Ito palette, distinguishable with colour-blindness and
in grey print. The style applies only inside :func:`styled`, through
:func:`matplotlib.rc_context`: importing or drawing changes no global setting.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates  # noqa: F401  (registers the datetime64 converter)
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simulator.text.labels import label
from simulator.text.numbers import format_trimmed

__all__ = [
    "BLUE",
    "DPI",
    "GREEN",
    "GREY",
    "ORANGE",
    "PAYER_COLOURS",
    "PINK",
    "SERVICE_COLOURS",
    "SKY",
    "SPARE_COLOURS",
    "STYLE",
    "VERMILION",
    "WINE",
    "WRAP",
    "YELLOW",
    "column_count",
    "date_axis",
    "facilities",
    "fixed_layout",
    "grid",
    "message",
    "number_formatter",
    "panel_figure",
    "save",
    "styled",
    "wrap",
]

# Okabe–Ito colours: distinguishable with colour-blindness and in grey print.
BLUE, ORANGE, GREEN, PINK = "#0072B2", "#E69F00", "#009E73", "#CC79A7"
VERMILION, SKY, YELLOW, GREY = "#D55E00", "#56B4E9", "#F0E442", "#999999"
WINE = "#882255"
SERVICE_COLOURS = {
    "kohd": GREEN,
    "hospital": VERMILION,
    "dps": PINK,
    "rehab": ORANGE,
    "nursing_home": SKY,
    "transport": GREY,
}
SPARE_COLOURS = (YELLOW, BLUE, "#332288", "#44AA99", "#117733", "#AA4499")
PAYER_COLOURS = {"municipality": BLUE, "health_trust": WINE}
STYLE: dict[Any, Any] = {
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "figure.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "samsim",  # stable ids: the same results give the same SVG
    "svg.fonttype": "none",
}
DPI = 110
WRAP = 42


@contextmanager
def styled() -> Iterator[None]:
    """Apply :data:`STYLE` while building or saving a figure."""
    with matplotlib.rc_context(STYLE):
        yield


def wrap(text: str, width: int = WRAP) -> str:
    """``text`` on lines of at most ``width`` characters, hyphenated words kept whole."""
    return textwrap.fill(text, width, break_on_hyphens=False)


def number_formatter(lang: str) -> FuncFormatter:
    """Tick labels with the language's decimal mark and a proper minus sign."""

    def fmt(value: float, _pos: int | None = None) -> str:
        return format_trimmed(value, lang)

    return FuncFormatter(fmt)


def grid(fig: Figure, count: int, ncols: int, sharex: bool = False) -> list[Axes]:
    """``count`` axes in a grid, unused cells removed, x tick labels kept where needed."""
    nrows = max(1, math.ceil(count / ncols))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex)
    flat: list[Axes] = list(axes.flat)
    for ax in flat[count:]:
        ax.remove()
    if sharex:
        for i, ax in enumerate(flat[:count]):
            if i + ncols >= count:  # nothing below it: keep its dates
                ax.xaxis.set_tick_params(labelbottom=True)
    return flat[:count]


def column_count(count: int) -> int:
    """Columns of a grid of ``count`` panels: 1, 2 up to four panels, else 3."""
    return 1 if count == 1 else 2 if count <= 4 else 3


def panel_figure(
    count: int, height: float, extra: float, sharex: bool = False, fixed: bool = False
) -> tuple[Figure, list[Axes], int]:
    """A figure of ``count`` panels, 5 by ``height`` inches each, and its columns.

    ``extra`` inches of height are left for the title and a legend. Call it
    inside :func:`styled`: a figure takes some of its style when it is made.
    With ``fixed``, no layout engine is set: the caller places the panels with
    :func:`fixed_layout` once their texts are set; else matplotlib's
    constrained layout places them when the figure is drawn.
    """
    ncols = column_count(count)
    fig = Figure(figsize=(5.0 * ncols, height * math.ceil(count / ncols) + extra))
    if not fixed:
        fig.set_layout_engine("constrained")
    return fig, grid(fig, count, ncols, sharex=sharex), ncols


_PT = 1 / 72  # inches per point
_LINE = 1.25  # height of a line of text, in font sizes
_EM = 0.64  # width of a digit or sign in DejaVu Sans, in font sizes (a conservative mean)
_PAD = 0.1  # inches between a text and the figure's edge, or between two texts


def _lines(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def _tick_chars(ax: Axes) -> int:
    """Characters of the widest y tick label of ``ax``, from its locator and formatter."""
    low, high = sorted(ax.get_ylim())
    ticks = [
        t
        for t in ax.yaxis.get_major_locator().tick_values(low, high)
        if low - 1e-9 * abs(high - low) <= t <= high + 1e-9 * abs(high - low)
    ]
    formatter = ax.yaxis.get_major_formatter()
    formatter.set_locs(ticks)
    return max((len(formatter(t, i)) for i, t in enumerate(ticks)), default=1)


def fixed_layout(fig: Figure, axes: Sequence[Axes], ncols: int, legend_rows: int = 0) -> None:
    """Place a grid of panels with margins worked out from the lines of its texts.

    A fixed layout instead of matplotlib's constrained one, which measures
    every tick label, title and legend again at each draw (a quarter of the
    time of a PNG of 14 panels, decision 45). Titles (``loc="left"``), axis
    labels and tick labels are counted in lines of their font size (from
    :data:`STYLE`); the y tick labels' width is estimated from their
    characters. Panels keep the figure's size; the figure grows only if a
    panel would be shorter than 1.2 inches. ``legend_rows`` rows of a figure
    legend at ``lower center`` get room at the bottom; the suptitle is put at
    the top.
    """
    if not axes:
        return
    nrows = math.ceil(len(axes) / ncols)
    width, height = (float(v) for v in fig.get_size_inches())

    def line(key: str) -> float:
        """Inches of one line of text in the font size ``STYLE[key]``."""
        return float(STYLE[key]) * _LINE * _PT

    def title(ax: Axes) -> float:
        lines = _lines(ax.get_title(loc="left"))
        return lines * line("axes.titlesize") + 6 * _PT if lines else 0.0  # 6 pt: title pad

    def below(ax: Axes) -> float:
        """Inches under the panel: ticks, their labels if shown, the x label."""
        inches = 3.5 * _PT  # tick length
        if ax.xaxis.get_tick_params(which="major").get("labelbottom", True):
            inches += 3.5 * _PT + line("xtick.labelsize")
        lines = _lines(ax.get_xlabel())
        return inches + (lines * line("axes.labelsize") + 4 * _PT if lines else 0.0)

    def beside(ax: Axes) -> float:
        """Inches left of the panel: ticks, their labels and the y label."""
        inches = (7.0 + _tick_chars(ax) * float(STYLE["ytick.labelsize"]) * _EM) * _PT
        lines = _lines(ax.get_ylabel())
        return inches + (lines * line("axes.labelsize") + 4 * _PT if lines else 0.0)

    rows = [list(axes[r * ncols : (r + 1) * ncols]) for r in range(nrows)]
    suptitle = fig.get_suptitle()
    sup = _lines(suptitle) * line("figure.titlesize")
    top = _PAD + sup + (_PAD if sup else 0.0) + max(title(ax) for ax in rows[0])
    legend = legend_rows * (line("legend.fontsize") + 4 * _PT)
    bottom = max(below(ax) for ax in rows[-1]) + legend + _PAD + (_PAD if legend else 0.0)
    gap = (
        max(
            (max(below(ax) for ax in upper) + max(title(ax) for ax in lower) + _PAD)
            for upper, lower in zip(rows, rows[1:], strict=False)
        )
        if nrows > 1
        else 0.0
    )
    left = _PAD + max(beside(row[0]) for row in rows)
    others = [ax for row in rows for ax in row[1:]]
    wspace = (max(beside(ax) for ax in others) if others else 0.0) + 2 * _PAD
    right = 2.5 * _PAD
    panel_h = (height - top - bottom - gap * (nrows - 1)) / nrows
    if panel_h < 1.2:
        panel_h = 1.2
        height = top + bottom + gap * (nrows - 1) + panel_h * nrows
        fig.set_size_inches(width, height)
    panel_w = (width - left - right - wspace * (ncols - 1)) / ncols
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=wspace / panel_w,
        hspace=gap / panel_h,
    )
    if suptitle:
        fig.suptitle(suptitle, y=1 - _PAD / height, va="top")
    for fig_legend in fig.legends:  # made with loc="lower center"
        fig_legend.set_bbox_to_anchor((0.5, _PAD / height), transform=fig.transFigure)


def message(fig: Figure, text: str) -> None:
    """Fill ``fig`` with one centred line of text, for a figure with nothing to draw."""
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", transform=ax.transAxes)


def date_axis(ax: Axes, dates: pd.DatetimeIndex, lang: str) -> None:
    """Month ticks named in ``lang`` ("Jan 2025" / "jan 2025"), at most about six."""
    if len(dates) == 0:
        return
    first, last = dates.min(), dates.max()
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((s for s in (1, 2, 3, 4, 6, 12) if months / s <= 6), 12)
    starts = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    ticks = [d for d in starts if (d.month - 1) % step == 0 and d >= first]
    ax.set_xticks(
        [np.datetime64(d.date(), "D") for d in ticks],
        [f"{label(f'month.{d.month}', lang)} {d.year}" for d in ticks],
    )


def facilities(scenario: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The scenario's facilities by id, in the scenario's order."""
    items = scenario.get("facilities") or {}
    return {str(k): v for k, v in items.items() if isinstance(v, Mapping)}


def save(fig: Figure, folder: Path, stem: str, svg: bool = True) -> list[Path]:
    """Write ``fig`` as ``folder/<stem>.png`` (and ``.svg``), free of dates; their paths.

    The SVG costs a second drawing of every artist; the run and comparison
    figures write it only on request (:func:`simulator.plots.write_figures`).
    Without ``svg``, an SVG of the same stem left from an earlier drawing is
    removed, so that the folder never holds two versions of a figure.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png"]
    with styled():
        fig.savefig(paths[0], dpi=DPI, metadata={"Software": None})
        if svg:
            paths.append(folder / f"{stem}.svg")
            fig.set_layout_engine("none")  # keep the layout just computed: no second pass
            fig.savefig(paths[1], metadata={"Date": None})
        else:  # an SVG drawn before (another language, older results) would disagree
            (folder / f"{stem}.svg").unlink(missing_ok=True)
    return paths
