"""results.xlsx as SpreadsheetML written directly: the same workbooks as openpyxl wrote them.

Every workbook (a run's, each scenario's of a comparison, the comparison's,
a table workbook) is written by :mod:`simulator.store.xlsx` and by the
openpyxl writer it replaced (``xlsx_openpyxl_reference.py``, kept verbatim),
then both are read back with openpyxl and compared cell for cell: sheets and
their order, every cell's value, type, number format and font, column
widths, frozen panes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlsx_openpyxl_reference as reference
from openpyxl.utils.exceptions import IllegalCharacterError

from simulator import validate
from simulator.experiment.compare import compare
from simulator.store import xlsx
from simulator.store.xlsx_writer import BOLD, TITLE, Book

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402


def dump(path: Path) -> dict[str, Any]:
    """Everything a reader sees of a workbook, sheet by sheet, in order."""
    book = openpyxl.load_workbook(path)
    sheets: dict[str, Any] = {}
    for sheet in book.worksheets:
        cells = {
            cell.coordinate: (
                cell.value,
                cell.data_type,
                cell.number_format,
                bool(cell.font.b),
                cell.font.sz,
            )
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None or cell.has_style
        }
        widths = {k: d.width for k, d in sheet.column_dimensions.items() if d.customWidth}
        sheets[sheet.title] = {
            "cells": cells,
            "widths": widths,
            "frozen": sheet.freeze_panes,
            "size": (sheet.max_row, sheet.max_column),
        }
    assert list(sheets) == book.sheetnames
    return sheets


def same_workbooks(written: Path, old: Path) -> None:
    new_sheets, old_sheets = dump(written), dump(old)
    assert list(new_sheets) == list(old_sheets)
    for title, sheet in old_sheets.items():
        assert new_sheets[title] == sheet, title


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A comparison over two calendar years (per-year KPIs, flows), each scenario's folder in it."""
    data = minimal_scenario()
    data["run"].update(days=500, warmup_days=20)
    data["facilities"]["kohd-north"]["name"] = "North KØHD & <unit>"
    more = minimal_scenario()
    more.update(name="more-beds")
    more["run"].update(days=500, warmup_days=20)
    more["facilities"]["kohd-north"]["beds"] += 2
    result = compare(validate(data), [validate(more)], replications=3, seed=5, jobs=1)
    return Path(result.write(str(tmp_path_factory.mktemp("xlsx"))))


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_comparison_and_run_workbooks_read_back_as_openpyxl_wrote_them(
    comparison: Path, tmp_path: Path, lang: str
) -> None:
    new = Path(shutil.copytree(comparison, tmp_path / "new"))
    old = Path(shutil.copytree(comparison, tmp_path / "old"))
    written = xlsx.write_workbooks(new, lang)
    before = reference.write_workbooks(old, lang)
    assert [p.relative_to(new) for p in written] == [p.relative_to(old) for p in before]
    assert len(written) == 3  # each scenario's and the comparison's
    for path, old_path in zip(written, before, strict=True):
        same_workbooks(path, old_path)
    book = dump(new / "results.xlsx")
    assert list(book) == ["About", "1 Summary", "2 Summary", "Comparison"]
    run = dump(written[0])
    assert tuple(run) == xlsx.SHEETS
    years = {cell[0] for ref, cell in run["Per year"]["cells"].items() if ref[0] == "A"}
    assert {2025, 2026} <= years  # per-year KPIs of both calendar years were compared
    assert run["About"]["cells"]["A1"][3:] == (True, 13)  # the title, bold and larger
    assert run["Summary"]["frozen"] == "A2"


def test_a_table_workbook_reads_back_as_openpyxl_wrote_it(tmp_path: Path) -> None:
    """Text that openpyxl stores as a formula, an error, spaces kept, escaped; bools, gaps."""
    table = pd.DataFrame(
        {
            "point": [1, 2, 3, 4],
            "beds": [4.0, float("nan"), 1 / 3, 1e16 + 2],
            "setting": ["=1+1", "#N/A", "  padded ", 'a & b <c> "d"'],
            "met": [True, False, True, False],
            "note": ["", "x" * 40000, "tab\there", None],
        }
    )
    about = [("samsim", "sweep report"), ("source", "sweep.csv")]
    tables = {"Points": table, "Other": table.head(1)}
    new = xlsx.write_table_workbook(tmp_path / "new.xlsx", about, tables)
    old = reference.write_table_workbook(tmp_path / "old.xlsx", about, tables)
    same_workbooks(new, old)
    cells = dump(new)["Points"]["cells"]
    assert cells["C2"][:2] == ("=1+1", "f") and cells["C3"][:2] == ("#N/A", "e")
    assert cells["C4"][0] == "  padded " and cells["C5"][0] == 'a & b <c> "d"'
    assert cells["D2"][:2] == (True, "b") and "B3" not in cells
    assert len(cells["E3"][0]) == 32767  # cut where a cell ends
    assert cells["B4"][0] == float("%.16g" % (1 / 3))  # noqa: UP031 - openpyxl's text


def test_the_package_holds_the_parts_a_spreadsheet_needs(tmp_path: Path) -> None:
    book = Book()
    sheet = book.create_sheet("Data")
    sheet.append(["a", "b"], BOLD)
    sheet.append([1, 2.5])
    book.create_sheet("About", 0).append(["title"], TITLE)
    path = tmp_path / "book.xlsx"
    path.write_bytes(book.to_bytes(dt.datetime(2026, 1, 2, 3, 4, 5)))
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        core = archive.read("docProps/core.xml").decode()
    assert {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/theme/theme1.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
    } <= names
    assert "2026-01-02T03:04:05Z" in core
    read = openpyxl.load_workbook(path)
    assert read.sheetnames == ["About", "Data"]
    assert [[c.value for c in row] for row in read["Data"].iter_rows()] == [["a", "b"], [1, 2.5]]
    assert read["Data"]["A1"].font.b and not read["Data"]["A2"].font.b
    assert read["About"]["A1"].font.sz == 13


def test_what_a_cell_cannot_hold_is_refused() -> None:
    sheet = Book().create_sheet("Data")
    with pytest.raises(IllegalCharacterError):
        sheet.append(["bell\x07"])
    with pytest.raises(TypeError, match="date"):
        sheet.append([dt.date(2025, 1, 1)])
    book = Book()
    book.create_sheet("Data")
    for title in ("Data", "a/b", "", "x" * 32):
        with pytest.raises(ValueError, match="sheet|title"):
            book.create_sheet(title)
