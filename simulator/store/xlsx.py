"""``results.xlsx``: a results folder's numbers as a workbook for spreadsheets and council papers.

Written beside ``report.html`` (by :func:`simulator.report.write_report`) from the
folder's own tables, so it holds the same numbers (as SpreadsheetML written
directly, :mod:`simulator.store.xlsx_writer`; openpyxl reads it back in the tests):

``About``
    what the workbook is, the scenario, period, seed and replications, and
    where every sheet's numbers come from (its source file in the folder);
``Summary``
    the headline KPIs (costs by payer, per municipality, per year too) with
    95 % intervals, each with its unit;
``Per year``
    every ``year.<yyyy>.<kpi>`` KPI the folder has, one row per KPI and year;
``Facilities``
    one row per facility and one column per facility KPI;
``All KPIs``
    every KPI of ``summary.csv`` with its display name and unit;
``Flows``
    patients per year along each path (``flows.csv``), where the folder has it;
``Comparison``
    (comparison folders) the paired differences of each alternative.

A comparison folder's workbook holds each scenario's ``Summary`` too (one
sheet per scenario); each scenario's subfolder gets its own workbook.
Numbers are stored as numbers (not text), so a spreadsheet can compute with
them; display names and units are in the chosen language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.store.folders import atomic_write_bytes
from simulator.store.readers import (
    ComparisonFolder,
    RunFolder,
    is_comparison,
    period_text,
    read_comparison,
    read_run,
)
from simulator.store.xlsx_writer import BOLD, TITLE, Book
from simulator.text.labels import Names, kpi_label, kpi_unit, label

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


class _Labels:
    """KPIs' display names and units in one language, each made once: thousands repeat
    (every year's KPIs, the same KPI on two sheets)."""

    def __init__(self, names: Names, lang: str) -> None:
        self._names, self._lang = names, lang
        self._labels: dict[str, str] = {}
        self._units: dict[str, str] = {}

    def name(self, kpi: str) -> str:
        """:func:`kpi_label` of ``kpi``."""
        found = self._labels.get(kpi)
        if found is None:
            found = self._labels[kpi] = kpi_label(kpi, self._names, self._lang)
        return found

    def unit(self, kpi: str) -> str:
        """The unit of ``kpi`` (of its base KPI for a ``year.<yyyy>.`` one), in the language."""
        base = _base_kpi(kpi)
        found = self._units.get(base)
        if found is None:
            found = self._units[base] = _unit(base, self._lang)
        return found


def _sheet(book: Book, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A sheet with a bold, frozen header row and columns as wide as their text (to 60)."""
    sheet = book.create_sheet(title[:31])
    rows = [list(r) for r in rows]
    widths = [len(str(h)) for h in header]
    for row in rows[:500]:  # enough rows to size the columns by
        for i, v in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], min(len(str(v)), 60))
    for i, w in enumerate(widths, start=1):
        sheet.set_width(i, max(10, w + 2))
    sheet.freeze_header()
    sheet.append(header, BOLD)
    for row in rows:
        sheet.append(row)


def _kpi_rows(run: RunFolder, kpis: Iterable[str], labels: _Labels) -> list[list[Any]]:
    rows = []
    for kpi in kpis:
        mean, low, high = run.interval(kpi)
        if not math.isfinite(mean):
            continue
        rows.append(
            [
                labels.name(_base_kpi(kpi)),
                _number(mean),
                _number(low),
                _number(high),
                labels.unit(kpi),
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


def _about(book: Book, run: RunFolder, lang: str, sources: Sequence[tuple[str, str]]) -> None:
    """The first sheet: what the workbook holds and where each sheet's numbers come from."""
    sheet = book.create_sheet("About", 0)
    sheet.set_width(1, 28)
    sheet.set_width(2, 90)
    sheet.append([label("xlsx.title", lang)], TITLE)
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
    sheet.append([label("xlsx.sheet", lang), label("xlsx.source", lang)], BOLD)
    for name, source in sources:
        sheet.append([name, source])


def _run_sheets(book: Book, run: RunFolder, lang: str, prefix: str = "") -> list[str]:
    """Summary, per-year, facility, KPI and flow sheets of one run; the sheet names added."""
    kpis = [str(k) for k in run.summary.get("kpi", pd.Series(dtype=str))]
    names = run.names  # made from the scenario at each access: once, not once a KPI
    labels = _Labels(names, lang)
    headline = [k for k in _HEADLINE if k in kpis]
    headline += [k for k in kpis if k.startswith("cost.municipality.")]
    headline += [
        f"municipality.{m}.cost"
        for m in names["municipalities"]
        if f"municipality.{m}.cost" in kpis
    ]
    added = []
    name = f"{prefix}Summary"
    _sheet(book, name, _kpi_header(lang), _kpi_rows(run, headline, labels))
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
                    labels.name(match.group(2)),
                    _number(mean),
                    _number(low),
                    _number(high),
                    labels.unit(k),
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
    _sheet(book, "All KPIs", _kpi_header(lang), _kpi_rows(run, kpis, labels))
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


def _save(book: Book, target: Path) -> Path:
    return atomic_write_bytes(target, book.to_bytes())


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
    book = Book()
    sheets = _run_sheets(book, run, lang)
    _about(book, run, lang, [(s, _SOURCES.get(s, "")) for s in sheets])
    return _save(book, run.path / "results.xlsx")


def write_comparison_workbook(comparison: ComparisonFolder, lang: str = "en") -> Path:
    """Write ``<comparison folder>/results.xlsx`` (each scenario's summary, the comparison)."""
    book = Book()
    base = comparison.runs.get(comparison.base)
    names = base.names if base else {"facilities": {}, "groups": {}, "municipalities": {}}
    labels = _Labels(names, lang)
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
                labels.name(kpi),
                _number(row.get("base_mean")),
                _number(row.get("alt_mean")),
                _number(row.get("difference")),
                _number(row.get("ci_low")),
                _number(row.get("ci_high")),
                _number(row.get("p_value")),
                labels.unit(kpi),
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
    book = Book()
    sheet = book.create_sheet("About")
    sheet.set_width(1, 28)
    sheet.set_width(2, 90)
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
