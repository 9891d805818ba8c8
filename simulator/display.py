"""Text a planner reads in the terminal: the main KPIs of a run as a table.

Display labels come from :mod:`simulator.labels`, the one mapping shared with
plots and report, so that code, files and columns keep their stable snake_case
names.
"""

from __future__ import annotations

import math

import pandas as pd

from simulator.labels import label
from simulator.schema import Scenario

__all__ = ["comparison_table", "main_table"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("beds_mean", "beds"),
    ("admissions", "int"),
    ("diversion_share", "share"),
    ("occupancy_mean", "num"),
    ("utilisation", "share"),
    ("blocked_days", "int"),
    ("overflow_days", "int"),
    ("wait_mean", "num"),
)
"""The facility table's columns: KPI suffix and how its numbers are written."""

COSTS: tuple[tuple[str, str], ...] = (
    ("column.total", "cost.total"),
    ("payer.municipality", "cost.payer.municipality"),
    ("payer.health_trust", "cost.payer.health_trust"),
    ("column.of_which_blocked", "cost.blocked_payments"),
)
"""The cost lines: label key and KPI."""


def _fmt(value: float, kind: str) -> str:
    if not math.isfinite(value):
        return "-"
    if kind == "share":
        return f"{100 * value:.1f} %"
    if kind == "beds":
        return f"{value:.1f}".removesuffix(".0")
    if kind == "int":
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.2f}"


def _cell(summary: pd.DataFrame, kpi: str, kind: str) -> str:
    row = summary.loc[summary["kpi"] == kpi]
    if row.empty:
        return "-"
    mean, low, high = (float(row[c].iloc[0]) for c in ("mean", "ci_low", "ci_high"))
    text = _fmt(mean, kind)
    if kind != "beds" and math.isfinite(low) and math.isfinite(high) and high > low:
        half = (high - low) / 2
        text += " ±" + _fmt(half, kind).replace(" %", "")
    return text


def main_table(scenario: Scenario, summary: pd.DataFrame, lang: str = "en") -> str:
    """Facilities and costs: means with the half-width of their 95 % interval."""
    header = [label("column.facility", lang)] + [label(f"kpi.{c}", lang) for c, _ in COLUMNS]
    rows = [header]
    for fid in scenario.facilities:
        rows.append([fid] + [_cell(summary, f"facility.{fid}.{c}", kind) for c, kind in COLUMNS])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append(label("heading.period_costs", lang))
    for key, kpi in COSTS:
        lines.append(f"  {label(key, lang):<32}{_cell(summary, kpi, 'int'):>28}")
    return "\n".join(lines)


def comparison_table(table: pd.DataFrame, limit: int = 40) -> str:
    """KPIs that changed significantly (95 % paired interval excludes 0), largest first."""
    from simulator.compare import significant

    changed = significant(table).copy()
    if changed.empty:
        return "No KPI changed significantly (every 95 % paired interval contains 0)."
    changed["relative"] = (changed["difference"] / changed["base_mean"].abs()).abs()
    sections = {"cost": 0, "facility": 1, "group": 2, "municipality": 3}
    changed["section"] = [sections.get(k.split(".")[0], 4) for k in changed["kpi"]]
    changed = changed.sort_values(
        ["scenario", "section", "relative"], ascending=[True, True, False], kind="stable"
    )
    lines = []
    for scenario, rows in changed.groupby("scenario", sort=False):
        lines.append(f"{scenario} − base: {len(rows)} KPI(s) changed significantly")
        shown = rows.head(limit)
        width = max(len(k) for k in shown["kpi"])
        for kpi, base, alt, diff, low, high in zip(
            shown["kpi"],
            shown["base_mean"].astype(float),
            shown["alt_mean"].astype(float),
            shown["difference"].astype(float),
            shown["ci_low"].astype(float),
            shown["ci_high"].astype(float),
            strict=True,
        ):
            lines.append(
                f"  {kpi:<{width}}  {_num(base):>14} → {_num(alt):>14}   "
                f"{_num(diff, sign=True):>14} [{_num(low, sign=True)}, {_num(high, sign=True)}]"
            )
        if len(rows) > limit:
            lines.append(f"  … and {len(rows) - limit} more in comparison.csv")
    return "\n".join(lines)


def _num(value: float, sign: bool = False) -> str:
    if not math.isfinite(value):
        return "-"
    text = f"{value:+,.3g}" if abs(value) < 100 else f"{value:+,.0f}"
    text = text.replace(",", " ")
    return text if sign else text.lstrip("+")
