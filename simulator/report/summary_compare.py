"""The one-page summary of a comparison: what changed per year, beds, hospital use, deaths caveats.

A change is called a change only when its 95 % paired interval excludes 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from simulator.report.estimates import (
    DAYS_PER_YEAR,
    Source,
    amount_text,
    caused_kpi,
    cell,
    change_cell,
    facility_kpis,
    facility_services,
    mnok,
    own_kpis,
    paid_kpi,
    paired,
    paired_yearly,
)
from simulator.report.html import esc, html_table, td
from simulator.report.summary import uncertain
from simulator.store.readers import RunFolder
from simulator.text.labels import LABELS, Names, label
from simulator.text.numbers import format_number, format_share

__all__ = ["comparison_summary", "death_caveats", "localise_warnings"]


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
    b: Source,
    a: Source,
    text: str,
    kpis: tuple[Sequence[str], Sequence[str]],
    lang: str,
    money: bool = True,
) -> list[str]:
    """One row of a comparison summary: base and alternative per year, and the paired change."""
    kb, ka = kpis
    if money:
        text = f"{text} ({label('summary.mnok', lang)})"
        show: Callable[[float], str] = lambda v: mnok(v, lang)  # noqa: E731
        signed: Callable[[float], str] = lambda v: mnok(v, lang, sign=True)  # noqa: E731
    else:
        show = lambda v: amount_text(v, lang)  # noqa: E731
        signed = lambda v: amount_text(v, lang, sign=True)  # noqa: E731
    return [
        td(text),
        cell(b.yearly(kb), show, lang),
        cell(a.yearly(ka), show, lang),
        change_cell(paired_yearly(b, a, kb, ka), signed, lang),
    ]


def _alternative(b: Source, title: str, run: RunFolder, lang: str) -> list[str]:
    """The summary of one alternative against the base."""
    a, base = Source(run), b.run
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
        kpi = paid_kpi(m) if b.has(paid_kpi(m)) else caused_kpi(b, m)
        key = "summary.row_paid" if kpi.endswith(".paid") else "summary.row_caused"
        rows.append(_change_row(b, a, label(key, lang, municipality=name), ([kpi], [kpi]), lang))
    bs, as_ = facility_services(base), facility_services(run)
    for key, kind, suffix in (
        ("summary.row_hospital_days", "service:hospital", "bed_days"),
        ("summary.row_hospital_admissions", "service:hospital", "admissions"),
        ("summary.row_municipal_days", "level:municipal", "bed_days"),
    ):
        kpis = (own_kpis(b, bs.get(kind, []), suffix), own_kpis(a, as_.get(kind, []), suffix))
        rows.append(_change_row(b, a, label(key, lang), kpis, lang, money=False))
    blocked = (
        facility_kpis(list(base.names["facilities"]), "blocked_days"),
        facility_kpis(list(run.names["facilities"]), "blocked_days"),
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
        change = paired_yearly(b, a, [kpi], [kpi])
        if change.significant:
            group = kpi.split(".")[1]
            text = label(
                "summary.deaths_change",
                lang,
                group=base.names["groups"].get(group, group),
                change=amount_text(change.mean, lang, 1, sign=True),
            )
            parts.append(f'<p class="caveat">{esc(text)} {esc(caveat)}</p>')
    return parts


def _avoided(b: Source, a: Source, base_ids: list[str], alt_ids: list[str], lang: str) -> str:
    """One sentence: hospital bed-days and admissions avoided (or added) per year."""
    parts = []
    for suffix, key in (
        ("bed_days", "summary.hospital_days_word"),
        ("admissions", "summary.admissions_word"),
    ):
        change = paired_yearly(b, a, own_kpis(b, base_ids, suffix), own_kpis(a, alt_ids, suffix))
        if not change.known:
            continue
        verb = "summary.avoided" if change.mean < 0 else "summary.added"
        amount = amount_text(abs(change.mean), lang)
        low, high = sorted((abs(change.low), abs(change.high)))
        if change.significant:
            interval = label(
                "summary.interval", lang, low=amount_text(low, lang), high=amount_text(high, lang)
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
    b = Source(base)
    years = format_number(b.years, lang, 1 if b.years % 1 else 0)
    parts = [
        '<section class="summary" id="summary">',
        f"<h2>{esc(label('summary.heading', lang))}</h2>",
        f'<p class="note">{esc(label("summary.compare_note", lang, years=years))}</p>',
    ]
    for title, run in alternatives:
        parts += _alternative(b, title, run, lang)
    parts.append(uncertain([base] + [r for _, r in alternatives], lang))
    parts.append("</section>")
    return "\n".join(parts)


def _bed_changes(b: Source, a: Source, lang: str) -> str:
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
        needed = paired(b, a, kb, ka)
        full = paired(
            b,
            a,
            [f"facility.{fid}.share_time_full"] if fid in base_ids else [],
            [f"facility.{fid}.share_time_full"] if fid in alt_ids else [],
        ).scaled(DAYS_PER_YEAR)
        away = paired(
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
                td(f"{amount_text(beds_b, lang)} → {amount_text(beds_a, lang)}", numeric=True),
                change_cell(needed, lambda v: amount_text(v, lang, 0, sign=True), lang),
                change_cell(full, lambda v: amount_text(v, lang, 0, sign=True), lang),
                change_cell(away, lambda v: amount_text(v, lang, 0, sign=True), lang),
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
