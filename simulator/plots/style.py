"""What every figure shares: colours, the matplotlib style, wrapped titles and axes helpers.

Colours are the Okabe–Ito palette, distinguishable with colour-blindness and
in grey print. The style applies only inside :func:`styled`, through
:func:`matplotlib.rc_context`: importing or drawing changes no global setting.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Mapping
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
    count: int, height: float, extra: float, sharex: bool = False
) -> tuple[Figure, list[Axes], int]:
    """A figure of ``count`` panels, 5 by ``height`` inches each, and its columns.

    ``extra`` inches of height are left for the title and a legend. Call it
    inside :func:`styled`: a figure takes some of its style when it is made.
    """
    ncols = column_count(count)
    fig = Figure(figsize=(5.0 * ncols, height * math.ceil(count / ncols) + extra))
    fig.set_layout_engine("constrained")
    return fig, grid(fig, count, ncols, sharex=sharex), ncols


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


def save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    """Write ``fig`` as ``folder/<stem>.png`` and ``.svg``, both free of dates; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    with styled():
        fig.savefig(paths[0], dpi=DPI, metadata={"Software": None})
        fig.set_layout_engine("none")  # keep the layout just computed: no second pass for SVG
        fig.savefig(paths[1], metadata={"Date": None})
    return paths
