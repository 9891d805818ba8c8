"""Invariants of random scenarios with shared beds, diversion maps, limits and initial patients.

The random scenarios of :mod:`test_invariants` get, at random, a background
load and patients in beds at the start on some facilities, a diversion map
on some steps (forward only, with home), and ``max_stay`` / ``max_wait`` on
others. Each replication must then account for every patient: each bed log
equals the region's stays plus the outside patients' rows in bed at every
moment; no bed is above capacity but by overflow or a capacity cut; every
episode ends at home, in death or diverted (or is open); every limit reached
is a stay cut at its step's limit or a wait of exactly its limit; the KPIs
for all patients are the region's plus the background's; and costs add up.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from simulator.measures.kpis import clipped_durations, compute_kpis
from simulator.model.capacity import Limit, LimitKind, Outside, OutsideKind
from simulator.model.engine import run_replication
from simulator.model.records import Diversion, Episode, Outcome, ReplicationRecord, Stay
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate

sys.path.insert(0, str(Path(__file__).parent))
from test_invariants import SETTINGS, distributions, scenarios  # noqa: E402

REL = 1e-9


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-6)


@st.composite
def with_capacity_keys(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(scenarios())
    for facility in data["facilities"].values():
        lowest = min([facility["beds"], *(e["beds"] for e in facility.get("schedule", []))])
        room = lowest
        if draw(st.booleans()):
            initial = draw(st.integers(min_value=0, max_value=room))
            room -= initial
            facility["background"] = {
                "admissions_per_year": draw(st.sampled_from([0, 50, 400, 1500])),
                "los": draw(distributions()),
                "priority": draw(st.integers(min_value=-1, max_value=2)),
                "initial_patients": initial,
            }
            if draw(st.booleans()):
                facility["background"]["seasonality"] = {"amplitude": 0.5}
        if draw(st.booleans()):
            facility["initial_occupancy"] = {
                "patients": draw(st.integers(min_value=0, max_value=room)),
                "los": draw(distributions()),
            }
    for group in data["groups"].values():
        sids = list(group["steps"])
        for i, (sid, step) in enumerate(group["steps"].items()):
            later = sids[i + 1 :]
            others = [s for s in sids if s != sid]
            if draw(st.integers(min_value=0, max_value=2)) == 0:
                targets = draw(st.lists(st.sampled_from(later), unique=True)) if later else []
                share = {t: 0.8 / (len(targets) + 1) for t in targets}
                step["when_full"] = {"divert_to": {**share, "home": 1.0 - sum(share.values())}}
            for key in ("max_stay", "max_wait"):
                if draw(st.integers(min_value=0, max_value=2)) == 0:
                    step[key] = {
                        "days": draw(st.sampled_from([0.25, 1.0, 3.0])),
                        "then": draw(st.sampled_from([*others, "home", "death"])),
                    }
    return data


def check_beds(record: ReplicationRecord) -> None:
    """Each log equals the region's stays plus outside rows in bed; above capacity only by
    overflow or a capacity cut."""
    stays, outside = record.stays, record.capacity.outside
    for code, log in enumerate(record.occupancy):
        fid = record.facilities[code]
        times, occupied, _, capacity, _ = log.T
        here = stays[stays[:, Stay.FACILITY] == code]
        theirs = outside[outside[:, Outside.FACILITY] == code]
        admitted = np.r_[here[:, Stay.ADMITTED], theirs[:, Outside.ADMITTED]]
        left = np.r_[here[:, Stay.LEFT], theirs[:, Outside.LEFT]]
        left = np.where(np.isnan(left), np.inf, left)
        overflow = np.r_[here[:, Stay.OVERFLOW], theirs[:, Outside.OVERFLOW]]
        last = np.r_[times[1:] != times[:-1], True]
        cuts = times[1:][np.diff(capacity) < 0]
        for t, occ, cap in zip(times[last], occupied[last], capacity[last], strict=True):
            in_bed = (admitted <= t) & (left > t)
            assert occ == int(in_bed.sum()), f"{fid}: log {occ} in bed at t={t}"
            over = int(np.sum(in_bed & (overflow == 1.0)))
            before = cuts[cuts <= t]
            kept = (
                int(np.sum(in_bed & (overflow == 0.0) & (admitted <= before[-1])))
                if len(before)
                else 0
            )
            assert occ - over <= max(cap, kept), f"{fid}: {occ} in bed, {cap} beds at t={t}"
        assert np.all(theirs[:, Outside.LOS] >= 0)
        initial = theirs[:, Outside.KIND] != OutsideKind.BACKGROUND
        assert np.all(theirs[initial, Outside.ADMITTED] == 0.0)
        done = ~np.isnan(theirs[:, Outside.LEFT])
        assert np.allclose(
            theirs[done, Outside.LEFT] - theirs[done, Outside.ADMITTED], theirs[done, Outside.LOS]
        )


def check_episodes(record: ReplicationRecord, scenario: Scenario) -> None:
    """Every episode ends at home, in death or diverted, or is open; ended ones hold no bed;
    an episode that ended without leaving a bed then was turned away or reached max_wait."""
    episodes, stays = record.episodes, record.stays
    outcome = episodes[:, Episode.OUTCOME]
    assert set(np.unique(outcome)) <= {Outcome.OPEN, Outcome.HOME, Outcome.DEATH, Outcome.DIVERTED}
    ended = outcome != Outcome.OPEN
    assert np.all(np.isnan(episodes[~ended, Episode.END]))
    assert np.all(episodes[ended, Episode.END] >= episodes[ended, Episode.ARRIVAL])
    open_stays = np.zeros(len(episodes), dtype=np.int64)
    in_bed = np.isnan(stays[:, Stay.LEFT])
    np.add.at(open_stays, stays[in_bed, Stay.EPISODE].astype(np.int64), 1)
    assert np.all(open_stays[ended] == 0) and np.all(open_stays <= 1)
    assert np.all(stays[:, Stay.REQUESTED] <= stays[:, Stay.ADMITTED])
    last_left = np.full(len(episodes), np.nan)
    order = np.lexsort((stays[:, Stay.ADMITTED], stays[:, Stay.EPISODE]))
    for row in stays[order]:
        last_left[int(row[Stay.EPISODE])] = row[Stay.LEFT]
    turned_away = set(record.diversions[:, Diversion.TIME].tolist())
    limits = record.capacity.limits
    switched = set(limits[limits[:, Limit.KIND] == LimitKind.MAX_WAIT, Limit.TIME].tolist())
    cut = set(limits[limits[:, Limit.KIND] == LimitKind.MAX_STAY, Limit.TIME].tolist())
    for i in np.flatnonzero(ended):
        end = episodes[i, Episode.END]
        if outcome[i] == Outcome.DIVERTED:
            assert end in turned_away
        elif last_left[i] != end:
            assert end in turned_away or end in switched or end in cut, f"episode {i}"
    # Limits: a cut stay lasted exactly a max_stay; a switch came after waiting a max_wait.
    stay_limits = {
        s.max_stay.days for g in scenario.groups.values() for s in g.steps.values() if s.max_stay
    }
    for t in cut:
        lasted = stays[np.isclose(stays[:, Stay.ADMITTED] + stays[:, Stay.LOS], t), Stay.LOS]
        assert any(math.isclose(x, d) for x in lasted for d in stay_limits), t


def check_kpis(record: ReplicationRecord, scenario: Scenario, kpis: dict[str, float]) -> None:
    """All patients = the region's + the background's; region.* from the region's stays;
    costs add up three ways."""
    start, end = record.warmup, record.horizon
    stays, outside = record.stays, record.capacity.outside
    days = clipped_durations(stays[:, Stay.ADMITTED], stays[:, Stay.LEFT], start, end)
    their_days = clipped_durations(
        outside[:, Outside.ADMITTED], outside[:, Outside.LEFT], start, end
    )
    admitted_in = (stays[:, Stay.ADMITTED] >= start) & (stays[:, Stay.ADMITTED] < end)
    arrived = outside[:, Outside.KIND] == OutsideKind.BACKGROUND
    their_in = (
        arrived & (outside[:, Outside.ADMITTED] >= start) & (outside[:, Outside.ADMITTED] < end)
    )
    for code, (fid, facility) in enumerate(scenario.facilities.items()):
        p = f"facility.{fid}"
        here = stays[:, Stay.FACILITY] == code
        theirs = outside[:, Outside.FACILITY] == code
        assert close(kpis[f"{p}.bed_days"], days[here].sum() + their_days[theirs].sum())
        if facility.background is None:
            assert f"{p}.region.admissions" not in kpis
            assert kpis[f"{p}.admissions"] == int((here & admitted_in).sum())
            continue
        assert kpis[f"{p}.region.admissions"] == int((here & admitted_in).sum())
        assert kpis[f"{p}.admissions"] == int(
            (here & admitted_in).sum() + (theirs & their_in).sum()
        )
        initial = theirs & (outside[:, Outside.KIND] == OutsideKind.INITIAL)
        assert close(kpis[f"{p}.region.bed_days"], days[here].sum() + their_days[initial].sum())
        assert kpis[f"{p}.diversions"] >= kpis[f"{p}.region.diversions"]
    total = kpis["cost.total"]
    assert math.isfinite(total) and total >= 0
    assert close(
        sum(kpis[f"cost.facility.{f}"] for f in record.facilities) + kpis["cost.transport"], total
    )
    assert close(sum(kpis[f"municipality.{m}.cost"] for m in record.municipalities), total)
    assert close(kpis["cost.payer.municipality"] + kpis["cost.payer.health_trust"], total)
    limits = record.capacity.limits
    inside = (limits[:, Limit.TIME] >= start) & (limits[:, Limit.TIME] < end)
    steps = [s for g in scenario.groups.values() for s in g.steps.values()]
    if any(s.max_stay for s in steps):
        assert sum(kpis[f"facility.{f}.max_stay_transfers"] for f in record.facilities) == int(
            (inside & (limits[:, Limit.KIND] == LimitKind.MAX_STAY)).sum()
        )
    if any(s.max_wait for s in steps):
        assert sum(kpis[f"group.{g}.max_wait_switches"] for g in record.groups) == int(
            (inside & (limits[:, Limit.KIND] == LimitKind.MAX_WAIT)).sum()
        )


@SETTINGS
@given(data=with_capacity_keys())
def test_capacity_invariants(data: dict[str, Any]) -> None:
    scenario = validate(data)
    record = run_replication(scenario, scenario.run.seed, 0)
    kpis, _ = compute_kpis(record, scenario)
    check_beds(record)
    check_episodes(record, scenario)
    check_kpis(record, scenario, kpis)
    again = run_replication(scenario, scenario.run.seed, 0)
    for name in ("outside", "outside_diversions", "outside_waiting", "limits"):
        assert np.array_equal(
            getattr(record.capacity, name), getattr(again.capacity, name), equal_nan=True
        )
    assert np.array_equal(record.stays, again.stays, equal_nan=True)
