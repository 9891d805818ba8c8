"""Fixed costs per bed-year are prorated by the days of each calendar year, leap years too.

A bed open for a whole calendar year costs ``per_bed_year`` whether the year
has 365 or 366 days; a day's open beds are 1/365 (or 1/366) of a bed-year. The
old rule divided bed-days by 365 always, so 2028 cost 366/365 of a year.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

from simulator import validate
from simulator.measures.kpis import compute_kpis
from simulator.model.calendar import year_lengths
from simulator.model.engine import run_replication

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import single_unit_dict  # noqa: E402

PER_BED_YEAR = 1_000_000.0


def fixed_only(start: str, days: float, beds: int = 10, **facility: Any) -> dict[str, Any]:
    """One unit whose only cost is per_bed_year (a few patients, costing nothing)."""
    data = single_unit_dict(beds, 0.1, {"dist": "exponential", "mean": 1.0}, "divert", days, 7)
    data["run"]["start_date"] = start
    data["facilities"]["unit"]["costs"] = {"per_bed_year": PER_BED_YEAR}
    data["facilities"]["unit"].update(facility)
    return data


def fixed_cost(data: dict[str, Any]) -> float:
    scenario = validate(data)
    kpis, _ = compute_kpis(run_replication(scenario, 1, 0), scenario)
    assert kpis["cost.transport"] == 0
    return kpis["cost.facility.unit"]


@pytest.mark.parametrize("year", [2025, 2027, 2028, 2100, 2000])
def test_a_whole_calendar_year_costs_one_bed_year_per_bed(year: int) -> None:
    days = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
    assert fixed_cost(fixed_only(f"{year}-01-01", days)) == pytest.approx(
        10 * PER_BED_YEAR, rel=1e-12
    )


def test_a_period_across_2028_is_prorated_by_each_years_days() -> None:
    """1 July 2027 to 30 June 2028: 184 days of 2027 and 182 days of leap 2028."""
    expected = 10 * PER_BED_YEAR * (184 / 365 + 182 / 366)
    assert fixed_cost(fixed_only("2027-07-01", 366)) == pytest.approx(expected, rel=1e-12)
    # The old rule: 366 bed-days per bed / 365.
    assert expected < 10 * PER_BED_YEAR * 366 / 365 * (1 - 1e-4)


def test_a_schedule_inside_the_leap_year_is_prorated_too() -> None:
    """10 beds, then 4 from 1 March 2028 (after 29 February): 60 days and 306 days."""
    data = fixed_only("2028-01-01", 366, schedule=[{"date": "2028-03-01", "beds": 4}])
    expected = PER_BED_YEAR * (10 * 60 + 4 * 306) / 366
    assert fixed_cost(data) == pytest.approx(expected, rel=1e-12)


def test_a_partial_last_day_counts_its_share() -> None:
    """Half a day of 1 January 2028 after all of 2027."""
    expected = 10 * PER_BED_YEAR * (1 + 0.5 / 366)
    assert fixed_cost(fixed_only("2027-01-01", 365.5)) == pytest.approx(expected, rel=1e-12)


def test_year_lengths() -> None:
    lengths = year_lengths(dt.date(2027, 12, 30), 4)
    assert lengths.tolist() == [365, 365, 366, 366]
    assert year_lengths(dt.date(2100, 2, 28), 2).tolist() == [365, 365]
    assert year_lengths(dt.date(2000, 2, 28), 2).tolist() == [366, 366]
