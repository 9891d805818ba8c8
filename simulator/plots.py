"""Plots of a results folder, as matplotlib Figures and as PNG/SVG files.

Each ``*_figure`` function takes tables of a results folder (see
:mod:`simulator.results`) and the resolved scenario as plain data, and returns
a :class:`matplotlib.figure.Figure`; :func:`write_figures` reads a run or
comparison folder and writes every figure under ``<folder>/plots/``.

Figures are built on :class:`~matplotlib.figure.Figure` directly, never
through ``pyplot``: no global figure registry, no GUI backend, nothing
changed by importing this module. Text comes from :mod:`simulator.labels`,
in English or Norwegian.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates  # noqa: F401  (registers the datetime64 converter)
import numpy as np
import pandas as pd
import yaml
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from simulator import erlang
from simulator.labels import (
    LABELS,
    Names,
    display_names,
    format_number,
    format_share,
    kpi_parts,
    kpi_unit,
    label,
)

__all__ = [
    "ComparisonFolder",
    "RunFolder",
    "cost_figure",
    "forest_figure",
    "is_comparison",
    "occupancy_distribution_figure",
    "occupancy_figure",
    "period_bounds",
    "period_text",
    "read_comparison",
    "read_run",
    "run_figures",
    "comparison_figures",
    "figure_files",
    "reference_distribution",
    "wait_figure",
    "write_figures",
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


# --- reading a results folder -------------------------------------------------


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def _json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class RunFolder:
    """The files of one run folder (a missing table is an empty DataFrame)."""

    path: Path
    scenario: dict[str, Any]
    manifest: dict[str, Any]
    summary: pd.DataFrame
    daily_occupancy: pd.DataFrame
    occupancy_distribution: pd.DataFrame
    wait_distribution: pd.DataFrame
    warmup: pd.DataFrame
    advice: pd.DataFrame

    @property
    def names(self) -> Names:
        """Display names by section and id."""
        return display_names(self.scenario)

    @property
    def replications(self) -> int:
        """Replications the summary rests on."""
        value = self.manifest.get("replications")
        if isinstance(value, int):
            return value
        return int(self.summary["n"].max()) if "n" in self.summary and len(self.summary) else 0

    def interval(self, kpi: str) -> tuple[float, float, float]:
        """Mean and 95 % interval of a KPI; nan where it is not in the summary."""
        return _interval(self.summary, kpi)


def _interval(summary: pd.DataFrame, kpi: str) -> tuple[float, float, float]:
    if summary.empty:
        return math.nan, math.nan, math.nan
    row = summary.loc[summary["kpi"] == kpi]
    if row.empty:
        return math.nan, math.nan, math.nan
    first = row.iloc[0]
    return float(first["mean"]), float(first["ci_low"]), float(first["ci_high"])


def read_run(folder: Path) -> RunFolder:
    """Read a run folder written by :func:`simulator.results.write_results`."""
    folder = Path(folder)
    scenario_file = folder / "scenario.yaml"
    scenario = yaml.safe_load(scenario_file.read_text(encoding="utf-8")) or {}
    return RunFolder(
        path=folder,
        scenario=scenario if isinstance(scenario, dict) else {},
        manifest=_json(folder / "manifest.json"),
        summary=_csv(folder / "summary.csv"),
        daily_occupancy=_csv(folder / "daily_occupancy.csv"),
        occupancy_distribution=_csv(folder / "occupancy_distribution.csv"),
        wait_distribution=_csv(folder / "wait_distribution.csv"),
        warmup=_csv(folder / "warmup.csv"),
        advice=_csv(folder / "advice.csv"),
    )


@dataclass(frozen=True)
class ComparisonFolder:
    """A comparison folder: paired differences and one run folder per scenario."""

    path: Path
    manifest: dict[str, Any]
    comparison: pd.DataFrame
    base: str
    runs: dict[str, RunFolder]  # by scenario name, base first

    @property
    def alternatives(self) -> list[str]:
        """The alternatives' names, in the order they were compared."""
        return [name for name in self.runs if name != self.base]


def is_comparison(folder: Path) -> bool:
    """Whether ``folder`` holds a comparison (``comparison.csv``) rather than one run."""
    return (Path(folder) / "comparison.csv").exists()


