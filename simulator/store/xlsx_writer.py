"""A workbook written straight as SpreadsheetML: the few parts ``results.xlsx`` needs, fast.

openpyxl (without lxml, which samsim does not install) serialises every cell
through a pure-Python element tree, even in write-only mode: about 14 µs a
cell, so the 190 000 cells of a three-year comparison's three workbooks took
2.7 CPU seconds, most of a short comparison's own simulation. Here a cell is
one formatted string: the same package parts openpyxl writes (content types,
relationships, workbook, styles with its three fonts, openpyxl's theme, one
worksheet per sheet with inline strings), the same cell types and the same
number text, so openpyxl, Excel and LibreOffice read back the same values.

What a cell can hold, as openpyxl's write-only mode stores it:

* ``None``: no cell;
* ``bool`` (also NumPy's): a boolean;
* a number (``int``, ``float``, NumPy's, ``Decimal``): its ``%.16g`` text,
  an empty number cell where it is not finite;
* ``str``: inline text, cut at 32 767 characters; a text that starts with
  ``=`` is a formula and an Excel error code (``#N/A``, ...) an error, as in
  openpyxl. Control characters that XML cannot hold raise openpyxl's
  :class:`~openpyxl.utils.exceptions.IllegalCharacterError`.

Anything else (dates among them, which openpyxl stores with a date format)
raises :class:`TypeError`: samsim's workbooks hold none.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import re
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.writer.theme import theme_xml

__all__ = ["BOLD", "PLAIN", "TITLE", "Book", "Sheet"]

PLAIN = 0
"""Style of a row in the default font."""
BOLD = 1
"""Style of a header row: bold."""
TITLE = 2
"""Style of a title: bold, 13 pt."""

_MAX_TEXT = 32767  # characters a cell holds (openpyxl cuts there too)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # as openpyxl.cell.cell
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
_INVALID_TITLE = re.compile(r"[\\*?:/\[\]]")  # as openpyxl.workbook.child

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument"

_STYLES = (
    f'<styleSheet xmlns="{_MAIN}"><numFmts count="0" />'
    '<fonts count="3"><font><name val="Calibri" /><family val="2" /><color theme="1" />'
    '<sz val="11" /><scheme val="minor" /></font><font><b val="1" /></font>'
    '<font><b val="1" /><sz val="13" /></font></fonts>'
    '<fills count="2"><fill><patternFill /></fill>'
    '<fill><patternFill patternType="gray125" /></fill></fills>'
    '<borders count="1"><border><left /><right /><top /><bottom /><diagonal /></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" /></cellStyleXfs>'
    '<cellXfs count="3">'
    + "".join(
        f'<xf numFmtId="0" fontId="{i}" fillId="0" borderId="0" pivotButton="0" '
        f'quotePrefix="0" xfId="0" />'
        for i in (PLAIN, BOLD, TITLE)  # the style of a cell is its font's number
    )
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" '
    'hidden="0" /></cellStyles><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
    'defaultPivotStyle="PivotStyleLight16" /></styleSheet>'
)

_SHEET_HEAD = (
    f'<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1" />'
    "<pageSetUpPr /></sheetPr>"
)
_VIEW = '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1" />'
_FROZEN_VIEW = (
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen" />'
    '<selection pane="bottomLeft" activeCell="A1" sqref="A1" />'
)
_SHEET_FORMAT = '</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15" />'
_SHEET_TAIL = (
    '</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
    'footer="0.5" /></worksheet>'
)

_LETTERS: list[str] = []


def _letters(count: int) -> list[str]:
    """Column letters A, B, ..., Z, AA, ... of at least ``count`` columns."""
    while len(_LETTERS) < count:
        n, name = len(_LETTERS) + 1, ""
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        _LETTERS.append(name)
    return _LETTERS


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attribute(text: str) -> str:
    return _escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#09;")


def _number_text(value: Any) -> str:
    return f"{value:.16g}" if math.isfinite(value) else ""  # openpyxl's "%.16g"


def _text_tail(value: str) -> str:
    """A text cell after its reference and style: type and value, as openpyxl binds a text."""
    value = value[:_MAX_TEXT]
    if _ILLEGAL.search(value):
        raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
    if not value:
        return ' t="inlineStr" />'
    if len(value) > 1 and value[0] == "=":
        return f"><f>{_escape(value[1:])}</f><v /></c>"
    if value in _ERROR_CODES:
        return f' t="e"><v>{_escape(value)}</v></c>'
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and stripped != value else ""
    return f' t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'


def _other_tail(value: Any) -> str:
    """A cell that holds neither ``str``, ``float`` nor ``int``, after its reference and style."""
    if isinstance(value, bool | np.bool_):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        text = _number_text(value)
        return f' t="n"><v>{text}</v></c>' if text else ' t="n" />'
    raise TypeError(f"results.xlsx holds no {type(value).__name__} ({value!r})")


class Sheet:
    """One worksheet: column widths, an optional frozen header row, rows appended in order."""

    __slots__ = ("_frozen", "_rows", "_texts", "_widths", "title")

    def __init__(self, title: str, texts: dict[str, str] | None = None) -> None:
        self.title = title
        self._texts = {} if texts is None else texts  # text -> its cell's tail, shared by a book
        self._widths: dict[int, float] = {}
        self._frozen = False
        self._rows: list[str] = []

    def set_width(self, column: int, width: float) -> None:
        """Width of column ``column`` (1 is A) in characters."""
        self._widths[column] = width

    def freeze_header(self) -> None:
        """Keep the first row in view while scrolling."""
        self._frozen = True

    def append(self, values: Sequence[Any], style: int = PLAIN) -> None:
        """The next row, every cell in ``style`` (:data:`PLAIN`, :data:`BOLD`, :data:`TITLE`)."""
        r = len(self._rows) + 1
        s = f' s="{style}"' if style else ""
        letters = _letters(len(values))
        texts = self._texts
        parts = [f'<row r="{r}">']
        add = parts.append
        for i, value in enumerate(values):
            kind = type(value)
            if kind is float or kind is int:  # most cells: first, without a call
                if value - value == 0:  # finite
                    add(f'<c r="{letters[i]}{r}"{s} t="n"><v>{value:.16g}</v></c>')
                else:
                    add(f'<c r="{letters[i]}{r}"{s} t="n" />')
            elif kind is str:  # labels, units and keys repeat: each checked and escaped once
                tail = texts.get(value)
                if tail is None:
                    tail = texts[value] = _text_tail(value)
                add(f'<c r="{letters[i]}{r}"{s}{tail}')
            elif value is not None:
                add(f'<c r="{letters[i]}{r}"{s}{_other_tail(value)}')
        add("</row>")
        self._rows.append("".join(parts))

    def xml(self) -> str:
        """The worksheet part."""
        cols = "".join(
            f'<col width="{_number_text(w)}" customWidth="1" min="{c}" max="{c}" />'
            for c, w in sorted(self._widths.items())
        )
        return "".join(
            (
                _SHEET_HEAD,
                _FROZEN_VIEW if self._frozen else _VIEW,
                _SHEET_FORMAT,
                f"<cols>{cols}</cols>" if cols else "",
                "<sheetData>",
                *self._rows,
                _SHEET_TAIL,
            )
        )


class Book:
    """Sheets in order, saved as the bytes of an ``.xlsx`` file."""

    def __init__(self) -> None:
        self.sheets: list[Sheet] = []
        self._texts: dict[str, str] = {}

    def create_sheet(self, title: str, index: int | None = None) -> Sheet:
        """A new, empty sheet at ``index`` (default: last); titles are unique, 31 characters."""
        if not title or len(title) > 31 or _INVALID_TITLE.search(title):
            raise ValueError(f"{title!r} is not a worksheet title")
        if any(s.title.casefold() == title.casefold() for s in self.sheets):
            raise ValueError(f"the workbook has a sheet {title!r} already")
        sheet = Sheet(title, self._texts)
        self.sheets.insert(len(self.sheets) if index is None else index, sheet)
        return sheet

    def to_bytes(self, created: dt.datetime | None = None) -> bytes:
        """The ``.xlsx`` file (a zip of its parts); ``created``: its time (default: now, UTC)."""
        when = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        n = len(self.sheets)
        sheet_types = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{_TYPE}.spreadsheetml.worksheet+xml" />'
            for i in range(1, n + 1)
        )
        parts = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
                '.relationships+xml" /><Default Extension="xml" ContentType="application/xml" />'
                '<Override PartName="/xl/styles.xml" '
                f'ContentType="{_TYPE}.spreadsheetml.styles+xml" />'
                f'<Override PartName="/xl/theme/theme1.xml" ContentType="{_TYPE}.theme+xml" />'
                '<Override PartName="/docProps/core.xml" ContentType="application/vnd.'
                'openxmlformats-package.core-properties+xml" />'
                f'<Override PartName="/docProps/app.xml" ContentType="{_TYPE}.extended-properties'
                f'+xml" />{sheet_types}<Override PartName="/xl/workbook.xml" '
                f'ContentType="{_TYPE}.spreadsheetml.sheet.main+xml" /></Types>'
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{_PKG_REL}">'
                f'<Relationship Type="{_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1" />'
                f'<Relationship Type="{_PKG_REL}/metadata/core-properties" '
                'Target="docProps/core.xml" Id="rId2" />'
                f'<Relationship Type="{_REL}/extended-properties" Target="docProps/app.xml" '
                'Id="rId3" /></Relationships>'
            ),
            "docProps/app.xml": (
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                'extended-properties"><Application>samsim</Application></Properties>'
            ),
            "docProps/core.xml": (
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>samsim'
                f'</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
                "</cp:coreProperties>"
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns:r="{_REL}" xmlns="{_MAIN}"><workbookPr /><workbookProtection />'
                '<bookViews><workbookView visibility="visible" minimized="0" '
                'showHorizontalScroll="1" showVerticalScroll="1" showSheetTabs="1" tabRatio="600" '
                'firstSheet="0" activeTab="0" autoFilterDateGrouping="1" /></bookViews><sheets>'
                + "".join(
                    f'<sheet name="{_attribute(s.title)}" sheetId="{i}" state="visible" '
                    f'r:id="rId{i}" />'
                    for i, s in enumerate(self.sheets, start=1)
                )
                + '</sheets><definedNames /><calcPr calcId="124519" fullCalcOnLoad="1" />'
                "</workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PKG_REL}">'
                + "".join(
                    f'<Relationship Type="{_REL}/worksheet" '
                    f'Target="/xl/worksheets/sheet{i}.xml" Id="rId{i}" />'
                    for i in range(1, n + 1)
                )
                + f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{n + 1}" />'
                f'<Relationship Type="{_REL}/theme" Target="theme/theme1.xml" Id="rId{n + 2}" />'
                "</Relationships>"
            ),
            "xl/styles.xml": _STYLES,
            "xl/theme/theme1.xml": theme_xml,
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for name, text in parts.items():
                archive.writestr(name, text.encode("utf-8"))
            for i, sheet in enumerate(self.sheets, start=1):
                archive.writestr(f"xl/worksheets/sheet{i}.xml", sheet.xml().encode("utf-8"))
        return buffer.getvalue()
