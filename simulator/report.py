"""The HTML report of a results folder: one self-contained file a planner can mail.

:func:`write_report` writes ``<folder>/report.html`` for a run folder or a
comparison folder. Everything is inside the file: the plots as base64 PNG
data URIs, the CSS inline, no scripts and no external resources. Text read
from the folder (titles, descriptions, names, warnings) is escaped.

A run report holds, in this order: title and description; warnings; the
KPI tables with 95 % intervals (facilities, groups, municipalities, costs);
the plots; and a model description in the order of the STRESS-DES
checklist (Monks et al. 2019, *Strengthening the reporting of empirical
simulation studies*): objectives, logic, inputs and their sources,
assumptions, randomness, warm-up, replications, implementation. Results come
before the method because a planner reads them first; the contents list at
the top links every section.

A comparison report holds the paired differences (significant changes
first), the forest plots, and a short section per scenario linking its own
full report.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.labels import (
    LABELS,
    Names,
    format_number,
    format_share,
    kpi_parts,
    kpi_unit,
    label,
)
from simulator.plots import (
    ComparisonFolder,
    RunFolder,
    figure_files,
    is_comparison,
    period_bounds,
    period_text,
    read_comparison,
    read_run,
    write_figures,
)

__all__ = ["render_comparison", "render_run", "write_report", "yaml_comments"]

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
footer { margin-top: 3rem; color: #777; font-size: 0.8rem; }
"""

FIGURE_ORDER = ("occupancy", "occupancy_distribution", "waiting_time", "costs")

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


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


# --- numbers ---------------------------------------------------------------------


def _decimals(unit: str, value: float) -> int:
    if unit in ("beds", "days"):
        if value == round(value):
            return 0
        return 2 if abs(value) < 10 else 1
    if unit in ("patients", "episodes", "bed_days", "day_count", "count", "minutes"):
        return 1 if 0 < abs(value) < 10 and value != round(value) else 0
    return 0


def format_value(value: float, unit: str, lang: str, sign: bool = False) -> str:
    """A KPI value for a table: shares in %, NOK and counts with thousand separators."""
    if not math.isfinite(value):
        return "–"
    if unit == "share":
        return format_share(value, lang, 1, sign)
    return format_number(value, lang, _decimals(unit, value), sign)


