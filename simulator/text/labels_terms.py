"""Labels of the model's words: KPIs, costs, units, services, payers, levels, months.

Keys ``kpi.*``, ``cost.*``, ``unit.*``, ``section.*``, ``service.*``,
``payer.*``, ``level.*``, ``when_full.*``, ``month.1..12`` and ``rate.*`` (the
time span a figure covers: over the period, in a year, per year, per 1 000
inhabitants per year), each in English
and Norwegian (bokmål); :data:`UNITS` gives each KPI suffix its unit. Read them
through :func:`simulator.text.labels.label`.
"""

from __future__ import annotations

__all__ = ["TERMS", "UNITS"]

_L = dict[str, tuple[str, str]]

_KPI: _L = {
    "admissions": ("admissions", "innleggelser"),
    "diversions": ("diverted patients", "avviste pasienter"),
    "diversion_share": ("diverted", "avvist"),
    "occupancy_mean": ("mean beds used", "belagte senger (snitt)"),
    "occupancy_p95": ("beds used, 95th percentile", "belagte senger, 95-persentil"),
    "utilisation": ("utilisation", "beleggsprosent"),
    "beds_mean": ("open beds", "åpne senger"),
    "share_time_full": ("share of time full", "andel av tiden fullt"),
    "corridor_share": ("admitted to a corridor", "lagt inn på korridor"),
    "offered_load": ("offered load (beds)", "tilbudt belastning (senger)"),
    "days_above_85pct": ("days above 85 %", "dager over 85 %"),
    "days_above_100pct": ("days above 100 %", "dager over 100 %"),
    "overflow_days": ("corridor days", "korridordøgn"),
    "blocked_days": ("blocked days", "utskrivningsklare døgn"),
    "bed_days": ("bed-days", "liggedøgn"),
    "wait_mean": ("mean wait (days)", "ventetid, snitt (dager)"),
    "wait_p90": ("wait, 90th percentile (days)", "ventetid, 90-persentil (dager)"),
    "still_waiting_at_end": (
        "patients waiting for a bed at the end",
        "pasienter som venter på seng ved periodens slutt",
    ),
    "waits_unresolved": (
        "still waiting after the follow-up",
        "venter fortsatt etter oppfølgingen",
    ),
    "episodes": ("episodes", "forløp"),
    "municipal_share": ("share of bed-days at municipal level", "andel liggedøgn i kommunen"),
    "deaths": ("deaths", "dødsfall"),
    "readmission_30d": (
        "readmitted within 30 days of a hospital discharge",
        "reinnlagt innen 30 dager etter utskrivning fra sykehus",
    ),
    "mortality_30d": (
        "died within 30 days of the first admission",
        "død innen 30 dager etter første innleggelse",
    ),
    "band": ("age", "alder"),
    "max_stay_transfers": (
        "moved on at the maximum stay",
        "flyttet videre ved maksimal liggetid",
    ),
    "max_wait_switches": (
        "sent to the alternative after the maximum wait",
        "sendt til alternativet etter maksimal ventetid",
    ),
    "region": ("the region's patients", "regionens pasienter"),
    "travel_minutes_mean": ("mean travel (minutes)", "reisetid, snitt (minutter)"),
    "cost": ("cost (NOK)", "kostnad (kr)"),
    "blocked_payments": ("blocked-day payments (NOK)", "betaling for utskrivningsklare (kr)"),
    "episode_payments": (
        "payments per episode received (NOK)",
        "betaling per forløp mottatt (kr)",
    ),
    "paid": (
        "paid by the municipality, net of payments (NOK)",
        "betalt av kommunen, netto etter betalinger (kr)",
    ),
    "caused": (
        "cost its residents cause, all payers (NOK)",
        "kostnad innbyggerne gir, alle betalere (kr)",
    ),
    "bed_day_share": ("share of all bed-days", "andel av alle liggedøgn"),
    "hospital_admissions": ("hospital admissions", "sykehusinnleggelser"),
    "hospital_bed_days": ("hospital bed-days", "liggedøgn i sykehus"),
    "population": ("inhabitants", "innbyggere"),
}

_RATE: _L = {
    "period": ("over the period", "for perioden"),
    "year": ("in {year}", "i {year}"),
    "per_year": ("per year", "per år"),
    "per_1000": ("per 1 000 inhabitants per year", "per 1 000 innbyggere per år"),
}

_COST: _L = {
    "total": ("total cost", "total kostnad"),
    "payer.municipality": (
        "paid by the municipalities, net of payments",
        "betalt av kommunene, netto etter betalinger",
    ),
    "payer.health_trust": (
        "paid by the health trust, net of payments received",
        "betalt av helseforetaket, netto etter innbetalinger",
    ),
    "gross.municipality": (
        "municipalities' own costs (gross)",
        "kommunenes egne kostnader (brutto)",
    ),
    "gross.health_trust": (
        "health trust's own costs (gross)",
        "helseforetakets egne kostnader (brutto)",
    ),
    "transport": ("transport cost", "transportkostnad"),
    "blocked_payments": (
        "blocked-day payments (municipalities → health trust)",
        "betaling for utskrivningsklare (kommuner → helseforetak)",
    ),
    "episode_payments": (
        "payments per episode between payers",
        "betaling per forløp mellom betalere",
    ),
    "per_episode": ("cost per episode", "kostnad per forløp"),
    "steps": ("cost of the steps themselves", "kostnad for selve stegene"),
}

