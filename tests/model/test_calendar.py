"""The calendar sits on the dates for every warm-up, fractional ones included.

Simulated time ``t`` is the moment ``start_date + (t - warmup_days)``: collection
starts at midnight of ``start_date``. A fractional warm-up (0.5 days) must not
shift weekday profiles, seasons or bed schedules against the calendar: each
test here failed when the calendar was anchored to the whole day before the
simulation's start (a Monday's arrivals came out about 30 % low, a schedule
dated ``start_date`` took effect half a day into the period).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator import validate
from simulator.measures.kpis import compute_kpis
from simulator.model.calendar import Calendar
from simulator.model.demand import demand_streams
from simulator.model.engine import run_replication
from simulator.model.records import Episode, Occupancy

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import single_unit_dict  # noqa: E402

START = dt.date(2025, 1, 6)  # a Monday


@pytest.mark.parametrize("warmup", [0.0, 0.25, 0.5, 3.0, 7.75])
def test_start_date_is_collection_time_zero(warmup: float) -> None:
    cal = Calendar(START, warmup, warmup + 30)
    assert cal.time_of(START) == warmup
    assert cal.time_of(START + dt.timedelta(days=2)) == warmup + 2
    # The calendar day of each moment: start_date from t = warmup, the day before just before.
    doy, weekday = cal.day_table
    at_start = cal.day_index(np.array([warmup, warmup + 0.999, warmup + 1.0]))
    assert weekday[at_start].tolist() == [0, 0, 1]  # Monday, Monday, Tuesday
    assert doy[at_start].tolist() == [6, 6, 7]
    if warmup > 0:
        before = cal.day_index(np.array([warmup - 1e-6, 0.0]))
        assert weekday[before].tolist() == [6, (-math.ceil(warmup)) % 7]  # Sunday, ...
    # Fractional years run in 365.25-day steps from 1 January of sim_start's year.
    assert cal.year_of(warmup) - cal.year_of(0.0) == pytest.approx(warmup / 365.25, abs=1e-12)
    if cal.sim_start.year == START.year:
        assert cal.year_of(warmup) == pytest.approx(2025 + 5 / 365.25, abs=1e-12)


def weekday_scenario(warmup: float, days: float) -> dict[str, Any]:
    data = single_unit_dict(10_000, 40.0, {"dist": "fixed", "mean": 0.01}, "divert", days, warmup)
    data["run"]["start_date"] = START.isoformat()
    # Monday three times the mean of the others, Sunday none.
    data["groups"]["g"]["weekday"] = [3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    return data


def test_weekday_arrivals_follow_the_calendar_with_a_fractional_warmup() -> None:
    """Arrivals in the collection period by calendar weekday match the profile exactly.

    With the calendar half a day off, the Sunday count was half a Monday's (not 0)
    and Mondays came out low: this test failed.
    """
    warmup, weeks = 0.5, 30
    scenario = validate(weekday_scenario(warmup, 7 * weeks))
    record = run_replication(scenario, 5, 0)
    arrival = record.episodes[:, Episode.ARRIVAL]
    collected = arrival[arrival >= warmup] - warmup  # days since midnight of start_date
    weekday = np.floor(collected).astype(np.int64) % 7  # START is a Monday
    counts = np.bincount(weekday, minlength=7)
    assert counts[6] == 0, f"arrivals on Sundays, whose factor is 0: {counts}"
    factors = np.array([3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    expected = 40.0 * factors / factors.mean() * weeks
    statistic = float((((counts[:6] - expected[:6]) ** 2) / expected[:6]).sum())
    assert stats.chi2.sf(statistic, df=6) > 0.001, (counts, expected)
    # Mondays alone: within 4 Poisson standard errors of 3 x 7/8 x 40 per Monday.
    assert abs(counts[0] - expected[0]) < 4 * math.sqrt(expected[0]), (counts, expected)


def test_expected_arrivals_by_weekday_do_not_depend_on_the_warmup() -> None:
    """The rate on the first Monday of the period is the same whatever the warm-up."""
    rates = []
    for warmup in (0.0, 0.5, 0.3, 1.0, 2.5):
        (stream,) = demand_streams(validate(weekday_scenario(warmup, 14)))
        rates.append(
            [stream.expected(warmup + d, warmup + d + 1, points_per_day=64) for d in range(7)]
        )
    np.testing.assert_allclose(rates, [rates[0]] * len(rates), rtol=1e-12)
    assert rates[0][6] == 0.0 and rates[0][0] == pytest.approx(40 * 3 / (8 / 7))


def test_seasonal_peak_sits_on_its_date_with_a_fractional_warmup() -> None:
    """The seasonal rate at midnight of start_date is that of its day of year."""
    rates = []
    for warmup in (0.0, 0.5):
        data = weekday_scenario(warmup, 10)
        del data["groups"]["g"]["weekday"]
        data["groups"]["g"]["seasonality"] = {"amplitude": 0.9, "peak_day_of_year": 6}
        (stream,) = demand_streams(validate(data))
        rates.append(stream.rate(np.array([warmup, warmup + 0.5, warmup + 3.0])))
    np.testing.assert_allclose(rates[1], rates[0], rtol=1e-12)


@pytest.mark.parametrize("warmup", [0.5, 0.25, 2.0])
def test_schedule_dated_start_date_is_in_force_from_collection_time_zero(warmup: float) -> None:
    data = single_unit_dict(5, 1.0, {"dist": "exponential", "mean": 1.0}, "queue", 20, warmup)
    data["run"]["start_date"] = START.isoformat()
    data["facilities"]["unit"]["schedule"] = [{"date": START.isoformat(), "beds": 2}]
    scenario = validate(data)
    record = run_replication(scenario, 1, 0)
    log = record.occupancy[0]
    changed = np.flatnonzero(np.diff(log[:, Occupancy.CAPACITY]) != 0) + 1
    assert log[changed, Occupancy.TIME].tolist() == [warmup]
    assert log[changed, Occupancy.CAPACITY].tolist() == [2]
    kpis, _ = compute_kpis(record, scenario)
    assert kpis["facility.unit.beds_mean"] == 2.0


def test_schedule_before_the_simulation_applies_from_its_start() -> None:
    data = single_unit_dict(5, 1.0, {"dist": "exponential", "mean": 1.0}, "queue", 10, 0.5)
    data["run"]["start_date"] = START.isoformat()
    # The day before start_date begins at t = -0.5: in force from time 0.
    data["facilities"]["unit"]["schedule"] = [
        {"date": (START - dt.timedelta(days=1)).isoformat(), "beds": 3}
    ]
    record = run_replication(validate(data), 1, 0)
    assert set(record.occupancy[0][:, Occupancy.CAPACITY].tolist()) == {3}
