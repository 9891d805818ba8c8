"""The offered load a facility reports: demand per day x mean length of stay, uncensored.

``facility.<id>.offered_load`` is the Erlang reference of the occupancy
distribution plot. It used to take the mean stay from the stays that *ended*
in the period, which for long stays keeps only the short ones: a nursing home
with 700-day stays over a year reported 2.7 beds against 18. Now it uses the
length of stay drawn at each admission in the period, whole.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator import validate
from simulator.measures.kpis import compute_kpis
from simulator.model.engine import run_replication
from simulator.model.records import ReplicationRecord, Stay

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import single_unit_dict  # noqa: E402

Z = 4.0


def censored_offered_load(record: ReplicationRecord, kpis: dict[str, float]) -> float:
    """The previous estimate: mean time in bed of the stays that ended in the period."""
    st = record.stays
    start, end = record.warmup, record.horizon
    admitted = st[:, Stay.ADMITTED]
    ended = (admitted >= start) & (admitted < end) & ~np.isnan(st[:, Stay.LEFT])
    if not ended.any():
        return math.nan
    wanted = kpis["facility.unit.admissions"] + kpis["facility.unit.diversions"]
    mean_in_bed = float((st[ended, Stay.LEFT] - admitted[ended]).mean())
    return wanted / (end - start) * mean_in_bed


def test_long_stays_are_not_censored() -> None:
    """Nursing home, 700-day stays, one year: offered load = arrivals a day x 700."""
    arrivals, mean_stay = 0.2, 700.0  # a = 140 beds
    los = {"dist": "exponential", "mean": mean_stay}
    scenario = validate(single_unit_dict(400, arrivals, los, "queue", 365, 0))
    load, old = [], []
    for r in range(20):
        record = run_replication(scenario, 8, r)
        kpis, _ = compute_kpis(record, scenario)
        assert kpis["facility.unit.diversions"] == 0  # ample beds: demand = admissions
        load.append(kpis["facility.unit.offered_load"])
        old.append(censored_offered_load(record, kpis))
        # Exactly: admissions per day x mean drawn stay of the admissions in the period.
        st = record.stays
        expected = len(st) / 365 * float(st[:, Stay.LOS].mean())
        assert kpis["facility.unit.offered_load"] == pytest.approx(expected, rel=1e-12)
    x = np.asarray(load)
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
    theory = arrivals * mean_stay
    assert se < 0.05 * theory
    assert abs(mean - theory) < Z * se, (mean, se, theory)
    # The censored estimate is far off: only the short stays end within the year.
    assert np.mean(old) < 0.3 * theory, np.mean(old)


@pytest.mark.slow
def test_offered_load_is_lambda_over_mu_in_a_queue_in_steady_state() -> None:
    """M/M/3 with a queue: the offered load is lambda x mean stay, not the carried load."""
    arrivals, mean_stay = 2.4, 1.0
    scenario = validate(
        single_unit_dict(3, arrivals, {"dist": "exponential", "mean": mean_stay}, "queue", 2000, 50)
    )
    load = []
    for r in range(10):
        record = run_replication(scenario, 12, r)
        kpis, _ = compute_kpis(record, scenario)
        load.append(kpis["facility.unit.offered_load"])
    x = np.asarray(load)
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
    assert se < 0.02 * arrivals * mean_stay
    assert abs(mean - arrivals * mean_stay) < Z * se, (mean, se)


def test_offered_load_with_diversions_counts_the_demand() -> None:
    """A loss unit: everyone who wanted a bed (admitted or diverted) x mean stay."""
    scenario = validate(
        single_unit_dict(2, 3.0, {"dist": "exponential", "mean": 1.0}, "divert", 400, 10)
    )
    record = run_replication(scenario, 2, 0)
    kpis, _ = compute_kpis(record, scenario)
    wanted = kpis["facility.unit.admissions"] + kpis["facility.unit.diversions"]
    assert kpis["facility.unit.diversions"] > 0
    st = record.stays
    inside = (st[:, Stay.ADMITTED] >= 10) & (st[:, Stay.ADMITTED] < 410)
    expected = wanted / 400 * float(st[inside, Stay.LOS].mean())
    assert kpis["facility.unit.offered_load"] == pytest.approx(expected, rel=1e-12)
    assert kpis["facility.unit.offered_load"] == pytest.approx(3.0, rel=0.1)
