"""Plots of a sweep: each key KPI against each factor, and a heat map of two factors.

Drawn from a finished sweep folder (:func:`simulator.sweeps.store.read_sweep`):
``sweep.json``, ``sweep.csv`` and the per-replication table, so they can be
redrawn from saved results.

* ``effect_<factor>``: one panel per key KPI against the factor. In a grid,
  one line per value of the *next* factor (the first other one; with more
  than eight values, one line) and, for any further factors, the average
  over them: for each replication the KPI is averaged over the points that
  share the plotted values, and the band is the 95 % t-interval of those
  averages over replications (valid because every point uses the same
  replications: common random numbers). In a Latin hypercube every point is
  a dot with its own 95 % interval; the other factors vary from dot to dot.
* ``heatmap``: the first two factors as the axes, one panel per key KPI,
  each cell the mean (averaged over any further factors as above). In a
  Latin hypercube, the points coloured by the mean.

Shares are shown in %, costs in million NOK. Interval bands are clipped to
what the KPI can be (no share below 0 % or above 100 %).
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.analysis.intervals import t_interval
from simulator.plots.style import BLUE, message, number_formatter, panel_figure, save, styled, wrap
from simulator.store.readers import period_text
from simulator.sweeps.store import SweepFolder, read_sweep
from simulator.text.labels import Names, display_names, kpi_label, kpi_unit, label, label_or
from simulator.text.numbers import format_as_given, format_number

__all__ = [
    "effect_figure",
    "factor_label",
    "heatmap_figure",
    "sweep_figures",
    "write_sweep_figures",
]

MAX_LINES = 8
_SCALE = {"share": (100.0, "share"), "nok": (1e-6, "mnok")}
_SECTIONS = {"facilities": "facilities", "groups": "groups", "municipalities": "municipalities"}


def factor_label(factor: Mapping[str, Any], names: Names, lang: str = "en") -> str:
    """How a plot names a factor: its ``label``, else ``<facility name>: beds`` for a path."""
    if factor.get("label"):
        return str(factor["label"])
    name = str(factor["name"])
    parts = name.split(".")
    if parts[0] in _SECTIONS and len(parts) >= 3:
        subject = names.get(_SECTIONS[parts[0]], {}).get(parts[1], parts[1])
        rest = ".".join(parts[2:])
        return f"{subject}: {label_or(f'column.{rest}', rest.replace('_', ' '), lang)}"
    return name


def _scale(kpi: str) -> tuple[float, str]:
    unit = kpi_unit(kpi)
    return _SCALE.get(unit, (1.0, unit))


def _numeric(values: Sequence[Any]) -> bool:
    return all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in values
    )


def _averaged(
    rows: pd.DataFrame, kpi: str, keys: Sequence[str]
) -> dict[tuple[Any, ...], tuple[float, float, float]]:
    """Mean and 95 % interval of ``kpi`` for each combination of ``keys``.

    Per replication, the KPI is averaged over the points that share the
    combination; the interval is the t-interval of those averages.
    """
    found: dict[tuple[Any, ...], tuple[float, float, float]] = {}
    for key, group in rows.groupby(list(keys), sort=True):
        per_replication = group.groupby("replication")[kpi].mean().to_numpy(dtype=float)
        mean, _, low, high, _ = t_interval(per_replication)
        found[key if isinstance(key, tuple) else (key,)] = (mean, low, high)
    return found


def _replications(folder: SweepFolder) -> int:
    counts = folder.table.loc[folder.table["status"] == "ok", "replications"]
    return int(counts.max()) if len(counts) else 0


def _panel_title(kpi: str, names: Names, lang: str) -> str:
    """``<subject>: <measure> (<unit>)``, without a unit the label already names."""
    _, unit = _scale(kpi)
    text = kpi_label(kpi, names, lang)
    unit_text = label(f"unit.{unit}", lang)
    if not text.endswith(")") and unit_text not in text:
        text += f" ({unit_text})"
    return wrap(text, 48)


def _limits(kpi: str, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clip an interval to what the KPI can be: nothing below 0, no share above 100 %."""
    low = np.maximum(low, 0.0)
    if kpi_unit(kpi) == "share":
        high = np.minimum(high, 1.0)
    return low, high


def _period(folder: SweepFolder, lang: str) -> str:
    period = period_text(folder.base, lang)
    return "; " + label("sweep.period", lang, period=period) if period else ""


def _outer_labels(axes: Sequence[Axes], ncols: int, x_text: str, y_text: str | None) -> None:
    """Axis titles on the outer panels only: x below the bottom panel of each column, y left."""
    for i, ax in enumerate(axes):
        if i + ncols >= len(axes):
            ax.set_xlabel(wrap(x_text, 50))
        if y_text is not None and i % ncols == 0:
            ax.set_ylabel(wrap(y_text, 40))