_UNIT: _L = {
    "beds": ("beds", "senger"),
    "share": ("%", "%"),
    "share_points": ("percentage points", "prosentpoeng"),
    "pp": ("pp", "%-poeng"),
    "days": ("days", "dager"),
    "day_count": ("days", "dager"),
    "bed_days": ("bed-days", "døgn"),
    "patients": ("patients", "pasienter"),
    "episodes": ("episodes", "forløp"),
    "minutes": ("minutes", "minutter"),
    "nok": ("NOK", "kr"),
    "mnok": ("million NOK", "millioner kr"),
    "count": ("number", "antall"),
}

_SECTION: _L = {
    "facility": ("Facilities", "Enheter"),
    "group": ("Patient groups", "Pasientgrupper"),
    "municipality": ("Municipalities", "Kommuner"),
    "cost": ("Costs", "Kostnader"),
    "service": ("Services", "Tjenester"),
    "level": ("Levels of care", "Omsorgsnivå"),
    "year": ("Year by year", "År for år"),
}

_SERVICE: _L = {
    "kohd": ("KØHD / KAD beds", "KØHD / KAD-senger"),
    "hospital": ("hospital wards", "sykehusavdelinger"),
    "dps": ("psychiatric beds (DPS)", "psykiatriske senger (DPS)"),
    "rehab": ("rehabilitation", "rehabilitering"),
    "nursing_home": ("short-term nursing-home places", "korttidsplasser i sykehjem"),
    "transport": ("transport", "transport"),
    "all": ("all facilities", "alle enheter"),
}

_PAYER: _L = {
    "municipality": ("municipalities", "kommunene"),
    "health_trust": ("health trust", "helseforetaket"),
}

_LEVEL: _L = {
    "municipal": ("municipal", "kommunal"),
    "specialist": ("specialist", "spesialist"),
    "all": ("level, all facilities", "nivå, alle enheter"),
}

_WHEN_FULL: _L = {
    "queue": ("queue", "kø"),
    "divert": ("divert", "avvis"),
    "overflow": ("overflow (corridor)", "overbelegg (korridor)"),
    "divert_to": ("divert to step {step}", "videre til steg {step}"),
}

_MONTH: _L = {
    str(i + 1): (en, nb)
    for i, (en, nb) in enumerate(
        zip(
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
            ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
            strict=True,
        )
    )
}

TERMS: dict[str, tuple[str, str]] = {
    **{f"kpi.{k}": v for k, v in _KPI.items()},
    **{f"cost.{k}": v for k, v in _COST.items()},
    **{f"unit.{k}": v for k, v in _UNIT.items()},
    **{f"section.{k}": v for k, v in _SECTION.items()},
    **{f"service.{k}": v for k, v in _SERVICE.items()},
    **{f"payer.{k}": v for k, v in _PAYER.items()},
    **{f"level.{k}": v for k, v in _LEVEL.items()},
    **{f"when_full.{k}": v for k, v in _WHEN_FULL.items()},
    **{f"month.{k}": v for k, v in _MONTH.items()},
    **{f"rate.{k}": v for k, v in _RATE.items()},
}
"""The model's words by key: key -> (English, Norwegian bokmål)."""

UNITS: dict[str, str] = {
    "admissions": "patients",
    "diversions": "patients",
    "diversion_share": "share",
    "occupancy_mean": "beds",
    "occupancy_p95": "beds",
    "utilisation": "share",
    "beds_mean": "beds",
    "share_time_full": "share",
    "corridor_share": "share",
    "offered_load": "beds",
    "days_above_85pct": "day_count",
    "days_above_100pct": "day_count",
    "overflow_days": "bed_days",
    "blocked_days": "bed_days",
    "bed_days": "bed_days",
    "wait_mean": "days",
    "wait_p90": "days",
    "still_waiting_at_end": "patients",
    "waits_unresolved": "patients",
    "episodes": "episodes",
    "municipal_share": "share",
    "deaths": "patients",
    "readmission_30d": "share",
    "mortality_30d": "share",
    "max_stay_transfers": "patients",
    "max_wait_switches": "patients",
    "travel_minutes_mean": "minutes",
    "cost": "nok",
    "blocked_payments": "nok",
    "episode_payments": "nok",
    "paid": "nok",
    "caused": "nok",
    "bed_day_share": "share",
    "hospital_admissions": "patients",
    "hospital_bed_days": "bed_days",
}
"""The unit of each KPI suffix (a ``unit.*`` label key); every ``cost.*`` KPI is in NOK."""
