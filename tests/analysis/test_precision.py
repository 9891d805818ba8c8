"""Replication advice and the sequential --precision procedure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from helpers import minimal_scenario, single_unit_dict
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


def test_advice_is_on_gross_payer_costs_not_the_net_health_trust_figure() -> None:
    """The health trust's net cost (own costs less blocked-day payments received) can be near
    zero or negative: a precision relative to it means nothing, so the advice uses gross."""
    table = pd.DataFrame(
        {
            "cost.total": [9.0e6, 9.4e6, 8.8e6, 9.1e6],
            "cost.payer.municipality": [5.2e6, 5.6e6, 4.6e6, 5.3e6],
            "cost.payer.health_trust": [3.8e6, 3.8e6, 4.2e6, 3.8e6],
            "cost.gross.municipality": [4.0e6, 4.1e6, 3.9e6, 4.0e6],
            "cost.gross.health_trust": [5.0e6, 5.3e6, 4.9e6, 5.1e6],
        }
    )
    table["cost.payer.health_trust"] = [-2.0e5, 3.0e5, 1.0e5, -1.5e5]  # near zero
    rows = advice(table, 0.05)
    assert list(rows["kpi"]) == ["cost.total", "cost.gross.municipality", "cost.gross.health_trust"]
    assert rows["needed"].max() < 20


def blocking_scenario() -> dict[str, object]:
    """Hospital patients wait in their bed for a one-bed nursing home, and the blocked-day
    rate is about what the hospital's bed-days cost: the trust's net cost is near zero."""
    data = minimal_scenario()
    home = data["facilities"]["nursing-home"]
    home["beds"], home["schedule"] = 1, []
    data["costs"]["blocked_day_rate"] = 29_000
    return data


def test_precision_procedure_is_not_driven_by_a_net_cost_near_zero() -> None:
    scenario = validate(blocking_scenario())
    results = simulate(scenario, replications=8, seed=2, precision=0.5, max_replications=40)
    net = results.replications["cost.payer.health_trust"]
    gross = results.replications["cost.gross.health_trust"]
    paid = results.replications["cost.blocked_payments"]
    assert (net < 0).any() and (net > 0).any()  # the case this is about
    np.testing.assert_allclose(gross, net + paid, rtol=1e-12)
    # Gross costs are precise enough after 8 replications; the net figure would have asked
    # for thousands and run to max_replications.
    assert len(results.replications) == 8
    assert "cost.payer.health_trust" not in set(results.advice["kpi"])
    assert "cost.gross.health_trust" in set(results.advice["kpi"])
    assert not [w for w in results.warnings if "key KPI" in w and "health_trust" in w]
