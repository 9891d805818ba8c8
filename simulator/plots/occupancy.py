"""Occupancy figures: occupied beds over time, and the occupancy distribution beside theory.

The analytic reference of the distribution comes from :mod:`simulator.analysis.erlang`:
Erlang loss for facilities that divert, Erlang delay (M/M/c) for those with a
queue, Poisson (M/G/inf) for those that overflow into the corridor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simulator.analysis import erlang
from simulator.plots.style import (
    BLUE,
    ORANGE,
    SKY,
    date_axis,
    facilities,
    fixed_layout,
    number_formatter,
    panel_figure,
    styled,
    wrap,
)
from simulator.store.readers import kpi_interval
from simulator.text.labels import display_names, label
from simulator.text.numbers import format_number, format_share

__all__ = [
    "Reference",
    "occupancy_distribution_figure",
    "occupancy_figure",
    "reference_distribution",
]


def occupancy_figure(
    daily: pd.DataFrame, scenario: Mapping[str, Any], lang: str = "en", replications: int = 0
) -> Figure:
    """Occupied beds per day, one panel per facility: mean, 5–95 % band, open beds.

    Panels share the dates but not the bed scale: each starts at 0 beds and
    fits its own facility.
    """
    names = display_names(scenario)["facilities"]
    present = list(daily["facility"].unique())  # not set(column): 15 000 rows a Python loop
    order = [f for f in facilities(scenario) if f in present] or present
    with styled():
        fig, axes, ncols = panel_figure(len(order), 2.5, 1.1, sharex=True, fixed=True)
        for i, (ax, fid) in enumerate(zip(axes, order, strict=True)):
            rows = daily[daily["facility"] == fid]
            dates = pd.DatetimeIndex(pd.to_datetime(rows["day"]))
            x = dates.to_numpy()
            ax.fill_between(x, rows["p05"], rows["p95"], color=SKY, alpha=0.45, linewidth=0)
            ax.plot(x, rows["mean"], color=BLUE, linewidth=1.1)
            ax.step(x, rows["beds"], where="post", color="black", linewidth=1.2)
            top = float(np.nanmax([rows["p95"].max(), rows["beds"].max(), 1.0]))
            ax.set_ylim(0, top * 1.15)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            ax.yaxis.set_major_formatter(number_formatter(lang))
            ax.set_title(wrap(names.get(fid, fid)), loc="left")
            if i % ncols == 0:
                ax.set_ylabel(label("axis.occupied_beds", lang))
            date_axis(ax, dates, lang)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        handles = [
            Line2D([], [], color=BLUE, linewidth=1.5),
            Patch(color=SKY, alpha=0.45),
            Line2D([], [], color="black", linewidth=1.5),
        ]
        fig.legend(
            handles,
            [label(f"legend.{k}", lang) for k in ("mean", "band", "open_beds")],
            loc="lower center",
            ncols=3,
            frameon=False,
        )
        fig.suptitle(label("title.occupancy", lang, n=replications or "?"))
        fixed_layout(fig, axes, ncols, legend_rows=1)
    return fig


@dataclass(frozen=True)
class Reference:
    """An analytic occupancy distribution for a facility, and its probability of being full."""

    shares: np.ndarray  # P(n occupied), n = 0..len-1
    full: float  # P(full): Erlang-B, Erlang-C or P(N >= c)
    text: str


def reference_distribution(
    when_full: str, beds: float, offered_load: float, lang: str = "en"
) -> Reference | None:
    """The queueing-theory reference for a facility, or None where there is none.

    ``divert``: Erlang loss (truncated Poisson) and Erlang-B(c, a); ``queue``:
    busy beds of M/M/c and Erlang-C(c, a), only for a < c; ``overflow``:
    Poisson(a) (M/G/inf) and P(N >= c). ``c`` is the mean open beds rounded.
    """
    if not (math.isfinite(beds) and math.isfinite(offered_load)) or offered_load < 0:
        return None
    c = round(beds)
    a = offered_load
    a_text = format_number(a, lang, 2)
    if c < 1:
        return None
    if when_full == "divert":
        shares, full, key = erlang.loss_occupancy(c, a), erlang.erlang_b(c, a), "loss"
    elif when_full == "queue":
        if a >= c:
            return Reference(
                np.zeros(0), math.nan, label("legend.reference_unstable", lang, a=a_text, c=c)
            )
        shares, full, key = erlang.delay_occupancy(c, a), erlang.erlang_c(c, a), "delay"
    elif when_full == "overflow":
        top = int(max(c, a + 6 * math.sqrt(a) + 2))
        shares, full, key = (
            erlang.poisson_occupancy(a, top),
            erlang.poisson_at_least(c, a),
            "infinite",
        )
    else:
        return None
    text = label(f"legend.reference_{key}", lang, a=a_text, c=c, p=format_share(full, lang, 1))
    return Reference(np.asarray(shares, dtype=float), full, text)


def occupancy_distribution_figure(
    distribution: pd.DataFrame,
    summary: pd.DataFrame,
    scenario: Mapping[str, Any],
    lang: str = "en",
    daily: pd.DataFrame | None = None,
) -> Figure:
    """Share of the open time at each occupancy per facility, beside its analytic reference.

    The distribution is over the time the facility is open (at least one bed
    open): a closed spell is not time at 0 beds, and a facility closed
    throughout has no panel. Bars at or above the number of beds (full, or
    corridor) are highlighted; the reference uses the facility's ``when_full``,
    offered load (``facility.<id>.offered_load``) and ``c`` = its open beds
    while open: ``round(beds_mean)``, or with ``daily`` (``daily_occupancy.csv``)
    the mean of the open beds over the days it was open, so a unit closed half
    the period is compared with its beds, not half of them.
    """
    by_id = facilities(scenario)
    names = display_names(scenario)["facilities"]
    present = set(distribution["facility"].unique())
    order = [f for f in by_id if f in present]
    with styled():
        fig, axes, ncols = panel_figure(len(order), 3.2, 1.0, fixed=True)
        for i, (ax, fid) in enumerate(zip(axes, order, strict=True)):
            rows = distribution[distribution["facility"] == fid]
            shares = rows.set_index("occupied")["share"].sort_index()
            shares = shares[shares.index <= _last_nonzero(shares)]
            beds, _, _ = kpi_interval(summary, f"facility.{fid}.beds_mean")
            beds = _open_beds(beds, daily, fid)
            load, _, _ = kpi_interval(summary, f"facility.{fid}.offered_load")
            full, _, _ = kpi_interval(summary, f"facility.{fid}.share_time_full")
            rule = str(by_id[fid].get("when_full", "queue"))
            reference = reference_distribution(rule, beds, load, lang)
            c = round(beds) if math.isfinite(beds) else 0
            occupied = shares.index.to_numpy()
            many = len(occupied) > _MANY
            if many:  # bars a pixel wide: a filled outline, below and from the beds
                _stairs(ax, shares, c)
            else:
                colours = [ORANGE if n >= c else BLUE for n in occupied]
                width = 0.42 if reference is not None and len(reference.shares) else 0.8
                offset = -width / 2 if width < 0.8 else 0.0
                ax.bar(occupied + offset, 100 * shares.to_numpy(), width=width, color=colours)
            handles: list[Any] = [Patch(color=BLUE), Patch(color=ORANGE)]
            texts = [
                label("legend.simulated", lang),
                label("legend.simulated_full", lang, p=format_share(full, lang, 1)),
            ]
            if reference is not None and len(reference.shares):
                ref = reference.shares
                visible = np.flatnonzero(ref >= 5e-4)
                ref = ref[: max(len(shares), c + 1, int(visible.max()) + 1 if len(visible) else 0)]
                if many:  # one outline over the bars, not a hatched bar per level
                    edges = np.arange(len(ref) + 1) - 0.5
                    ax.stairs(100 * ref, edges, color="black", linewidth=0.9)
                    handles.append(Line2D([], [], color="black", linewidth=0.9))
                else:
                    ax.bar(
                        np.arange(len(ref)) + width / 2,
                        100 * ref,
                        width=width,
                        facecolor="white",
                        edgecolor="#444444",
                        hatch="////",
                        linewidth=0.6,
                    )
                    handles.append(Patch(facecolor="white", edgecolor="#444444", hatch="////"))
            else:
                handles.append(Patch(color="none"))
            texts.append(
                wrap(reference.text, 60) if reference else label("legend.reference_none", lang)
            )
            if c > 0:
                ax.axvline(c - 0.5, color="black", linestyle="--", linewidth=0.9)
                handles.append(Line2D([], [], color="black", linestyle="--", linewidth=0.9))
                texts.append(label("legend.beds_line", lang, c=c))
            highest = 100 * max(
                float(shares.max()), float(reference.shares.max(initial=0.0)) if reference else 0.0
            )
            roomy = highest * 1.9 <= 100.0  # else the bars may reach the top left corner
            ax.legend(
                handles,
                texts,
                loc="upper left" if roomy else "best",
                fontsize=7.5,
                facecolor="white",
                edgecolor="none",
                framealpha=0.9,
            )
            ax.set_ylim(0, max(min(highest * 1.9, 100.0), highest * 1.05))  # room for the legend
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
            rule_text = f"{label('column.when_full', lang)}: {label(f'when_full.{rule}', lang)}"
            ax.set_title(wrap(names.get(fid, fid)) + "\n" + rule_text, loc="left")
            ax.set_xlabel(label("axis.occupied_beds", lang))
            if i % ncols == 0:
                ax.set_ylabel(label("axis.share_of_time", lang))
        fig.suptitle(label("title.occupancy_distribution", lang))
        fixed_layout(fig, axes, ncols)
    return fig


_MANY = 30
"""Occupancy levels above which a panel shows outlines (stairs), not a bar per level."""


def _stairs(ax: Axes, shares: pd.Series, c: int) -> None:
    """The simulated shares as filled steps: blue below ``c`` beds, orange from ``c`` on."""
    levels = np.arange(int(shares.index.max()) + 1)
    values = 100 * shares.reindex(levels, fill_value=0.0).to_numpy(dtype=float)
    edges = np.append(levels, levels[-1] + 1) - 0.5
    cut = min(max(c, 0), len(levels))
    if cut:
        ax.stairs(values[:cut], edges[: cut + 1], fill=True, color=BLUE, linewidth=0)
    if cut < len(levels):
        ax.stairs(values[cut:], edges[cut:], fill=True, color=ORANGE, linewidth=0)


def _open_beds(beds_mean: float, daily: pd.DataFrame | None, fid: str) -> float:
    """The facility's open beds while open: the mean of ``daily``'s beds over the days with
    a bed open (``beds_mean`` counts closed days as 0 beds), ``beds_mean`` without it."""
    if daily is None or not len(daily):
        return beds_mean
    beds = daily.loc[daily["facility"] == fid, "beds"].to_numpy(dtype=float)
    open_days = beds[beds > 0]
    return float(open_days.mean()) if len(open_days) else beds_mean


def _last_nonzero(shares: pd.Series) -> int:
    positive = shares[shares > 0]
    return int(positive.index.max()) if len(positive) else 0
