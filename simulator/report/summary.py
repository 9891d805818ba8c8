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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.analysis.intervals import t_interval
from simulator.report.html import esc, html_table, td
from simulator.store.readers import RunFolder
from simulator.text.labels import LABELS, Names, label
from simulator.text.numbers import format_number, format_share

__all__ = [
    "Estimate",
    "comparison_summary",
    "death_caveats",
    "localise_warnings",
    "run_summary",
    "years_of",
]

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95 % interval (nan where unknown)."""

    mean: float
    low: float = math.nan
    high: float = math.nan

    @property
    def known(self) -> bool:
        return math.isfinite(self.mean)

    @property
    def significant(self) -> bool:
        """The interval excludes 0 (for a difference: it changed)."""
        return (
            math.isfinite(self.low) and math.isfinite(self.high) and (self.low > 0 or self.high < 0)
        )

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.mean * factor, self.low * factor, self.high * factor)


def years_of(run: RunFolder) -> float:
    """The collection period in years (``run.days / 365``); 1 where unknown."""
    days = (run.scenario.get("run") or {}).get("days")
    try:
        value = float(str(days)) / DAYS_PER_YEAR
    except (TypeError, ValueError):
        return 1.0
    return value if value > 0 else 1.0


def _replications(run: RunFolder) -> pd.DataFrame:
    path = run.path / "replications.csv"
    try:
        return pd.read_csv(path) if path.is_file() else pd.DataFrame()
    except (OSError, ValueError):
        return pd.DataFrame()


def _sum(table: pd.DataFrame, kpis: Sequence[str]) -> pd.Series | None:
    """Per replication (the index), the sum of ``kpis`` present in ``table``; None when none is."""
    present = [k for k in kpis if k in table.columns]
    if not present:
        return None
    return table[present].astype(float).sum(axis=1, min_count=1)


def _estimate(values: pd.Series | None) -> Estimate:
    if values is None or values.dropna().empty:
        return Estimate(math.nan)
    mean, _, low, high, _ = t_interval(values.to_numpy(dtype=float))
    if not (math.isfinite(low) and math.isfinite(high)):
        low = high = mean
    return Estimate(mean, low, high)


class _Source:
    """KPI values of one run: from the replications (exact sums) or the summary."""

    def __init__(self, run: RunFolder) -> None:
        self.run = run
        table = _replications(run)
        self.table = table.set_index("replication") if "replication" in table else table
        self.years = years_of(run)
        summary = run.summary
        self.kpis = set(summary["kpi"].astype(str)) if "kpi" in summary else set()

    def has(self, kpi: str) -> bool:
        return kpi in self.table.columns or kpi in self.kpis

    def annual(self, kpis: Sequence[str]) -> tuple[list[str], float]:
        """The KPIs per year: their ``.per_year`` KPIs where the folder has them, else the
        period's with the factor that makes them per year (``1 / years``)."""
        per_year = [f"{k}.per_year" for k in kpis]
        if per_year and all(self.has(k) for k in per_year):
            return per_year, 1.0
        return list(kpis), 1 / self.years

    def yearly(self, kpis: Sequence[str]) -> Estimate:
        """The sum of ``kpis`` per year, with its interval."""
        names, factor = self.annual(kpis)
        return self.estimate(names).scaled(factor)

    def series(self, kpis: Sequence[str]) -> pd.Series | None:
        return _sum(self.table, kpis) if len(self.table) else None

    def estimate(self, kpis: Sequence[str]) -> Estimate:
        values = self.series(kpis)
        if values is not None:
            return _estimate(values)
        if len(kpis) == 1:
            return Estimate(*self.run.interval(kpis[0]))
        return Estimate(math.nan)


def _paired_yearly(
    base: _Source, alt: _Source, kpis_base: Sequence[str], kpis_alt: Sequence[str]
) -> Estimate:
    """Alternative − base per year (see :meth:`_Source.annual`), paired by replication."""
    kb, fb = base.annual(kpis_base)
    ka, fa = alt.annual(kpis_alt)
    if fb == 1.0 and fa == 1.0:
        return _paired(base, alt, kb, ka)
    return _paired(base, alt, kpis_base, kpis_alt).scaled(1 / base.years)


