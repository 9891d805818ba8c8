"""The sizing figure: the target KPI against beds, and the probability of finding the unit full.

Drawn from the files of a sizing folder (``size.csv``, ``manifest.json``,
``scenario.yaml``; see :mod:`simulator.sizing.search`), so it can be redrawn from
saved results. Left: the KPI at every bed count the search ran, mean with its
95 % interval, the target and the chosen size. Right: P(full) at each bed
count three ways: simulated with that many beds, from one run with unlimited
beds (Monks et al. 2016), and by queueing theory (Erlang-B, Erlang-C or the
Poisson tail), so a planner sees how far the quick estimate is from the rest.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simulator.plots.style import (
    BLUE,
    GREEN,
    ORANGE,
    SKY,
    VERMILION,
    number_formatter,
    save,
    styled,
    wrap,
)
from simulator.text.labels import display_names, kpi_parts, kpi_unit, label, target_text
from simulator.text.numbers import format_kpi, format_number

__all__ = ["sizing_figure", "write_sizing_figures"]


def sizing_figure(
    table: pd.DataFrame,
    manifest: Mapping[str, Any],
    scenario: Mapping[str, Any],
    lang: str = "en",
) -> Figure:
    """Two panels: the target KPI against beds, and P(full) against beds.

    ``table`` is ``size.csv``, ``manifest`` the sizing's ``manifest.json``,
    ``scenario`` the resolved ``scenario.yaml`` as plain data (for names).
    """
    names = display_names(scenario)
    target = manifest.get("target", {})
    kpi = str(target.get("kpi", table["kpi"].iloc[0] if len(table) else ""))
    op, value = str(target.get("operator", "<")), float(target.get("value", math.nan))
    chosen = manifest.get("chosen")
    facility = str(manifest.get("facility", ""))
    facility_name = names["facilities"].get(facility, facility)
    criterion = label(
        f"text.criterion_{manifest.get('confidence', 'mean')}",
        lang,
        n=manifest.get("replications", "?"),
    )
    wanted = target_text(kpi, op, value, names, lang)
    if kpi.startswith(f"facility.{facility}."):
        wanted = wanted.split(": ", 1)[-1]  # the facility is named in the title already
    with styled():
        fig = Figure(figsize=(11.0, 5.4))
        fig.set_layout_engine("constrained")
        left, right = fig.subplots(1, 2)
        _kpi_panel(left, table, kpi, op, value, chosen, names, lang, facility)
        _full_panel(right, table, manifest, chosen, lang)
        fig.suptitle(
            wrap(label("title.sizing", lang, facility=facility_name, target=wanted), 100)
            + "\n"
            + label("text.sizing_runs", lang, criterion=criterion, seed=manifest.get("seed", "?")),
            fontsize=11.5,
        )
    return fig


def _bed_axis(ax: Axes, table: pd.DataFrame, chosen: object) -> None:
    beds = table["beds"].to_numpy()
    if len(beds):
        ax.set_xlim(beds.min() - 0.5, beds.max() + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    if isinstance(chosen, int):
        ax.axvline(chosen, color=GREEN, linewidth=2.0, alpha=0.6, zorder=0)


def _kpi_panel(
    ax: Axes,
    table: pd.DataFrame,
    kpi: str,
    op: str,
    value: float,
    chosen: object,
    names: dict[str, dict[str, str]],
    lang: str,
    facility: str,
) -> None:
    run = table[(table["n"] > 0) & np.isfinite(table["mean"].astype(float))]
    x = run["beds"].to_numpy()
    mean = run["mean"].to_numpy(dtype=float)
    low, high = run["ci_low"].to_numpy(dtype=float), run["ci_high"].to_numpy(dtype=float)
    unit = kpi_unit(kpi)
    if unit != "nok":  # the t-interval of a share near 0 reaches below 0, the KPI cannot
        low = np.maximum(low, 0.0)
    meets = run["meets"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    has_interval = bool(np.isfinite(low).any())
    if has_interval:
        ax.fill_between(x, low, high, color=SKY, alpha=0.45, linewidth=0)
    ax.plot(x, mean, color=BLUE, linewidth=1.2, zorder=2)
    ax.scatter(x[meets], mean[meets], color=BLUE, s=28, zorder=3)
    ax.scatter(x[~meets], mean[~meets], facecolor="white", edgecolor=BLUE, s=28, zorder=3)
    ax.axhline(value, color=VERMILION, linestyle="--", linewidth=1.2)
    _bed_axis(ax, table, chosen)
    if unit == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    else:
        ax.yaxis.set_major_formatter(number_formatter(lang))
    top = float(np.nanmax(np.concatenate([high if has_interval else mean, mean, [value]])))
    focus = _focus(run, value, chosen)
    if top > 4 * focus:  # a few counts far above the target would flatten the crossing
        top = focus
        for bed, level in zip(x, mean, strict=True):
            if level > top * 1.08:  # off the scale: say where it is
                ax.annotate(
                    f"↑ {_value(level, unit, lang)}",
                    (bed, top * 1.08),
                    textcoords="offset points",
                    xytext=(4, -12),
                    fontsize=7.5,
                    color=BLUE,
                )
    bottom = 0 if np.nanmin(np.concatenate([mean, [value]])) >= 0 else None
    ax.set_ylim(bottom, top * 1.08)
    _, subject, measure = kpi_parts(kpi, names, lang)
    about = measure if kpi.startswith(f"facility.{facility}.") else f"{subject}: {measure}"
    ax.set_title(wrap(label("title.sizing_kpi", lang, measure=about), 60), loc="left")
    ax.set_xlabel(label("axis.beds", lang))
    unit_text = "%" if unit == "share" else label(f"unit.{unit}", lang)
    said = unit == "count" or f"({unit_text})" in measure
    ax.set_ylabel(measure if said else f"{measure} ({unit_text})")
    handles: list[Any] = [
        Line2D([], [], color=BLUE, marker="o", linewidth=1.2),
        Line2D([], [], color=BLUE, marker="o", markerfacecolor="white", linewidth=0),
    ]
    texts = [label("legend.meets", lang), label("legend.fails", lang)]
    if has_interval:
        handles.append(Patch(color=SKY, alpha=0.45))
        texts.append(label("legend.interval", lang))
    handles.append(Line2D([], [], color=VERMILION, linestyle="--", linewidth=1.2))
    texts.append(
        label(
            "legend.target", lang, target=target_text(kpi, op, value, names, lang).split(": ")[-1]
        )
    )
    if isinstance(chosen, int):
        handles.append(Line2D([], [], color=GREEN, linewidth=2.0, alpha=0.6))
        texts.append(label("legend.chosen", lang, c=chosen))
    ax.legend(handles, texts, loc="upper right", frameon=True, facecolor="white", edgecolor="none")
    lines, straddling = [], []
    for c in (chosen, chosen - 1 if isinstance(chosen, int) else None):
        rows = run[run["beds"] == c]
        if isinstance(c, int) and len(rows):
            row = rows.iloc[0]
            text = _value(float(row["mean"]), unit, lang)
            ends = float(row["ci_low"]), float(row["ci_high"])
            if math.isfinite(ends[0]):
                text += f" [{_value(ends[0], unit, lang)}, {_value(ends[1], unit, lang)}]"
                if ends[0] < value < ends[1]:
                    straddling.append(str(c))
            lines.append(label("text.sizing_at", lang, c=c, value=text))
    if lines:
        if straddling:
            text = label("text.sizing_uncertain", lang, beds=" & ".join(straddling))
            lines.append(wrap(text, 40))
        ax.text(
            0.97,
            0.22,
            "\n".join(lines),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8.5,
            multialignment="left",
            bbox={
                "facecolor": "white",
                "edgecolor": VERMILION if straddling else GREEN,
                "boxstyle": "round,pad=0.4",
            },
        )


def _focus(run: pd.DataFrame, value: float, chosen: object) -> float:
    """The top of a y axis that shows the target and the chosen count's neighbour clearly."""
    near = run[run["beds"].isin([chosen, chosen - 1])] if isinstance(chosen, int) else run[:0]
    levels = near[["mean", "ci_high"]].to_numpy(dtype=float)
    finite = levels[np.isfinite(levels)]
    return max(4 * abs(value), 1.2 * float(finite.max()) if finite.size else 0.0)