def effect_figure(folder: SweepFolder, factor: str, lang: str = "en") -> Figure:
    """Each key KPI against ``factor``, with 95 % interval bands (see the module docstring)."""
    names = display_names(folder.base)
    factors = folder.factors
    this = next(f for f in factors if f["name"] == factor)
    others = [f for f in factors if f["name"] != factor]
    kpis = folder.key_kpis
    rows = folder.replications
    n = _replications(folder)
    lhs = folder.info.get("definition", {}).get("design") == "lhs"
    line_factor = others[0] if others and not lhs else None
    if line_factor is not None and len(set(rows[line_factor["name"]])) > MAX_LINES:
        line_factor = None
    averaged = [f for f in others if f is not line_factor]
    with styled():
        fig, axes, ncols = panel_figure(max(len(kpis), 1), 3.1, 1.3)
        title = label("sweep.effect", lang, factor=factor_label(this, names, lang))
        if lhs:
            note = label("sweep.lhs_dots", lang, n=n)
        elif line_factor is not None:
            note = label("sweep.lines", lang, factor=factor_label(line_factor, names, lang), n=n)
        else:
            note = label("sweep.band", lang, n=n)
        if averaged and not lhs:
            listed = ", ".join(factor_label(f, names, lang) for f in averaged)
            note += "; " + label("sweep.averaged", lang, factors=listed)
        note += _period(folder, lang)
        fig.suptitle(wrap(title, 90) + "\n" + wrap(note, 130), fontsize=11)
        if rows.empty or not kpis:
            message(fig, label("sweep.no_data", lang))
            return fig
        for ax, kpi in zip(axes, kpis, strict=False):
            if lhs:
                _dots(ax, folder.table, factor, kpi)
            else:
                _lines(ax, rows, factor, line_factor, kpi, names, lang)
            ax.set_title(_panel_title(kpi, names, lang), loc="left")
            ax.yaxis.set_major_formatter(number_formatter(lang))
            ax.grid(color="#e5e5e5", linewidth=0.6)
            if this.get("integer"):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _outer_labels(axes[: len(kpis)], ncols, factor_label(this, names, lang), None)
        if line_factor is not None:
            handles, texts = axes[0].get_legend_handles_labels()
            fig.legend(
                handles,
                texts,
                title=wrap(factor_label(line_factor, names, lang), 60),
                loc="outside lower center",
                ncols=min(len(texts), 6),
                frameon=False,
            )
    return fig


def _lines(
    ax: Axes,
    rows: pd.DataFrame,
    factor: str,
    line_factor: Mapping[str, Any] | None,
    kpi: str,
    names: Names,
    lang: str,
) -> None:
    scale, _ = _scale(kpi)
    keys = [factor] + ([line_factor["name"]] if line_factor is not None else [])
    cells = _averaged(rows[[*keys, "replication", kpi]], kpi, keys)
    xs = sorted({k[0] for k in cells}, key=_order)
    levels = sorted({k[1] for k in cells}, key=_order) if line_factor is not None else [None]
    numeric = _numeric(xs)
    positions = np.array(xs, dtype=float) if numeric else np.arange(len(xs), dtype=float)
    colours = colormaps["viridis"](np.linspace(0.05, 0.85, max(len(levels), 1)))
    for colour, level in zip(colours if len(levels) > 1 else [BLUE], levels, strict=True):
        keys = [(x, level) if line_factor is not None else (x,) for x in xs]
        stats = np.array([cells.get(k, (math.nan,) * 3) for k in keys], dtype=float) * scale
        low, high = _limits(kpi, stats[:, 1] / scale, stats[:, 2] / scale)
        text = None if level is None else format_level(level, lang)
        ax.plot(positions, stats[:, 0], marker="o", markersize=4, color=colour, label=text)
        ok = np.isfinite(low) & np.isfinite(high)
        ax.fill_between(
            positions, low * scale, high * scale, where=ok, color=colour, alpha=0.14, linewidth=0
        )
    if not numeric:
        ax.set_xticks(positions, [str(x) for x in xs])


def _dots(ax: Axes, table: pd.DataFrame, factor: str, kpi: str) -> None:
    scale, _ = _scale(kpi)
    ok = table[table["status"] == "ok"]
    x = ok[factor].to_numpy(dtype=float)
    mean = ok[kpi].to_numpy(dtype=float)
    low, high = _limits(
        kpi, ok[f"{kpi}.ci_low"].to_numpy(dtype=float), ok[f"{kpi}.ci_high"].to_numpy(dtype=float)
    )
    low, high = np.where(np.isfinite(low), low, mean), np.where(np.isfinite(high), high, mean)
    ax.errorbar(
        x, mean * scale, yerr=[(mean - low) * scale, (high - mean) * scale],
        fmt="o", markersize=4, color=BLUE, ecolor="#9ab", elinewidth=1, capsize=0,
    )  # fmt: skip


def _order(value: Any) -> tuple[int, Any]:
    return (0, float(value)) if _numeric([value]) else (1, str(value))


def format_level(value: Any, lang: str) -> str:
    """A factor value as a legend entry: ``0,35`` in Norwegian."""
    if isinstance(value, bool) or not _numeric([value]):
        return str(value)
    if float(value).is_integer():
        return format_number(float(value), lang)
    return format_as_given(float(value), lang)


