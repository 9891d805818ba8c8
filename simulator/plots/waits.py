"""The waiting-time figure: how long each patient group waited for a bed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simulator.plots.style import (
    BLUE,
    GREY,
    fixed_layout,
    message,
    number_formatter,
    panel_figure,
    styled,
    wrap,
)
from simulator.text.labels import display_names, label
from simulator.text.numbers import format_number, format_share

__all__ = ["wait_figure"]


def wait_figure(waits: pd.DataFrame, scenario: Mapping[str, Any], lang: str = "en") -> Figure:
    """Waiting time for a bed per group as a distribution function.

    x is the wait in days, y the share of the group's admissions that waited at
    most that long (mean over replications of each quantile). Groups whose
    admissions never waited are left out and named in the title.
    """
    names = display_names(scenario)["groups"]
    groups = list(dict.fromkeys(waits["group"])) if len(waits) else []
    shown: list[str] = []
    skipped: list[str] = []
    for gid in groups:
        rows = waits[waits["group"] == gid]
        values = rows["wait_days"].to_numpy(dtype=float)
        (shown if np.isfinite(values).any() and np.nanmax(values) > 0 else skipped).append(gid)
    title = label("title.waits", lang)
    if skipped:
        listed = ", ".join(names.get(g, g) for g in skipped)
        title += "\n" + wrap(label("title.waits_skipped", lang, groups=listed), 120)
    with styled():
        if not shown:
            fig = Figure(figsize=(5.0, 3.0 + 1.2))
            fig.set_layout_engine("constrained")
            message(fig, label("title.waits_none", lang))
            fig.suptitle(label("title.waits_none", lang))
            return fig
        fig, axes, ncols = panel_figure(len(shown), 3.0, 1.2, fixed=True)
        for i, (ax, gid) in enumerate(zip(axes, shown, strict=True)):
            rows = waits[waits["group"] == gid].sort_values("probability")
            rows = rows[np.isfinite(rows["wait_days"].to_numpy(dtype=float))]
            days = rows["wait_days"].to_numpy(dtype=float)
            share = rows["probability"].to_numpy(dtype=float)
            none = float(share[days <= 1e-9].max()) if (days <= 1e-9).any() else 0.0
            ax.plot(np.append(0.0, days), 100 * np.append(0.0, share), color=BLUE, linewidth=1.6)
            p90 = float(np.interp(0.9, share, days))
            ax.axhline(90, color=GREY, linestyle=":", linewidth=0.8)
            ax.axvline(p90, color=GREY, linestyle=":", linewidth=0.8)
            # Zoom in on the top when nearly everyone was admitted at once; the ticks say so.
            floor = 10 * math.floor((100 * none - 5) / 10) if none >= 0.5 else 0.0
            ax.set_ylim(floor, 101)
            ax.set_xlim(0, max(float(days.max()), 1.0) * 1.03)
            # Whole-number steps: 2.5 % steps would print 87.5 % as "88%".
            ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
            ax.xaxis.set_major_formatter(number_formatter(lang))
            ax.grid(color="#e5e5e5", linewidth=0.6)
            ax.text(
                0.97,
                0.05,
                label("legend.no_wait", lang, p=format_share(none, lang, 0))
                + "\n"
                + label("legend.wait_p90", lang, d=format_number(p90, lang, 1)),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8.5,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            )
            ax.set_title(wrap(names.get(gid, gid)), loc="left")
            ax.set_xlabel(label("axis.wait_days", lang))
            if i % ncols == 0:
                ax.set_ylabel(wrap(label("axis.share_admissions", lang), 30))
        fig.suptitle(title)
        fixed_layout(fig, axes, ncols)
    return fig
