"""The openpyxl writer of ``results.xlsx`` as it was before ``simulator.store.xlsx_writer``.

Kept verbatim (from commit 8976381, ``simulator/store/xlsx.py``; only this
docstring is new) as the oracle of ``test_xlsx.py``: the workbooks written now
must read back cell for cell as this writer's did. Not part of the package.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from simulator.store.folders import atomic_write_bytes
from simulator.store.readers import (
    ComparisonFolder,
    RunFolder,
    is_comparison,
    period_text,
    read_comparison,
    read_run,
)
from simulator.text.labels import kpi_label, kpi_unit, label

__all__ = [
    "SHEETS",
    "write_comparison_workbook",
    "write_run_workbook",
    "write_table_workbook",
    "write_workbooks",
]

SHEETS = ("About", "Summary", "Per year", "Facilities", "All KPIs", "Flows")
"""The sheets of a run's workbook, in order (``Flows`` only where the folder has flows)."""

_HEADLINE = (
    "cost.total",
    "cost.payer.municipality",
    "cost.payer.health_trust",
    "cost.blocked_payments",
    "cost.transport",
)
_FACILITY_COLUMNS = (
    "beds_mean",
    "admissions",
    "bed_days",
    "occupancy_mean",
    "occupancy_p95",
    "utilisation",
    "share_time_full",
    "diversions",
    "blocked_days",
    "wait_mean",
)
_BOLD = Font(bold=True)


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _unit(kpi: str, lang: str) -> str:
    unit = kpi_unit(kpi.split(".", 2)[2] if kpi.startswith("year.") else kpi)
    key = f"unit.{unit}"
    try:
        return label(key, lang)
    except KeyError:
        return unit


def _bold(sheet: Any, values: Sequence[Any]) -> list[Any]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _sheet(
    book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """A sheet with a bold, frozen header row and columns as wide as their text (to 60)."""
    sheet = book.create_sheet(title[:31])
    rows = [list(r) for r in rows]
    widths = [len(str(h)) for h in header]
    for row in rows[:500]:  # enough rows to size the columns by
        for i, v in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], min(len(str(v)), 60))
    for i, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, w + 2)
    sheet.freeze_panes = "A2"
    sheet.append(_bold(sheet, header))
    for row in rows:
        sheet.append(row)


def _kpi_rows(run: RunFolder, kpis: Iterable[str], lang: str) -> list[list[Any]]:
    rows = []
    names = run.names  # made from the scenario at each access: once, not once a KPI
    for kpi in kpis:
        mean, low, high = run.interval(kpi)
        if not math.isfinite(mean):
            continue
        rows.append(
            [
                kpi_label(_base_kpi(kpi), names, lang),
                _number(mean),
                _number(low),
                _number(high),
                _unit(kpi, lang),
                kpi,
            ]
        )
    return rows


def _base_kpi(kpi: str) -> str:
    return kpi.split(".", 2)[2] if kpi.startswith("year.") else kpi


def _kpi_header(lang: str) -> list[str]:
    return [
        label("column.kpi", lang),
        label("column.mean", lang),
        label("column.ci_low", lang),
        label("column.ci_high", lang),
        label("column.unit", lang),
        label("column.key", lang),
    ]


def _about(book: Workbook, run: RunFolder, lang: str, sources: Sequence[tuple[str, str]]) -> None:
    """The first sheet: what the workbook holds and where each sheet's numbers come from."""
    sheet = book.create_sheet("About", 0)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    title = WriteOnlyCell(sheet, value=label("xlsx.title", lang))
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    facts = [
        (label("column.scenario", lang), run.title),
        (label("column.period", lang), period_text(run.scenario, lang)),
        (label("column.replications_run", lang), run.replications),
        ("seed", run.manifest.get("seed", "")),
        ("samsim", run.manifest.get("samsim_version", "")),
    ]
    for key, value in facts:
        sheet.append([key, value])
    sheet.append([])
    sheet.append([label("xlsx.intervals", lang)])
    sheet.append([])
    sheet.append(_bold(sheet, [label("xlsx.sheet", lang), label("xlsx.source", lang)]))
    for name, source in sources:
        sheet.append([name, source])