def _paired(
    base: _Source, alt: _Source, kpis_base: Sequence[str], kpis_alt: Sequence[str]
) -> Estimate:
    """Alternative − base, paired by replication; a KPI missing on one side counts 0 there."""
    b, a = base.series(kpis_base), alt.series(kpis_alt)
    if b is None and a is None:
        return Estimate(math.nan)
    if b is None:
        b = pd.Series(0.0, index=a.index if a is not None else [])
    if a is None:
        a = pd.Series(0.0, index=b.index)
    joined = pd.concat([b.rename("b"), a.rename("a")], axis=1, join="inner").fillna(0.0)
    return _estimate(joined["a"] - joined["b"])


# --- words and numbers -----------------------------------------------------------------


def _money(value: float, lang: str, sign: bool = False) -> str:
    """Million NOK with one decimal: ``12.3 million NOK`` / ``12,3 mill. kr``."""
    if not math.isfinite(value):
        return "–"
    return f"{format_number(value / 1e6, lang, 1, sign=sign)}\u00a0{label('summary.mnok', lang)}"


def _mnok(value: float, lang: str, sign: bool = False) -> str:
    """Million NOK as a bare number with one decimal, for table cells (the unit is in the label)."""
    return format_number(value / 1e6, lang, 1, sign=sign) if math.isfinite(value) else "–"


def _amount(value: float, lang: str, decimals: int = 0, sign: bool = False) -> str:
    return format_number(value, lang, decimals, sign=sign) if math.isfinite(value) else "–"


def _range(e: Estimate, fmt: Callable[[float], str], lang: str) -> str:
    """``(95 % interval a – b)`` in words, or "" when the interval is unknown or a point."""
    if not (math.isfinite(e.low) and math.isfinite(e.high)) or e.high <= e.low:
        return ""
    return label("summary.interval", lang, low=fmt(e.low), high=fmt(e.high))


def _cell(e: Estimate, fmt: Callable[[float], str], lang: str) -> str:
    if not e.known:
        return '<td class="num">–</td>'
    text = esc(fmt(e.mean))
    if math.isfinite(e.low) and math.isfinite(e.high) and e.high > e.low:
        text += f'<span class="ci">{esc(fmt(e.low))} – {esc(fmt(e.high))}</span>'
    return f'<td class="num">{text}</td>'


def _change_cell(e: Estimate, fmt: Callable[[float], str], lang: str) -> str:
    """A paired change: the number, its interval, and "changed" only when significant."""
    if not e.known:
        return '<td class="num">–</td>'
    text = esc(fmt(e.mean))
    if math.isfinite(e.low) and math.isfinite(e.high) and e.high > e.low:
        text += f'<span class="ci">{esc(fmt(e.low))} – {esc(fmt(e.high))}</span>'
    word = label("summary.changed" if e.significant else "summary.no_clear_change", lang)
    css = "changed" if e.significant else "same"
    return f'<td class="num {css}">{text}<span class="verdict">{esc(word)}</span></td>'


