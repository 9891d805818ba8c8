"""Text a planner reads in the terminal: the main KPIs of a run as a table.

Display labels come from :mod:`simulator.text.labels` and numbers from
:mod:`simulator.text.numbers`, the ones shared with plots and report, so that
code, files and columns keep their stable snake_case names and a value reads
the same everywhere.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulator.text.labels import display_names, kpi_label, kpi_unit, label, target_text
from simulator.text.numbers import (
    NOT_A_NUMBER,
    format_difference,
    format_interval,
    format_kpi,
)

if TYPE_CHECKING:  # pandas and pydantic load only when a command runs
    import pandas as pd

    from simulator.scenario.schema import Scenario
    from simulator.sizing.search import SizingResult

__all__ = ["comparison_table", "main_table", "sizing_summary", "sizing_table"]

COLUMNS: tuple[str, ...] = (
    "beds_mean",
    "admissions",
    "diversion_share",
    "occupancy_mean",
    "utilisation",
    "blocked_days",
    "overflow_days",
    "wait_mean",
)
"""The facility table's columns: KPI suffixes (numbers written by their unit)."""

COSTS: tuple[tuple[str, str], ...] = (
    ("column.total", "cost.total"),
    ("payer.municipality", "cost.payer.municipality"),
    ("payer.health_trust", "cost.payer.health_trust"),
    ("column.of_which_blocked", "cost.blocked_payments"),
)
"""The cost lines: label key and KPI."""


def _cell(summary: pd.DataFrame, kpi: str, lang: str) -> str:
    """The mean of a KPI with the half-width of its 95 % interval (none for the beds)."""
    row = summary.loc[summary["kpi"] == kpi]
    if row.empty:
        return NOT_A_NUMBER
    mean, low, high = (float(row[c].iloc[0]) for c in ("mean", "ci_low", "ci_high"))
    unit = kpi_unit(kpi)
    text = format_kpi(mean, unit, lang)
    spread = math.isfinite(low) and math.isfinite(high) and high > low
    if spread and not kpi.endswith(".beds_mean"):
        text += " ±" + format_kpi((high - low) / 2, unit, lang)
    return text


def main_table(scenario: Scenario, summary: pd.DataFrame, lang: str = "en") -> str:
    """Facilities and costs: means with the half-width of their 95 % interval."""
    header = [label("column.facility", lang)] + [label(f"kpi.{c}", lang) for c in COLUMNS]
    rows = [header]
    for fid in scenario.facilities:
        rows.append([fid] + [_cell(summary, f"facility.{fid}.{c}", lang) for c in COLUMNS])
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
        lines.append(f"  {label(key, lang):<32}{_cell(summary, kpi, lang):>28}")
    return "\n".join(lines)


def comparison_table(table: pd.DataFrame, limit: int = 40) -> str:
    """KPIs that changed significantly (95 % paired interval excludes 0), largest first.

    Each KPI counts once, in its period form: its repeats per calendar year
    (``year.<yyyy>.*``) and as rates (``*.per_year``, ``*.per_1000``) are in
    ``comparison.csv`` and the report, and a KPI that changed in those forms
    only is counted once as such, not once per form.
    """
    from simulator.analysis.significance import significant

    changed = table[significant(table)].copy()
    if changed.empty:
        return "No KPI changed significantly (every 95 % paired interval contains 0)."
    changed["period_kpi"] = changed["kpi"].map(_period_form)
    own = changed["kpi"] == changed["period_kpi"]
    period = changed[own]
    listed = set(zip(period["scenario"].astype(str), period["kpi"], strict=True))
    only_forms: dict[str, set[str]] = {}  # KPIs that changed in a year or rate form alone
    with_forms: set[str] = set()  # scenarios where a listed KPI's forms changed too
    for scenario, kpi in zip(
        changed.loc[~own, "scenario"].astype(str), changed.loc[~own, "period_kpi"], strict=True
    ):
        if (scenario, kpi) in listed:
            with_forms.add(scenario)
        else:
            only_forms.setdefault(scenario, set()).add(kpi)
    if period.empty:
        total = sum(len(kpis) for kpis in only_forms.values())
        return (
            f"No whole-period KPI changed significantly; {_kpis(total)} did only per calendar "
            "year or per 1 000 inhabitants (see comparison.csv)."
        )
    period = period.assign(relative=(period["difference"] / period["base_mean"].abs()).abs())
    sections = {"cost": 0, "facility": 1, "group": 2, "municipality": 3}
    period["section"] = [sections.get(k.split(".")[0], 4) for k in period["kpi"]]
    period = period.sort_values(
        ["scenario", "section", "relative"], ascending=[True, True, False], kind="stable"
    )
    by_scenario = {str(s): rows for s, rows in period.groupby("scenario", sort=False)}
    lines = []
    for scenario in sorted({*by_scenario, *only_forms}):
        rows = by_scenario.get(scenario, period.iloc[:0])
        lines.append(f"{scenario} − base: {_kpis(len(rows))} changed significantly over the period")
        lines += _difference_lines(rows.head(limit)) if len(rows) else []
        if len(rows) > limit:
            lines.append(f"  … and {len(rows) - limit} more in comparison.csv")
        if scenario in only_forms:
            lines.append(
                f"  ({_kpis(len(only_forms[scenario]))} more changed only per calendar year or "
                "per 1 000 inhabitants: see comparison.csv)"
            )
        elif scenario in with_forms:
            lines.append(
                "  (their per-year, per-1 000 and calendar-year forms are in comparison.csv "
                "and the report)"
            )
    return "\n".join(lines)


