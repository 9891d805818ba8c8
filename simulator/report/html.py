"""HTML building blocks of the report: escaping, numbers, tables, images and the page frame.

Every text that reaches the page goes through :func:`esc`; every KPI value
through :func:`simulator.text.numbers.format_kpi`, so that a unit is shown the
same way in every table, plot and terminal line.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from simulator.store.readers import kpi_interval
from simulator.text.labels import kpi_unit, label
from simulator.text.numbers import format_interval, format_kpi

__all__ = [
    "CSS",
    "esc",
    "h3",
    "h4",
    "html_table",
    "image",
    "kpi_cell",
    "nav",
    "page",
    "td",
]

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1d1d1d; max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.5rem 4rem;
  line-height: 1.45; }
h1 { font-size: 1.7rem; margin: 0.2rem 0 0.4rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem;
  margin-top: 2.4rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 0.3rem; }
.kind { text-transform: uppercase; letter-spacing: 0.08em; color: #0072B2; font-size: 0.8rem;
  margin: 0; }
.meta { color: #555; font-size: 0.9rem; }
.description { white-space: pre-line; background: #f5f7fa; padding: 0.8rem 1rem;
  border-radius: 4px; }
.warnings { background: #fff4e0; border: 2px solid #E69F00; border-radius: 6px;
  padding: 0.6rem 1.1rem; margin: 1.2rem 0; }
.warnings h2 { border: none; margin: 0.3rem 0; font-size: 1.15rem; color: #8a5300; }
.warnings li { margin: 0.3rem 0; }
.ok { background: #eef7f1; border: 1px solid #009E73; border-radius: 6px;
  padding: 0.4rem 1rem; }
nav ul { columns: 2; font-size: 0.92rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.86rem; }
th, td { padding: 0.3rem 0.55rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { background: #eef2f6; text-align: left; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
.ci { display: block; color: #6b6b6b; font-size: 0.78rem; }
tr.sig td { background: #fdeee6; }
.note { color: #555; font-size: 0.88rem; }
.source { color: #555; font-size: 0.8rem; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { color: #444; font-size: 0.88rem; margin-top: 0.3rem; }
details summary { cursor: pointer; color: #0072B2; margin: 0.4rem 0; }
.summary { background: #f3f7fb; border: 1px solid #c9d9e8; border-radius: 6px;
  padding: 0.2rem 1.3rem 0.8rem; margin: 1.2rem 0; }
.summary h2 { margin-top: 0.9rem; }
.summary h3 { margin-top: 1.1rem; }
.summary p { max-width: 62rem; }
.summary table { background: white; }
.summary th { white-space: normal; max-width: 11rem; vertical-align: bottom; }
.summary td:first-child { min-width: 12rem; }
td.changed { background: #fdeee6 !important; }
.verdict { display: block; font-size: 0.75rem; color: #8a5300; }
td.same .verdict { color: #6b6b6b; }
.caveat { display: block; color: #8a5300; font-size: 0.8rem; margin-top: 0.2rem; }
p.caveat { background: #fff4e0; padding: 0.4rem 0.7rem; border-radius: 4px; }
@media print { .summary { page-break-after: always; } }
footer { margin-top: 3rem; color: #777; font-size: 0.8rem; }
"""


def esc(value: object) -> str:
    """``value`` as text safe inside HTML elements and attribute values."""
    return html.escape(str(value), quote=True)


# --- numbers ---------------------------------------------------------------------


# --- tables ----------------------------------------------------------------------


def kpi_cell(summary: pd.DataFrame, kpi: str, lang: str) -> str:
    """A table cell with a KPI's mean and, below it, its 95 % interval; "–" where unknown."""
    mean, low, high = kpi_interval(summary, kpi)
    unit = kpi_unit(kpi)
    text = esc(format_kpi(mean, unit, lang))
    if math.isfinite(low) and math.isfinite(high) and high > low:
        interval = format_interval(low, high, unit, lang)
        text += f'<span class="ci">{esc(interval)}</span>'
    return f'<td class="num">{text}</td>'


def html_table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric_from: int = 1) -> str:
    """An HTML table; ``rows`` hold ready-made ``<td>`` cells, ``header`` plain text."""
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i >= numeric_from else f"<th>{esc(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def td(text: object, numeric: bool = False) -> str:
    """A table cell with escaped text, right-aligned when ``numeric``."""
    return f'<td class="num">{esc(text)}</td>' if numeric else f"<td>{esc(text)}</td>"


# --- page ------------------------------------------------------------------------


def h3(key: str, lang: str) -> str:
    """A third-level heading with the label ``heading.<key>``."""
    return f"<h3>{esc(label(f'heading.{key}', lang))}</h3>"


def h4(key: str, lang: str) -> str:
    """A fourth-level heading with the label ``heading.<key>``."""
    return f"<h4>{esc(label(f'heading.{key}', lang))}</h4>"


def image(path: Path, alt: str) -> str:
    """A PNG file embedded as a base64 data URI."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def nav(anchors: Sequence[str], lang: str) -> str:
    """A contents list linking each anchor, named by its label ``heading.<anchor>``."""
    items = "".join(
        f'<li><a href="#{esc(a)}">{esc(label(f"heading.{a}", lang))}</a></li>' for a in anchors
    )
    return f"<nav><ul>{items}</ul></nav>"


def page(title: str, body: str, lang: str, version: str) -> str:
    """A whole HTML document: the CSS inline, ``body`` as given, a footer naming samsim."""
    footer = label("text.generated", lang, version=version)
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        f"<footer>{esc(footer)}</footer>\n</body>\n</html>\n"
    )