def read_comparison(folder: Path) -> ComparisonFolder:
    """Read a comparison folder: ``comparison.csv``, the manifest and each scenario's folder."""
    folder = Path(folder)
    manifest = _json(folder / "manifest.json")
    table = _csv(folder / "comparison.csv")
    alternatives = [str(a) for a in manifest.get("alternatives", [])] or list(
        dict.fromkeys(str(s) for s in table.get("scenario", []))
    )
    subfolders = sorted(p.name for p in folder.iterdir() if (p / "summary.csv").exists())
    base = str(manifest.get("base", ""))
    if not base:
        others = [name for name in subfolders if name not in alternatives]
        base = others[0] if others else ""
    order = [base, *alternatives] + [n for n in subfolders if n != base and n not in alternatives]
    runs = {name: read_run(folder / name) for name in order if (folder / name).is_dir()}
    return ComparisonFolder(folder, manifest, table, base, runs)


# --- helpers --------------------------------------------------------------------


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _wrap(text: str, width: int = WRAP) -> str:
    return textwrap.fill(text, width, break_on_hyphens=False)


def _number_formatter(lang: str) -> FuncFormatter:
    """Tick labels with the language's decimal mark and a proper minus sign."""

    def fmt(value: float, _pos: int | None = None) -> str:
        if abs(value) >= 1000:
            return format_number(value, lang, 0)
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
        return text.replace(".", "," if lang == "nb" else ".").replace("-", "−")

    return FuncFormatter(fmt)


def _grid(fig: Figure, count: int, ncols: int, sharex: bool = False) -> list[Axes]:
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


def _columns(count: int) -> int:
    return 1 if count == 1 else 2 if count <= 4 else 3


def _date_axis(ax: Axes, dates: pd.DatetimeIndex, lang: str) -> None:
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


