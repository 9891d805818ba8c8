"""Per-year KPIs, per-year and per-1 000 rates, totals per service and level, and the
municipality cost paid against caused (measures/windows.py, measures/years.py, costs.py).

The scenario runs from 1 July 2027 for 600 days: half of 2027, all of leap 2028
and part of 2029, so partial years, a leap year and every kind of cost (fixed,
per bed-day, per admission, transport, blocked-day payments) are exercised.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator import validate
from simulator.measures.kpis import compute_kpis
from simulator.measures.windows import period_window, year_windows
from simulator.measures.years import is_count, replication_kpis
from simulator.model.engine import run_replication
from simulator.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402

START, DAYS = "2027-07-01", 600
YEARS = (2027, 2028, 2029)


def spanning(**run: Any) -> dict[str, Any]:
    data = minimal_scenario()
    data["run"].update({"start_date": START, "days": DAYS, "warmup_days": 20, **run})
    data["municipalities"]["south"]["growth_per_year"] = 0.0
    data["municipalities"]["south"]["travel_minutes"] = {"kohd-north": 30, "hospital": 45}
    facilities = data["facilities"]
    facilities["kohd-north"]["costs"] = {"per_bed_year": 900_000, "per_admission": 1500}
    facilities["hospital"]["costs"] = {"per_bed_day": 12_000, "per_bed_year": 2_000_000}
    facilities["nursing-home"]["costs"] = {"per_bed_day": 2500}
    facilities["nursing-home"]["beds"] = 1  # queues, so blocked days and payments occur
    facilities["nursing-home"]["schedule"] = [{"date": "2028-03-01", "beds": 2}]
    data["groups"]["kols"]["rate_per_1000"] = 40.0
    data["costs"]["transport"] = {"per_trip": 800, "per_minute": 20, "payer": "municipality"}
    return data


@pytest.fixture(scope="module")
def measured() -> tuple[Scenario, dict[str, float]]:
    scenario = validate(spanning())
    kpis, _ = replication_kpis(run_replication(scenario, 3, 0), scenario)
    return scenario, kpis


def test_year_windows_cut_the_period_at_1_january() -> None:
    scenario = validate(spanning())
    windows = year_windows(scenario)
    assert [w.year for w in windows] == list(YEARS)
    assert [w.first_date for w in windows] == [
        dt.date(2027, 7, 1),
        dt.date(2028, 1, 1),
        dt.date(2029, 1, 1),
    ]
    assert [w.days for w in windows] == [184, 366, 50]
    assert windows[0].start == 20 and windows[-1].end == 20 + DAYS
    assert all(a.end == b.start for a, b in zip(windows, windows[1:], strict=False))
    assert [w.years for w in windows] == [184 / 365, 1.0, 50 / 365]
    assert period_window(scenario).years == pytest.approx(184 / 365 + 1 + 50 / 365, rel=1e-15)


def test_a_period_inside_one_year_has_one_window() -> None:
    scenario = validate(spanning(start_date="2026-03-01", days=30.5))
    (window,) = year_windows(scenario)
    assert window.year == 2026 and window.days == 30.5 and window.years == 30.5 / 365


def test_every_kpi_is_there_for_every_year(measured: tuple[Scenario, dict[str, float]]) -> None:
    scenario, kpis = measured
    period = compute_kpis(run_replication(scenario, 3, 0), scenario)[0]
    for year in YEARS:
        for name in period:
            assert f"year.{year}.{name}" in kpis
    assert not any(k.startswith("year.2026.") or k.startswith("year.2030.") for k in kpis)


def test_the_periods_kpis_are_unchanged_by_the_years(
    measured: tuple[Scenario, dict[str, float]],
) -> None:
    scenario, kpis = measured
    period = compute_kpis(run_replication(scenario, 3, 0), scenario)[0]
    for name, value in period.items():
        assert kpis[name] == value or (math.isnan(value) and math.isnan(kpis[name])), name


def test_counts_and_costs_of_the_years_add_up_to_the_period(
    measured: tuple[Scenario, dict[str, float]],
) -> None:
    _, kpis = measured
    counts = [k for k in kpis if not k.startswith("year.") and is_count(k)]
    assert len(counts) > 40
    for name in ("cost.total", "service.kohd.bed_days", "level.specialist.bed_days"):
        assert name in counts
    for name in counts:
        summed = sum(kpis[f"year.{y}.{name}"] for y in YEARS)
        assert summed == pytest.approx(kpis[name], rel=1e-9, abs=1e-6), name
    # Something happened in each year, so the sums are not 0 = 0.
    assert all(kpis[f"year.{y}.cost.blocked_payments"] > 0 for y in (2027, 2028))
    assert all(kpis[f"year.{y}.facility.hospital.admissions"] > 0 for y in YEARS)


def test_fixed_costs_per_year_use_the_days_of_that_year() -> None:
    """Only fixed costs: 2 KØHD beds at 900 000 a bed-year, open every day."""
    data = spanning()
    for facility in data["facilities"].values():
        facility["costs"] = {}
    data["facilities"]["kohd-north"]["costs"] = {"per_bed_year": 900_000}
    data["costs"] = {}
    scenario = validate(data)
    kpis, _ = replication_kpis(run_replication(scenario, 3, 0), scenario)
    key = "cost.facility.kohd-north"
    assert kpis[f"year.2027.{key}"] == pytest.approx(2 * 900_000 * 184 / 365, rel=1e-12)
    assert kpis[f"year.2028.{key}"] == pytest.approx(2 * 900_000, rel=1e-12)  # leap year
    assert kpis[f"year.2029.{key}"] == pytest.approx(2 * 900_000 * 50 / 365, rel=1e-12)
    # Per year: a bed-year's cost per bed in every year, partial or leap.
    for year in YEARS:
        assert kpis[f"year.{year}.{key}.per_year"] == pytest.approx(2 * 900_000, rel=1e-12)
    assert kpis[f"{key}.per_year"] == pytest.approx(2 * 900_000, rel=1e-12)


def test_per_year_divides_by_the_days_of_each_year_in_the_period(
    measured: tuple[Scenario, dict[str, float]],
) -> None:
    _, kpis = measured
    name = "facility.hospital.admissions"
    assert kpis[f"year.2027.{name}.per_year"] == kpis[f"year.2027.{name}"] / (184 / 365)
    assert kpis[f"year.2028.{name}.per_year"] == kpis[f"year.2028.{name}"]
    assert kpis[f"year.2029.{name}.per_year"] == kpis[f"year.2029.{name}"] / (50 / 365)
    years = 184 / 365 + 1 + 50 / 365
    assert kpis[f"{name}.per_year"] == pytest.approx(kpis[name] / years, rel=1e-12)


def test_per_1000_is_per_year_per_1000_inhabitants_of_the_area(
    measured: tuple[Scenario, dict[str, float]],
) -> None:
    """Constant populations (north 10 000, south 4 000): per_1000 = per_year / pop * 1000."""
    _, kpis = measured
    for prefix in ("", "year.2027.", "year.2028.", "year.2029."):
        for name, population in [
            ("cost.total", 14_000),
            ("group.kols.episodes", 14_000),
            ("level.municipal.bed_days", 14_000),
            ("municipality.north.episodes", 10_000),
            ("cost.municipality.south.paid", 4_000),
            ("facility.hospital.bed_days", 14_000),
        ]:
            key = prefix + name
            assert kpis[f"{key}.per_1000"] == pytest.approx(
                kpis[f"{key}.per_year"] / population * 1000, rel=1e-12
            ), key
    # Day counts are per year, not per inhabitant; shares and waits have no rates.
    assert "facility.hospital.days_above_85pct.per_year" in kpis
    assert "facility.hospital.days_above_85pct.per_1000" not in kpis
    assert "facility.hospital.wait_mean.per_year" not in kpis
    assert "group.kols.municipal_share.per_1000" not in kpis


def test_per_1000_follows_population_growth_and_catchments() -> None:
    data = spanning()
    data["municipalities"]["south"]["growth_per_year"] = 0.05
    data["facilities"]["kohd-north"]["serves"] = ["north"]
    data["facilities"]["kohd-south"] = {
        "service": "kohd",
        "level": "municipal",
        "beds": 1,
        "serves": ["south"],
    }
    scenario = validate(data)
    kpis, _ = replication_kpis(run_replication(scenario, 3, 0), scenario)
    key = "facility.kohd-north.admissions"
    assert kpis[f"{key}.per_1000"] == pytest.approx(kpis[f"{key}.per_year"] / 10, rel=1e-12)
    # South grows 5 % a year from 1 January 2027: more inhabitants in 2029 than in 2027.
    south = "municipality.south.episodes"
    pop_2027 = 1000 * kpis[f"year.2027.{south}.per_year"] / kpis[f"year.2027.{south}.per_1000"]
    pop_2029 = 1000 * kpis[f"year.2029.{south}.per_year"] / kpis[f"year.2029.{south}.per_1000"]
    assert 4000 * 1.05**0.5 < pop_2027 < 4000 * 1.05**1.0
    assert 4000 * 1.05**2.0 < pop_2029 < 4000 * 1.05**2.2


def test_municipality_cost_paid_and_caused(measured: tuple[Scenario, dict[str, float]]) -> None:
    """Caused (all payers) adds up to the total; paid (own bill, net of payments) to the
    municipalities' net cost; the contract's municipality.<m>.cost is the caused cost."""
    _, kpis = measured
    for prefix in ("", "year.2027.", "year.2028.", "year.2029."):
        caused = [kpis[f"{prefix}cost.municipality.{m}.caused"] for m in ("north", "south")]
        paid = [kpis[f"{prefix}cost.municipality.{m}.paid"] for m in ("north", "south")]
        assert sum(caused) == pytest.approx(kpis[f"{prefix}cost.total"], rel=1e-12)
        assert sum(paid) == pytest.approx(kpis[f"{prefix}cost.payer.municipality"], rel=1e-12)
        for m in ("north", "south"):
            assert (
                kpis[f"{prefix}municipality.{m}.cost"]
                == kpis[f"{prefix}cost.municipality.{m}.caused"]
            )
            # The hospital (health trust) costs much more than the municipal units: the
            # residents cause more than the municipality pays.
            assert (
                kpis[f"{prefix}cost.municipality.{m}.paid"]
                < kpis[f"{prefix}cost.municipality.{m}.caused"]
            )


def test_paid_is_the_municipal_share_plus_transport_plus_payments() -> None:
    """With one municipality, its own bill is every municipality-payer cost and the payments."""
    data = spanning()
    del data["municipalities"]["south"]
    scenario = validate(data)
    kpis, _ = replication_kpis(run_replication(scenario, 3, 0), scenario)
    own = (
        kpis["cost.facility.kohd-north"]
        + kpis["cost.facility.nursing-home"]
        + kpis["cost.transport"]
        + kpis["cost.blocked_payments"]
    )
    assert kpis["cost.blocked_payments"] > 0
    assert kpis["cost.municipality.north.paid"] == pytest.approx(own, rel=1e-12)


def test_totals_per_service_and_level(measured: tuple[Scenario, dict[str, float]]) -> None:
    scenario, kpis = measured
    for prefix in ("", "year.2028."):
        hospital = kpis[f"{prefix}facility.hospital.bed_days"]
        municipal = sum(
            kpis[f"{prefix}facility.{f}.bed_days"] for f in ("kohd-north", "nursing-home")
        )
        assert kpis[f"{prefix}service.hospital.bed_days"] == hospital
        assert kpis[f"{prefix}level.specialist.bed_days"] == hospital
        assert kpis[f"{prefix}level.municipal.bed_days"] == pytest.approx(municipal, rel=1e-12)
        assert kpis[f"{prefix}level.municipal.bed_day_share"] == pytest.approx(
            municipal / (municipal + hospital), rel=1e-12
        )
        assert kpis[f"{prefix}service.kohd.beds_mean"] == pytest.approx(2.0)
        assert kpis[f"{prefix}level.municipal.cost"] == pytest.approx(
            kpis[f"{prefix}cost.facility.kohd-north"] + kpis[f"{prefix}cost.facility.nursing-home"],
            rel=1e-12,
        )
    # The nursing home opens a second bed on 1 March 2028.
    assert kpis["year.2027.service.nursing_home.beds_mean"] == pytest.approx(1.0)
    assert kpis["year.2029.service.nursing_home.beds_mean"] == pytest.approx(2.0)
    assert 1.0 < kpis["year.2028.service.nursing_home.beds_mean"] < 2.0
    assert set(scenario.facilities) == {"kohd-north", "hospital", "nursing-home"}


def test_no_kpi_is_left_without_a_year(measured: tuple[Scenario, dict[str, float]]) -> None:
    _, kpis = measured
    period = [k for k in kpis if not k.startswith("year.")]
    for year in YEARS:
        assert sum(k.startswith(f"year.{year}.") for k in kpis) == len(period)
    assert np.isfinite(kpis["year.2029.cost.total"])


def test_per_1000_of_an_age_band_is_per_inhabitant_of_that_band() -> None:
    """Old: 2 000 + 5 000 (constant), young: 8 000 + 5 000, growing 10 % a year in b."""
    data: dict[str, Any] = {
        "name": "bands",
        "run": {"start_date": "2025-01-01", "days": 730, "warmup_days": 0},
        "municipalities": {
            "a": {"population": {"young": 8000, "old": 2000}},
            "b": {"population": {"young": 5000, "old": 5000}, "growth_per_year": 0.1},
        },
        "facilities": {"hospital": {"service": "hospital", "level": "specialist", "beds": 500}},
        "groups": {
            "kols": {
                "rate_per_1000": {"young": 10, "old": 60},
                "entry": {"hospital_stay": 1.0},
                "bands": {},
                "steps": {
                    "hospital_stay": {
                        "service": "hospital",
                        "los": {"dist": "fixed", "mean": 2},
                        "next": {"home": 1.0},
                    }
                },
            }
        },
    }
    scenario = validate(data)
    kpis, _ = replication_kpis(run_replication(scenario, 5, 0), scenario)
    for prefix in ("", "year.2025.", "year.2026."):
        old = f"{prefix}group.kols.band.old.episodes"
        young = f"{prefix}group.kols.band.young.episodes"
        everyone = f"{prefix}group.kols.episodes"
        old_pop = 1000 * kpis[f"{old}.per_year"] / kpis[f"{old}.per_1000"]
        young_pop = 1000 * kpis[f"{young}.per_year"] / kpis[f"{young}.per_1000"]
        all_pop = 1000 * kpis[f"{everyone}.per_year"] / kpis[f"{everyone}.per_1000"]
        assert old_pop == pytest.approx(all_pop - young_pop, rel=1e-9)
        assert 7000 < old_pop < 7000 + 5000 * (1.1**2 - 1)
    # The band's rate per 1 000 comes out near the scenario's 60 per 1 000 a year.
    assert 45 < kpis["group.kols.band.old.episodes.per_1000"] < 75
    assert 5 < kpis["group.kols.band.young.episodes.per_1000"] < 15