def heatmap_figure(folder: SweepFolder, lang: str = "en") -> Figure:
    """The first two factors as axes, one panel per key KPI, each cell the mean."""
    names = display_names(folder.base)
    x_factor, y_factor, *rest = folder.factors
    kpis = folder.key_kpis
    n = _replications(folder)
    lhs = folder.info.get("definition", {}).get("design") == "lhs"
    with styled():
        fig, axes, ncols = panel_figure(max(len(kpis), 1), 3.4, 1.1)
        x_text, y_text = factor_label(x_factor, names, lang), factor_label(y_factor, names, lang)
        note = label("sweep.heatmap_lhs" if lhs else "sweep.heatmap", lang, n=n)
        if rest and not lhs:
            listed = ", ".join(factor_label(f, names, lang) for f in rest)
            note += "; " + label("sweep.averaged", lang, factors=listed)
        note += _period(folder, lang)
        title = label("sweep.heatmap_title", lang, x=x_text, y=y_text)
        fig.suptitle(wrap(title, 130) + "\n" + wrap(note, 130), fontsize=11)
        if folder.replications.empty or not kpis:
            message(fig, label("sweep.no_data", lang))
            return fig
        for ax, kpi in zip(axes, kpis, strict=False):
            if lhs:
                _scatter(fig, ax, folder.table, x_factor["name"], y_factor["name"], kpi, lang)
            else:
                _cells(fig, ax, folder.replications, x_factor["name"], y_factor["name"], kpi, lang)
            ax.set_title(_panel_title(kpi, names, lang), loc="left")
        _outer_labels(axes[: len(kpis)], ncols, x_text, y_text)
    return fig


def _cells(fig: Figure, ax: Axes, rows: pd.DataFrame, x: str, y: str, kpi: str, lang: str) -> None:
    scale, _ = _scale(kpi)
    cells = _averaged(rows[[x, y, "replication", kpi]], kpi, [x, y])
    xs = sorted({k[0] for k in cells}, key=_order)
    ys = sorted({k[1] for k in cells}, key=_order)
    grid = np.array(
        [[cells.get((a, b), (math.nan,))[0] * scale for a in xs] for b in ys], dtype=float
    )
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    finite = grid[np.isfinite(grid)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    digits = (
        0
        if finite.size and np.nanmax(np.abs(finite)) >= 100
        else 1
        if _scale(kpi)[1] in ("share", "mnok")
        else 2
    )
    for i in range(len(ys)):
        for j in range(len(xs)):
            if np.isfinite(grid[i, j]):
                colour = "black" if grid[i, j] > middle else "white"
                text = format_number(grid[i, j], lang, digits)
                ax.text(j, i, text, ha="center", va="center", fontsize=7.5, color=colour)
    ax.set_xticks(range(len(xs)), [format_level(v, lang) for v in xs])
    ax.set_yticks(range(len(ys)), [format_level(v, lang) for v in ys])
    ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=ax, shrink=0.85, format=number_formatter(lang))


def _scatter(
    fig: Figure, ax: Axes, table: pd.DataFrame, x: str, y: str, kpi: str, lang: str
) -> None:
    scale, _ = _scale(kpi)
    ok = table[table["status"] == "ok"]
    dots = ax.scatter(
        ok[x].to_numpy(dtype=float), ok[y].to_numpy(dtype=float),
        c=ok[kpi].to_numpy(dtype=float) * scale, cmap="viridis", s=36, edgecolors="white",
    )  # fmt: skip
    fig.colorbar(dots, ax=ax, shrink=0.85, format=number_formatter(lang))


def sweep_figures(folder: SweepFolder, lang: str = "en") -> dict[str, Callable[[], Figure]]:
    """The figures of a sweep by file stem, built when called."""
    figures: dict[str, Callable[[], Figure]] = {}
    for factor in folder.factors:
        stem = "effect_" + re.sub(r"[^A-Za-z0-9_-]+", "_", str(factor["name"]))

        def make(name: str = str(factor["name"])) -> Figure:
            return effect_figure(folder, name, lang)

        figures[stem] = make
    if len(folder.factors) >= 2:
        figures["heatmap"] = lambda: heatmap_figure(folder, lang)
    return figures


def write_sweep_figures(folder: str | os.PathLike[str], lang: str = "en") -> list[Path]:
    """Draw every figure of a finished sweep folder into ``plots/`` as PNG and SVG.

    Each file is drawn into a temporary folder and then renamed into place,
    so ``plots/`` never holds half a file.
    """
    folder = Path(folder)
    sweep = read_sweep(folder)
    staging = folder / f".plots.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    target = folder / "plots"
    target.mkdir(exist_ok=True)
    written = []
    try:
        for stem, make in sweep_figures(sweep, lang).items():
            for path in save(make(), staging, stem):
                os.replace(path, target / path.name)
                written.append(target / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written
