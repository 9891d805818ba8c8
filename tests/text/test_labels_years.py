"""Labels of per-year KPIs, rates, totals and the two municipality costs (text/labels.py).

Every money figure says the time it covers: over the period, in a year, or
per year; shares and waits say the year where they have one.
"""

from __future__ import annotations

import pytest

from simulator.text.labels import kpi_label, kpi_span, kpi_unit, label

NAMES = {
    "facilities": {"dms": "DMS Senja"},
    "municipalities": {"senja": "Senja"},
    "groups": {"kols": "COPD"},
}


def test_kpi_span_splits_year_and_rate() -> None:
    assert kpi_span("cost.total") == ("cost.total", None, None)
    assert kpi_span("year.2027.cost.total") == ("cost.total", 2027, None)
    assert kpi_span("year.2027.facility.dms.admissions.per_1000") == (
        "facility.dms.admissions",
        2027,
        "per_1000",
    )
    assert kpi_span("cost.municipality.senja.paid.per_year") == (
        "cost.municipality.senja.paid",
        None,
        "per_year",
    )


@pytest.mark.parametrize(
    ("kpi", "english", "norwegian"),
    [
        ("cost.total", "total cost over the period", "total kostnad for perioden"),
        ("cost.total.per_year", "total cost per year", "total kostnad per år"),
        ("year.2028.cost.total", "total cost in 2028", "total kostnad i 2028"),
        (
            "cost.facility.dms",
            "DMS Senja: cost over the period (NOK)",
            "DMS Senja: kostnad for perioden (kr)",
        ),
        (
            "year.2027.cost.municipality.senja.paid",
            "Senja: paid by the municipality, net of payments, in 2027 (NOK)",
            "Senja: betalt av kommunen, netto etter betalinger, i 2027 (kr)",
        ),
        (
            "cost.municipality.senja.caused.per_year",
            "Senja: cost its residents cause, all payers, per year (NOK)",
            "Senja: kostnad innbyggerne gir, alle betalere, per år (kr)",
        ),
        (
            "municipality.senja.cost",
            "Senja: cost its residents cause, all payers, over the period (NOK)",
            "Senja: kostnad innbyggerne gir, alle betalere, for perioden (kr)",
        ),
        (
            "facility.dms.admissions.per_1000",
            "DMS Senja: admissions per 1 000 inhabitants per year",
            "DMS Senja: innleggelser per 1 000 innbyggere per år",
        ),
        ("year.2029.group.kols.wait_mean", "COPD: mean wait in 2029 (days)", None),
        ("facility.dms.admissions", "DMS Senja: admissions", "DMS Senja: innleggelser"),
        (
            "band.75-79.hospital_admissions.per_1000",
            "age 75-79: hospital admissions per 1 000 inhabitants per year",
            "alder 75-79: sykehusinnleggelser per 1 000 innbyggere per år",
        ),
        ("year.2026.band.80+.population", "age 80+: inhabitants in 2026", None),
    ],
)
def test_labels_say_the_time_they_cover(kpi: str, english: str, norwegian: str | None) -> None:
    assert kpi_label(kpi, NAMES, "en") == english
    if norwegian is not None:
        assert kpi_label(kpi, NAMES, "nb") == norwegian


def test_every_money_label_names_its_time_span() -> None:
    spans = [label(f"rate.{k}", "en", year=2027) for k in ("period", "year", "per_year")]
    for kpi in [
        "cost.total",
        "cost.payer.municipality",
        "cost.payer.health_trust.per_year",
        "year.2027.cost.transport",
        "cost.facility.dms",
        "cost.municipality.senja.paid",
        "municipality.senja.cost",
        "municipality.senja.blocked_payments",
        "service.kohd.cost",
        "year.2027.level.municipal.cost.per_1000",
    ]:
        assert kpi_unit(kpi) == "nok", kpi
        text = kpi_label(kpi, NAMES, "en")
        assert any(s in text for s in spans), text


def test_totals_per_service_and_level_are_labelled() -> None:
    assert kpi_label("service.kohd.bed_days", NAMES, "en") == (
        "KØHD / KAD beds (all facilities): bed-days"
    )
    assert kpi_label("level.specialist.bed_days", NAMES, "nb") == (
        "spesialist (nivå, alle enheter): liggedøgn"
    )
    assert kpi_unit("level.municipal.bed_day_share") == "share"
    assert kpi_unit("year.2027.service.hospital.bed_days.per_1000") == "bed_days"
