"""A shared ward's cost to the region is the same whether its prices are plain or priced day
by day (a payment per episode switches the day-by-day path): background bed-days never count."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import load_scenario, simulate

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "midt-troms" / "baseline.yaml"
SHORT = ("run.days=60", "run.warmup_days=10")


def test_a_payment_leaves_the_region_cost_of_a_shared_ward_unchanged() -> None:
    plain = simulate(load_scenario(BASELINE, overrides=SHORT), replications=1)
    paying = load_scenario(BASELINE, overrides=(*SHORT, "costs.payments.kols.per_episode=1000"))
    assert paying.costs.payments  # the day-by-day pricing path
    priced = simulate(paying, replications=1)
    for fid in ("unn-tromso-medisin", "unn-harstad-medisin"):
        assert paying.facilities[fid].background is not None
        assert priced.kpi(f"cost.facility.{fid}") == pytest.approx(
            plain.kpi(f"cost.facility.{fid}"), rel=1e-9
        )
    assert priced.kpi("cost.total") == pytest.approx(plain.kpi("cost.total"), rel=1e-9)
    moved = priced.kpi("cost.episode_payments")
    assert moved > 0
    assert priced.kpi("cost.payer.health_trust") == pytest.approx(
        plain.kpi("cost.payer.health_trust") + moved, rel=1e-9
    )