def _services(run: RunFolder) -> dict[str, list[str]]:
    """Facility ids by service (``hospital``, ``kohd``, ...) and by level."""
    out: dict[str, list[str]] = {}
    for fid, spec in (run.scenario.get("facilities") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        for key in (f"service:{spec.get('service', '')}", f"level:{spec.get('level', '')}"):
            out.setdefault(key, []).append(str(fid))
    return out


def _facility_kpis(ids: Sequence[str], suffix: str) -> list[str]:
    return [f"facility.{f}.{suffix}" for f in ids]


def _own_kpis(source: _Source, ids: Sequence[str], suffix: str) -> list[str]:
    """The region's own patients' KPI of each facility: ``facility.<id>.region.<suffix>``
    where a facility also serves outside patients (background load), else the facility's."""
    return [
        f"facility.{f}.region.{suffix}"
        if source.has(f"facility.{f}.region.{suffix}")
        else f"facility.{f}.{suffix}"
        for f in ids
    ]


def _paid_kpi(m: str) -> str:
    return f"cost.municipality.{m}.paid"


def _caused_kpi(source: _Source, m: str) -> str:
    """What a municipality's residents cost all payers: the named KPI, or the older one."""
    caused = f"cost.municipality.{m}.caused"
    return caused if source.has(caused) else f"municipality.{m}.cost"


# --- a run ------------------------------------------------------------------------------


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


def _bed_rows(source: _Source, lang: str) -> list[list[str]]:
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
                _cell(beds, lambda v: _amount(v, lang, 1), lang),
                _cell(needed, lambda v: _amount(v, lang), lang),
                _cell(mean, lambda v: _amount(v, lang, 1), lang),
                _cell(full.scaled(DAYS_PER_YEAR), lambda v: _amount(max(v, 0.0), lang), lang),
                _cell(away, lambda v: _amount(max(v, 0.0), lang), lang),
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


def _cost_paragraph(source: _Source, lang: str) -> list[str]:
    municipality = source.yearly(["cost.payer.municipality"])
    trust = source.yearly(["cost.payer.health_trust"])
    total = source.yearly(["cost.total"])
    parts = [
        "<p>"
        + esc(
            label(
                "summary.cost_text",
                lang,
                municipality=_money(municipality.mean, lang),
                m_range=_range(municipality, lambda v: _money(v, lang), lang),
                trust=_money(trust.mean, lang),
                t_range=_range(trust, lambda v: _money(v, lang), lang),
                total=_money(total.mean, lang),
            )
        )
        + "</p>"
    ]
    names = source.run.names["municipalities"]
    paid = any(source.has(_paid_kpi(m)) for m in names)
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
            own = source.yearly([_paid_kpi(m)])
            row.append(_cell(own, lambda v: _mnok(v, lang), lang))
        caused = source.yearly([_caused_kpi(source, m)])
        row.append(_cell(caused, lambda v: _mnok(v, lang), lang))
        rows.append(row)
    if rows:
        parts.append(html_table(header, rows))
        if not paid:
            parts.append(f'<p class="note">{esc(label("summary.caused_note", lang))}</p>')
    parts.append(_per_year_costs(source, lang))
    return parts


def _calendar_years(source: _Source) -> list[str]:
    kpis = list(source.table.columns) + list(source.run.summary.get("kpi", pd.Series(dtype=str)))
    found = {m.group(1) for k in kpis if (m := re.match(r"year\.(\d{4})\.", str(k)))}
    return sorted(found)


def _per_year_costs(source: _Source, lang: str) -> str:
    """Costs by calendar year, where the folder has ``year.<yyyy>.*`` KPIs."""
    years = _calendar_years(source)
    if not years:
        return ""
    keys = ("cost.payer.municipality", "cost.payer.health_trust", "cost.total")
    unit = label("summary.mnok", lang)
    header = [label("summary.year", lang)] + [f"{label(k, lang)} ({unit})" for k in keys]
    rows = [
        [td(y)]
        + [_cell(source.estimate([f"year.{y}.{k}"]), lambda v: _mnok(v, lang), lang) for k in keys]
        for y in years
    ]
    return html_table(header, rows)


def _hospital_paragraph(source: _Source, lang: str) -> str:
    services = _services(source.run)
    hospital = services.get("service:hospital", [])
    municipal = services.get("level:municipal", [])
    bed_days = source.yearly(_own_kpis(source, hospital, "bed_days"))
    admissions = source.yearly(_own_kpis(source, hospital, "admissions"))
    local = source.yearly(_own_kpis(source, municipal, "bed_days"))
    text = label(
        "summary.hospital_text",
        lang,
        bed_days=_amount(bed_days.mean, lang),
        b_range=_range(bed_days, lambda v: _amount(v, lang), lang),
        admissions=_amount(admissions.mean, lang),
        a_range=_range(admissions, lambda v: _amount(v, lang), lang),
        local=_amount(local.mean, lang),
    )
    return f"<p>{esc(text)}</p>"


def _wait_paragraph(source: _Source, lang: str) -> str:
    run = source.run
    facilities = list(run.names["facilities"])
    blocked = source.yearly(_facility_kpis(facilities, "blocked_days"))
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
        days=_amount(blocked.mean, lang),
        d_range=_range(blocked, lambda v: _amount(v, lang), lang),
        payments=_money(payments.mean, lang),
    )
    return f"<p>{esc(wait_text)}</p><p>{esc(blocked_text)}</p>"


