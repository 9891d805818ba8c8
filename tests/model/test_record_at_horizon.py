"""The record is the state at the horizon, also when the run goes on to follow waits: the
tables are views of the model's, cut at the horizon's rows and with the times written
after it set back (simulator.model.engine.Model._record)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import single_unit_dict

from simulator import load_scenario, validate
from simulator.model.engine import Model, run_replication
from simulator.model.records import ReplicationRecord
from simulator.scenario.schema import Scenario


def _not_followed(self: Model) -> tuple[list[list[float]], float]:
    return [list(row) for row in self.queued.values()], self.calendar.horizon


def _both(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    followed = run_replication(scenario, 11, 0)
    with monkeypatch.context() as patched:
        patched.setattr(Model, "follow_waits", _not_followed)
        stopped = run_replication(scenario, 11, 0)
    return followed, stopped


def _same_tables(a: ReplicationRecord, b: ReplicationRecord) -> None:
    for name in ("episodes", "stays", "diversions", "blocks"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for mine, theirs in zip(a.occupancy, b.occupancy, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for name in ("periods", "discharges", "bands", "step_costs"):
        np.testing.assert_array_equal(getattr(a.pathways, name), getattr(b.pathways, name))
    assert a.events == b.events


def test_an_overloaded_queue_followed_past_the_horizon_leaves_the_record_as_at_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = single_unit_dict(5, 6.0, {"dist": "exponential", "mean": 1.0}, "queue", 60, 10)
    followed, stopped = _both(validate(spec, "overloaded"), monkeypatch)
    assert followed.waits_until > followed.horizon  # the run went on, and things changed
    assert len(followed.waiting) > 0
    _same_tables(followed, stopped)


def test_utskrivningsklar_and_periods_followed_past_the_horizon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = Path(__file__).resolve().parents[2] / "scenarios" / "midt-troms" / "baseline.yaml"
    scenario = load_scenario(path, overrides=("run.days=200", "run.warmup_days=20"))
    followed, stopped = _both(scenario, monkeypatch)
    if followed.waits_until <= followed.horizon:
        pytest.skip("nobody waited at the horizon with this seed")
    assert len(followed.blocks) > 0 and len(followed.pathways.periods) > 0
    _same_tables(followed, stopped)
