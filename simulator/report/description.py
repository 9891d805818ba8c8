"""The model description of a run report, in the order of the STRESS-DES checklist.

Monks et al. 2019, *Strengthening the reporting of empirical simulation
studies*: objectives, logic, inputs and their sources, assumptions,
randomness, warm-up, replications, implementation.
"""

from __future__ import annotations

import math

import pandas as pd

from simulator.report.html import esc, h3, h4, html_table, td
from simulator.report.inputs import (
    costs_input,
    facilities_input,
    groups_input,
    municipalities_input,
    sources_of,
)
from simulator.store.readers import RunFolder, period_bounds
from simulator.text.labels import kpi_label, kpi_unit, label
from simulator.text.numbers import format_kpi, format_number, format_share

__all__ = ["model_section"]


def model_section(run: RunFolder, lang: str) -> str:
    """The whole model description of a run, numbered as in STRESS-DES."""
    scenario, manifest = run.scenario, run.manifest
    sources = sources_of(run, lang)
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
        f'<h2 id="model">{esc(label("heading.model", lang))}</h2>',
        h3("objectives", lang),
        f"<p>{esc(label('text.objectives', lang))}</p>",
        h3("logic", lang),
        f"<p>{esc(label('text.logic', lang))}</p>",
        h3("inputs", lang),
        f'<p class="note">{esc(label("text.sources", lang, hash=scenario_hash))}</p>',
        h4("facilities", lang),
        facilities_input(run, lang, sources),
        h4("municipalities", lang),
        municipalities_input(run, lang, sources),
    ]
    if scenario.get("groups"):
        parts += [
            h4("groups", lang),
            groups_input(run, lang, sources),
        ]
    parts += [
        h4("costs_input", lang),
        costs_input(run, lang, sources),
        h3("assumptions", lang),
        f"<p>{esc(label('text.assumptions', lang))}</p>",
        h3("randomness", lang),
        f"<p>{esc(label('text.randomness', lang, seed=seed))}</p>",
        h3("warmup", lang),
        f"<p>{esc(run_text)}</p>",
        f"<p>{esc(label('text.warmup', lang))}</p>",
        _warmup_table(run, lang),
        h3("replications", lang),
        _replications(run, lang),
        h3("implementation", lang),
        _implementation(run, lang),
    ]
    return "\n".join(parts)


def _warmup_table(run: RunFolder, lang: str) -> str:
    if run.warmup.empty:
        return ""
    names = run.names["facilities"]
    rows = []
    for row in run.warmup.to_dict("records"):
        enough = str(row["enough"]).lower() == "true"
        rows.append(
            [
                td(names.get(str(row["facility"]), str(row["facility"]))),
                td(format_number(float(row["detected_days"]), lang), numeric=True),
                td(format_number(float(row["warmup_days"]), lang), numeric=True),
                td(label("column.yes" if enough else "column.no", lang), numeric=True),
            ]
        )
    header = [
        label(f"column.{c}", lang) for c in ("facility", "detected_days", "warmup_days", "enough")
    ]
    return html_table(header, rows)


def _replications(run: RunFolder, lang: str) -> str:
    precision = float(run.manifest.get("precision") or 0.05)
    text = label(
        "text.replications", lang, n=run.replications, p=format_number(100 * precision, lang, 0)
    )
    parts = [f"<p>{esc(text)}</p>"]
    if not run.advice.empty:
        rows = []
        for row in run.advice.to_dict("records"):
            kpi = str(row["kpi"])
            needed = float(row["needed"]) if pd.notna(row["needed"]) else math.nan
            rows.append(
                [
                    td(kpi_label(kpi, run.names, lang)),
                    td(format_kpi(float(row["mean"]), kpi_unit(kpi), lang), numeric=True),
                    td(format_share(float(row["relative_half_width"]), lang, 1), numeric=True),
                    td(format_number(float(row["replications"]), lang), numeric=True),
                    td(format_number(needed, lang), numeric=True),
                ]
            )
        header = [
            label("column.kpi", lang),
            label("column.mean", lang),
            label("column.relative_half_width", lang),
            label("column.replications_run", lang),
            label("column.needed", lang, p=format_number(100 * precision, lang, 0)),
        ]
        parts.append(html_table(header, rows))
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
    note = esc(listed) + ("<br>" + esc(extra) if extra else "")
    return f'<p>{esc(text)}</p><p class="note">{note}</p>'
