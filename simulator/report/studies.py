"""Reports of a sweep folder and of a sizing folder: the answer, the plots and the table of points.

Like a run's report, each is one self-contained ``report.html`` (PNG as data
URIs, CSS inline, no scripts), in English or Norwegian. A sweep's report
names what varied, shows the effect plots (and the heat map of two factors)
and a table with one row per point: the factors' values, whether it ran
well, and the key KPIs with 95 % intervals. A sizing report gives the answer
in a sentence, the plot and the table of bed counts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.plots.sweep import factor_label, format_level
from simulator.report.html import esc, html_table, image, page, td
from simulator.sweeps.store import SweepFolder
from simulator.text.labels import (
    display_names,
    kpi_label,
    kpi_unit,
    label,
    label_or,
    target_text,
)
from simulator.text.numbers import format_interval, format_kpi

__all__ = ["render_calibration", "render_sizing", "render_sweep"]


def _figures(pngs: Sequence[Path], lang: str) -> str:
    if not pngs:
        return ""
    parts = [f'<h2 id="plots">{esc(label("heading.plots", lang))}</h2>']
    for path in sorted(pngs, key=lambda p: (p.stem != "heatmap", p.stem)):
        key = "sweep_effect" if path.stem.startswith("effect_") else f"sweep_{path.stem}"
        caption = label_or(f"caption.{key}", "", lang)
        parts.append(
            f'<figure id="figure-{esc(path.stem)}">{image(path, caption or path.stem)}'
            + (f"<figcaption>{esc(caption)}</figcaption>" if caption else "")
            + "</figure>"
        )
    return "\n".join(parts)


def _value_cell(mean: float, low: float, high: float, kpi: str, lang: str) -> str:
    unit = kpi_unit(kpi)
    if not math.isfinite(mean):
        return '<td class="num">–</td>'
    text = esc(format_kpi(mean, unit, lang, floor=True))
    interval = format_interval(low, high, unit, lang, floor=True)
    if interval and high > low:
        text += f'<span class="ci">{esc(interval)}</span>'
    return f'<td class="num">{text}</td>'


def _number(row: Mapping[Any, Any], column: str) -> float:
    try:
        return float(row.get(column, math.nan))
    except (TypeError, ValueError):
        return math.nan


def render_sweep(sweep: SweepFolder, pngs: Sequence[Path], lang: str = "en") -> str:
    """The HTML of a sweep's report."""
    base = sweep.base
    names = display_names(base)
    title = str(base.get("title") or base.get("name") or sweep.path.name)
    factors = sweep.factors
    factor_names = [str(f["name"]) for f in factors]
    items = "".join(
        f"<li>{esc(factor_label(f, names, lang))}: "
        + esc(", ".join(format_level(v, lang) for v in f.get("values", [])))
        + "</li>"
        for f in factors
    )
    kpis = sweep.key_kpis
    header = [label("sweep.point", lang)]
    header += [factor_label(f, names, lang) for f in factors]
    header += [label("sweep.status", lang)] + [kpi_label(k, names, lang) for k in kpis]
    rows = []
    for row in sweep.table.to_dict("records"):
        cells = [td(row.get("point", ""), numeric=True)]
        cells += [td(format_level(row.get(f), lang)) for f in factor_names]
        status = str(row.get("status", ""))
        problems = str(row.get("problems", "") or "")
        cells.append(td(status + (f": {problems}" if problems else "")))
        cells += [
            _value_cell(
                _number(row, k), _number(row, f"{k}.ci_low"), _number(row, f"{k}.ci_high"), k, lang
            )
            for k in kpis
        ]
        rows.append(cells)
    replications = sweep.info.get("replications", "")
    body = [
        "<header>",
        f'<p class="kind">{esc(label("sweep.report", lang))}</p>',
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{esc(label("sweep.meta", lang, points=len(sweep.table), n=replications))}'
        "</p>",
        "</header>",
        f'<section class="summary" id="summary"><h2>{esc(label("sweep.varied", lang))}</h2>'
        f"<ul>{items}</ul>"
        f'<p class="note">{esc(label("text.interval_note", lang))}</p></section>',
        _figures(pngs, lang),
        f'<h2 id="points">{esc(label("sweep.points", lang))}</h2>',
        html_table(header, rows, numeric_from=len(factors) + 2),
    ]
    return page(title, "\n".join(b for b in body if b), lang, _version(sweep.info))


def _version(info: Mapping[str, Any]) -> str:
    versions = info.get("versions")
    if isinstance(versions, Mapping) and versions.get("samsim"):
        return str(versions["samsim"])
    return str(info.get("samsim_version", ""))


