"""Intervals over replications: the vectorised summary equals the per-KPI interval exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.analysis.intervals import (
    daily_bands,
    occupancy_distribution,
    summarise,
    t_interval,
    t_quantile,
    wait_distribution,
)


@pytest.mark.parametrize("df", [1, 2, 3, 7, 9, 30, 199, 9_999])
@pytest.mark.parametrize("probability", [0.975, 0.95, 0.995, 0.5])
def test_t_quantile_is_scipy_stats_to_the_bit(probability: float, df: int) -> None:
    assert t_quantile(probability, df) == float(stats.t.ppf(probability, df))


def test_t_quantile_of_no_degrees_of_freedom_is_nan() -> None:
    assert math.isnan(t_quantile(0.975, 0))


@pytest.mark.parametrize("runs", [1, 2, 5, 8, 9, 33, 130])
def test_summary_equals_each_kpis_interval_to_the_bit(runs: int) -> None:
    """Every row as :func:`t_interval` of its column alone, for 8+ replications too.

    (numpy sums a column alone pairwise; summing a table down its columns adds in
    a different order, which changes the last bits and so the files written.)
    """
    rng = np.random.default_rng(runs)
    values = rng.lognormal(3, 2, size=(runs, 60)) * rng.choice([1e-3, 1, 1e6], size=60)
    values[:, 0] = np.nan  # never defined
    values[0, 1:4] = np.nan  # undefined in one replication
    values[-1, 4] = np.inf
    values[:, 5] = 7.25  # no spread
    table = pd.DataFrame(values, columns=[f"kpi{i}" for i in range(60)])
    table.insert(0, "replication", range(runs))
    summary = summarise(table)
    assert list(summary.columns) == ["kpi", "mean", "std", "ci_low", "ci_high", "n"]
    assert summary["n"].dtype == np.int64
    assert list(summary["kpi"]) == [f"kpi{i}" for i in range(60)]
    for i, row in enumerate(summary.itertuples(index=False)):
        expected = t_interval(values[:, i])
        got = (row.mean, row.std, row.ci_low, row.ci_high, row.n)
        assert np.array_equal(np.array(got, dtype=float), np.array(expected), equal_nan=True), i
    assert summary["n"].iloc[0] == 0 and summary["n"].iloc[1] == runs - (runs > 0)


def test_daily_bands_run_facility_after_facility() -> None:
    rng = np.random.default_rng(3)
    daily = rng.integers(0, 9, size=(5, 3, 4)).astype(float)
    capacity = np.full((5, 3, 4), 8.0)
    capacity[:, 1, 2:] = 10.0
    dates = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]
    bands = daily_bands(daily, capacity, dates, ("a", "b", "c"))
    assert list(bands.columns) == ["day", "facility", "mean", "p05", "p95", "beds"]
    assert list(bands["facility"]) == ["a"] * 4 + ["b"] * 4 + ["c"] * 4
    assert list(bands["day"]) == dates * 3
    at = bands.iloc[6]  # facility b, third day
    assert at["mean"] == daily[:, 1, 2].mean() and at["beds"] == 10.0
    assert at["p05"] == np.quantile(daily[:, 1, 2], 0.05)
    assert at["p95"] == np.quantile(daily[:, 1, 2], 0.95)


def test_occupancy_distribution_pads_shorter_replications_with_zero() -> None:
    shares = [
        [np.array([0.5, 0.5]), np.array([1.0])],
        [np.array([0.25, 0.25, 0.5]), np.array([0.5, 0.5])],
    ]
    table = occupancy_distribution(shares, ("a", "b"))
    assert list(table["facility"]) == ["a", "a", "a", "b", "b"]
    assert list(table["occupied"]) == [0, 1, 2, 0, 1]
    assert list(table["share"]) == [0.375, 0.375, 0.25, 0.75, 0.25]


def test_wait_distribution_leaves_out_replications_without_admissions() -> None:
    quantiles = np.array([[[1.0, 2.0], [np.nan, np.nan]], [[3.0, 4.0], [5.0, 6.0]]])
    table = wait_distribution(quantiles, np.array([0.5, 0.9]), ("g", "h"))
    assert list(table["group"]) == ["g", "g", "h", "h"]
    assert list(table["probability"]) == [0.5, 0.9, 0.5, 0.9]
    assert list(table["wait_days"]) == [2.0, 3.0, 5.0, 6.0]
    assert wait_distribution(np.zeros((2, 0, 2)), np.array([0.5, 0.9]), ()).empty
