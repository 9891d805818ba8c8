"""Replication advice and the sequential --precision procedure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from helpers import single_unit_dict
from scipy import stats

from simulator import simulate, validate
from simulator.analysis.precision import advice, replications_needed


def half_width(sd: float, n: int) -> float:
    return float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)


def test_replications_needed_is_the_smallest_n_that_meets_the_target() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(100, 15, 12)
    sd, mean = x.std(ddof=1), x.mean()
    n = replications_needed(x, 0.05)
    assert n is not None
    assert half_width(sd, n) <= 0.05 * mean
    assert half_width(sd, n - 1) > 0.05 * mean


def test_undefined_advice() -> None:
    assert replications_needed([0.0, 0.0, 0.0], 0.05) is None
    assert replications_needed([5.0], 0.05) is None
    assert replications_needed([5.0, 5.0], 0.05) == 2


def test_advice_table_reports_current_precision() -> None:
    table = pd.DataFrame({"cost.total": [100.0, 110.0, 90.0, 105.0]})
    row = advice(table, 0.05).iloc[0]
    x = table["cost.total"].to_numpy()
    assert row["relative_half_width"] == math.fsum([half_width(x.std(ddof=1), 4)]) / x.mean()


def test_precision_adds_replications_until_the_target_holds() -> None:
    unit = validate(single_unit_dict(8, 4.0, {"dist": "exponential", "mean": 1.0}, "queue", 60, 10))
    results = simulate(unit, replications=3, seed=4, precision=0.02, max_replications=60)
    n = len(results.replications)
    assert 3 < n <= 60
    if n < 60:
        occupancy = results.replications["facility.unit.occupancy_mean"].to_numpy()
        assert half_width(occupancy.std(ddof=1), n) <= 0.02 * occupancy.mean()
    # The first replications are the same ones a plain run makes.
    plain = simulate(unit, replications=3, seed=4).replications
    pd.testing.assert_frame_equal(results.replications.head(3), plain)