def _value(value: float, unit: str, lang: str) -> str:
    """A KPI value for a label; a KPI that cannot be negative is shown at 0 at least."""
    return format_kpi(value, unit, lang, floor=True)


def _full_panel(
    ax: Axes, table: pd.DataFrame, manifest: Mapping[str, Any], chosen: object, lang: str
) -> None:
    x = table["beds"].to_numpy()
    theory = manifest.get("theory")
    load = manifest.get("offered_load")
    a_text = format_number(float(load), lang, 2) if isinstance(load, int | float) else "?"
    handles: list[Any] = []
    texts: list[str] = []
    unconstrained = table["p_full_unconstrained"].to_numpy(dtype=float)
    if np.isfinite(unconstrained).any():
        ax.plot(x, unconstrained, color=ORANGE, marker="s", markersize=4, linewidth=1.4)
        handles.append(Line2D([], [], color=ORANGE, marker="s", markersize=4, linewidth=1.4))
        texts.append(label("legend.unconstrained", lang))
    reference = table["p_full_theory"].to_numpy(dtype=float)
    if theory and np.isfinite(reference).any():
        ax.plot(x, reference, color="black", linewidth=1.2)
        handles.append(Line2D([], [], color="black", linewidth=1.2))
        texts.append(label(f"legend.theory_{theory}", lang, a=a_text))
    run = table[(table["n"] > 0) & np.isfinite(table["share_time_full"].astype(float))]
    if len(run):
        ax.scatter(run["beds"], run["share_time_full"], color=BLUE, s=22, zorder=3)
        handles.append(Line2D([], [], color=BLUE, marker="o", linewidth=0))
        texts.append(label("legend.simulated_c", lang))
    _bed_axis(ax, table, chosen)
    if isinstance(chosen, int):
        handles.append(Line2D([], [], color=GREEN, linewidth=2.0, alpha=0.6))
        texts.append(label("legend.chosen", lang, c=chosen))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylim(0, None)
    ax.set_title(label("title.sizing_full", lang), loc="left")
    ax.set_xlabel(label("axis.beds", lang))
    ax.set_ylabel(label("axis.probability_full", lang))
    ax.legend(handles, texts, loc="upper right", frameon=True, facecolor="white", edgecolor="none")
    rule = manifest.get("rule")
    if rule in ("divert", "queue", "overflow"):  # a footnote below the panel
        ax.set_xlabel(
            label("axis.beds", lang) + "\n\n" + wrap(label(f"text.unconstrained_{rule}", lang), 66),
        )


def write_sizing_figures(folder: Path, lang: str = "en") -> list[Path]:
    """Draw ``plots/size.png`` and ``.svg`` from the files of a sizing folder; their paths."""
    folder = Path(folder)
    table = pd.read_csv(folder / "size.csv")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenario_file = folder / "scenario.yaml"
    scenario = (
        yaml.safe_load(scenario_file.read_text(encoding="utf-8")) if scenario_file.exists() else {}
    )
    return save(sizing_figure(table, manifest, scenario or {}, lang), folder / "plots", "size")