def _cell(summary: pd.DataFrame, kpi: str, lang: str) -> str:
    row = summary.loc[summary["kpi"] == kpi] if len(summary) else summary
    if row.empty:
        return '<td class="num">–</td>'
    mean, low, high = (float(row[c].iloc[0]) for c in ("mean", "ci_low", "ci_high"))
    unit = kpi_unit(kpi)
    text = _e(format_value(mean, unit, lang))
    if math.isfinite(low) and math.isfinite(high) and high > low:
        interval = f"{format_value(low, unit, lang)} – {format_value(high, unit, lang)}"
        text += f'<span class="ci">{_e(interval)}</span>'
    return f'<td class="num">{text}</td>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric_from: int = 1) -> str:
    """An HTML table; ``rows`` hold ready-made ``<td>`` cells, ``header`` plain text."""
    head = "".join(
        f'<th class="num">{_e(h)}</th>' if i >= numeric_from else f"<th>{_e(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _td(text: object, numeric: bool = False) -> str:
    return f'<td class="num">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>"


# --- KPI tables -----------------------------------------------------------------------


def _ids(scenario: Mapping[str, Any], section: str) -> list[str]:
    items = scenario.get(section) or {}
    return [str(k) for k in items]


def _kpi_table(run: RunFolder, section: str, columns: Sequence[str], lang: str) -> str:
    plural = {"facility": "facilities", "group": "groups", "municipality": "municipalities"}
    ids = _ids(run.scenario, plural[section])
    names = run.names[plural[section]]
    header = [label(f"column.{section}", lang)] + [label(f"kpi.{c}", lang) for c in columns]
    rows = [
        [_td(names.get(i, i))] + [_cell(run.summary, f"{section}.{i}.{c}", lang) for c in columns]
        for i in ids
    ]
    return _table(header, rows)


def _cost_table(run: RunFolder, lang: str) -> str:
    names = run.names
    rows = [[_td(label(k, lang))] + [_cell(run.summary, k, lang)] for k in COST_ROWS]
    rows += [
        [_td(names["facilities"].get(f, f)), _cell(run.summary, f"cost.facility.{f}", lang)]
        for f in _ids(run.scenario, "facilities")
    ]
    return _table(["", label("unit.nok", lang)], rows)


def _cost_heading(run: RunFolder, lang: str) -> str:
    return label("heading.kpi_costs", lang, period=period_text(run.scenario, lang))


def _results_section(run: RunFolder, lang: str) -> str:
    parts = [
        f'<h2 id="results">{_e(label("heading.results", lang))}</h2>',
        f'<p class="note">{_e(label("text.interval_note", lang))}</p>',
        f"<h3>{_e(label('heading.kpi_facilities', lang))}</h3>",
        _kpi_table(run, "facility", FACILITY_COLUMNS, lang),
    ]
    if _ids(run.scenario, "groups"):
        parts += [
            f"<h3>{_e(label('heading.kpi_groups', lang))}</h3>",
            _kpi_table(run, "group", GROUP_COLUMNS, lang),
        ]
    parts += [
        f"<h3>{_e(label('heading.kpi_municipalities', lang))}</h3>",
        _kpi_table(run, "municipality", MUNICIPALITY_COLUMNS, lang),
        f"<h3>{_e(_cost_heading(run, lang))}</h3>",
        _cost_table(run, lang),
    ]
    return "\n".join(parts)


# --- plots ------------------------------------------------------------------------------


def _image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _figures_section(pngs: Sequence[Path], lang: str, heading: str = "heading.plots") -> str:
    if not pngs:
        return ""
    rank = {stem: i for i, stem in enumerate(FIGURE_ORDER)}
    ordered = sorted(pngs, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
    parts = [f'<h2 id="plots">{_e(label(heading, lang))}</h2>']
    for path in ordered:
        key = "forest" if path.stem.startswith("forest_") else path.stem
        caption_key = f"caption.{key}"
        caption = label(caption_key, lang) if caption_key in LABELS else path.stem
        parts.append(
            f"<figure>{_image(path, caption)}<figcaption>{_e(caption)}</figcaption></figure>"
        )
    return "\n".join(parts)


# --- model description (STRESS-DES) -------------------------------------------------------


def _strip_comment(line: str) -> tuple[str, str]:
    """Split a YAML line into content and trailing comment (outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), ""


def yaml_comments(text: str) -> dict[str, str]:
    """Trailing comments of a YAML scenario file by dotted key path.

    ``beds: 5   # senjalegen.no`` under ``facilities: dms-senja-kohd:`` gives
    ``{"facilities.dms-senja-kohd.beds": "senjalegen.no"}``. A comment on a
    list item belongs to the list's key. Comment-only lines are ignored.
    """
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        content, comment = _strip_comment(raw)
        stripped = content.lstrip()
        if not stripped:
            continue
        indent = len(content) - len(stripped)
        if stripped.startswith("- "):
            while stack and stack[-1][0] > indent:
                stack.pop()
            if comment and stack:
                path = ".".join(k for _, k in stack)
                found[path] = "; ".join(x for x in (found.get(path), comment) if x)
            continue
        match = re.match(r"""^(?:"([^"]+)"|'([^']+)'|([^:#\s][^:#]*?))\s*:(?:\s|$)""", stripped)
        if not match:
            continue
        key = next(g for g in match.groups() if g is not None).strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        if comment:
            found[".".join(k for _, k in stack)] = comment
    return found