def _uncertain(runs: Sequence[RunFolder], lang: str) -> str:
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


def _bed_header(lang: str) -> list[str]:
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
    source = _Source(run)
    years = format_number(source.years, lang, 1 if source.years % 1 else 0)
    parts = [
        '<section class="summary" id="summary">',
        f"<h2>{esc(label('summary.heading', lang))}</h2>",
        f'<p class="note">{esc(label("summary.per_year_note", lang, years=years))}</p>',
        f"<h3>{esc(label('summary.costs', lang))}</h3>",
        *_cost_paragraph(source, lang),
        f"<h3>{esc(label('summary.beds', lang))}</h3>",
        html_table(_bed_header(lang), _bed_rows(source, lang)),
        f'<p class="note">{esc(label("summary.beds_note", lang))}</p>',
        f"<h3>{esc(label('summary.hospital', lang))}</h3>",
        _hospital_paragraph(source, lang),
        f"<h3>{esc(label('summary.waits', lang))}</h3>",
        _wait_paragraph(source, lang),
        _uncertain([run], lang),
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


# --- a comparison -------------------------------------------------------------------------


def _group_deaths(scenario: Mapping[str, Any], group: str, lang: str = "en") -> dict[str, float]:
    """The assumed probability of dying after each step of a group (steps without: 0).

    Keyed by the step's service and id (``hospital (hospital_stay)``).
    """
    spec = (scenario.get("groups") or {}).get(group) or {}
    out: dict[str, float] = {}
    for step, body in (spec.get("steps") or {}).items() if isinstance(spec, Mapping) else []:
        if not isinstance(body, Mapping) or "service" not in body:
            continue
        nxt = body.get("next")
        value = 0.0
        if isinstance(nxt, Mapping):
            try:
                value = float(str(nxt.get("death", 0.0) or 0.0))
            except (TypeError, ValueError):
                value = 0.0
        elif nxt == "death":
            value = 1.0
        service = str(body.get("service"))
        key = f"service.{service}"
        name = label(key, lang) if key in LABELS else service
        out[f"{name} ({step})"] = value
    return out


def death_caveats(
    base: Mapping[str, Any], alt: Mapping[str, Any], names: Names, lang: str
) -> dict[str, str]:
    """A caveat per deaths KPI (``group.<g>.deaths``) that can differ only through assumptions.

    In the model a patient dies only by the ``death`` share of a step's
    ``next``: an assumed probability per step, so per site. Where a group's
    steps assume different probabilities (or the two scenarios assume
    different ones), moving patients between sites changes deaths by
    assumption alone, not by a modelled effect of care: the KPI gets a caveat
    naming the probabilities.
    """
    out: dict[str, str] = {}
    for group in set(base.get("groups") or {}) | set(alt.get("groups") or {}):
        b, a = _group_deaths(base, group, lang), _group_deaths(alt, group, lang)
        values = set(b.values()) | set(a.values())
        if len(values) <= 1 and b == a:
            continue
        shown = ", ".join(
            f"{step} {format_share(p, lang, 0)}" for step, p in sorted((a or b).items()) if p > 0
        )
        name = names.get("groups", {}).get(group, group)
        out[f"group.{group}.deaths"] = label(
            "summary.death_caveat", lang, group=name, probabilities=shown or "0"
        )
    return out


def _facility_names(runs: Sequence[RunFolder]) -> dict[str, str]:
    names: dict[str, str] = {}
    for r in runs:
        for fid, name in r.names["facilities"].items():
            names.setdefault(fid, name)
    return names


def _change_row(
    b: _Source,
    a: _Source,
    text: str,
    kpis: tuple[Sequence[str], Sequence[str]],
    lang: str,
    money: bool = True,
) -> list[str]:
    """One row of a comparison summary: base and alternative per year, and the paired change."""
    kb, ka = kpis
    if money:
        text = f"{text} ({label('summary.mnok', lang)})"
        show: Callable[[float], str] = lambda v: _mnok(v, lang)  # noqa: E731
        signed: Callable[[float], str] = lambda v: _mnok(v, lang, sign=True)  # noqa: E731
    else:
        show = lambda v: _amount(v, lang)  # noqa: E731
        signed = lambda v: _amount(v, lang, sign=True)  # noqa: E731
    return [
        td(text),
        _cell(b.yearly(kb), show, lang),
        _cell(a.yearly(ka), show, lang),
        _change_cell(_paired_yearly(b, a, kb, ka), signed, lang),
    ]


def _alternative(b: _Source, title: str, run: RunFolder, lang: str) -> list[str]:
    """The summary of one alternative against the base."""
    a, base = _Source(run), b.run
    rows = [
        _change_row(
            b,
            a,
            label("summary.row_municipalities", lang),
            (["cost.payer.municipality"],) * 2,
            lang,
        ),
        _change_row(
            b, a, label("summary.row_trust", lang), (["cost.payer.health_trust"],) * 2, lang
        ),
    ]
    for m, name in base.names["municipalities"].items():
        kpi = _paid_kpi(m) if b.has(_paid_kpi(m)) else _caused_kpi(b, m)
        key = "summary.row_paid" if kpi.endswith(".paid") else "summary.row_caused"
        rows.append(_change_row(b, a, label(key, lang, municipality=name), ([kpi], [kpi]), lang))
    bs, as_ = _services(base), _services(run)
    for key, kind, suffix in (
        ("summary.row_hospital_days", "service:hospital", "bed_days"),
        ("summary.row_hospital_admissions", "service:hospital", "admissions"),
        ("summary.row_municipal_days", "level:municipal", "bed_days"),
    ):
        kpis = (_own_kpis(b, bs.get(kind, []), suffix), _own_kpis(a, as_.get(kind, []), suffix))
        rows.append(_change_row(b, a, label(key, lang), kpis, lang, money=False))
    blocked = (
        _facility_kpis(list(base.names["facilities"]), "blocked_days"),
        _facility_kpis(list(run.names["facilities"]), "blocked_days"),
    )
    rows.append(_change_row(b, a, label("summary.row_blocked", lang), blocked, lang, money=False))
    header = [
        "",
        label("summary.base_per_year", lang),
        label("summary.alt_per_year", lang),
        label("summary.change_per_year", lang),
    ]
    parts = [
        f"<h3>{esc(title)}</h3>",
        _avoided(b, a, bs.get("service:hospital", []), as_.get("service:hospital", []), lang),
        html_table(header, rows),
        _bed_changes(b, a, lang),
    ]
    caveats = death_caveats(base.scenario, run.scenario, base.names, lang)
    for kpi, caveat in caveats.items():
        if not (b.has(kpi) or a.has(kpi)):
            continue
        change = _paired_yearly(b, a, [kpi], [kpi])
        if change.significant:
            group = kpi.split(".")[1]
            text = label(
                "summary.deaths_change",
                lang,
                group=base.names["groups"].get(group, group),
                change=_amount(change.mean, lang, 1, sign=True),
            )
            parts.append(f'<p class="caveat">{esc(text)} {esc(caveat)}</p>')
    return parts


def _avoided(b: _Source, a: _Source, base_ids: list[str], alt_ids: list[str], lang: str) -> str:
    """One sentence: hospital bed-days and admissions avoided (or added) per year."""
    parts = []
    for suffix, key in (
        ("bed_days", "summary.hospital_days_word"),
        ("admissions", "summary.admissions_word"),
    ):
        change = _paired_yearly(b, a, _own_kpis(b, base_ids, suffix), _own_kpis(a, alt_ids, suffix))
        if not change.known:
            continue
        verb = "summary.avoided" if change.mean < 0 else "summary.added"
        amount = _amount(abs(change.mean), lang)
        low, high = sorted((abs(change.low), abs(change.high)))
        if change.significant:
            interval = label(
                "summary.interval", lang, low=_amount(low, lang), high=_amount(high, lang)
            )
        else:
            interval = f"({label('summary.no_clear_change', lang)})"
        parts.append(label(verb, lang, amount=amount, what=label(key, lang), interval=interval))
    if not parts:
        return ""
    return f"<p><strong>{esc('; '.join(parts))}.</strong></p>"


def comparison_summary(
    base: RunFolder, alternatives: Sequence[tuple[str, RunFolder]], lang: str
) -> str:
    """The one-page summary of a comparison: what each alternative changes, per year."""
    b = _Source(base)
    years = format_number(b.years, lang, 1 if b.years % 1 else 0)
    parts = [
        '<section class="summary" id="summary">',
        f"<h2>{esc(label('summary.heading', lang))}</h2>",
        f'<p class="note">{esc(label("summary.compare_note", lang, years=years))}</p>',
    ]
    for title, run in alternatives:
        parts += _alternative(b, title, run, lang)
    parts.append(_uncertain([base] + [r for _, r in alternatives], lang))
    parts.append("</section>")
    return "\n".join(parts)


def _bed_changes(b: _Source, a: _Source, lang: str) -> str:
    """Facilities whose beds needed, days full or turn-aways changed; one-sided ones marked."""
    names = _facility_names([b.run, a.run])
    per = 1 / b.years
    rows = []
    base_ids, alt_ids = set(b.run.names["facilities"]), set(a.run.names["facilities"])
    for fid, name in names.items():
        only = ""
        if fid not in alt_ids:
            only = label("summary.only_base", lang)
        elif fid not in base_ids:
            only = label("summary.only_alt", lang)
        kb = [f"facility.{fid}.occupancy_p95"] if fid in base_ids else []
        ka = [f"facility.{fid}.occupancy_p95"] if fid in alt_ids else []
        needed = _paired(b, a, kb, ka)
        full = _paired(
            b,
            a,
            [f"facility.{fid}.share_time_full"] if fid in base_ids else [],
            [f"facility.{fid}.share_time_full"] if fid in alt_ids else [],
        ).scaled(DAYS_PER_YEAR)
        away = _paired(
            b,
            a,
            [f"facility.{fid}.diversions"] if fid in base_ids else [],
            [f"facility.{fid}.diversions"] if fid in alt_ids else [],
        ).scaled(per)
        beds_b = b.run.interval(f"facility.{fid}.beds_mean")[0] if fid in base_ids else 0.0
        beds_a = a.run.interval(f"facility.{fid}.beds_mean")[0] if fid in alt_ids else 0.0
        planned = abs(beds_a - beds_b) > 1e-9
        if not (only or planned or needed.significant or full.significant or away.significant):
            continue
        rows.append(
            [
                td(f"{name} ({only})" if only else name),
                td(f"{_amount(beds_b, lang)} → {_amount(beds_a, lang)}", numeric=True),
                _change_cell(needed, lambda v: _amount(v, lang, 0, sign=True), lang),
                _change_cell(full, lambda v: _amount(v, lang, 0, sign=True), lang),
                _change_cell(away, lambda v: _amount(v, lang, 0, sign=True), lang),
            ]
        )
    title = f"<h4>{esc(label('summary.beds', lang))}</h4>"
    if not rows:
        return title + f"<p>{esc(label('summary.beds_unchanged', lang))}</p>"
    header = [
        label("column.facility", lang),
        label("summary.beds_planned", lang),
        label("summary.beds_needed", lang),
        label("summary.days_full", lang),
        label("summary.turned_away", lang),
    ]
    return title + html_table(header, rows)


# --- warnings --------------------------------------------------------------------------

_NB_PATTERNS: list[tuple[str, str]] = [
    (
        r"^facility (?P<f>\S+): MSER-5 detects a warm-up of (?P<d>\S+) days but run\.warmup_days "
        r"is (?P<w>\S+); consider a longer warm-up \(strong seasonality can make MSER-5 "
        r"overestimate it\)$",
        "{f}: MSER-5 finner en innsvingning på {d} dager, men run.warmup_days er {w}; vurder en "
        "lengre innsvingning (sterk sesongvariasjon kan få MSER-5 til å overvurdere den)",
    ),
    (
        r"^(?P<n>\d+) key KPI\(s\) have a 95 % half-width above (?P<p>\S+) % of the mean with "
        r"(?P<r>\d+) replications; (?P<k>\S+) needs about (?P<need>\d+) \(run more "
        r"replications, or give a precision to add them until it is reached\)$",
        "{n} sentrale indikatorer har et 95 %-halvintervall over {p} % av snittet med {r} "
        "replikasjoner; {k} trenger omtrent {need} (kjør flere replikasjoner, eller gi en "
        "presisjon så legges de til til den er nådd)",
    ),
    (
        r"^facility (?P<f>\S+): (?P<n>\d+) patient\(s\) in (?P<r>\d+) of (?P<t>\d+) "
        r"replication\(s\) started waiting for a bed in the collection period and were still "
        r"waiting (?P<d>\S+) days after it ended; their waits count up to then, so its "
        r"wait_mean and wait_p90 are lower bounds \(the queue does not clear: too few beds for "
        r"the demand\)$",
        "{f}: {n} pasient(er) i {r} av {t} replikasjoner begynte å vente på seng i "
        "innsamlingsperioden og ventet fortsatt {d} dager etter at den sluttet; ventetiden "
        "deres teller bare til da, så ventetid (snitt og 90-persentil) er nedre grenser (køen "
        "tømmes ikke: for få senger for behovet). Vurder flere senger",
    ),
]
_EN_PATTERNS: list[tuple[str, str]] = [
    (
        _NB_PATTERNS[0][0],
        "{f}: MSER-5 detects a warm-up of {d} days but run.warmup_days is {w}; consider a "
        "longer warm-up (strong seasonality can make MSER-5 overestimate it)",
    ),
    (
        _NB_PATTERNS[1][0],
        "{n} key KPI(s) have a 95 % half-width above {p} % of the mean with {r} "
        "replications; {k} needs about {need} (run more replications, or give a precision "
        "to add them until it is reached)",
    ),
    (
        _NB_PATTERNS[2][0],
        "{f}: {n} patient(s) in {r} of {t} replication(s) started waiting for a bed in the "
        "collection period and were still waiting {d} days after it ended; their waits count "
        "up to then, so its mean and 90th percentile wait are lower bounds (the queue does not "
        "clear: too few beds for the demand). Consider more beds",
    ),
]


def localise_warnings(warnings: Sequence[str], names: Names, lang: str) -> list[str]:
    """Warnings in ``lang``, with facility and KPI ids replaced by display names.

    Known warnings are written anew in the language (also behind a scenario's
    name, as a comparison gives them); others keep their text, with each KPI
    name and facility id replaced by its display name.
    """
    from simulator.text.labels import kpi_label

    facilities = names.get("facilities", {})
    patterns = _NB_PATTERNS if lang == "nb" else _EN_PATTERNS
    out = []
    for text in warnings:
        prefix = ""
        found = re.match(r"^(?P<scenario>[\w.-]+): (?P<rest>.*)$", text, re.DOTALL)
        if found and not any(re.match(p, text) for p, _ in patterns):
            prefix, text = found.group("scenario") + ": ", found.group("rest")
        for pattern, template in patterns:
            match = re.match(pattern, text)
            if match:
                values = dict(match.groupdict())
                if "f" in values:
                    values["f"] = facilities.get(values["f"], values["f"])
                if "k" in values:
                    values["k"] = kpi_label(values["k"], names, lang)
                text = template.format(**values)
                break
        else:
            text = re.sub(
                r"(?<![\w-])(?:facility|group|municipality)\.[\w-]+\.[a-z_0-9]+(?![\w-])",
                lambda m: kpi_label(m.group(0), names, lang),
                text,
            )
            for fid in sorted(facilities, key=len, reverse=True):
                text = re.sub(rf"(?<![\w.-]){re.escape(fid)}(?![\w-])", facilities[fid], text)
        out.append(prefix + text)
    return out