def _run_sheets(book: Workbook, run: RunFolder, lang: str, prefix: str = "") -> list[str]:
    """Summary, per-year, facility, KPI and flow sheets of one run; the sheet names added."""
    kpis = [str(k) for k in run.summary.get("kpi", pd.Series(dtype=str))]
    names = run.names  # made from the scenario at each access: once, not once a KPI
    headline = [k for k in _HEADLINE if k in kpis]
    headline += [k for k in kpis if k.startswith("cost.municipality.")]
    headline += [
        f"municipality.{m}.cost"
        for m in names["municipalities"]
        if f"municipality.{m}.cost" in kpis
    ]
    added = []
    name = f"{prefix}Summary"
    _sheet(book, name, _kpi_header(lang), _kpi_rows(run, headline, lang))
    added.append(name)
    if prefix:
        return added
    yearly = []
    for k in kpis:
        match = re.match(r"year\.(\d{4})\.(.+)$", k)
        if match:
            mean, low, high = run.interval(k)
            yearly.append(
                [
                    int(match.group(1)),
                    kpi_label(match.group(2), names, lang),
                    _number(mean),
                    _number(low),
                    _number(high),
                    _unit(k, lang),
                    k,
                ]
            )
    _sheet(book, "Per year", [label("summary.year", lang), *_kpi_header(lang)], yearly)
    facility_rows = []
    for fid, display in names["facilities"].items():
        facility_rows.append(
            [display]
            + [_number(run.interval(f"facility.{fid}.{c}")[0]) for c in _FACILITY_COLUMNS]
            + [_number(run.interval(f"cost.facility.{fid}")[0])]
        )
    header = [label("column.facility", lang)]
    header += [
        f"{label(f'kpi.{c}', lang)} ({_unit(f'facility.x.{c}', lang)})" for c in _FACILITY_COLUMNS
    ]
    header += [f"{label('kpi.cost', lang)} ({label('unit.nok', lang)})"]
    _sheet(book, "Facilities", header, facility_rows)
    _sheet(book, "All KPIs", _kpi_header(lang), _kpi_rows(run, kpis, lang))
    added += ["Per year", "Facilities", "All KPIs"]
    if len(run.flows):
        from_to = [
            [
                str(r.source),
                str(r.target),
                _number(r.per_year),
                _number(r.ci_low),
                _number(r.ci_high),
            ]
            for r in run.flows.itertuples()
        ]
        _sheet(
            book,
            "Flows",
            [
                label("column.from", lang),
                label("column.to", lang),
                label("xlsx.per_year", lang),
                label("column.ci_low", lang),
                label("column.ci_high", lang),
            ],
            from_to,
        )
        added.append("Flows")
    return added


def _save(book: Workbook, target: Path) -> Path:
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    return atomic_write_bytes(target, buffer.getvalue())


_SOURCES = {
    "Summary": "summary.csv",
    "Per year": "summary.csv (year.<yyyy>.<kpi>)",
    "Facilities": "summary.csv (facility.<id>.<kpi>, cost.facility.<id>)",
    "All KPIs": "summary.csv",
    "Flows": "flows.csv",
    "Comparison": "comparison.csv",
}


def write_run_workbook(run: RunFolder, lang: str = "en") -> Path:
    """Write ``<run folder>/results.xlsx``; its path."""
    book = Workbook(write_only=True)
    sheets = _run_sheets(book, run, lang)
    _about(book, run, lang, [(s, _SOURCES.get(s, "")) for s in sheets])
    return _save(book, run.path / "results.xlsx")


def write_comparison_workbook(comparison: ComparisonFolder, lang: str = "en") -> Path:
    """Write ``<comparison folder>/results.xlsx`` (each scenario's summary, the comparison)."""
    book = Workbook(write_only=True)
    base = comparison.runs.get(comparison.base)
    names = base.names if base else {"facilities": {}, "groups": {}, "municipalities": {}}
    sheets: list[tuple[str, str]] = []
    for i, (name, run) in enumerate(comparison.runs.items(), start=1):
        added = _run_sheets(book, run, lang, prefix=f"{i} ")
        sheets += [(s, f"{name}/summary.csv") for s in added]
    rows = []
    for row in comparison.comparison.to_dict("records"):
        kpi = str(row.get("kpi", ""))
        rows.append(
            [
                str(row.get("scenario", "")),
                kpi_label(kpi, names, lang),
                _number(row.get("base_mean")),
                _number(row.get("alt_mean")),
                _number(row.get("difference")),
                _number(row.get("ci_low")),
                _number(row.get("ci_high")),
                _number(row.get("p_value")),
                _unit(kpi, lang),
                kpi,
            ]
        )
    header = [
        label("column.alt", lang),
        label("column.kpi", lang),
        label("column.base", lang),
        label("column.alt", lang),
        label("column.difference", lang),
        label("column.ci_low", lang),
        label("column.ci_high", lang),
        label("column.p_value", lang),
        label("column.unit", lang),
        label("column.key", lang),
    ]
    _sheet(book, "Comparison", header, rows)
    sheets.append(("Comparison", _SOURCES["Comparison"]))
    if base is not None:
        _about(book, base, lang, sheets)
    return _save(book, comparison.path / "results.xlsx")


def write_table_workbook(
    target: Path, about: Sequence[tuple[str, Any]], tables: Mapping[str, pd.DataFrame]
) -> Path:
    """Write a workbook of plain tables (a sweep's points, a sizing's bed counts); its path.

    ``about``: (key, value) lines of the first sheet; ``tables``: sheet name ->
    table, written with its column names as the header.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet("About")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    for key, value in about:
        sheet.append([key, value])
    for name, table in tables.items():
        rows = [
            [
                _number(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in row
            ]
            for row in table.astype(object).where(table.notna(), None).itertuples(index=False)
        ]
        _sheet(book, name, [str(c) for c in table.columns], rows)
    return _save(book, Path(target))


def write_workbooks(folder: Path, lang: str = "en") -> list[Path]:
    """``results.xlsx`` of a run or comparison folder and of a comparison's scenarios."""
    folder = Path(folder)
    if not is_comparison(folder):
        return [write_run_workbook(read_run(folder), lang)]
    comparison = read_comparison(folder)
    written = [write_run_workbook(run, lang) for run in comparison.runs.values()]
    return [*written, write_comparison_workbook(comparison, lang)]