def _difference_lines(shown: pd.DataFrame) -> list[str]:
    """One line per KPI: base → alternative, the difference and its 95 % interval."""
    width = max(len(k) for k in shown["kpi"])
    lines = []
    for kpi, base, alt, diff, low, high in zip(
        shown["kpi"],
        shown["base_mean"].astype(float),
        shown["alt_mean"].astype(float),
        shown["difference"].astype(float),
        shown["ci_low"].astype(float),
        shown["ci_high"].astype(float),
        strict=True,
    ):
        unit = kpi_unit(kpi)
        interval = format_interval(low, high, unit, difference=True)
        lines.append(
            f"  {kpi:<{width}}  {format_kpi(base, unit):>14} → {format_kpi(alt, unit):>14}   "
            f"{format_difference(diff, unit):>14} [{interval}]"
        )
    return lines


def _kpis(count: int) -> str:
    return f"{count} KPI(s)"


def _period_form(kpi: str) -> str:
    """The KPI over the whole period of which ``kpi`` is a calendar year's or a rate's form."""
    if kpi.startswith("year."):
        kpi = kpi.split(".", 2)[2] if kpi.count(".") >= 2 else kpi
    for suffix in (".per_year", ".per_1000"):
        if kpi.endswith(suffix):
            return kpi[: -len(suffix)]
    return kpi


def _bracket(interval: str) -> str:
    """`` [interval]`` after a value, or nothing when there is no interval."""
    return f" [{interval}]" if interval else ""


def sizing_table(
    table: pd.DataFrame,
    theory: str | None,
    chosen: int | None,
    below: int | None,
    measure: str,
    lang: str = "en",
) -> str:
    """Bed counts of a sizing: the KPI with its 95 % interval, verdict and P(full) beside theory.

    ``table`` is :attr:`simulator.sizing.search.SizingResult.table`; ``measure`` names
    the target KPI in the header; rows the search did not run say so, and are
    left out where P(full) is below 0.05 % both ways. The
    lower end of an interval is shown at 0 at least (the t-interval of a
    share near 0 reaches below it; ``size.csv`` keeps it as computed).
    """
    unit = kpi_unit(str(table["kpi"].iloc[0])) if len(table) else "count"
    header = [
        label("column.beds", lang),
        f"{measure} [{label('column.interval', lang)}]",
        label("column.meets_target", lang),
        label("column.p_full_unconstrained", lang),
        label(f"column.theory_{theory or 'none'}", lang),
        "",
    ]
    rows = [header]
    numbers = {
        column: table[column].to_numpy(dtype=float)
        for column in ("mean", "ci_low", "ci_high", "p_full_unconstrained", "p_full_theory")
    }
    meets = table["meets"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    runs = table["n"].to_numpy(dtype=int)
    for i, beds in enumerate(table["beds"].to_numpy(dtype=int)):
        full = [numbers[k][i] for k in ("p_full_unconstrained", "p_full_theory")]
        if runs[i] == 0 and all(p < 5e-4 for p in full if math.isfinite(p)):
            continue  # not run and never full: nothing to read (size.csv keeps the row)
        if runs[i] > 0:
            cell = format_kpi(numbers["mean"][i], unit, lang)
            cell += _bracket(
                format_interval(numbers["ci_low"][i], numbers["ci_high"][i], unit, lang, floor=True)
            )
            verdict = label("column.yes" if meets[i] else "column.no", lang)
        else:
            cell, verdict = label("column.not_run", lang), ""
        mark = {chosen: "column.chosen", below: "column.below"}.get(int(beds))
        rows.append(
            [
                str(beds),
                cell,
                verdict,
                format_kpi(numbers["p_full_unconstrained"][i], "share", lang),
                format_kpi(numbers["p_full_theory"][i], "share", lang),
                "← " + label(mark, lang) if mark else "",
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i in (2, 5) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)


def sizing_summary(result: SizingResult, lang: str = "en") -> str:
    """A sizing for the terminal: the table, the answer, the KPI at it and one bed below, notes."""
    names = display_names(result.scenario.model_dump(mode="json"))
    target = result.target
    unit = kpi_unit(target.kpi)
    criterion = label(f"text.criterion_{result.confidence}", lang, n=result.replications)
    wanted = target_text(target.kpi, target.operator, target.value, names, lang)
    theory = result.curve.theory if result.curve else None
    measure = kpi_label(target.kpi, names, lang)
    lines = [sizing_table(result.table, theory, result.chosen, result.below, measure, lang), ""]
    if result.chosen is None:
        lo, hi = result.bed_range
        lines.append(
            label("text.sizing_none", lang, lo=lo, hi=hi, target=wanted, criterion=criterion)
        )
    else:
        lines.append(
            label("text.sizing_answer", lang, target=wanted, criterion=criterion, c=result.chosen)
        )
        table = result.table
        beds = table["beds"].to_numpy(dtype=int).tolist()
        at = {
            column: dict(zip(beds, table[column].to_numpy(dtype=float), strict=True))
            for column in ("mean", "ci_low", "ci_high", "change", "change_ci_low", "change_ci_high")
        }
        for c in (result.chosen, result.below):
            if c is not None:
                value = format_kpi(at["mean"][c], unit, lang)
                value += _bracket(
                    format_interval(at["ci_low"][c], at["ci_high"][c], unit, lang, floor=True)
                )
                lines.append("  " + label("text.sizing_at", lang, c=c, value=value))
        if result.below is not None:
            c = result.chosen
            pp = label("unit.pp", lang)
            change = format_difference(at["change"][c], unit, lang, points=pp)
            change += _bracket(
                format_interval(
                    at["change_ci_low"][c],
                    at["change_ci_high"][c],
                    unit,
                    lang,
                    difference=True,
                    points=pp,
                )
            )
            step = label("text.sizing_step", lang, below=result.below, c=c, change=change)
            lines.append("  " + step)
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)
