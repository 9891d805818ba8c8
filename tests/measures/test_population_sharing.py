"""Cost split by population uses the population in force each day (decision 55).

``costs.sharing: population`` splits each day's cost of a facility by the
inhabitants of its catchment in force that day, and an unused facility's fixed
cost is split by its catchment's population-days over the period: a population
that doubles on a date carries more from that date on, not from the start and
not never.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from simulator.measures.population import population_means
from simulator.measures.windows import period_window
from simulator.measures.years import replication_kpis
from simulator.model.calendar import DAYS_PER_CALENDAR_YEAR
from simulator.model.engine import run_replication
from simulator.scenario.validation import validate

PER_BED_YEAR = 100_000.0
BEDS = 200


def _scenario(change: str | None, **unit_costs: Any) -> dict[str, Any]:
    """a: 3 000 inhabitants, b: 1 000 (2 000 from ``change``); 2025-01-01 to 2028-01-01.

    Only the unit costs anything, a fixed cost per bed-year with its beds open
    throughout, so each day costs the same (1/365 of a bed-year, 1/366 in 2028).
    """
    data: dict[str, Any] = {
        "name": "sharing",
        "run": {"start_date": "2025-01-01", "days": 3 * 365 + 1, "warmup_days": 0},
        "municipalities": {
            "a": {"population": 3000, "travel_minutes": {"unit": 20}},
            "b": {"population": 1000, "travel_minutes": {"unit": 40}},
        },
        "facilities": {
            "unit": {
                "service": "unit",
                "level": "municipal",
                "beds": BEDS,
                "when_full": "overflow",
                "costs": {"per_bed_year": PER_BED_YEAR, **unit_costs},
            },
        },
        "groups": {
            "g": {
                "rate_per_1000": 0.5 * 365 / 4,
                "entry": {"stay": 1.0},
                "steps": {
                    "stay": {
                        "service": "unit",
                        "los": {"dist": "exponential", "mean": 3.0},
                        "next": {"home": 1.0},
                    },
                },
            }
        },
        "costs": {"transport": {"per_trip": 0, "per_minute": 0}},
    }
    if change is not None:
        data["changes"] = [{"date": change, "set": {"municipalities.b.population": 2000}}]
    return data


def _kpis(data: dict[str, Any]) -> dict[str, float]:
    scenario = validate(copy.deepcopy(data))
    return replication_kpis(run_replication(scenario, 3, 0), scenario)[0]


def _share_b(kpis: dict[str, float], prefix: str = "") -> float:
    return kpis[f"{prefix}municipality.b.cost"] / kpis[f"{prefix}cost.facility.unit"]


def test_population_key_follows_a_doubling_from_its_date() -> None:
    kpis = _kpis(_scenario("2026-01-01", sharing="population"))
    # Before the doubling b is 1 of 4 thousand, after it 2 of 5.
    assert _share_b(kpis, "year.2025.") == pytest.approx(0.25, rel=1e-12)
    for year in (2026, 2027, 2028):
        assert _share_b(kpis, f"year.{year}.") == pytest.approx(0.4, rel=1e-12)
    # The period: each day's cost by that day's key (365 days at 1/4, 731 at 2/5).
    day, leap_day = PER_BED_YEAR * BEDS / 365, PER_BED_YEAR * BEDS / 366
    expected = (365 * day * 0.25 + 730 * day * 0.4 + leap_day * 0.4) / (1095 * day + leap_day)
    assert _share_b(kpis) == pytest.approx(expected, rel=1e-12)
    # The years add up to the period, municipality by municipality.
    for mid in ("a", "b"):
        years = sum(kpis[f"year.{y}.municipality.{mid}.cost"] for y in range(2025, 2029))
        assert years == pytest.approx(kpis[f"municipality.{mid}.cost"], rel=1e-12)
    assert kpis["municipality.a.cost"] + kpis["municipality.b.cost"] == pytest.approx(
        kpis["cost.facility.unit"], rel=1e-12
    )
    # Without the change b keeps its quarter throughout (the base population was used before).
    steady = _kpis(_scenario(None, sharing="population"))
    assert _share_b(steady) == pytest.approx(0.25, rel=1e-12)
    assert _share_b(kpis) > _share_b(steady) + 0.1


def test_population_key_weighs_a_year_by_the_days_on_each_side_of_the_date() -> None:
    kpis = _kpis(_scenario("2026-07-01", sharing="population"))
    assert _share_b(kpis, "year.2026.") == pytest.approx((181 * 0.25 + 184 * 0.4) / 365, rel=1e-12)
    assert _share_b(kpis, "year.2025.") == pytest.approx(0.25, rel=1e-12)
    assert _share_b(kpis, "year.2027.") == pytest.approx(0.4, rel=1e-12)


def test_population_key_follows_growth() -> None:
    data = _scenario(None, sharing="population")
    data["municipalities"]["b"]["growth_per_year"] = 0.2
    kpis = _kpis(data)
    shares = [_share_b(kpis, f"year.{y}.") for y in (2025, 2026, 2027)]
    assert shares[0] > 0.25 and shares[0] < shares[1] < shares[2]
    # 2026: the mean over its days of b's inhabitants / everyone's (a fixed, same cost a day).
    years = 2025 + (365 + 0.5 + np.arange(365)) / DAYS_PER_CALENDAR_YEAR
    b = 1000 * 1.2 ** (years - 2025)
    assert shares[1] == pytest.approx(float((b / (b + 3000)).mean()), rel=1e-9)


def test_an_unused_facility_is_split_by_population_days_over_the_period() -> None:
    data = _scenario("2026-01-01")
    data["facilities"]["unit"]["costs"] = {}  # the unit costs nothing
    data["facilities"]["spare"] = {
        "service": "spare",
        "level": "municipal",
        "beds": 10,
        "costs": {"per_bed_year": PER_BED_YEAR},
    }
    kpis = _kpis(data)
    assert kpis["facility.spare.bed_days"] == 0
    scenario = validate(copy.deepcopy(data))
    people = population_means(scenario, period_window(scenario))
    assert people["b"] == pytest.approx((365 * 1000 + 731 * 2000) / 1096, rel=1e-12)
    expected = people["b"] / (people["a"] + people["b"])
    share = kpis["municipality.b.cost"] / kpis["cost.facility.spare"]
    assert share == pytest.approx(expected, rel=1e-12)
    assert share > 0.25 + 0.1  # the base population (1 000 of 4 000) would give 0.25
