"""per_1000 rates divide by the population in force, also where ``changes`` move it
(measures/years.py: population_means, rates).

A change on a date of a population or a catchment counts from that date: each
day of a window counts the inhabitants (and the municipalities served) of the
state in force that day, so a window the change falls inside gets the
population-days weighted mean.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator import simulate, validate
from simulator.measures.windows import period_window, year_windows
from simulator.measures.years import population_means, replication_kpis
from simulator.model.engine import run_replication

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import single_unit_dict  # noqa: E402

EXPONENTIAL = {"dist": "exponential", "mean": 1.0}
RATE = 2.0 * 365  # 2 episodes a day from 1 000 inhabitants: per 1 000 a year, 730


def doubling(date: str) -> dict[str, Any]:
    """1 000 inhabitants (no growth) for 2025-2026; 2 000 from ``date`` on."""
    data = single_unit_dict(50, 2.0, EXPONENTIAL, "divert", days=730, warmup=10)
    data["changes"] = [{"date": date, "set": {"municipalities.m.population": 2000}}]
    return data


def by_year(data: dict[str, Any], key: str) -> dict[int | None, float]:
    scenario = validate(data)
    windows = [period_window(scenario), *year_windows(scenario)]
    return {w.year: population_means(scenario, w)[key] for w in windows}


def test_a_window_counts_the_population_in_force_day_by_day() -> None:
    # Doubling on 1 January 2026: 2025 has 1 000, 2026 2 000, the two years 1 500.
    assert by_year(doubling("2026-01-01"), "m") == {None: 1500.0, 2025: 1000.0, 2026: 2000.0}
    # Doubling on 1 July 2026: 181 days of 1 000 and 184 of 2 000 in 2026.
    found = by_year(doubling("2026-07-01"), "m")
    assert found[2025] == 1000.0
    assert found[2026] == pytest.approx((181 * 1000 + 184 * 2000) / 365, rel=1e-12)
    assert found[None] == pytest.approx((546 * 1000 + 184 * 2000) / 730, rel=1e-12)


def test_a_catchment_moved_by_a_change_counts_from_its_date() -> None:
    data = single_unit_dict(5, 2.0, EXPONENTIAL, "divert", days=730, warmup=10)
    data["municipalities"] = {"a": {"population": 1000}, "b": {"population": 3000}}
    unit = data["facilities"]["unit"]
    data["facilities"] = {
        "unit": {**unit, "serves": ["a"]},
        "other": {**unit, "serves": ["b"]},
    }
    data["changes"] = [{"date": "2026-01-01", "set": {"facilities.unit.serves": ["a", "b"]}}]
    assert by_year(data, "serves:unit") == {None: 2500.0, 2025: 1000.0, 2026: 4000.0}
    assert by_year(data, "serves:other") == {None: 3000.0, 2025: 3000.0, 2026: 3000.0}
    # The region's inhabitants do not move.
    scenario = validate(data)
    kpis, _ = replication_kpis(run_replication(scenario, 5, 0), scenario)
    for prefix, people in (("", 2500), ("year.2025.", 1000), ("year.2026.", 4000)):
        key = f"{prefix}facility.unit.admissions"
        assert kpis[f"{key}.per_1000"] == pytest.approx(
            kpis[f"{key}.per_year"] / people * 1000, rel=1e-12
        ), key
        key = f"{prefix}group.g.episodes"
        assert kpis[f"{key}.per_1000"] == pytest.approx(
            kpis[f"{key}.per_year"] / 4000 * 1000, rel=1e-12
        ), key


def test_per_1000_of_the_second_year_uses_the_doubled_population() -> None:
    table = simulate(
        validate(doubling("2026-01-01")), replications=10, seed=11, jobs=1
    ).replications
    for prefix, people in (("year.2025.", 1000), ("year.2026.", 2000), ("", 1500)):
        for key in (f"{prefix}group.g.episodes", f"{prefix}facility.unit.admissions"):
            np.testing.assert_allclose(
                table[f"{key}.per_1000"], table[f"{key}.per_year"] / people * 1000, rtol=1e-12
            )
    # Demand doubles with the population, so episodes per 1 000 inhabitants stay at the
    # rate: about 730 a year in both years (dividing 2026 by 1 000 would give 1 460).
    for year in (2025, 2026):
        rate = table[f"year.{year}.group.g.episodes.per_1000"].to_numpy(dtype=float)
        se = rate.std(ddof=1) / math.sqrt(len(rate))
        assert abs(rate.mean() - RATE) < 4 * se + 1e-9, (year, rate.mean(), se)
        assert se < 0.03 * RATE  # a wrong population is 100 % off
