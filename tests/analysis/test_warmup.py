"""MSER-5 finds an initial transient, and the run warns when warm-up is too short."""

from __future__ import annotations

import numpy as np
from helpers import single_unit_dict

from simulator import simulate, validate
from simulator.analysis.warmup import mser5


def test_mser5_finds_a_transient() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(1000)
    series = 20 * (1 - np.exp(-t / 40)) + rng.normal(0, 1, len(t))
    detected = mser5(series)
    # The transient is within 1 % of its level after 40 ln(100) = 184 days.
    assert 80 <= detected <= 250


def test_mser5_cuts_little_from_a_stationary_series() -> None:
    rng = np.random.default_rng(2)
    cuts = [mser5(rng.normal(10, 1, 1000)) for _ in range(20)]
    assert np.median(cuts) < 100  # far less than the 500 it may search


def test_mser5_on_short_series_cuts_nothing() -> None:
    assert mser5(np.array([1.0, 2.0, 3.0])) == 0


def test_a_run_without_warm_up_is_warned_and_a_long_warm_up_is_not() -> None:
    # One arrival a day staying 60 days on average: occupancy climbs to 60 over months.
    slow = {"dist": "exponential", "mean": 60.0}
    short = validate(single_unit_dict(200, 1.0, slow, "queue", days=400, warmup=0))
    results = simulate(short, replications=4, seed=1)
    row = results.warmup.set_index("facility").loc["unit"]
    assert row["judged"] and not row["enough"]
    assert any("MSER-5" in w and "unit" in w for w in results.warnings)
    long = validate(single_unit_dict(200, 1.0, slow, "queue", days=400, warmup=400))
    assert simulate(long, replications=4, seed=1).warmup.set_index("facility").loc["unit", "enough"]