def render_sizing(folder: Path, pngs: Sequence[Path], lang: str = "en") -> str:
    """The HTML of a sizing folder's report (``size.csv``, ``manifest.json``)."""
    folder = Path(folder)
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    table = pd.read_csv(folder / "size.csv")
    scenario_file = folder / "scenario.yaml"
    scenario = yaml.safe_load(scenario_file.read_text(encoding="utf-8")) or {}
    names = display_names(scenario if isinstance(scenario, dict) else {})
    facility = str(manifest.get("facility", ""))
    target = manifest.get("target") or {}
    kpi = str(target.get("kpi", ""))
    wanted = target_text(
        kpi, str(target.get("operator", "<=")), float(target.get("value", math.nan)), names, lang
    )
    n = manifest.get("replications", "")
    criterion = label(f"text.criterion_{manifest.get('confidence', 'mean')}", lang, n=n)
    chosen = manifest.get("chosen")
    low, high = (manifest.get("range") or [None, None])[:2]
    if chosen is None:
        answer = label(
            "text.sizing_none", lang, lo=low, hi=high, target=wanted, criterion=criterion
        )
    else:
        answer = label("text.sizing_answer", lang, target=wanted, criterion=criterion, c=chosen)
    notes = "".join(f"<li>{esc(x)}</li>" for x in manifest.get("notes") or [])
    rows = []
    for row in table.to_dict("records"):
        meets = row.get("meets")
        rows.append(
            [
                td(int(row["beds"]), numeric=True),
                _value_cell(
                    _number(row, "mean"), _number(row, "ci_low"), _number(row, "ci_high"), kpi, lang
                ),
                td(
                    label("column.yes" if meets is True else "column.no", lang)
                    if isinstance(meets, bool)
                    else "–"
                ),
                _value_cell(
                    _number(row, "share_time_full"),
                    math.nan,
                    math.nan,
                    "facility.x.share_time_full",
                    lang,
                ),
            ]
        )
    header = [
        label("sweep.beds", lang),
        kpi_label(kpi, names, lang),
        label("column.meets_target", lang),
        label("kpi.share_time_full", lang),
    ]
    title = names["facilities"].get(facility, facility)
    body = [
        "<header>",
        f'<p class="kind">{esc(label("sweep.sizing_report", lang))}</p>',
        f"<h1>{esc(title)}</h1>",
        "</header>",
        f'<section class="summary" id="summary"><h2>{esc(label("summary.heading", lang))}</h2>'
        f"<p><strong>{esc(answer)}</strong></p>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "</section>",
        _figures(pngs, lang),
        f'<h2 id="points">{esc(label("sweep.bed_counts", lang))}</h2>',
        html_table(header, rows),
    ]
    return page(title, "\n".join(b for b in body if b), lang, _version(manifest))


def render_calibration(folder: Path, pngs: Sequence[Path], lang: str = "en") -> str:
    """The HTML of a calibration folder's report (``goodness_of_fit.csv``, ``manifest.json``)."""
    folder = Path(folder)
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenario_file = folder / "scenario.yaml"
    scenario = yaml.safe_load(scenario_file.read_text(encoding="utf-8")) or {}
    scenario = scenario if isinstance(scenario, dict) else {}
    names = display_names(scenario)
    table = pd.read_csv(folder / "goodness_of_fit.csv")
    rows = []
    for row in table.to_dict("records"):
        kpi = str(row.get("kpi", ""))
        inside = row.get("inside")
        rows.append(
            [
                td(row.get("target", "")),
                td(kpi_label(kpi, names, lang)),
                _value_cell(
                    _number(row, "observed"),
                    _number(row, "observed_low"),
                    _number(row, "observed_high"),
                    kpi,
                    lang,
                ),
                _value_cell(
                    _number(row, "simulated"),
                    _number(row, "ci_low"),
                    _number(row, "ci_high"),
                    kpi,
                    lang,
                ),
                td(
                    label("column.yes" if inside is True else "column.no", lang)
                    if isinstance(inside, bool)
                    else "–"
                ),
                td(row.get("source", "")),
            ]
        )
    header = [
        label("sweep.target", lang),
        label("column.kpi", lang),
        label("sweep.observed", lang),
        label("sweep.simulated", lang),
        label("sweep.inside", lang),
        label("column.source", lang),
    ]
    inside_count = int(table["inside"].astype(bool).sum()) if "inside" in table else 0
    title = str(scenario.get("title") or scenario.get("name") or folder.name)
    body = [
        "<header>",
        f'<p class="kind">{esc(label("sweep.calibration_report", lang))}</p>',
        f"<h1>{esc(title)}</h1>",
        "</header>",
        f'<section class="summary" id="summary"><h2>{esc(label("summary.heading", lang))}</h2>'
        f"<p>{esc(label('sweep.calibration_text', lang, inside=inside_count, n=len(table)))}</p>"
        "</section>",
        _figures(pngs, lang),
        f'<h2 id="points">{esc(label("sweep.fit", lang))}</h2>',
        html_table(header, rows, numeric_from=2),
    ]
    return page(title, "\n".join(b for b in body if b), lang, _version(manifest))
