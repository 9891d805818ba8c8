"""Beds that close with patients inside: drain (the default) against transfer."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from simulator.model.engine import run_replication
from simulator.model.records import Occupancy, ReplicationRecord, Stay
from simulator.scenario.validation import validate

CLOSE = 100.0  # 2025-04-11, warm-up 0


def _two_units(on_close: str | None, by_change: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "closing",
        "run": {"start_date": "2025-01-01", "days": 160, "warmup_days": 0},
        "municipalities": {"m": {"population": 1000, "travel_minutes": {"a": 10, "b": 30}}},
        "facilities": {
            "a": {"service": "unit", "level": "municipal", "beds": 20},
            "b": {"service": "unit", "level": "municipal", "beds": 60},
        },
        "groups": {
            "g": {
                "rate_per_1000": 2.0 * 365,
                "entry": {"stay": 1.0},
                "steps": {
                    "stay": {
                        "service": "unit",
                        "los": {"dist": "exponential", "mean": 5.0},
                        "when_full": "overflow",
                        "next": {"home": 1.0},
                    }
                },
            }
        },
    }
    if by_change:
        sets: dict[str, Any] = {"facilities.a.beds": 0}
        if on_close is not None:
            sets["facilities.a.on_close"] = on_close
        data["changes"] = [{"date": "2025-04-11", "set": sets}]
    else:
        entry: dict[str, Any] = {"date": "2025-04-11", "beds": 0}
        if on_close is not None:
            entry["on_close"] = on_close
        data["facilities"]["a"]["schedule"] = [entry]
    return data


def _occupied_before(log: np.ndarray, t: float) -> float:
    """Occupied beds just before time ``t`` (the last state logged before it)."""
    before = log[log[:, Occupancy.TIME] < t]
    return float(before[-1, Occupancy.OCCUPIED])


def _run(data: dict[str, Any], replication: int) -> ReplicationRecord:
    return run_replication(validate(copy.deepcopy(data)), 21, replication)


@pytest.mark.parametrize("by_change", [False, True])
def test_transfer_moves_every_patient_on_the_closing_day_and_keeps_their_stay(
    by_change: bool,
) -> None:
    moved_total = 0
    for replication in range(5):
        record = _run(_two_units("transfer", by_change), replication)
        stays = record.stays
        a_log, b_log = record.occupancy
        inside = _occupied_before(a_log, CLOSE)
        moved = stays[
            (stays[:, Stay.FACILITY] == 1)
            & (stays[:, Stay.ADMITTED] == CLOSE)
            & (stays[:, Stay.REQUESTED] == CLOSE)
        ]
        # Exactly the patients in A's beds on the closing day move, all at that moment.
        assert len(moved) == inside > 0
        left_a = stays[(stays[:, Stay.FACILITY] == 0) & (stays[:, Stay.LEFT] == CLOSE)]
        assert sorted(left_a[:, Stay.EPISODE]) == sorted(moved[:, Stay.EPISODE])
        # Each keeps the stay drawn at admission: time in A + the rest in B.
        for row in moved:
            first = left_a[left_a[:, Stay.EPISODE] == row[Stay.EPISODE]][0]
            spent = CLOSE - first[Stay.ADMITTED]
            assert spent + row[Stay.LOS] == pytest.approx(first[Stay.LOS], abs=1e-9)
        # Nobody is above capacity: A is empty from the closing moment on, B has room.
        assert a_log[a_log[:, Occupancy.TIME] == CLOSE][-1, Occupancy.OCCUPIED] == 0
        assert (a_log[a_log[:, Occupancy.TIME] > CLOSE, Occupancy.OCCUPIED] == 0).all()
        assert (b_log[:, Occupancy.OCCUPIED] <= b_log[:, Occupancy.CAPACITY]).all()
        moved_total += len(moved)
    assert moved_total > 20


def test_drain_keeps_patients_in_the_closed_beds_until_discharged() -> None:
    record = _run(_two_units(None), 0)
    stays = record.stays
    a_log = record.occupancy[0]
    inside = _occupied_before(a_log, CLOSE)
    assert inside > 0
    # No one moves; A holds patients above its 0 beds for a while, then none.
    assert not ((stays[:, Stay.FACILITY] == 1) & (stays[:, Stay.ADMITTED] == CLOSE)).any()
    after = a_log[a_log[:, Occupancy.TIME] >= CLOSE]
    assert after[0, Occupancy.OCCUPIED] == inside
    assert after[-1, Occupancy.OCCUPIED] == 0
    assert (stays[stays[:, Stay.FACILITY] == 0, Stay.ADMITTED] < CLOSE).all()


def test_transfer_without_a_free_bed_leaves_the_patient_to_drain() -> None:
    data = _two_units("transfer")
    data["facilities"]["b"]["beds"] = 0  # nowhere to go
    data["groups"]["g"]["steps"]["stay"]["when_full"] = "overflow"
    record = _run(data, 0)
    inside = _occupied_before(record.occupancy[0], CLOSE)
    after = record.occupancy[0][record.occupancy[0][:, Occupancy.TIME] >= CLOSE]
    assert after[0, Occupancy.OCCUPIED] == inside > 0
