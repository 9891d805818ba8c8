"""A sweep's wide table holds each KPI's interval to the range it can take, like summary.csv."""

from __future__ import annotations

import pandas as pd

from simulator.sweeps.store import sweep_table


def test_a_shares_interval_in_a_sweep_is_not_below_zero() -> None:
    per_replication = pd.DataFrame(
        {
            "point": [0, 0, 0, 0],
            "beds": [5, 5, 5, 5],
            "replication": [0, 1, 2, 3],
            "facility.f.diversion_share": [0.0, 0.0, 0.0, 0.2],
            "cost.payer.health_trust": [-5.0, 0.0, 0.0, 1.0],
        }
    )
    points = [{"point": 0, "values": {"beds": 5}}]
    table = sweep_table(points, per_replication, ["beds"], {}).iloc[0]
    assert table["facility.f.diversion_share.ci_low"] == 0.0
    assert table["facility.f.diversion_share.ci_high"] > 0.05
    assert table["cost.payer.health_trust.ci_low"] < -1  # a net cost may be negative
