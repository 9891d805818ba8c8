"""The result sections of a report: KPI tables, plots, warnings and the comparison table."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from simulator.analysis.significance import significant
from simulator.plots.flows import node_label
from simulator.report.html import esc, h3, html_table, image, kpi_cell, td
from simulator.store.readers import RunFolder, period_text
from simulator.text.labels import Names, kpi_label, kpi_unit, label, label_or
from simulator.text.numbers import format_difference, format_kpi, format_number

__all__ = [
    "COST_ROWS",
    "FACILITY_COLUMNS",
    "FIGURE_ORDER",
    "GROUP_COLUMNS",
    "MUNICIPALITY_COLUMNS",
    "SECTION_ORDER",
    "comparison_table",
    "cost_heading",
    "cost_table",
    "flows_moved",
    "figures_section",
    "kpi_table",
    "results_section",
    "warnings_section",
]

FIGURE_ORDER = ("flows", "occupancy", "occupancy_distribution", "waiting_time", "costs")

# Columns of the KPI tables: KPI suffix per section.
FACILITY_COLUMNS = (
    "beds_mean",
    "admissions",
    "diversion_share",
    "occupancy_mean",
    "occupancy_p95",
    "utilisation",
    "share_time_full",
    "days_above_85pct",
    "overflow_days",
    "blocked_days",
    "wait_mean",
)
GROUP_COLUMNS = ("episodes", "wait_mean", "wait_p90", "municipal_share", "deaths")
MUNICIPALITY_COLUMNS = ("episodes", "travel_minutes_mean", "cost", "blocked_payments")
SECTION_ORDER = {"cost": 0, "facility": 1, "group": 2, "municipality": 3}
"""Order of the sections of a comparison table: costs first, as a planner asks."""
COST_ROWS = (
    "cost.total",
    "cost.payer.municipality",
    "cost.payer.health_trust",
    "cost.blocked_payments",
    "cost.transport",
    "cost.per_episode",
)


# --- run results ---------------------------------------------------------------------


def kpi_table(run: RunFolder, section: str, columns: Sequence[str], lang: str) -> str:
    """One row per facility, group or municipality (``section``), one column per KPI suffix."""
    plural = {"facility": "facilities", "group": "groups", "municipality": "municipalities"}
    names = run.names[plural[section]]
    header = [label(f"column.{section}", lang)] + [label(f"kpi.{c}", lang) for c in columns]
    rows = [
        [td(name)] + [kpi_cell(run.summary, f"{section}.{i}.{c}", lang) for c in columns]
        for i, name in names.items()
    ]
    return html_table(header, rows)


def cost_table(run: RunFolder, lang: str) -> str:
    """Totals, payers, transfers and each facility's cost over the period, in NOK."""
    rows = [[td(label(k, lang))] + [kpi_cell(run.summary, k, lang)] for k in COST_ROWS]
    rows += [
        [td(name), kpi_cell(run.summary, f"cost.facility.{f}", lang)]
        for f, name in run.names["facilities"].items()
    ]
    return html_table(["", label("unit.nok", lang)], rows)


def cost_heading(run: RunFolder, lang: str) -> str:
    """The heading of the cost table, naming the collection period."""
    return label("heading.kpi_costs", lang, period=period_text(run.scenario, lang))


def results_section(run: RunFolder, lang: str) -> str:
    """The KPI tables of a run: facilities, groups (if any), municipalities and costs."""
    parts = [
        f'<h2 id="results">{esc(label("heading.results", lang))}</h2>',
        f'<p class="note">{esc(label("text.interval_note", lang))}</p>',
        h3("kpi_facilities", lang),
        kpi_table(run, "facility", FACILITY_COLUMNS, lang),
    ]
    if run.names["groups"]:
        parts += [
            h3("kpi_groups", lang),
            kpi_table(run, "group", GROUP_COLUMNS, lang),
        ]
    parts += [
        h3("kpi_municipalities", lang),
        kpi_table(run, "municipality", MUNICIPALITY_COLUMNS, lang),
        f"<h3>{esc(cost_heading(run, lang))}</h3>",
        cost_table(run, lang),
    ]
    return "\n".join(parts)


