"""Intervals in summary.csv stay inside what a KPI can take (measures/bounds.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from simulator.analysis.intervals import summarise
from simulator.experiment.simulate import bounded_summary
from simulator.measures.bounds import kpi_bounds


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "replication": [0, 1, 2, 3],
            "facility.f.diversion_share": [0.0, 0.0, 0.0, 0.2],
            "year.2027.facility.f.diversion_share": [1.0, 1.0, 1.0, 0.7],
            "group.g.wait_mean": [0.0, 0.0, 0.0, 3.0],
            "facility.f.admissions.per_1000": [0.0, 0.0, 0.0, 9.0],
            "cost.payer.health_trust": [-5.0, 0.0, 0.0, 1.0],
            "facility.f.bed_days": [100.0, 110.0, 105.0, 95.0],
            "facility.f.utilisation": [1.2, 1.3, 1.1, 1.25],
        }
    )


def test_intervals_of_shares_and_waits_are_never_below_zero() -> None:
    plain = summarise(table()).set_index("kpi")
    bounded = bounded_summary(table()).set_index("kpi")
    for kpi in (
        "facility.f.diversion_share",
        "group.g.wait_mean",
        "facility.f.admissions.per_1000",
    ):
        assert plain.loc[kpi, "ci_low"] < 0  # the t-interval alone reaches below 0
        assert bounded.loc[kpi, "ci_low"] == 0.0
        assert bounded.loc[kpi, "ci_high"] == plain.loc[kpi, "ci_high"]
    # A share is at most 1, also per year.
    kpi = "year.2027.facility.f.diversion_share"
    assert plain.loc[kpi, "ci_high"] > 1
    assert bounded.loc[kpi, "ci_high"] == 1.0
    assert bounded.loc[kpi, "ci_low"] == plain.loc[kpi, "ci_low"]
    # The health trust's net cost can be negative; utilisation can exceed 1 (corridors).
    for kpi in ("cost.payer.health_trust", "facility.f.utilisation", "facility.f.bed_days"):
        assert bounded.loc[kpi, "ci_low"] == plain.loc[kpi, "ci_low"]
        assert bounded.loc[kpi, "ci_high"] == plain.loc[kpi, "ci_high"]
    assert plain.loc["cost.payer.health_trust", "ci_low"] < 0
    assert plain.loc["facility.f.utilisation", "ci_high"] > 1
    # Means, spreads and counts are untouched.
    for column in ("mean", "std", "n"):
        assert bounded[column].tolist() == plain[column].tolist()


def test_an_undefined_interval_stays_undefined() -> None:
    one = table().iloc[:1]
    bounded = bounded_summary(one).set_index("kpi")
    assert math.isnan(bounded.loc["group.g.wait_mean", "ci_low"])
    assert bounded.loc["group.g.wait_mean", "n"] == 1


def test_bounds_by_name() -> None:
    low, high = kpi_bounds(
        [
            "cost.payer.health_trust",
            "year.2028.cost.payer.health_trust.per_year",
            "group.g.municipal_share",
            "level.municipal.bed_day_share",
            "facility.f.share_time_full",
            "cost.total",
        ]
    )
    assert low.tolist() == [-math.inf, -math.inf, 0, 0, 0, 0]
    assert high.tolist() == [math.inf, math.inf, 1, 1, 1, math.inf]
    # Net of payments between payers: can be below 0.
    low, _ = kpi_bounds(
        [
            "cost.payer.municipality",
            "year.2027.cost.municipality.m.paid",
            "municipality.m.episode_payments.per_1000",
            "cost.municipality.m.caused",
        ]
    )
    assert low.tolist() == [-math.inf, -math.inf, -math.inf, 0]


@pytest.mark.parametrize("kpi", ["facility.f.wait_p90", "year.2030.group.g.deaths.per_1000"])
def test_everything_else_is_at_least_zero(kpi: str) -> None:
    low, high = kpi_bounds([kpi])
    assert (low[0], high[0]) == (0.0, math.inf)
