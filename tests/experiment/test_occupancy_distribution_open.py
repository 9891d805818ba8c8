"""``occupancy_distribution.csv`` is over the time a unit is open (decision 55).

A unit closed (0 beds) for part of the period is not at 0 occupied beds while
it does not exist: its distribution is that of its open time, the same as the
distribution over its open half measured directly, and that of an M/M/c/c unit
is Erlang's truncated Poisson. A unit never closed keeps its values to the bit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from simulator import simulate, validate
from simulator.analysis.erlang import loss_occupancy
from simulator.experiment.replication import replicate
from simulator.measures.paths import facility_path
from simulator.model.engine import run_replication
from simulator.model.records import Occupancy
from simulator.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import closing_loss_unit, single_unit_dict  # noqa: E402

BEDS, LOAD = 3, 2.0  # M/M/3/3 at 2 Erlang
EXPONENTIAL = {"dist": "exponential", "mean": 1.0}
Z = 3.0  # standard errors allowed


def loss_unit(*, closes: bool) -> Scenario:
    """M/M/c/c from 1 January 2025 for two years, closed (0 beds) from 1 January 2026."""
    return validate(closing_loss_unit(BEDS, LOAD, closes=closes))


def closing_time(log: np.ndarray) -> float:
    """When the unit's capacity first falls to 0."""
    return float(log[log[:, Occupancy.CAPACITY] == 0][0, Occupancy.TIME])


def test_a_unit_closed_half_the_period_has_the_distribution_of_its_open_half() -> None:
    scenario = loss_unit(closes=True)
    record = run_replication(scenario, 7, 0)
    closed = closing_time(record.occupancy[0])
    assert closed == pytest.approx(record.warmup + 365)
    open_half = facility_path(record.occupancy[0], record.warmup, closed)
    direct = open_half.level_time / open_half.length
    share = replicate(scenario, 7, 0).occupancy_share[0]
    np.testing.assert_allclose(share, direct[: len(share)], rtol=1e-12, atol=1e-15)
    assert not direct[len(share) :].any()
    assert share.sum() == pytest.approx(1.0, rel=1e-12)
    # The same random numbers without the closure: the first year is the same year, so its
    # distribution over that year is the closing unit's.
    never = loss_unit(closes=False)
    same = run_replication(never, 7, 0)
    first_year = facility_path(same.occupancy[0], same.warmup, closed)
    np.testing.assert_allclose(
        share, (first_year.level_time / first_year.length)[: len(share)], rtol=1e-12
    )


def test_the_open_time_distribution_of_an_mmcc_unit_is_erlangs() -> None:
    scenario = loss_unit(closes=True)
    shares = np.array([replicate(scenario, 61, r).occupancy_share[0] for r in range(12)])
    assert shares.shape == (12, BEDS + 1)
    theory = loss_occupancy(BEDS, LOAD)  # truncated Poisson: a^n/n! over the sum to c
    mean = shares.mean(axis=0)
    se = shares.std(axis=0, ddof=1) / np.sqrt(len(shares))
    for n in range(BEDS + 1):
        assert abs(mean[n] - theory[n]) < Z * se[n], (n, mean[n], theory[n], se[n])
    # Counting the closed year as time at 0 beds would put over half of the time there.
    assert mean[0] < theory[0] + 0.05 < 0.5
    # The experiment's table is the mean of these.
    results = simulate(scenario, replications=12, seed=61, jobs=1)
    rows = results.occupancy_distribution
    table = rows[rows["facility"] == "unit"].set_index("occupied")["share"].sort_index()
    np.testing.assert_allclose(table.to_numpy(), mean, rtol=1e-12)


def test_a_unit_closed_throughout_has_no_rows_and_one_never_closed_is_unchanged() -> None:
    data = single_unit_dict(BEDS, LOAD, EXPONENTIAL, "divert", days=60, warmup=10)
    data["facilities"]["unit"]["schedule"] = [{"date": "2024-12-01", "beds": 0}]
    data["facilities"]["other"] = {"service": "other", "level": "municipal", "beds": 2}
    results = simulate(validate(data), replications=2, seed=3, jobs=1)
    rows = results.occupancy_distribution
    assert "unit" not in set(rows["facility"])
    assert set(rows["facility"]) == {"other"}
    # Never closed: the whole window's level time over its length, to the bit.
    scenario = loss_unit(closes=False)
    record = run_replication(scenario, 5, 0)
    path = facility_path(record.occupancy[0], record.warmup, record.horizon)
    share = replicate(scenario, 5, 0).occupancy_share[0]
    assert np.array_equal(share, path.level_time / path.length)
