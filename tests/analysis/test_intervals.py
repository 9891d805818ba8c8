"""Intervals over replications: the vectorised summary equals the per-KPI interval exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.analysis.intervals import summarise, t_interval, t_quantile


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
