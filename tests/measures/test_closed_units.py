"""A unit closed by its schedule is not "full" while closed (measures/paths.py, kpis.py).

``share_time_full`` and ``occupancy_p95`` are over the time the unit is open
(capacity > 0), nan for a window it was closed throughout; a unit never closed
keeps the values of the whole-window definitions to the bit.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator import simulate, validate
from simulator.analysis.erlang import erlang_b
from simulator.measures.kpis import compute_kpis
from simulator.measures.paths import facility_path, weighted_quantile
from simulator.model.engine import run_replication
from simulator.model.records import Occupancy
from simulator.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import closing_loss_unit  # noqa: E402

BEDS, LOAD = 3, 2.0  # M/M/3/3 at 2 Erlang: the unit is full B(3, 2) = 0.21 of its open time
Z = 3.0  # standard errors allowed


def loss_unit(*, closes: bool) -> Scenario:
    """M/M/c/c from 1 January 2025 for two years, closed (0 beds) from 1 January 2026."""
    return validate(closing_loss_unit(BEDS, LOAD, closes=closes))


def log(*rows: tuple[float, int, int]) -> np.ndarray:
    """An occupancy log from (time, occupied, capacity) rows."""
    table = np.zeros((len(rows), len(Occupancy)))
    for i, (t, occupied, capacity) in enumerate(rows):
        table[i, Occupancy.TIME] = t
        table[i, Occupancy.OCCUPIED] = occupied
        table[i, Occupancy.CAPACITY] = capacity
    return table


def test_a_path_counts_full_and_the_percentile_over_its_open_time() -> None:
    # Open 20 days (2 of them with both beds taken, 18 with one), then closed 30 days.
    path = facility_path(log((0.0, 2, 2), (2.0, 1, 2), (20.0, 0, 0)), 0.0, 50.0)
    assert path.open_time == pytest.approx(20.0)
    assert path.full_time == pytest.approx(2.0)  # the closed days are not full
    # Over the open time 90 % of it is at 1, so the 95th percentile is 2; over the whole
    # window (closed days at 0) it would be 1.
    assert weighted_quantile(path.open_level_time, 0.95) == 2
    assert weighted_quantile(path.level_time, 0.95) == 1
    assert path.bed_days == pytest.approx(2 * 2 + 18)  # bed-days stay over the window


def test_a_path_closed_throughout_has_no_open_time() -> None:
    path = facility_path(log((0.0, 1, 1), (5.0, 0, 0)), 10.0, 20.0)
    assert path.open_time == 0.0 and path.full_time == 0.0
    assert math.isnan(weighted_quantile(path.open_level_time, 0.95))


def test_share_time_full_of_a_unit_closed_half_way_is_erlang_b_over_the_open_half() -> None:
    results = simulate(loss_unit(closes=True), replications=30, seed=61, jobs=1)
    table = results.replications
    full = table["facility.unit.share_time_full"].to_numpy(dtype=float)
    theory = erlang_b(BEDS, LOAD)
    mean, se = full.mean(), full.std(ddof=1) / math.sqrt(len(full))
    report = f"B({BEDS}, {LOAD}) = {theory:.4f}, simulated {mean:.4f} ± {se:.4f}"
    assert se < 0.1 * theory, "too noisy to tell: " + report
    # Counting the closed year as full would give about (B + 1) / 2 = 0.61.
    assert abs(mean - theory) < Z * se, report
    # The period's share is the open year's; the closed year has none.
    np.testing.assert_allclose(full, table["year.2025.facility.unit.share_time_full"], rtol=1e-9)
    assert table["year.2026.facility.unit.share_time_full"].isna().all()
    assert table["year.2026.facility.unit.occupancy_p95"].isna().all()
    assert (table["year.2026.facility.unit.beds_mean"] == 0).all()
    # Mean occupancy stays over the whole window: the closed year brings it down.
    occupancy = table["facility.unit.occupancy_mean"]
    np.testing.assert_allclose(
        occupancy,
        (
            table["year.2025.facility.unit.occupancy_mean"]
            + table["year.2026.facility.unit.occupancy_mean"]
        )
        / 2,
        rtol=1e-9,
    )


def test_a_unit_never_closed_keeps_the_whole_window_values_to_the_bit() -> None:
    scenario = loss_unit(closes=False)
    for replication in range(3):
        record = run_replication(scenario, 7, replication)
        kpis, paths = compute_kpis(record, scenario)
        occupancy = record.occupancy[0]
        start, end = record.warmup, record.horizon
        # The definitions before closed time was left out, from the log itself.
        assert kpis["facility.unit.share_time_full"] == paths[0].full_time / (end - start)
        assert kpis["facility.unit.occupancy_p95"] == weighted_quantile(paths[0].level_time, 0.95)
        assert paths[0].open_time == end - start
        assert paths[0].open_level_time is paths[0].level_time
        assert (occupancy[:, Occupancy.CAPACITY] > 0).all()
