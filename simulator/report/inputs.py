"""The inputs of a run as the report shows them, each number beside its source.

Sources are the trailing comments of the scenario files (``beds: 5  # senjalegen.no``):
:func:`yaml_comments` collects them by dotted key path, and each table cell
shows the comment of the key it came from. These are the inputs part of the
STRESS-DES model description (:mod:`simulator.report.description`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.report.html import esc, html_table, td
from simulator.store.readers import RunFolder
from simulator.text.labels import label, label_or
from simulator.text.numbers import format_number, format_share

__all__ = [
    "costs_input",
    "facilities_input",
    "groups_input",
    "municipalities_input",
    "sources_of",
    "yaml_comments",
]


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


def sources_of(run: RunFolder, lang: str = "en") -> dict[str, str]:
    """Comments of the scenario files the manifest names (``scenario_files``), base first.

    A key changed for this run (manifest ``overrides``, ``path=value``) does
    not keep the comment the file gave its old value: the change itself is
    its source. Comments under the key, and on the maps holding it, go too.
    """
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
    for change in run.overrides:
        key = change.split("=", 1)[0].strip()
        if not key:
            continue
        for known in list(comments):
            if known == key or known.startswith(key + ".") or key.startswith(known + "."):
                del comments[known]
        comments[key] = label("text.override_source", lang, change=change)
    return comments


def _with_source(text: object, sources: Mapping[str, str], *paths: str) -> str:
    """A table cell with the text and, below it, the source comment of any of ``paths``."""
    return f"<td>{esc(text)}{_source(sources, *paths)}</td>"


def _source(sources: Mapping[str, str], *paths: str) -> str:
    found = [sources[p] for p in paths if p in sources]
    return f'<span class="source">{esc("; ".join(found))}</span>' if found else ""


def _facts(items: Iterable[tuple[str, str, Sequence[str]]], sources: Mapping[str, str]) -> str:
    """A list of ``name: value`` items, each with the source comment of its key paths."""
    body = "".join(
        f"<li><b>{esc(k)}:</b> {esc(v)} {_source(sources, *paths)}</li>" for k, v, paths in items
    )
    return f"<ul>{body}</ul>"


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


def facilities_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    """One row per facility: service, level, beds and their changes, rule when full, costs."""
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
        key = f"facilities.{fid}"
        cost_keys = (".per_bed_year", ".per_bed_day", ".per_admission", "")
        rows.append(
            [
                f"<td>{esc(names['facilities'].get(fid, fid))}"
                f'<span class="ci">{esc(fid)}</span></td>',
                td(label_or(f"service.{service}", service, lang)),
                td(label(f"level.{f.get('level')}", lang) if f.get("level") else ""),
                _with_source(f.get("beds", ""), sources, f"{key}.beds"),
                _with_source(schedule, sources, f"{key}.schedule"),
                td(_when_full(f.get("when_full", "queue"), lang)),
                _with_source(catchment, sources, f"{key}.serves"),
                _with_source(cost_text, sources, *(f"{key}.costs{k}" for k in cost_keys)),
                td(label(f"payer.{costs.get('payer')}", lang) if costs.get("payer") else ""),
            ]
        )
    return html_table(header, rows, numeric_from=len(header))


def municipalities_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    """One row per municipality: population, the year it was counted, growth."""
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
                td(run.names["municipalities"].get(mid, mid)),
                _with_source(
                    _population(m.get("population", 0), lang), sources, f"{key}.population"
                ),
                td(m.get("population_year") or ""),
                _with_source(growth, sources, f"{key}.growth_per_year", f"{key}.projection"),
            ]
        )
    return html_table(header, rows, numeric_from=len(header))


def groups_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    """Per patient group: its rate, first step and season, then its pathway's steps."""
    names = run.names
    parts = []
    for gid, g in (run.scenario.get("groups") or {}).items():
        parts.append(f"<h4>{esc(names['groups'].get(gid, gid))} <small>({esc(gid)})</small></h4>")
        facts = [
            (
                label("column.rate", lang),
                _by_band(g.get("rate_per_1000", 0), lang),
                (f"groups.{gid}.rate_per_1000",),
            ),
            (
                label("column.entry", lang),
                _probabilities(g.get("entry"), lang),
                (f"groups.{gid}.entry",),
            ),
        ]
        season = g.get("seasonality")
        if isinstance(season, Mapping):
            facts.append(
                (
                    label("column.seasonality", lang),
                    f"± {format_share(float(season.get('amplitude', 0)), lang, 0)}, "
                    + label("column.peak", lang, d=f"{float(season.get('peak_day_of_year', 1)):g}"),
                    (f"groups.{gid}.seasonality",),
                )
            )
        parts.append(_facts(facts, sources))
        parts.append(_steps(gid, g.get("steps") or {}, run, lang, sources))
    return "\n".join(parts)


def _steps(
    gid: str, steps: Mapping[str, Any], run: RunFolder, lang: str, sources: Mapping[str, str]
) -> str:
    """The steps of a group's pathway: where, how long, what when full, and what next."""
    header = [
        label(f"column.{c}", lang)
        for c in ("step", "where", "los", "when_full", "wait_in", "delay", "next")
    ]
    rows = []
    for sid, step in steps.items():
        where = str(step.get("facility") or step.get("service") or "")
        if step.get("facility"):
            where = run.names["facilities"].get(where, where)
        else:
            where = label_or(f"service.{where}", where, lang)
        path = f"groups.{gid}.steps.{sid}"
        wait_in = str(step.get("wait_in", "home"))
        delay = _distribution(step.get("delay"), lang) if step.get("delay") else ""
        rows.append(
            [
                td(sid),
                td(where),
                _with_source(_distribution(step.get("los"), lang), sources, f"{path}.los"),
                td(_when_full(step.get("when_full"), lang)),
                td(label_or(f"column.{wait_in}", wait_in, lang)),
                _with_source(delay, sources, f"{path}.delay"),
                _with_source(_probabilities(step.get("next"), lang), sources, f"{path}.next"),
            ]
        )
    return html_table(header, rows, numeric_from=len(header))


def costs_input(run: RunFolder, lang: str, sources: Mapping[str, str]) -> str:
    """The blocked-day rate and the transport costs."""
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
    return _facts(items, sources)