def figures_section(pngs: Sequence[Path], lang: str, heading: str = "heading.plots") -> str:
    """The PNG files embedded in :data:`FIGURE_ORDER`, each with its caption; "" for none."""
    if not pngs:
        return ""
    rank = {stem: i for i, stem in enumerate(FIGURE_ORDER)}
    ordered = sorted(pngs, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
    parts = [f'<h2 id="plots">{esc(label(heading, lang))}</h2>']
    for path in ordered:
        key = "forest" if path.stem.startswith("forest_") else path.stem
        caption = label_or(f"caption.{key}", path.stem, lang)
        parts.append(
            f'<figure id="figure-{esc(path.stem)}">{image(path, caption)}'
            f"<figcaption>{esc(caption)}</figcaption></figure>"
        )
    return "\n".join(parts)


def warnings_section(warnings: Sequence[str], failures: int, lang: str) -> str:
    """The warnings of a run, highlighted, or a short all-clear."""
    items = [str(w) for w in warnings]
    if failures:
        items.append(f"{failures} {label('text.failures', lang)}")
    if not items:
        return f'<p class="ok" id="warnings">{esc(label("heading.no_warnings", lang))}</p>'
    body = "".join(f"<li>{esc(w)}</li>" for w in items)
    return (
        f'<section class="warnings" id="warnings"><h2>⚠ {esc(label("heading.warnings", lang))}'
        f"</h2><ul>{body}</ul></section>"
    )


# --- comparison ----------------------------------------------------------------------


def _comparison_rows(
    rows: pd.DataFrame, names: Names, lang: str, caveats: Mapping[str, str] | None = None
) -> list[list[str]]:
    result = []
    for row in rows.to_dict("records"):
        kpi = str(row["kpi"])
        caveat = (caveats or {}).get(kpi)
        unit = kpi_unit(kpi)
        low, high = float(row["ci_low"]), float(row["ci_high"])
        interval = "–"
        if math.isfinite(low) and math.isfinite(high):
            interval = " – ".join(_difference(v, unit, lang) for v in (low, high))
        p = float(row["p_value"])
        name = esc(kpi_label(kpi, names, lang))
        if caveat:
            name += f'<span class="caveat">⚠ {esc(caveat)}</span>'
        cells = [
            f"<td>{name}</td>",
            td(format_kpi(float(row["base_mean"]), unit, lang), numeric=True),
            td(format_kpi(float(row["alt_mean"]), unit, lang), numeric=True),
            td(_difference(float(row["difference"]), unit, lang), numeric=True),
            td(interval, numeric=True),
            td(_p_value(p, lang), numeric=True),
        ]
        result.append(cells)
    return result


def _p_value(p: float, lang: str) -> str:
    if not math.isfinite(p):
        return "–"
    return "< " + format_number(0.001, lang, 3) if p < 0.001 else format_number(p, lang, 3)


def _difference(value: float, unit: str, lang: str) -> str:
    """A signed difference; shares in percentage points."""
    return format_difference(value, unit, lang, points=label("unit.pp", lang))


def comparison_table(
    rows: pd.DataFrame, names: Names, lang: str, caveats: Mapping[str, str] | None = None
) -> str:
    """The changed KPIs of one alternative: significant ones by section, the rest folded."""
    header = [
        label(f"column.{c}", lang)
        for c in ("kpi", "base", "alt", "difference", "interval", "p_value")
    ]
    values = rows[["difference", "ci_low", "ci_high"]].astype(float).fillna(0.0).abs()
    rows = rows[(values > 1e-9).any(axis=1) & rows["difference"].notna()]
    relative = (rows["difference"].astype(float) / rows["base_mean"].astype(float).abs()).abs()
    section = rows["kpi"].astype(str).str.split(".").str[0]
    rows = rows.assign(
        _sig=significant(rows).astype(bool),
        _rel=relative.fillna(float("inf")),
        _section=section.map(SECTION_ORDER).fillna(len(SECTION_ORDER)),
    )
    parts = []
    changed = rows[rows["_sig"]]
    if changed.empty:
        parts.append(f"<p>{esc(label('text.no_significant', lang))}</p>")
    for key, rank in SECTION_ORDER.items():
        these = changed[changed["_section"] == rank].sort_values("_rel", ascending=False)
        if these.empty:
            continue
        parts.append(f"<h4>{esc(label(f'section.{key}', lang))}</h4>")
        table = html_table(header, _comparison_rows(these, names, lang, caveats))
        parts.append(table.replace("<tr><td>", '<tr class="sig"><td>'))
    other = rows[~rows["_sig"]].sort_values(["_section", "p_value"])
    if not other.empty:
        summary = f"{label('heading.other_changes', lang)} ({len(other)})"
        parts.append(
            f"<details><summary>{esc(summary)}</summary>"
            + html_table(header, _comparison_rows(other, names, lang, caveats))
            + "</details>"
        )
    return "\n".join(parts)


def _flow_node(node: str, names: Names, lang: str) -> str:
    """A node of the flows in words; a stay with its column (``UNN Tromsø (2nd stay)``)."""
    kind = node.partition(":")[0]
    text = node_label(node, names, lang)
    return f"{text} ({label(f'legend.flow_{kind}', lang)})" if kind.startswith("stay") else text


def flows_moved(base: RunFolder, alt: RunFolder, lang: str, limit: int = 15) -> str:
    """The patient flows that moved most between two runs, per year (``flows.csv``)."""
    if base.flows.empty and alt.flows.empty:
        return f"<p>{esc(label('summary.flow_none_moved', lang))}</p>"
    columns = ["source", "target", "per_year"]
    b = base.flows[columns] if len(base.flows) else pd.DataFrame(columns=columns)
    a = alt.flows[columns] if len(alt.flows) else pd.DataFrame(columns=columns)
    joined = b.merge(a, on=["source", "target"], how="outer", suffixes=("_b", "_a")).fillna(0.0)
    joined["change"] = joined["per_year_a"].astype(float) - joined["per_year_b"].astype(float)
    total = max(float(joined["per_year_b"].sum()), 1.0)
    moved = joined[joined["change"].abs() >= max(0.5, 0.001 * total)]
    moved = moved.reindex(moved["change"].abs().sort_values(ascending=False).index).head(limit)
    if moved.empty:
        return f"<p>{esc(label('summary.flow_none_moved', lang))}</p>"
    names = {**base.names}
    for section, items in alt.names.items():
        names[section] = {**items, **names.get(section, {})}
    rows = []
    for source, target, b_value, a_value, change in zip(
        moved["source"].astype(str),
        moved["target"].astype(str),
        moved["per_year_b"].astype(float),
        moved["per_year_a"].astype(float),
        moved["change"].astype(float),
        strict=True,
    ):
        path = f"{_flow_node(source, names, lang)} → {_flow_node(target, names, lang)}"
        rows.append(
            [
                td(path),
                td(format_number(b_value, lang, 0), numeric=True),
                td(format_number(a_value, lang, 0), numeric=True),
                td(format_number(change, lang, 0, sign=True), numeric=True),
            ]
        )
    header = [
        label("summary.flow_path", lang),
        label("summary.base_per_year", lang),
        label("summary.alt_per_year", lang),
        label("summary.change_per_year", lang),
    ]
    return html_table(header, rows)
