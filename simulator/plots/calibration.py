"""The goodness-of-fit figure of a calibration: every target, simulated against observed.

Drawn from ``goodness_of_fit.csv`` (:func:`simulator.calibration.fit.goodness_of_fit`),
so it can be redrawn from saved results. Targets have different units, so
each row shows simulated / observed: the mean with its 95 % interval, the
observed value (or range; an open range runs to the plot's edge) with its
tolerance as a grey band, filled markers
for fitted targets and open ones for held-out targets, green inside the
tolerance and vermilion outside.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.plots.style import GREEN, VERMILION, save, styled, wrap
from simulator.text.labels_calibration import calibration_label

__all__ = ["goodness_of_fit_figure", "write_calibration_figures"]


def goodness_of_fit_figure(table: pd.DataFrame, lang: str = "en") -> Figure:
    """One row per target of ``table`` (``goodness_of_fit.csv``): simulated / observed."""
    rows = table[table["observed"].astype(float) != 0].reset_index(drop=True)
    fig = Figure(figsize=(8, 2.2 + 0.45 * max(len(rows), 1)), layout="constrained")
    ax = fig.add_subplot()
    if rows.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, calibration_label("none", lang), ha="center", va="center")
        return fig
    n = int(rows["n"].max())
    bands: list[tuple[float, float, float]] = []
    shown: list[float] = [1.0]
    for i, row in rows.iterrows():
        y = len(rows) - 1 - int(str(i))
        middle = float(row["observed"])
        tol = float(row["tolerance"])
        ends = sorted(
            (
                (float(row["observed_low"]) - tol) / middle,
                (float(row["observed_high"]) + tol) / middle,
            )
        )
        bands.append((y, ends[0], ends[1]))
        colour = GREEN if bool(row["inside"]) else VERMILION
        ratio = float(row["ratio"])
        interval = sorted((float(row["ci_low"]) / middle, float(row["ci_high"]) / middle))
        if all(math.isfinite(e) for e in interval):
            ax.plot(interval, [y, y], color=colour, lw=2)
        fitted = bool(row["fitted"])
        ax.plot(
            [ratio],
            [y],
            marker="o" if fitted else "D",
            markersize=7,
            color=colour,
            markerfacecolor=colour if fitted else "white",
            markeredgewidth=1.5,
        )
        shown += [e for e in (ratio, *interval, *ends) if math.isfinite(e)]
    # An open range ([null, 3.6]: at most 3.6) runs its band to the edge of the plot.
    pad = 0.05 * (max(shown) - min(shown) or 1.0)
    left, right = min(shown) - pad, max(shown) + pad
    for row_y, low, high in bands:
        low, high = max(low, left), min(high, right)
        ax.fill_betweenx([row_y - 0.3, row_y + 0.3], low, high, color="0.85", lw=0, zorder=0)
    ax.set_xlim(left, right)
    ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(range(len(rows)), [wrap(str(t), 30) for t in rows["target"][::-1]])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(calibration_label("axis", lang))
    ax.set_title(wrap(calibration_label("title", lang, n=n), 80), loc="left")
    handles = [
        Patch(color="0.85", label=calibration_label("band", lang)),
        Line2D([], [], marker="o", ls="", color="0.3", label=calibration_label("fitted", lang)),
        Line2D(
            [],
            [],
            marker="D",
            ls="",
            color="0.3",
            markerfacecolor="white",
            label=calibration_label("held_out", lang),
        ),
        Line2D([], [], color=GREEN, lw=2, label=calibration_label("inside", lang)),
        Line2D([], [], color=VERMILION, lw=2, label=calibration_label("outside", lang)),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3)
    return fig


def write_calibration_figures(folder: Path, lang: str = "en") -> list[Path]:
    """Draw ``goodness_of_fit.png`` (and ``.svg``) from the folder's ``goodness_of_fit.csv``."""
    table = pd.read_csv(Path(folder) / "goodness_of_fit.csv")
    with styled():
        fig = goodness_of_fit_figure(table, lang)
    return save(fig, Path(folder), "goodness_of_fit")
