"""The one-page summary at the top of every report, in plain words.

A council reads this page and perhaps nothing else, so it answers their
questions in their order: what it costs per year and who pays (each
municipality's own bill and the health trust's); whether the beds planned
are enough; what happens to hospital bed-days and admissions; how long
patients wait and how many days patients ready for discharge hold a bed
(utskrivningsklare døgn); and what is uncertain.

Figures are per year: a period total divided by the period's years
(``run.days / 365``). Sums over several KPIs (all hospital bed-days) are
summed per replication first, so their intervals are true intervals of the
sum; in a comparison the differences are paired by replication (common
random numbers) and a change is called a change only when its 95 % interval
excludes 0. KPI names from the per-year and payer work are used where a
folder has them (``cost.municipality.<m>.paid``, ``year.<yyyy>.<kpi>``);
older folders still get the rest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pandas as pd

from simulator.report.estimates import (
    DAYS_PER_YEAR,
    Estimate,
    Source,
    amount_text,
    caused_kpi,
    cell,
    facility_kpis,
    facility_services,
    mnok,
    money,
    own_kpis,
    paid_kpi,
    range_text,
)
from simulator.report.html import esc, html_table, td
from simulator.store.readers import RunFolder
from simulator.text.labels import label
from simulator.text.numbers import format_number, format_share

__all__ = ["bed_header", "calendar_years", "run_summary", "uncertain"]


def _verdict(beds: float, needed: float, full: float, turned: float, wait: float, lang: str) -> str:
    """Beds planned against beds needed, in a word or two.

    Too few: the beds needed exceed the beds (corridor patients), 5 % or more
    are turned away, or the mean wait is two days or more. Tight: full 15 % of
    the time or more, 1 % turned away, or half a day's mean wait. Room to
    spare: fewer than three quarters of the beds needed and almost never full.
    """
    if not (math.isfinite(beds) and math.isfinite(needed)) or beds <= 0:
        return ""

    def at_least(value: float, limit: float) -> bool:
        return math.isfinite(value) and value >= limit

    if needed > beds or at_least(turned, 0.05) or at_least(wait, 2.0):
        return label("summary.too_few", lang)
    if at_least(full, 0.15) or at_least(turned, 0.01) or at_least(wait, 0.5):
        return label("summary.tight", lang)
    if needed < 0.75 * beds and not at_least(full, 0.02):
        return label("summary.room", lang)
    return label("summary.enough", lang)


def _bed_rows(source: Source, lang: str) -> list[list[str]]:
    run, years = source.run, source.years
    rows = []
    for fid, name in run.names["facilities"].items():
        beds = Estimate(*run.interval(f"facility.{fid}.beds_mean"))
        needed = Estimate(*run.interval(f"facility.{fid}.occupancy_p95"))
        mean = Estimate(*run.interval(f"facility.{fid}.occupancy_mean"))
        full = Estimate(*run.interval(f"facility.{fid}.share_time_full"))
        away = Estimate(*run.interval(f"facility.{fid}.diversions")).scaled(1 / years)
        rows.append(
            [
                td(name),
                cell(beds, lambda v: amount_text(v, lang, 1), lang),
                cell(needed, lambda v: amount_text(v, lang), lang),
                cell(mean, lambda v: amount_text(v, lang, 1), lang),
                cell(full.scaled(DAYS_PER_YEAR), lambda v: amount_text(max(v, 0.0), lang), lang),
                cell(away, lambda v: amount_text(max(v, 0.0), lang), lang),
                td(
                    _verdict(
                        beds.mean,
                        needed.mean,
                        full.mean,
                        run.interval(f"facility.{fid}.diversion_share")[0],
                        run.interval(f"facility.{fid}.wait_mean")[0],
                        lang,
                    )
                ),
            ]
        )
    return rows


def _cost_paragraph(source: Source, lang: str) -> list[str]:
    municipality = source.yearly(["cost.payer.municipality"])
    trust = source.yearly(["cost.payer.health_trust"])
    total = source.yearly(["cost.total"])
    parts = [
        "<p>"
        + esc(
            label(
                "summary.cost_text",
                lang,
                municipality=money(municipality.mean, lang),
                m_range=range_text(municipality, lambda v: money(v, lang), lang),
                trust=money(trust.mean, lang),
                t_range=range_text(trust, lambda v: money(v, lang), lang),
                total=money(total.mean, lang),
            )
        )
        + "</p>"
    ]
    names = source.run.names["municipalities"]
    paid = any(source.has(paid_kpi(m)) for m in names)
    header = [label("column.municipality", lang)]
    if paid:
        header.append(label("summary.paid_per_year", lang))
    header.append(label("summary.caused_per_year", lang))
    unit = label("summary.mnok", lang)
    header = [header[0]] + [f"{h} ({unit})" for h in header[1:]]
    rows = []
    for m, name in names.items():
        row = [td(name)]
        if paid:
            own = source.yearly([paid_kpi(m)])
            row.append(cell(own, lambda v: mnok(v, lang), lang))
        caused = source.yearly([caused_kpi(source, m)])
        row.append(cell(caused, lambda v: mnok(v, lang), lang))
        rows.append(row)
    if rows:
        parts.append(html_table(header, rows))
        if not paid:
            parts.append(f'<p class="note">{esc(label("summary.caused_note", lang))}</p>')
    parts.append(_per_year_costs(source, lang))
    return parts


def calendar_years(source: Source) -> list[str]:
    kpis = list(source.table.columns) + list(source.run.summary.get("kpi", pd.Series(dtype=str)))
    found = {m.group(1) for k in kpis if (m := re.match(r"year\.(\d{4})\.", str(k)))}
    return sorted(found)


def _per_year_costs(source: Source, lang: str) -> str:
    """Costs by calendar year, where the folder has ``year.<yyyy>.*`` KPIs."""
    years = calendar_years(source)
    if not years:
        return ""
    keys = ("cost.payer.municipality", "cost.payer.health_trust", "cost.total")
    unit = label("summary.mnok", lang)
    header = [label("summary.year", lang)] + [f"{label(k, lang)} ({unit})" for k in keys]
    rows = [
        [td(y)]
        + [cell(source.estimate([f"year.{y}.{k}"]), lambda v: mnok(v, lang), lang) for k in keys]
        for y in years
    ]
    return html_table(header, rows)


def _hospital_paragraph(source: Source, lang: str) -> str:
    services = facility_services(source.run)
    hospital = services.get("service:hospital", [])
    municipal = services.get("level:municipal", [])
    bed_days = source.yearly(own_kpis(source, hospital, "bed_days"))
    admissions = source.yearly(own_kpis(source, hospital, "admissions"))
    local = source.yearly(own_kpis(source, municipal, "bed_days"))
    text = label(
        "summary.hospital_text",
        lang,
        bed_days=amount_text(bed_days.mean, lang),
        b_range=range_text(bed_days, lambda v: amount_text(v, lang), lang),
        admissions=amount_text(admissions.mean, lang),
        a_range=range_text(admissions, lambda v: amount_text(v, lang), lang),
        local=amount_text(local.mean, lang),
    )
    return f"<p>{esc(text)}</p>"


def _wait_paragraph(source: Source, lang: str) -> str:
    run = source.run
    facilities = list(run.names["facilities"])
    blocked = source.yearly(facility_kpis(facilities, "blocked_days"))
    payments = source.yearly(["cost.blocked_payments"])
    waits = []
    for g, name in run.names["groups"].items():
        mean, _, _ = run.interval(f"group.{g}.wait_mean")
        if math.isfinite(mean) and mean >= 0.05:
            waits.append((mean, name))
    waits.sort(reverse=True)
    if waits:
        longest = "; ".join(
            f"{name} {format_number(mean, lang, 1)}\u00a0{label('unit.days', lang)}"
            for mean, name in waits[:3]
        )
        wait_text = label("summary.waits_text", lang, longest=longest)
    else:
        wait_text = label("summary.no_waits", lang)
    blocked_text = label(
        "summary.blocked_text",
        lang,
        days=amount_text(blocked.mean, lang),
        d_range=range_text(blocked, lambda v: amount_text(v, lang), lang),
        payments=money(payments.mean, lang),
    )
    return f"<p>{esc(wait_text)}</p><p>{esc(blocked_text)}</p>"


def uncertain(runs: Sequence[RunFolder], lang: str) -> str:
    run = runs[0]
    items = [label("summary.uncertain_random", lang, n=run.replications)]
    items.append(label("summary.uncertain_inputs", lang))
    worst: list[tuple[float, str]] = []
    for r in runs:
        advice = r.advice
        if len(advice) and {"kpi", "relative_half_width"} <= set(advice.columns):
            rows = advice.dropna(subset=["relative_half_width"])
            widths = rows["relative_half_width"].astype(float).tolist()
            worst += zip(widths, rows["kpi"].astype(str).tolist(), strict=True)
    worst.sort(reverse=True)
    wide = [(w, k) for w, k in worst if w > 0.05][:3]
    if wide:
        from simulator.text.labels import kpi_label

        listed = "; ".join(
            f"{kpi_label(k, run.names, lang)} ±{format_share(w, lang, 0)}" for w, k in wide
        )
        items.append(label("summary.uncertain_wide", lang, kpis=listed))
    body = "".join(f"<li>{esc(i)}</li>" for i in items)
    return f"<h3>{esc(label('summary.uncertain', lang))}</h3><ul>{body}</ul>"


def bed_header(lang: str) -> list[str]:
    return [
        label("column.facility", lang),
        label("summary.beds_planned", lang),
        label("summary.beds_needed", lang),
        label("summary.beds_used", lang),
        label("summary.days_full", lang),
        label("summary.turned_away", lang),
        label("summary.verdict", lang),
    ]


def run_summary(run: RunFolder, lang: str) -> str:
    """The one-page summary of a run, as an HTML section (``id="summary"``)."""
    source = Source(run)
    years = format_number(source.years, lang, 1 if source.years % 1 else 0)
    parts = [
        '<section class="summary" id="summary">',
        f"<h2>{esc(label('summary.heading', lang))}</h2>",
        f'<p class="note">{esc(label("summary.per_year_note", lang, years=years))}</p>',
        f"<h3>{esc(label('summary.costs', lang))}</h3>",
        *_cost_paragraph(source, lang),
        f"<h3>{esc(label('summary.beds', lang))}</h3>",
        html_table(bed_header(lang), _bed_rows(source, lang)),
        f'<p class="note">{esc(label("summary.beds_note", lang))}</p>',
        f"<h3>{esc(label('summary.hospital', lang))}</h3>",
        _hospital_paragraph(source, lang),
        f"<h3>{esc(label('summary.waits', lang))}</h3>",
        _wait_paragraph(source, lang),
        uncertain([run], lang),
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


# --- a comparison -------------------------------------------------------------------------