def _sources(run: RunFolder) -> dict[str, str]:
    """Comments of the scenario files the manifest names (``scenario_files``), base first."""
    files = run.manifest.get("scenario_files") or []
    if isinstance(files, str):
        files = [files]
    comments: dict[str, str] = {}
    for name in files:
        path = Path(str(name))
        if not path.is_absolute():
            path = run.path / path
        if path.exists():
            comments.update(yaml_comments(path.read_text(encoding="utf-8")))
    return comments


def _with_source(text: object, sources: Mapping[str, str], *paths: str) -> str:
    """A table cell with the text and, below it, the source comment of any of ``paths``."""
    return f"<td>{_e(text)}{_source(sources, *paths)}</td>"


def _source(sources: Mapping[str, str], *paths: str) -> str:
    found = [sources[p] for p in paths if p in sources]
    return f'<span class="source">{_e("; ".join(found))}</span>' if found else ""


def _population(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        total = sum(float(v) for v in value.values())
        bands = ", ".join(f"{k}: {format_number(float(v), lang)}" for k, v in value.items())
        return f"{format_number(total, lang)} ({bands})"
    return format_number(float(value), lang)


def _by_band(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {format_number(float(v), lang, 1)}" for k, v in value.items())
    return format_number(float(value), lang, 2)


def _distribution(value: Any, lang: str) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    kind = str(value.get("dist", ""))
    if kind == "empirical":
        values = value.get("values") or []
        return f"empirical, n = {len(values)}"
    mean = format_number(float(value.get("mean", 0)), lang, 1)
    text = f"{kind}, {label('column.mean', lang)} {mean}"
    if "cv" in value:
        text += f", cv {format_number(float(value['cv']), lang, 2)}"
    return text


def _probabilities(value: Any, lang: str) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    words = {"home", "death"}
    return ", ".join(
        f"{label(f'column.{k}', lang) if k in words else k} {format_share(float(p), lang, 0)}"
        for k, p in value.items()
    )


def _when_full(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping) and "divert_to" in value:
        return label("when_full.divert_to", lang, step=value["divert_to"])
    key = f"when_full.{value}"
    return label(key, lang)


def _facilities_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    names = run.names
    header = [
        label(f"column.{c}", lang)
        for c in (
            "facility",
            "service",
            "level",
            "beds",
            "schedule",
            "when_full",
            "serves",
            "facility_costs",
            "payer",
        )
    ]
    rows = []
    for fid, f in (run.scenario.get("facilities") or {}).items():
        costs = f.get("costs") or {}
        cost_text = "; ".join(
            f"{k.replace('_', ' ')} {format_number(float(costs[k]), lang)}"
            for k in ("per_bed_year", "per_bed_day", "per_admission")
            if float(costs.get(k) or 0) > 0
        )
        schedule = ", ".join(f"{e.get('date')}: {e.get('beds')}" for e in (f.get("schedule") or []))
        serves = f.get("serves")
        catchment = (
            ", ".join(names["municipalities"].get(m, m) for m in serves)
            if serves is not None
            else label("column.all", lang)
        )
        service = str(f.get("service", ""))
        service_key = f"service.{service}"
        key = f"facilities.{fid}"
        cost_keys = (".per_bed_year", ".per_bed_day", ".per_admission", "")
        rows.append(
            [
                f"<td>{_e(names['facilities'].get(fid, fid))}"
                f'<span class="ci">{_e(fid)}</span></td>',
                _td(label(service_key, lang) if service_key in LABELS else service),
                _td(label(f"level.{f.get('level')}", lang) if f.get("level") else ""),
                _with_source(f.get("beds", ""), sources, f"{key}.beds"),
                _with_source(schedule, sources, f"{key}.schedule"),
                _td(_when_full(f.get("when_full", "queue"), lang)),
                _with_source(catchment, sources, f"{key}.serves"),
                _with_source(cost_text, sources, *(f"{key}.costs{k}" for k in cost_keys)),
                _td(label(f"payer.{costs.get('payer')}", lang) if costs.get("payer") else ""),
            ]
        )
    return _table(header, rows, numeric_from=len(header))


def _municipalities_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    header = [
        label(f"column.{c}", lang)
        for c in ("municipality", "population", "population_year", "growth")
    ]
    rows = []
    for mid, m in (run.scenario.get("municipalities") or {}).items():
        key = f"municipalities.{mid}"
        growth = (
            ", ".join(f"{y}: {_population(v, lang)}" for y, v in m["projection"].items())
            if m.get("projection")
            else format_share(float(m.get("growth_per_year") or 0.0), lang, 2)
        )
        rows.append(
            [
                _td(run.names["municipalities"].get(mid, mid)),
                _with_source(
                    _population(m.get("population", 0), lang), sources, f"{key}.population"
                ),
                _td(m.get("population_year") or ""),
                _with_source(growth, sources, f"{key}.growth_per_year", f"{key}.projection"),
            ]
        )
    return _table(header, rows, numeric_from=len(header))


def _groups_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    names = run.names
    parts = []
    for gid, g in (run.scenario.get("groups") or {}).items():
        parts.append(f"<h4>{_e(names['groups'].get(gid, gid))} <small>({_e(gid)})</small></h4>")
        facts = [
            (
                label("column.rate", lang),
                _by_band(g.get("rate_per_1000", 0), lang),
                f"groups.{gid}.rate_per_1000",
            ),
            (
                label("column.entry", lang),
                _probabilities(g.get("entry"), lang),
                f"groups.{gid}.entry",
            ),
        ]
        season = g.get("seasonality")
        if isinstance(season, Mapping):
            facts.append(
                (
                    label("column.seasonality", lang),
                    f"± {format_share(float(season.get('amplitude', 0)), lang, 0)}, "
                    + label("column.peak", lang, d=f"{float(season.get('peak_day_of_year', 1)):g}"),
                    f"groups.{gid}.seasonality",
                )
            )
        items = "".join(
            f"<li><b>{_e(k)}:</b> {_e(v)} {_source(sources, path)}</li>" for k, v, path in facts
        )
        parts.append(f"<ul>{items}</ul>")
        header = [
            label(f"column.{c}", lang)
            for c in ("step", "where", "los", "when_full", "wait_in", "delay", "next")
        ]
        rows = []
        for sid, step in (g.get("steps") or {}).items():
            where = step.get("facility") or step.get("service") or ""
            where_key = f"service.{where}"
            if step.get("facility"):
                where = names["facilities"].get(str(where), str(where))
            elif where_key in LABELS:
                where = label(where_key, lang)
            path = f"groups.{gid}.steps.{sid}"
            wait_in = str(step.get("wait_in", "home"))
            delay = _distribution(step.get("delay"), lang) if step.get("delay") else ""
            rows.append(
                [
                    _td(sid),
                    _td(where),
                    _with_source(_distribution(step.get("los"), lang), sources, f"{path}.los"),
                    _td(_when_full(step.get("when_full"), lang)),
                    _td(
                        label(f"column.{wait_in}", lang)
                        if f"column.{wait_in}" in LABELS
                        else wait_in
                    ),
                    _with_source(delay, sources, f"{path}.delay"),
                    _with_source(_probabilities(step.get("next"), lang), sources, f"{path}.next"),
                ]
            )
        parts.append(_table(header, rows, numeric_from=len(header)))
    return "\n".join(parts)


def _costs_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    costs = run.scenario.get("costs") or {}
    transport = costs.get("transport") or {}
    rate = format_number(float(costs.get("blocked_day_rate") or 0), lang)
    trip = format_number(float(transport.get("per_trip") or 0), lang)
    minute = format_number(float(transport.get("per_minute") or 0), lang)
    payer = label(f"payer.{transport.get('payer', 'health_trust')}", lang)
    items = [
        (
            label("kpi.blocked_payments", lang),
            f"{rate} / {label('unit.days', lang)}",
            ("costs.blocked_day_rate",),
        ),
        (
            label("service.transport", lang),
            f"{trip} + {minute} × {label('unit.minutes', lang)}; "
            f"{label('column.payer', lang)}: {payer}",
            ("costs.transport.per_trip", "costs.transport.per_minute"),
        ),
    ]
    body = "".join(f"<li><b>{_e(k)}:</b> {_e(v)} {_source(sources, *p)}</li>" for k, v, p in items)
    return f"<ul>{body}</ul>"


def _model_section(run: RunFolder, lang: str) -> str:
    scenario, manifest = run.scenario, run.manifest
    sources = _sources(run)
    run_settings = scenario.get("run") or {}
    scenario_hash = str(manifest.get("scenario_hash", ""))[:12]
    bounds = period_bounds(scenario)
    run_text = label(
        "text.run",
        lang,
        start=bounds[0].isoformat() if bounds else "?",
        end=bounds[1].isoformat() if bounds else "?",
        days=format_number(float(run_settings.get("days") or 0), lang),
        warmup=format_number(float(run_settings.get("warmup_days") or 0), lang),
    )
    seed = manifest.get("seed", run_settings.get("seed", ""))
    parts = [
        f'<h2 id="model">{_e(label("heading.model", lang))}</h2>',
        _h3("objectives", lang),
        f"<p>{_e(label('text.objectives', lang))}</p>",
        _h3("logic", lang),
        f"<p>{_e(label('text.logic', lang))}</p>",
        _h3("inputs", lang),
        f'<p class="note">{_e(label("text.sources", lang, hash=scenario_hash))}</p>',
        f"<h4>{_e(label('heading.facilities', lang))}</h4>",
        _facilities_input(run, lang, sources),
        f"<h4>{_e(label('heading.municipalities', lang))}</h4>",
        _municipalities_input(run, lang, sources),
    ]
    if scenario.get("groups"):
        parts += [
            f"<h4>{_e(label('heading.groups', lang))}</h4>",
            _groups_input(run, lang, sources),
        ]
    parts += [
        f"<h4>{_e(label('heading.costs_input', lang))}</h4>",
        _costs_input(run, lang, sources),
        _h3("assumptions", lang),
        f"<p>{_e(label('text.assumptions', lang))}</p>",
        _h3("randomness", lang),
        f"<p>{_e(label('text.randomness', lang, seed=seed))}</p>",
        _h3("warmup", lang),
        f"<p>{_e(run_text)}</p>",
        f"<p>{_e(label('text.warmup', lang))}</p>",
        _warmup_table(run, lang),
        _h3("replications", lang),
        _replications(run, lang),
        _h3("implementation", lang),
        _implementation(run, lang),
    ]
    return "\n".join(parts)


def _h3(key: str, lang: str) -> str:
    return f"<h3>{_e(label(f'heading.{key}', lang))}</h3>"


def _warmup_table(run: RunFolder, lang: str) -> str:
    if run.warmup.empty:
        return ""
    names = run.names["facilities"]
    rows = []
    for row in run.warmup.to_dict("records"):
        enough = str(row["enough"]).lower() == "true"
        rows.append(
            [
                _td(names.get(str(row["facility"]), str(row["facility"]))),
                _td(format_number(float(row["detected_days"]), lang), numeric=True),
                _td(format_number(float(row["warmup_days"]), lang), numeric=True),
                _td(label("column.yes" if enough else "column.no", lang), numeric=True),
            ]
        )
    header = [
        label(f"column.{c}", lang) for c in ("facility", "detected_days", "warmup_days", "enough")
    ]
    return _table(header, rows)


def _replications(run: RunFolder, lang: str) -> str:
    precision = float(run.manifest.get("precision") or 0.05)
    text = label(
        "text.replications", lang, n=run.replications, p=format_number(100 * precision, lang, 0)
    )
    parts = [f"<p>{_e(text)}</p>"]
    if not run.advice.empty:
        rows = []
        for row in run.advice.to_dict("records"):
            kpi = str(row["kpi"])
            needed = float(row["needed"]) if pd.notna(row["needed"]) else math.nan
            rows.append(
                [
                    _td(_kpi_name(kpi, run.names, lang)),
                    _td(format_value(float(row["mean"]), kpi_unit(kpi), lang), numeric=True),
                    _td(format_share(float(row["relative_half_width"]), lang, 1), numeric=True),
                    _td(format_number(float(row["replications"]), lang), numeric=True),
                    _td(format_number(needed, lang), numeric=True),
                ]
            )
        header = [
            label("column.kpi", lang),
            label("column.mean", lang),
            label("column.relative_half_width", lang),
            label("column.replications_run", lang),
            label("column.needed", lang, p=format_number(100 * precision, lang, 0)),
        ]
        parts.append(_table(header, rows))
    return "\n".join(parts)


def _implementation(run: RunFolder, lang: str) -> str:
    m = run.manifest
    text = label(
        "text.implementation",
        lang,
        version=m.get("samsim_version", "?"),
        python=m.get("python", "?"),
        started=m.get("started", "?"),
        finished=m.get("finished", "?"),
        hash=m.get("scenario_hash", "?"),
    )
    packages = m.get("packages") or {}
    listed = ", ".join(f"{k} {v}" for k, v in packages.items() if v)
    extra = f"{m.get('platform', '')}" if m.get("platform") else ""
    return f'<p>{_e(text)}</p><p class="note">{_e(listed)}{"<br>" + _e(extra) if extra else ""}</p>'


def _kpi_name(kpi: str, names: Names, lang: str) -> str:
    section, subject, measure = kpi_parts(kpi, names, lang)
    return f"{subject}: {measure}" if measure else subject


# --- page frame ---------------------------------------------------------------------------


def _warnings(warnings: Sequence[str], failures: int, lang: str) -> str:
    items = [str(w) for w in warnings]
    if failures:
        items.append(f"{failures} {label('text.failures', lang)}")
    if not items:
        return f'<p class="ok">{_e(label("heading.no_warnings", lang))}</p>'
    body = "".join(f"<li>{_e(w)}</li>" for w in items)
    return (
        f'<section class="warnings" id="warnings"><h2>⚠ {_e(label("heading.warnings", lang))}'
        f"</h2><ul>{body}</ul></section>"
    )


def _page(title: str, body: str, lang: str, version: str) -> str:
    footer = label("text.generated", lang, version=version)
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        f"<footer>{_e(footer)}</footer>\n</body>\n</html>\n"
    )


def _nav(entries: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="#{_e(a)}">{_e(t)}</a></li>' for a, t in entries)
    return f"<nav><ul>{items}</ul></nav>"


def render_run(run: RunFolder, pngs: Sequence[Path], lang: str = "en") -> str:
    """The HTML of a run report, with the given PNG files embedded."""
    title = str(run.scenario.get("title") or run.manifest.get("title") or run.path.name)
    description = str(run.scenario.get("description") or "").strip()
    settings = run.scenario.get("run") or {}
    meta = " · ".join(
        x
        for x in (
            str(run.scenario.get("name", "")),
            period_text(run.scenario, lang),
            f"{label('column.replications_run', lang)}: {run.replications}",
            f"seed {run.manifest.get('seed', settings.get('seed', ''))}",
        )
        if x
    )
    failures = len(run.manifest.get("failures") or [])
    body = [
        "<header>",
        f'<p class="kind">{_e(label("heading.report", lang))}</p>',
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(meta)}</p>',
        f'<p class="description">{_e(description)}</p>' if description else "",
        "</header>",
        _warnings(run.manifest.get("warnings") or [], failures, lang),
        _nav(
            [
                ("results", label("heading.results", lang)),
                ("plots", label("heading.plots", lang)),
                ("model", label("heading.model", lang)),
            ]
        ),
        _results_section(run, lang),
        _figures_section(pngs, lang),
        _model_section(run, lang),
    ]
    return _page(
        title, "\n".join(b for b in body if b), lang, str(run.manifest.get("samsim_version", ""))
    )


# --- comparison --------------------------------------------------------------------------------


def _comparison_rows(rows: pd.DataFrame, names: Names, lang: str) -> list[list[str]]:
    result = []
    for row in rows.to_dict("records"):
        kpi = str(row["kpi"])
        unit = kpi_unit(kpi)
        low, high = float(row["ci_low"]), float(row["ci_high"])
        interval = "–"
        if math.isfinite(low) and math.isfinite(high):
            interval = " – ".join(_difference(v, unit, lang) for v in (low, high))
        p = float(row["p_value"])
        cells = [
            _td(_kpi_name(kpi, names, lang)),
            _td(format_value(float(row["base_mean"]), unit, lang), numeric=True),
            _td(format_value(float(row["alt_mean"]), unit, lang), numeric=True),
            _td(_difference(float(row["difference"]), unit, lang), numeric=True),
            _td(interval, numeric=True),
            _td(_p_value(p, lang), numeric=True),
        ]
        result.append(cells)
    return result


def _p_value(p: float, lang: str) -> str:
    if not math.isfinite(p):
        return "–"
    return "< " + format_number(0.001, lang, 3) if p < 0.001 else format_number(p, lang, 3)


def _difference(value: float, unit: str, lang: str) -> str:
    """A signed difference; shares in percentage points."""
    if unit == "share" and math.isfinite(value):
        return format_number(100 * value, lang, 1, sign=True) + "\u00a0" + label("unit.pp", lang)
    return format_value(value, unit, lang, sign=True)


def _is_significant(rows: pd.DataFrame) -> pd.Series:
    low, high = rows["ci_low"].astype(float), rows["ci_high"].astype(float)
    by_interval = (low > 0) | (high < 0)
    by_p = rows["p_value"].astype(float) < 0.05
    result: pd.Series = by_interval.where(low.notna() & high.notna(), by_p)
    return result


def _comparison_table(rows: pd.DataFrame, names: Names, lang: str) -> str:
    header = [
        label(f"column.{c}", lang)
        for c in ("kpi", "base", "alt", "difference", "interval", "p_value")
    ]
    values = rows[["difference", "ci_low", "ci_high"]].astype(float).fillna(0.0).abs()
    rows = rows[(values > 1e-9).any(axis=1) & rows["difference"].notna()]
    significant = _is_significant(rows)
    relative = (rows["difference"].astype(float) / rows["base_mean"].astype(float).abs()).abs()
    section = rows["kpi"].astype(str).str.split(".").str[0]
    rows = rows.assign(
        _sig=significant.astype(bool),
        _rel=relative.fillna(float("inf")),
        _section=section.map(SECTION_ORDER).fillna(len(SECTION_ORDER)),
    )
    parts = []
    changed = rows[rows["_sig"]]
    if changed.empty:
        parts.append(f"<p>{_e(label('text.no_significant', lang))}</p>")
    for key, rank in SECTION_ORDER.items():
        these = changed[changed["_section"] == rank].sort_values("_rel", ascending=False)
        if these.empty:
            continue
        parts.append(f"<h4>{_e(label(f'section.{key}', lang))}</h4>")
        table = _table(header, _comparison_rows(these, names, lang))
        parts.append(table.replace("<tr><td>", '<tr class="sig"><td>'))
    other = rows[~rows["_sig"]].sort_values(["_section", "p_value"])
    if not other.empty:
        summary = f"{label('heading.other_changes', lang)} ({len(other)})"
        parts.append(
            f"<details><summary>{_e(summary)}</summary>"
            + _table(header, _comparison_rows(other, names, lang))
            + "</details>"
        )
    return "\n".join(parts)


def render_comparison(comparison: ComparisonFolder, pngs: Sequence[Path], lang: str = "en") -> str:
    """The HTML of a comparison report, with the given PNG files (forest plots) embedded."""
    base = comparison.runs.get(comparison.base)
    names = base.names if base else {"facilities": {}, "groups": {}, "municipalities": {}}

    def title_of(name: str) -> str:
        run = comparison.runs.get(name)
        return str(run.scenario.get("title") or name) if run else name

    alternatives = comparison.alternatives
    title = " | ".join(title_of(n) for n in [comparison.base, *alternatives])
    m = comparison.manifest
    version = str(base.manifest.get("samsim_version", "")) if base else ""
    note = label(
        "text.comparison_note", lang, seed=m.get("seed", "?"), n=m.get("replications", "?")
    )
    body = [
        "<header>",
        f'<p class="kind">{_e(label("heading.comparison_report", lang))}</p>',
        f"<h1>{_e(title)}</h1>",
        "</header>",
        _warnings(m.get("warnings") or [], 0, lang),
        _nav(
            [
                ("comparison", label("heading.comparison", lang)),
                ("plots", label("heading.plots", lang)),
                ("scenarios", label("heading.scenarios", lang)),
            ]
        ),
        f'<h2 id="comparison">{_e(label("heading.comparison", lang))}</h2>',
        f'<p class="note">{_e(note)}</p>',
    ]
    for alt in alternatives:
        rows = comparison.comparison[comparison.comparison["scenario"] == alt]
        body.append(f"<h3>{_e(title_of(alt))} − {_e(title_of(comparison.base))}</h3>")
        body.append(_comparison_table(rows, names, lang))
    body.append(_figures_section(pngs, lang))
    body.append(f'<h2 id="scenarios">{_e(label("heading.scenarios", lang))}</h2>')
    for name, run in comparison.runs.items():
        role = label("column.base" if name == comparison.base else "column.alt", lang)
        description = str(run.scenario.get("description") or "").strip()
        body += [
            f"<h3>{_e(title_of(name))} <small>({_e(role)}: {_e(name)})</small></h3>",
            f'<p class="description">{_e(description)}</p>' if description else "",
            f'<p><a href="{_e(name)}/report.html">{_e(label("text.full_report", lang))}</a></p>',
            f"<h4>{_e(label('heading.kpi_facilities', lang))}</h4>",
            _kpi_table(run, "facility", FACILITY_COLUMNS, lang),
            f"<h4>{_e(_cost_heading(run, lang))}</h4>",
            _cost_table(run, lang),
        ]
    return _page(title, "\n".join(b for b in body if b), lang, version)


# --- writing ----------------------------------------------------------------------------------


def write_report(folder: Path, lang: str = "en", figures: Sequence[Path] | None = None) -> Path:
    """Write ``folder/report.html`` for a run or comparison folder; its path.

    Parameters
    ----------
    folder
        A run folder or a comparison folder.
    lang
        "en" or "nb".
    figures
        The files :func:`simulator.plots.write_figures` wrote for this folder; when
        None, the figures are written first (in ``lang``). For a comparison folder
        each scenario's subfolder gets its own ``report.html`` too.
    """
    folder = Path(folder)
    label("heading.report", lang)  # refuses an unknown language before any work
    paths = list(figures) if figures is not None else write_figures(folder, lang)
    target = folder / "report.html"
    if is_comparison(folder):
        comparison = read_comparison(folder)
        for run in comparison.runs.values():
            write_report(run.path, lang, [p for p in paths if _inside(p, run.path)])
        text = render_comparison(comparison, figure_files(paths, folder), lang)
    else:
        text = render_run(read_run(folder), figure_files(paths, folder), lang)
    target.write_text(text, encoding="utf-8")
    return target


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
