"""Changes on a date in the model: theory where it gives the answer, invariants elsewhere.

Arrivals are Poisson, so counts in a period are Poisson with the integral of
the rate as mean; where beds never run short (overflow, many beds) every
arrival is admitted at once, so admissions split by a date exactly as
arrivals do. Means over replications are compared with theory within 4
standard errors.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from helpers import minimal_scenario, single_unit_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.model.calendar import Calendar
from simulator.model.engine import run_replication
from simulator.model.records import Episode, Occupancy, Outcome, Stay
from simulator.scenario.changes import dated_states
from simulator.scenario.validation import validate

START = dt.date(2025, 1, 1)


def _unit(rate_per_day: float, days: float, los: dict[str, Any] | None = None) -> dict[str, Any]:
    data = single_unit_dict(
        beds=1000,
        arrivals_per_day=rate_per_day,
        los=los or {"dist": "exponential", "mean": 2.0},
        when_full="overflow",
        days=days,
        warmup=0,
    )
    return data


def _day(date: str) -> float:
    return float((dt.date.fromisoformat(date) - START).days)


def test_a_dated_catchment_splits_admissions_by_the_date_and_keeps_patients_in_bed() -> None:
    data = _unit(5.0, 200)
    data["facilities"] = {
        "a": {"service": "unit", "level": "municipal", "beds": 1000, "serves": ["m"]},
        "b": {"service": "unit", "level": "municipal", "beds": 1000, "serves": []},
    }
    data["groups"]["g"]["steps"]["stay"]["los"] = {"dist": "fixed", "mean": 10.0}
    data["changes"] = [
        {"date": "2025-04-01", "set": {"facilities.a.serves": [], "facilities.b.serves": ["m"]}}
    ]
    scenario = validate(data)
    date = _day("2025-04-01")  # 90
    in_a = in_b = 0
    for replication in range(20):
        stays = run_replication(scenario, 11, replication).stays
        a = stays[stays[:, Stay.FACILITY] == 0]
        b = stays[stays[:, Stay.FACILITY] == 1]
        # Exactly by the date: before it A, from it B.
        assert (a[:, Stay.ADMITTED] < date).all()
        assert (b[:, Stay.ADMITTED] >= date).all()
        # Patients in A's beds on the date stay there for their whole stay.
        spanning = a[a[:, Stay.ADMITTED] > date - 10]
        assert len(spanning) > 0
        np.testing.assert_allclose(spanning[:, Stay.LEFT] - spanning[:, Stay.ADMITTED], 10.0)
        in_a += len(a)
        in_b += len(b)
    share = in_a / (in_a + in_b)
    expected = date / 200
    se = math.sqrt(expected * (1 - expected) / (in_a + in_b))
    assert abs(share - expected) < 4 * se, (share, expected, se)


def test_a_rate_changed_on_a_date_gives_poisson_counts_before_and_after() -> None:
    data = _unit(4.0, 200)
    data["changes"] = [{"date": "2025-04-11", "set": {"groups.g.rate_per_1000": 8.0 * 365}}]
    scenario = validate(data)
    date = _day("2025-04-11")  # 100
    before, after = [], []
    for replication in range(20):
        arrivals = run_replication(scenario, 12, replication).episodes[:, Episode.ARRIVAL]
        before.append((arrivals < date).sum())
        after.append((arrivals >= date).sum())
    for counts, mean in ((before, 4.0 * date), (after, 8.0 * (200 - date))):
        se = math.sqrt(mean / len(counts))  # Poisson: variance = mean
        assert abs(np.mean(counts) - mean) < 4 * se, (np.mean(counts), mean)
        # Poisson dispersion: the variance across replications is the mean (loose check).
        assert 0.3 < np.var(counts, ddof=1) / mean < 2.5


def test_a_ramp_gives_the_integral_of_the_linear_rate() -> None:
    data = _unit(2.0, 365)
    data["changes"] = [
        {
            "date": "2025-01-01",
            "until": "2026-01-01",
            "set": {"groups.g.rate_per_1000": 6.0 * 365},
        }
    ]
    scenario = validate(data)
    # Monthly steps, each holding the ramp's value at its middle: the integral is exact.
    states = dated_states(scenario)
    cal = Calendar.of(scenario)
    starts = [cal.time_of(s.date) for s in states[1:]] + [365.0]
    rates = [s.scenario.groups["g"].rate_per_1000 / 365 for s in states[1:]]
    integral = sum(r * (b - a) for r, a, b in zip(rates, starts, starts[1:], strict=False))
    assert integral == pytest.approx((2.0 + 6.0) / 2 * 365, rel=1e-12)
    totals, january, december = [], [], []
    for replication in range(30):
        arrivals = run_replication(scenario, 13, replication).episodes[:, Episode.ARRIVAL]
        totals.append(len(arrivals))
        january.append((arrivals < 31).sum())
        december.append((arrivals >= 334).sum())
    for counts, mean in (
        (totals, 4.0 * 365),
        (january, 31 * (2.0 + 4.0 * 15.5 / 365)),
        (december, 31 * (2.0 + 4.0 * (334 + 15.5) / 365)),
    ):
        se = math.sqrt(mean / len(counts))
        assert abs(np.mean(counts) - mean) < 4 * se, (np.mean(counts), mean)


def test_new_stays_and_next_apply_from_the_date_and_patients_in_bed_keep_their_stay() -> None:
    data = _unit(3.0, 120, {"dist": "fixed", "mean": 10.0})
    data["changes"] = [
        {
            "date": "2025-03-02",  # day 60
            "set": {
                "groups.g.steps.stay.los": {"dist": "fixed", "mean": 3.0},
                "groups.g.steps.stay.next": {"home": None, "death": 1.0},
            },
        }
    ]
    record = run_replication(validate(data), 14, 0)
    stays, episodes = record.stays, record.episodes
    date = _day("2025-03-02")
    admitted = stays[:, Stay.ADMITTED]
    assert (stays[admitted < date, Stay.LOS] == 10.0).all()
    assert (stays[admitted >= date, Stay.LOS] == 3.0).all()
    # next is decided when the stay ends: by the state in force then.
    ended = ~np.isnan(episodes[:, Episode.END])
    end = episodes[ended, Episode.END]
    outcome = episodes[ended, Episode.OUTCOME]
    assert (outcome[end < date] == Outcome.HOME).all()
    assert (outcome[end >= date] == Outcome.DEATH).all()
    assert ((end >= date) & (episodes[ended, Episode.ARRIVAL] < date)).any()


def test_a_changed_stay_distribution_draws_new_numbers_not_a_replay() -> None:
    data = _unit(3.0, 120, {"dist": "exponential", "mean": 4.0})
    data["changes"] = [
        {
            "date": "2025-03-02",
            "set": {"groups.g.steps.stay.los": {"dist": "exponential", "mean": 2.0}},
        }
    ]
    stays = run_replication(validate(data), 15, 0).stays
    admitted = stays[:, Stay.ADMITTED]
    before, after = stays[admitted < 60, Stay.LOS], stays[admitted >= 60, Stay.LOS]
    # Same generator continued: the first draws after the date are not the first of the run.
    assert not np.isin(np.round(after[:20] * 2, 9), np.round(before * 1, 9)).any()
    assert not np.allclose(after[:20] * 2, before[:20])


def test_beds_changed_on_a_date_open_from_midnight() -> None:
    data = _unit(1.0, 60)
    data["facilities"]["unit"]["beds"] = 4
    data["facilities"]["unit"]["schedule"] = [{"date": "2025-01-21", "beds": 6}]
    data["changes"] = [{"date": "2025-02-10", "set": {"facilities.unit.beds": 2}}]
    log = run_replication(validate(data), 16, 0).occupancy[0]
    capacity_at = {
        float(t): c for t, c in zip(log[:, Occupancy.TIME], log[:, Occupancy.CAPACITY], strict=True)
    }
    changes = [(t, c) for t, c in capacity_at.items() if t in (20.0, 40.0)]
    assert (20.0, 6) in changes
    # The later state has beds 2 and the same schedule (already past): 2 from day 40.
    assert (40.0, 2) in changes


# --- invariants on random scenarios with changes -------------------------------------------

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def changed_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    data = minimal_scenario()
    data["run"] = {"start_date": "2025-01-01", "days": 120, "warmup_days": 10}
    data["facilities"]["kohd-south"] = {
        "service": "kohd",
        "level": "municipal",
        "beds": draw(st.integers(0, 3)),
        "serves": ["south"],
    }
    data["facilities"]["kohd-north"]["serves"] = ["north"]
    for fid in data["facilities"]:
        data["facilities"][fid]["on_close"] = draw(st.sampled_from(["drain", "transfer"]))
    changes = []
    for _ in range(draw(st.integers(1, 4))):
        day = draw(st.integers(-15, 130))
        date = (START + dt.timedelta(days=day)).isoformat()
        kind = draw(st.sampled_from(["swap", "beds", "rate", "share", "ramp"]))
        if kind == "swap":
            both = ["north", "south"]
            first = draw(st.sampled_from(["kohd-north", "kohd-south"]))
            other = "kohd-south" if first == "kohd-north" else "kohd-north"
            sets: dict[str, Any] = {
                f"facilities.{first}.serves": both,
                f"facilities.{other}.serves": [],
            }
        elif kind == "beds":
            fid = draw(st.sampled_from(sorted(data["facilities"])))
            sets = {f"facilities.{fid}.beds": draw(st.integers(0, 12))}
        elif kind == "rate":
            sets = {"groups.kols.rate_per_1000": draw(st.floats(0, 30))}
        else:
            share = draw(st.floats(0, 1))
            sets = {"groups.kols.entry": {"kohd_stay": share, "hospital_stay": 1 - share}}
        change: dict[str, Any] = {"date": date, "set": sets}
        if kind == "ramp":
            change["until"] = (
                START + dt.timedelta(days=day + draw(st.integers(1, 80)))
            ).isoformat()
        changes.append(change)
    data["changes"] = changes
    return data


@SETTINGS
@given(changed_scenarios(), st.integers(0, 3))
def test_invariants_of_runs_with_changes(data: dict[str, Any], seed: int) -> None:
    scenario = validate(copy.deepcopy(data))
    record = run_replication(scenario, seed, 0)
    again = run_replication(scenario, seed, 0)
    np.testing.assert_array_equal(record.stays, again.stays)
    cal = Calendar.of(scenario)
    states = dated_states(scenario)
    times = [0.0 if s.date is None else cal.time_of(s.date) for s in states]
    fids = list(scenario.facilities)
    mids = list(scenario.municipalities)
    stays = record.stays
    for row in stays:
        fid, mid = fids[int(row[Stay.FACILITY])], mids[int(row[Stay.MUNICIPALITY])]
        if not fid.startswith("kohd"):
            continue
        # The facility served the patient's municipality when the bed was asked for
        # (the state in force then; the bed search starts at that time).
        k = max(i for i, t in enumerate(times) if t <= max(row[Stay.REQUESTED], 0.0))
        serves = states[k].scenario.facilities[fid].serves
        assert serves is None or mid in serves, (fid, mid, row[Stay.REQUESTED])
    for code, log in enumerate(record.occupancy):
        occupied, capacity = log[:, Occupancy.OCCUPIED], log[:, Occupancy.CAPACITY]
        corridor = log[:, Occupancy.CORRIDOR]
        # A patient takes a bed (not the corridor) only where one is free.
        took = (np.diff(occupied) == 1) & (np.diff(corridor) == 0)
        assert (occupied[:-1][took] < capacity[1:][took]).all(), fids[code]
        # The capacity follows the state in force (and its schedule).
        for k, t in enumerate(times):
            if 0 < t < cal.horizon:
                state = states[k].scenario.facilities[fids[code]]
                beds = state.beds
                for entry in state.schedule:
                    if cal.time_of(entry.date) <= t:
                        beds = entry.beds
                at = np.searchsorted(log[:, Occupancy.TIME], t, side="right") - 1
                later = [s for s in times if s > t]
                if not later or later[0] > t:
                    assert capacity[at] == beds, (fids[code], t)
    # Every stay lies in time order.
    assert (stays[:, Stay.ADMITTED] >= stays[:, Stay.REQUESTED]).all()
    left = stays[:, Stay.LEFT]
    assert (left[~np.isnan(left)] >= stays[~np.isnan(left), Stay.ADMITTED]).all()