def _facilities(scenario: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items = scenario.get("facilities") or {}
    return {str(k): v for k, v in items.items() if isinstance(v, Mapping)}


def period_bounds(scenario: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    """First and last day of the collection period, from ``run.start_date`` and ``run.days``."""
    run = scenario.get("run") or {}
    start, days = run.get("start_date"), run.get("days")
    if start is None or days is None:
        return None
    first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    return first, first + dt.timedelta(days=max(math.ceil(float(days)) - 1, 0))


def period_text(scenario: Mapping[str, Any], lang: str = "en") -> str:
    """``2025-01-01 – 2027-12-31 (1 095 days)``, or "" without run settings."""
    bounds = period_bounds(scenario)
    if bounds is None:
        return ""
    days = float((scenario.get("run") or {}).get("days", 0))
    days_text = f"{format_number(days, lang)} {label('unit.days', lang)}"
    return f"{bounds[0].isoformat()} – {bounds[1].isoformat()} ({days_text})"


# --- occupancy over time ----------------------------------------------------------


def occupancy_figure(
    daily: pd.DataFrame, scenario: Mapping[str, Any], lang: str = "en", replications: int = 0
) -> Figure:
    """Occupied beds per day, one panel per facility: mean, 5–95 % band, open beds.

    Panels share the dates but not the bed scale: each starts at 0 beds and
    fits its own facility.
    """
    names = display_names(scenario)["facilities"]
    order = [f for f in _facilities(scenario) if f in set(daily["facility"])] or list(
        dict.fromkeys(daily["facility"])
    )
    ncols = _columns(len(order))
    with _style():
        fig = Figure(figsize=(5.0 * ncols, 2.5 * math.ceil(len(order) / ncols) + 1.1))
        fig.set_layout_engine("constrained")
        axes = _grid(fig, len(order), ncols, sharex=True)
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
            ax.yaxis.set_major_formatter(_number_formatter(lang))
            ax.set_title(_wrap(names.get(fid, fid)), loc="left")
            if i % ncols == 0:
                ax.set_ylabel(label("axis.occupied_beds", lang))
            _date_axis(ax, dates, lang)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        handles = [
            Line2D([], [], color=BLUE, linewidth=1.5),
            Patch(color=SKY, alpha=0.45),
            Line2D([], [], color="black", linewidth=1.5),
        ]
        fig.legend(
            handles,
            [label(f"legend.{k}", lang) for k in ("mean", "band", "open_beds")],
            loc="outside lower center",
            ncols=3,
            frameon=False,
        )
        fig.suptitle(label("title.occupancy", lang, n=replications or "?"))
    return fig


# --- occupancy distribution with an analytic reference -----------------------------


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
) -> Figure:
    """Share of time at each occupancy per facility, beside its analytic reference.

    Bars at or above the number of beds (full, or corridor) are highlighted; the
    reference uses the facility's ``when_full``, offered load
    (``facility.<id>.offered_load``) and ``c = round(beds_mean)``.
    """
    facilities = _facilities(scenario)
    names = display_names(scenario)["facilities"]
    order = [f for f in facilities if f in set(distribution["facility"])]
    ncols = _columns(len(order))
    with _style():
        fig = Figure(figsize=(5.0 * ncols, 3.2 * math.ceil(len(order) / ncols) + 1.0))
        fig.set_layout_engine("constrained")
        axes = _grid(fig, len(order), ncols)
        for i, (ax, fid) in enumerate(zip(axes, order, strict=True)):
            rows = distribution[distribution["facility"] == fid]
            shares = rows.set_index("occupied")["share"].sort_index()
            shares = shares[shares.index <= _last_nonzero(shares)]
            beds, _, _ = _interval(summary, f"facility.{fid}.beds_mean")
            load, _, _ = _interval(summary, f"facility.{fid}.offered_load")
            full, _, _ = _interval(summary, f"facility.{fid}.share_time_full")
            rule = str(facilities[fid].get("when_full", "queue"))
            reference = reference_distribution(rule, beds, load, lang)
            c = round(beds) if math.isfinite(beds) else 0
            occupied = shares.index.to_numpy()
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
                _wrap(reference.text, 60) if reference else label("legend.reference_none", lang)
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
            ax.set_title(_wrap(names.get(fid, fid)) + "\n" + rule_text, loc="left")
            ax.set_xlabel(label("axis.occupied_beds", lang))
            if i % ncols == 0:
                ax.set_ylabel(label("axis.share_of_time", lang))
        fig.suptitle(label("title.occupancy_distribution", lang))
    return fig


def _last_nonzero(shares: pd.Series) -> int:
    positive = shares[shares > 0]
    return int(positive.index.max()) if len(positive) else 0


# --- waiting time -------------------------------------------------------------------


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
        title += "\n" + _wrap(label("title.waits_skipped", lang, groups=listed), 120)
    ncols = _columns(len(shown)) if shown else 1
    with _style():
        fig = Figure(figsize=(5.0 * ncols, 3.0 * math.ceil(max(len(shown), 1) / ncols) + 1.2))
        fig.set_layout_engine("constrained")
        if not shown:
            ax = fig.add_subplot()
            ax.axis("off")
            ax.text(0.5, 0.5, label("title.waits_none", lang), ha="center", transform=ax.transAxes)
            fig.suptitle(label("title.waits_none", lang))
            return fig
        axes = _grid(fig, len(shown), ncols)
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
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
            ax.xaxis.set_major_formatter(_number_formatter(lang))
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
            ax.set_title(_wrap(names.get(gid, gid)), loc="left")
            ax.set_xlabel(label("axis.wait_days", lang))
            if i % ncols == 0:
                ax.set_ylabel(_wrap(label("axis.share_admissions", lang), 30))
        fig.suptitle(title)
    return fig


# --- costs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cost:
    name: str
    service: str
    payer: str
    mean: float
    low: float
    high: float

    def millions(self) -> _Cost:
        return _Cost(
            self.name,
            self.service,
            self.payer,
            *(v / 1e6 for v in (self.mean, self.low, self.high)),
        )


def cost_figure(summary: pd.DataFrame, scenario: Mapping[str, Any], lang: str = "en") -> Figure:
    """Costs over the period in million NOK: by payer (stacked by service) and by facility.

    Blocked-day payments are a transfer: a hatched block added to the
    municipalities' bar and the same block marked inside the health trust's
    bar, which the trust does not carry in the end.
    """
    facilities = _facilities(scenario)
    names = display_names(scenario)["facilities"]
    transport_payer = str(
        ((scenario.get("costs") or {}).get("transport") or {}).get("payer", "health_trust")
    )
    rows: list[_Cost] = []
    for fid, facility in facilities.items():
        payer = str((facility.get("costs") or {}).get("payer", "health_trust"))
        service = str(facility.get("service", ""))
        rows.append(
            _Cost(names.get(fid, fid), service, payer, *_interval(summary, f"cost.facility.{fid}"))
        )
    transport = label("service.transport", lang)
    rows.append(
        _Cost(transport, "transport", transport_payer, *_interval(summary, "cost.transport"))
    )
    rows = [r.millions() for r in rows if math.isfinite(r.mean)]
    services = list(dict.fromkeys(r.service for r in rows))
    spare = iter(SPARE_COLOURS * 4)
    colours = {s: SERVICE_COLOURS.get(s) or next(spare) for s in services}
    transfer = _interval(summary, "cost.blocked_payments")[0] / 1e6
    transfer = transfer if math.isfinite(transfer) else 0.0

    with _style():
        fig = Figure(figsize=(12.5, max(6.0, 0.32 * len(rows) + 2.4)))
        fig.set_layout_engine("constrained")
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.9])
        payers = ["municipality", "health_trust"]
        for x, payer in enumerate(payers):
            bottom = 0.0
            for service in services:
                value = sum(r.mean for r in rows if r.payer == payer and r.service == service)
                if value > 0:
                    left.bar(x, value, bottom=bottom, color=colours[service], width=0.6)
                    bottom += value
            if transfer > 0 and payer == "municipality":
                left.bar(
                    x,
                    transfer,
                    bottom=bottom,
                    width=0.6,
                    facecolor="white",
                    edgecolor="black",
                    hatch="xx",
                    linewidth=0.6,
                )
                bottom += transfer
            elif transfer > 0:
                left.bar(
                    x,
                    transfer,
                    bottom=bottom - transfer,
                    width=0.6,
                    facecolor="none",
                    edgecolor="black",
                    hatch="xx",
                    linewidth=0.6,
                )
            net = _interval(summary, f"cost.payer.{payer}")[0] / 1e6
            left.text(
                x,
                bottom,
                label("legend.net", lang, v=format_number(net, lang, 1)),
                ha="center",
                va="bottom",
                fontsize=9,
                fontweight="bold",
            )
        left.set_xticks(range(len(payers)), [label(f"payer.{p}", lang) for p in payers])
        left.set_ylabel(label("axis.mnok", lang))
        left.yaxis.set_major_formatter(_number_formatter(lang))
        left.set_ylim(0, left.get_ylim()[1] * 1.08)
        left.set_title(label("title.costs_payer", lang), loc="left")
        handles: list[Any] = [Patch(color=colours[s]) for s in services]
        texts = [label(f"service.{s}", lang) if f"service.{s}" in LABELS else s for s in services]
        if transfer > 0:
            handles.append(Patch(facecolor="white", edgecolor="black", hatch="xx"))
            texts.append(label("legend.transfer", lang))
        left.legend(
            handles,
            [_wrap(t, 34) for t in texts],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.09),
            frameon=False,
            fontsize=8,
            ncols=2,
        )

        ordered = sorted(rows, key=lambda r: r.mean)
        y = np.arange(len(ordered))
        values = np.array([r.mean for r in ordered])
        err = np.array([[r.mean - r.low for r in ordered], [r.high - r.mean for r in ordered]])
        err = np.where(np.isfinite(err), np.maximum(err, 0.0), 0.0)
        right.barh(y, values, color=[PAYER_COLOURS.get(r.payer, GREY) for r in ordered], height=0.7)
        right.errorbar(values, y, xerr=err, fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
        for yi, value, upper in zip(y, values, err[1], strict=True):
            right.text(
                value + upper + 0.01 * float((values + err[1]).max(initial=1.0)),
                yi,
                format_number(value, lang, 1),
                va="center",
                fontsize=7.5,
            )
        reach = float((values + err[1]).max(initial=0.0)) or 1.0
        right.set_xlim(0, reach * 1.12)
        right.set_yticks(y, [_wrap(r.name, 48) for r in ordered], fontsize=8)
        right.set_xlabel(label("axis.mnok", lang))
        right.xaxis.set_major_formatter(_number_formatter(lang))
        right.set_title(label("title.costs_facility", lang), loc="left")
        right.legend(
            [Patch(color=PAYER_COLOURS[p]) for p in payers],
            [label(f"payer.{p}", lang) for p in payers],
            loc="lower right",
            frameon=False,
        )
        right.grid(axis="x", color="#dddddd", linewidth=0.6)
        fig.suptitle(label("title.costs", lang, period=period_text(scenario, lang)))
    return fig


# --- comparison: forest plot -----------------------------------------------------------

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


def _significant(rows: pd.DataFrame) -> np.ndarray:
    low = rows["ci_low"].to_numpy(dtype=float)
    high = rows["ci_high"].to_numpy(dtype=float)
    p = rows["p_value"].to_numpy(dtype=float) if "p_value" in rows else np.full(len(rows), np.nan)
    by_interval = (low > 0) | (high < 0)
    result: np.ndarray = np.where(np.isfinite(low) & np.isfinite(high), by_interval, p < 0.05)
    return result


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
    with _style():
        fig = Figure(figsize=(8.5 * max(len(columns), 1), 0.3 * tallest + 1.4))
        fig.set_layout_engine("constrained")
        if not panels:
            ax = fig.add_subplot()
            ax.axis("off")
            ax.text(0.5, 0.5, label("title.forest_none", lang), ha="center", transform=ax.transAxes)
            fig.suptitle(_wrap(title, 90))
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
        fig.suptitle(_wrap(title, 60 * len(columns)))
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
    significant = _significant(rows)
    y = np.arange(len(rows))[::-1]
    for yi, d, lo, hi, sig in zip(y, diff, low, high, significant, strict=True):
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
    labels = [_wrap(kpi_parts(str(k), names, lang)[1], 56) for k in rows["kpi"]]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    lo_all, hi_all = float(min(low.min(), 0.0)), float(max(high.max(), 0.0))
    pad = 0.06 * (hi_all - lo_all or 1.0)
    ax.set_xlim(lo_all - pad, hi_all + pad)
    ax.xaxis.set_major_formatter(_number_formatter(lang))
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    heading = label(f"section.{section}", lang)
    if suffix:
        heading += ": " + _plain(label(f"kpi.{suffix}", lang))
    ax.set_title(heading, loc="left", fontweight="bold")
    ax.set_xlabel(label("axis.difference", lang, unit=label(f"unit.{unit}", lang)))


# --- writing -----------------------------------------------------------------------------


def _save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    with _style():
        fig.savefig(paths[0], dpi=DPI, metadata={"Software": None})
        fig.set_layout_engine("none")  # keep the layout just computed: no second pass for SVG
        fig.savefig(paths[1], metadata={"Date": None})
    return paths


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
    title = _title(base, comparison.base)
    figures: dict[str, Callable[[], Figure]] = {}
    for alt in comparison.alternatives:
        rows = comparison.comparison[comparison.comparison["scenario"] == alt]
        run = comparison.runs.get(alt)

        def make(rows: pd.DataFrame = rows, alt_title: str = _title(run, alt)) -> Figure:
            return forest_figure(rows, names, lang, title, alt_title)

        figures[f"forest_{alt}"] = make
    return figures


def _title(run: RunFolder | None, fallback: str) -> str:
    if run is None:
        return fallback
    return str(run.scenario.get("title") or run.manifest.get("title") or fallback)


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
            written += _save(make(), folder / "plots", stem)
        for run in comparison.runs.values():
            written += write_figures(run.path, lang)
        return written
    run = read_run(folder)
    for stem, make in run_figures(run, lang).items():
        written += _save(make(), folder / "plots", stem)
    return written


def figure_files(paths: Sequence[Path], folder: Path) -> list[Path]:
    """The PNG files among ``paths`` that lie directly in ``folder/plots``."""
    target = (Path(folder) / "plots").resolve()
    return [p for p in paths if p.suffix == ".png" and p.parent.resolve() == target]
