"""Invariants of one replication on random small scenarios (test tier: invariants).

Hypothesis builds small valid scenarios -- 1-3 municipalities, 1-4 facilities
of up to 3 services with 0-5 beds, schedules, every ``when_full`` rule, 1-2
groups of 1-3 steps with random routing, delays, ``wait_in: previous_bed``
and every length-of-stay distribution -- and runs short replications. Each
replication's flat record (:mod:`simulator.model.records`) and its KPIs
(:mod:`simulator.measures.kpis`, :mod:`simulator.measures.costs`) must then obey rules that hold
whatever the numbers: beds above capacity only by overflow or a capacity cut,
every episode ended or still open at the horizon, stays in time order, bed-days
and costs that add up, and the same seed giving the same replication.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.measures.kpis import clipped_durations, compute_kpis
from simulator.model.engine import run_replication
from simulator.model.records import (
    Block,
    Diversion,
    Episode,
    Occupancy,
    Outcome,
    ReplicationRecord,
    Stay,
    Waiting,
)
from simulator.scenario.loading import scenario_yaml
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate
from simulator.store.results import scenario_hash

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402

# Columns of the record tables, by their names in simulator.model.records.
EPISODE, GROUP, MUNICIPALITY, FACILITY, REQUESTED, ADMITTED, LEFT, TRAVEL, OVERFLOW, LOS = Stay
E_GROUP, E_MUNICIPALITY, E_ARRIVAL, E_END, E_OUTCOME = Episode
B_FACILITY, B_AWAITED, B_MUNICIPALITY, B_START, B_END = Block

START_DATE = dt.date(2025, 1, 1)
WARMUP = 10  # the longest warm-up drawn; fractional ones must keep the calendar too
WARMUPS = (0.0, 0.5, 2.75, float(WARMUP))
REL = 1e-9

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- random scenarios ---------------------------------------------------------

positive = st.floats(min_value=0.2, max_value=12.0, allow_nan=False)
cvs = st.floats(min_value=0.1, max_value=2.0, allow_nan=False)
money = st.sampled_from([0, 0, 100, 1500.5, 12000, 1_200_000])


@st.composite
def distributions(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["exponential", "fixed", "lognormal", "gamma", "empirical"]))
    if kind == "empirical":
        values = draw(
            st.lists(st.floats(min_value=0.0, max_value=15.0), min_size=1, max_size=5).filter(
                lambda v: sum(v) / len(v) >= 0.001  # a mean stay of at least a minute
            )
        )
        return {"dist": "empirical", "values": values}
    if kind in ("exponential", "fixed"):
        return {"dist": kind, "mean": draw(positive)}
    return {"dist": kind, "mean": draw(positive), "cv": draw(cvs)}


def probabilities(draw: st.DrawFn, targets: list[str], last: str) -> dict[str, float]:
    """Random probabilities over ``targets`` and then ``last``, which gets 1 - the rest."""
    out: dict[str, float] = {}
    room = 0.9
    for target in targets:
        p = draw(st.floats(min_value=0.0, max_value=room))
        out[target] = p
        room -= p
    out[last] = 1.0 - sum(out.values())
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.integers(min_value=60, max_value=120))
    warmup = draw(st.sampled_from(WARMUPS))
    n_m = draw(st.integers(min_value=1, max_value=3))
    n_f = draw(st.integers(min_value=1, max_value=4))
    n_s = min(draw(st.integers(min_value=2, max_value=3)), n_f)
    mids = [f"m{i}" for i in range(n_m)]
    fids = [f"f{i}" for i in range(n_f)]
    services = [f"s{i}" for i in range(n_s)]

    facilities: dict[str, Any] = {}
    for i, fid in enumerate(fids):
        first_of_service = i < n_s
        service = services[i] if first_of_service else draw(st.sampled_from(services))
        facility: dict[str, Any] = {
            "service": service,
            "level": draw(st.sampled_from(["municipal", "specialist"])),
            "beds": draw(st.integers(min_value=0, max_value=5)),
        }
        # The first facility of each service serves everyone, so every step finds candidates.
        if not first_of_service and draw(st.booleans()):
            facility["serves"] = draw(
                st.lists(st.sampled_from(mids), min_size=1, max_size=n_m, unique=True)
            )
        if draw(st.booleans()):
            facility["when_full"] = draw(st.sampled_from(["queue", "divert", "overflow"]))
        if draw(st.booleans()):
            offsets = draw(
                st.lists(
                    st.integers(min_value=-WARMUP + 1, max_value=days - 1),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
            facility["schedule"] = [
                {
                    "date": (START_DATE + dt.timedelta(days=d)).isoformat(),
                    "beds": draw(st.integers(min_value=0, max_value=5)),
                }
                for d in sorted(offsets)
            ]
        costs: dict[str, Any] = {
            "per_bed_year": draw(money),
            "per_bed_day": draw(money),
            "per_admission": draw(money),
        }
        if draw(st.booleans()):
            costs["payer"] = draw(st.sampled_from(["municipality", "health_trust"]))
        facility["costs"] = costs
        facilities[fid] = facility

    municipalities: dict[str, Any] = {}
    for mid in mids:
        municipality: dict[str, Any] = {
            "population": draw(st.integers(min_value=2000, max_value=15000)),
        }
        if draw(st.booleans()):
            municipality["growth_per_year"] = draw(st.floats(min_value=-0.05, max_value=0.05))
        chosen = draw(st.lists(st.sampled_from(fids), max_size=n_f, unique=True))
        municipality["travel_minutes"] = {
            fid: draw(st.integers(min_value=0, max_value=200)) for fid in chosen
        }
        municipalities[mid] = municipality

    groups: dict[str, Any] = {}
    for g in range(draw(st.integers(min_value=1, max_value=2))):
        n_steps = draw(st.integers(min_value=1, max_value=3))
        sids = [f"st{i}" for i in range(n_steps)]
        entry_ids = [sids[0]] + [
            s for s in sids[1:] if draw(st.integers(min_value=0, max_value=3)) == 0
        ]
        steps: dict[str, Any] = {}
        for i, sid in enumerate(sids):
            step: dict[str, Any] = {"los": draw(distributions())}
            if draw(st.integers(min_value=0, max_value=4)) == 0:
                step["facility"] = draw(st.sampled_from(fids))
            else:
                step["service"] = draw(st.sampled_from(services))
            in_bed = sid not in entry_ids and draw(st.booleans())
            if in_bed:
                step["wait_in"] = "previous_bed"
            elif draw(st.integers(min_value=0, max_value=3)) == 0:
                step["delay"] = draw(distributions())
            # Queueing in the previous bed (blocked days) needs the queue rule: favour it.
            rules = ["default", "queue", "overflow", "divert"] + ["queue"] * (2 * in_bed)
            if i + 1 < n_steps:  # divert_to only forwards: never a loop
                rules.append("divert_to")
            rule = draw(st.sampled_from(rules))
            if rule == "divert_to":
                step["when_full"] = {"divert_to": draw(st.sampled_from(sids[i + 1 :]))}
            elif rule != "default":
                step["when_full"] = rule
            others = [s for s in sids if s != sid]
            targets = draw(st.lists(st.sampled_from([*others, "death"]), unique=True))
            step["next"] = probabilities(draw, targets, "home")
            steps[sid] = step
        group: dict[str, Any] = {
            "rate_per_1000": draw(st.floats(min_value=5.0, max_value=50.0)),
            "entry": probabilities(draw, entry_ids[1:], entry_ids[0]),
            "steps": steps,
            "priority": draw(st.integers(min_value=0, max_value=2)),
        }
        if draw(st.booleans()):
            group["seasonality"] = {
                "amplitude": draw(st.floats(min_value=0, max_value=1)),
                "peak_day_of_year": draw(st.integers(min_value=1, max_value=366)),
            }
        if draw(st.booleans()):
            group["weekday"] = draw(
                st.lists(st.floats(min_value=0.1, max_value=2), min_size=7, max_size=7)
            )
        groups[f"g{g}"] = group

    return {
        "name": "random",
        "run": {
            "start_date": START_DATE.isoformat(),
            "days": days,
            "warmup_days": warmup,
            "replications": 1,
            "seed": draw(st.integers(min_value=0, max_value=2**32 - 1)),
        },
        "municipalities": municipalities,
        "facilities": facilities,
        "groups": groups,
        "costs": {
            "blocked_day_rate": draw(money),
            "transport": {
                "per_trip": draw(money),
                "per_minute": draw(st.sampled_from([0, 40, 12.5])),
                "payer": draw(st.sampled_from(["municipality", "health_trust"])),
            },
        },
    }


# --- the checks -----------------------------------------------------------------


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-6)


def check_occupancy(record: ReplicationRecord) -> None:
    """The bed logs agree with the stays and never exceed capacity but by overflow or a cut."""
    stays, blocks = record.stays, record.blocks
    for code, log in enumerate(record.occupancy):
        fid = record.facilities[code]
        times, occupied, blocked, capacity, corridor = log.T
        assert np.all(np.diff(times) >= 0), fid
        assert np.all(corridor >= 0), fid
        assert np.all(corridor <= np.maximum(occupied - capacity, 0)), (
            f"{fid}: more corridor patients than patients above capacity"
        )
        assert np.all(occupied >= 0) and np.all(capacity >= 0), fid
        assert np.all(blocked >= 0), fid
        assert np.all(blocked <= occupied), f"{fid}: more blocked beds than occupied beds"

        here = stays[stays[:, FACILITY] == code]
        overflow_at = here[here[:, OVERFLOW] == 1.0, ADMITTED]
        # A row where a bed was taken and the pool is then above capacity must be an
        # overflow admission at that time (normal admissions and grants stop at capacity;
        # a capacity cut lowers capacity without taking a bed).
        rises = (np.diff(occupied) > 0) & (occupied[1:] > capacity[1:])
        for t in np.unique(times[1:][rises]):
            n_rises = int(np.sum(rises & (times[1:] == t)))
            assert n_rises <= int(np.sum(overflow_at == t)), (
                f"{fid}: above capacity at t={t} without an overflow admission"
            )

        # After the last change at each time, the log matches the stay and block tables.
        last = np.r_[times[1:] != times[:-1], True]
        left = np.where(np.isnan(here[:, LEFT]), np.inf, here[:, LEFT])
        mine = blocks[blocks[:, B_FACILITY] == code]
        block_end = np.where(np.isnan(mine[:, B_END]), np.inf, mine[:, B_END])
        for t, occ, blk in zip(times[last], occupied[last], blocked[last], strict=True):
            in_bed = int(np.sum((here[:, ADMITTED] <= t) & (left > t)))
            assert occ == in_bed, f"{fid}: log says {occ} in bed at t={t}, stays say {in_bed}"
            waiting = int(np.sum((mine[:, B_START] <= t) & (block_end > t)))
            assert blk == waiting, f"{fid}: log says {blk} blocked at t={t}, blocks say {waiting}"

        # Beyond overflow patients in bed, only patients admitted before a capacity cut
        # can be above capacity.
        cuts = times[1:][np.diff(capacity) < 0]
        for t, occ, cap in zip(times[last], occupied[last], capacity[last], strict=True):
            in_bed = (here[:, ADMITTED] <= t) & (left > t)
            over = int(np.sum(in_bed & (here[:, OVERFLOW] == 1.0)))
            before = cuts[cuts <= t]
            kept = 0
            if len(before):
                normal = in_bed & (here[:, OVERFLOW] == 0.0)
                kept = int(np.sum(normal & (here[:, ADMITTED] <= before[-1])))
            assert occ - over <= max(cap, kept), f"{fid}: {occ} in bed, {cap} beds at t={t}"


def check_schedules(record: ReplicationRecord, scenario: Scenario) -> None:
    """Capacity changes at midnight of each scheduled date: simulated time
    ``warmup + (date - start_date)``, whatever the warm-up (a fractional one included)."""
    for log, facility in zip(record.occupancy, scenario.facilities.values(), strict=True):
        times, capacity = log[:, Occupancy.TIME], log[:, Occupancy.CAPACITY]
        beds = facility.beds
        started = False
        for entry in facility.schedule:
            t = record.warmup + (entry.date - scenario.run.start_date).days
            if t <= 0:
                beds = entry.beds  # in force from the start
                continue
            if not started:
                assert capacity[0] == beds, "capacity at time 0"
                started = True
            if t >= record.horizon:
                break
            before = capacity[np.searchsorted(times, t, side="left") - 1]
            after = capacity[np.searchsorted(times, t, side="right") - 1]
            assert (before, after) == (beds, entry.beds), (entry.date, t, before, after)
            beds = entry.beds


def check_waiting(record: ReplicationRecord) -> None:
    """Everyone queued at the horizon has an open episode, and a bed only while blocked in it
    (``wait_in: previous_bed``); those who got a bed got it after the horizon."""
    waiting = record.waiting
    assert record.waits_until >= record.horizon
    episodes = waiting[:, Waiting.EPISODE].astype(np.int64)
    assert len(np.unique(episodes)) == len(episodes)
    assert np.all(np.isnan(record.episodes[episodes, E_END]))
    in_bed = record.stays[np.isnan(record.stays[:, LEFT]), EPISODE].astype(np.int64)
    holding = set(episodes.tolist()) & set(in_bed.tolist())
    assert len(holding) == int(np.isnan(record.blocks[:, B_END]).sum())
    assert np.all(waiting[:, Waiting.REQUESTED] < record.horizon)
    admitted = waiting[:, Waiting.ADMITTED]
    done = ~np.isnan(admitted)
    assert np.all(admitted[done] >= record.horizon) and np.all(admitted[done] <= record.waits_until)


def check_queue_order(record: ReplicationRecord, scenario: Scenario) -> None:
    """Nobody who asked later gets a bed first, unless by overflow or a higher priority.

    A patient who waits for a facility joins its queue when the step starts
    (``requested``), and a full facility's beds go to its queue in priority
    order, FIFO within a priority. Closing a facility (0 beds) sends its queue
    to look again elsewhere, where they join late, so such scenarios are skipped.
    """
    if any(e.beds == 0 for f in scenario.facilities.values() for e in f.schedule):
        return
    priority = np.array([g.priority for g in scenario.groups.values()])
    stays = record.stays
    for code in range(len(record.facilities)):
        here = stays[stays[:, FACILITY] == code]
        waited = here[here[:, ADMITTED] > here[:, REQUESTED]]
        if not len(waited) or not len(here):
            continue
        a, b = waited[:, None, :], here[None, :, :]
        overtaken = (b[..., REQUESTED] > a[..., REQUESTED]) & (b[..., ADMITTED] < a[..., ADMITTED])
        prio_a = priority[a[..., GROUP].astype(np.int64)]
        prio_b = priority[b[..., GROUP].astype(np.int64)]
        allowed = (b[..., OVERFLOW] == 1.0) | (prio_b < prio_a)
        bad = overtaken & ~allowed
        assert not bad.any(), (
            f"{record.facilities[code]}: a later request got a bed first: "
            f"{waited[np.nonzero(bad)[0][0]]} overtaken by {here[np.nonzero(bad)[1][0]]}"
        )


def check_episodes(record: ReplicationRecord) -> None:
    """Every episode ends at home, in death or diverted, or is still open at the horizon."""
    episodes, stays, horizon = record.episodes, record.stays, record.horizon
    outcome = episodes[:, E_OUTCOME]
    assert set(np.unique(outcome)) <= {
        Outcome.OPEN,
        Outcome.HOME,
        Outcome.DEATH,
        Outcome.DIVERTED,
    }
    assert np.all(episodes[:, E_ARRIVAL] >= 0) and np.all(episodes[:, E_ARRIVAL] < horizon)
    ended = outcome != Outcome.OPEN
    assert np.all(np.isnan(episodes[~ended, E_END]))
    assert np.all(episodes[ended, E_END] >= episodes[ended, E_ARRIVAL])
    assert np.all(episodes[ended, E_END] <= horizon)

    # Stays: requested <= admitted <= left, all within the run.
    assert np.all(stays[:, REQUESTED] <= stays[:, ADMITTED])
    assert np.all(stays[:, ADMITTED] < horizon)
    done = ~np.isnan(stays[:, LEFT])
    assert np.all(stays[done, ADMITTED] <= stays[done, LEFT])
    assert np.all(stays[done, LEFT] <= horizon)
    assert np.all(np.isin(stays[:, OVERFLOW], (0.0, 1.0)))

    # Each episode's stays follow each other: one bed at a time, none before arrival.
    order = np.lexsort((stays[:, ADMITTED], stays[:, EPISODE]))
    by_episode = stays[order]
    same = by_episode[1:, EPISODE] == by_episode[:-1, EPISODE]
    previous_left = by_episode[:-1, LEFT][same]
    assert not np.any(np.isnan(previous_left)), "a patient holds two beds"
    assert np.all(previous_left <= by_episode[1:, ADMITTED][same])
    episode_of = stays[:, EPISODE].astype(np.int64)
    assert np.all(stays[:, REQUESTED] >= episodes[episode_of, E_ARRIVAL])
    assert np.all(stays[:, GROUP] == episodes[episode_of, E_GROUP])
    assert np.all(stays[:, MUNICIPALITY] == episodes[episode_of, E_MUNICIPALITY])

    open_stays = np.zeros(len(episodes), dtype=np.int64)
    np.add.at(open_stays, episode_of[~done], 1)
    assert np.all(open_stays[ended] == 0), "an ended episode still holds a bed"
    assert np.all(open_stays <= 1)
    # Home or death comes straight from the last bed.
    last_left = np.full(len(episodes), np.nan)
    is_last = np.r_[~same, True] if len(by_episode) else np.zeros(0, dtype=bool)
    last_left[by_episode[is_last, EPISODE].astype(np.int64)] = by_episode[is_last, LEFT]
    terminal = (outcome == Outcome.HOME) | (outcome == Outcome.DEATH)
    assert np.all(last_left[terminal] == episodes[terminal, E_END])
    # A diverted episode left no later than it was diverted, and was counted as a diversion.
    diverted = np.flatnonzero(outcome == Outcome.DIVERTED)
    assert np.all(~(last_left[diverted] > episodes[diverted, E_END]))
    diversion_times = set(record.diversions[:, Diversion.TIME].tolist())
    assert all(episodes[i, E_END] in diversion_times for i in diverted)

    blocks = record.blocks
    assert np.all(blocks[:, B_START] >= 0)
    finished = ~np.isnan(blocks[:, B_END])
    assert np.all(blocks[finished, B_START] <= blocks[finished, B_END])


def check_kpis(record: ReplicationRecord, scenario: Scenario, kpis: dict[str, float]) -> None:
    """Counts, bed-days, waits and costs agree with the record and add up."""
    start, end = record.warmup, record.horizon
    stays, episodes, diversions = record.stays, record.episodes, record.diversions
    stay_days = clipped_durations(stays[:, ADMITTED], stays[:, LEFT], start, end)
    admitted_in = (stays[:, ADMITTED] >= start) & (stays[:, ADMITTED] < end)
    diverted_at = diversions[:, Diversion.TIME]
    diverted_in = (diverted_at >= start) & (diverted_at < end)

    for code, fid in enumerate(record.facilities):
        p = f"facility.{fid}"
        here = stays[:, FACILITY] == code
        expected_days = float(stay_days[here].sum())
        assert math.isclose(kpis[f"{p}.bed_days"], expected_days, rel_tol=1e-6, abs_tol=1e-9), (
            f"{p}.bed_days {kpis[f'{p}.bed_days']} != stays {expected_days}"
        )
        assert kpis[f"{p}.admissions"] == int((here & admitted_in).sum())
        diverted = int((diverted_in & (diversions[:, Diversion.FACILITY] == code)).sum())
        assert kpis[f"{p}.diversions"] == diverted
        total = kpis[f"{p}.admissions"] + kpis[f"{p}.diversions"]
        share = kpis[f"{p}.diversion_share"]
        assert math.isnan(share) if total == 0 else close(share, diverted / total)
        assert kpis[f"{p}.occupancy_mean"] >= 0
        assert close(kpis[f"{p}.occupancy_mean"] * (end - start), kpis[f"{p}.bed_days"])
        assert 0 <= kpis[f"{p}.overflow_days"] <= kpis[f"{p}.bed_days"] + 1e-9
        assert 0 <= kpis[f"{p}.blocked_days"] <= kpis[f"{p}.bed_days"] + 1e-9
        assert kpis[f"{p}.days_above_100pct"] <= kpis[f"{p}.days_above_85pct"]
        for name in ("wait_mean", "wait_p90"):
            value = kpis[f"{p}.{name}"]
            assert math.isnan(value) or value >= 0

    # Every bed-day and admission belongs to some facility.
    assert close(
        sum(kpis[f"facility.{f}.bed_days"] for f in record.facilities), float(stay_days.sum())
    )
    assert sum(kpis[f"facility.{f}.admissions"] for f in record.facilities) == int(
        admitted_in.sum()
    )
    assert sum(kpis[f"facility.{f}.diversions"] for f in record.facilities) == int(
        diverted_in.sum()
    )
    arrived_in = int(((episodes[:, E_ARRIVAL] >= start) & (episodes[:, E_ARRIVAL] < end)).sum())
    assert sum(kpis[f"group.{g}.episodes"] for g in record.groups) == arrived_in
    assert sum(kpis[f"municipality.{m}.episodes"] for m in record.municipalities) == arrived_in
    for gid in record.groups:
        share = kpis[f"group.{gid}.municipal_share"]
        assert math.isnan(share) or -1e-12 <= share <= 1 + 1e-12
        assert kpis[f"group.{gid}.deaths"] <= int((episodes[:, E_OUTCOME] == Outcome.DEATH).sum())

    # Costs: three ways of splitting the same total.
    total = kpis["cost.total"]
    assert math.isfinite(total) and total >= 0
    assert close(kpis["cost.payer.municipality"] + kpis["cost.payer.health_trust"], total)
    by_facility = sum(kpis[f"cost.facility.{f}"] for f in record.facilities)
    assert close(by_facility + kpis["cost.transport"], total)
    by_municipality = sum(kpis[f"municipality.{m}.cost"] for m in record.municipalities)
    assert close(by_municipality, total)
    assert all(kpis[f"cost.facility.{f}"] >= 0 for f in record.facilities)
    assert kpis["cost.transport"] >= 0
    # Each payer pays its facilities and transport; the blocked-day rate moves money
    # from the municipalities to the health trust without changing the total.
    paid = kpis["cost.blocked_payments"]
    own = {"municipality": 0.0, "health_trust": 0.0}
    for fid, facility in scenario.facilities.items():
        own[facility.costs.payer] += kpis[f"cost.facility.{fid}"]
    own[scenario.costs.transport.payer] += kpis["cost.transport"]
    assert close(kpis["cost.payer.municipality"], own["municipality"] + paid)
    assert close(kpis["cost.payer.health_trust"], own["health_trust"] - paid)
    # Gross: each payer's own costs, never negative, adding up to the total too.
    assert close(kpis["cost.gross.municipality"], own["municipality"])
    assert close(kpis["cost.gross.health_trust"], own["health_trust"])
    assert kpis["cost.gross.municipality"] >= 0 and kpis["cost.gross.health_trust"] >= 0
    assert close(
        paid, sum(kpis[f"municipality.{m}.blocked_payments"] for m in record.municipalities)
    )
    specialist_blocked = sum(
        kpis[f"facility.{fid}.blocked_days"]
        for fid, f in scenario.facilities.items()
        if f.level == "specialist"
    )
    assert 0 <= paid <= scenario.costs.blocked_day_rate * specialist_blocked * (1 + 1e-9) + 1e-6


def same_kpis(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a
    )


TABLES = ("episodes", "stays", "diversions", "blocks")


def same_record(a: ReplicationRecord, b: ReplicationRecord) -> bool:
    return all(
        np.array_equal(getattr(a, t), getattr(b, t), equal_nan=True) for t in TABLES
    ) and all(
        np.array_equal(x, y, equal_nan=True) for x, y in zip(a.occupancy, b.occupancy, strict=True)
    )


# --- the tests -------------------------------------------------------------------


@SETTINGS
@given(data=scenarios())
def test_replication_invariants(data: dict[str, Any]) -> None:
    scenario = validate(data)
    seed = scenario.run.seed
    record = run_replication(scenario, seed, 0)
    kpis, _ = compute_kpis(record, scenario)

    check_occupancy(record)
    check_episodes(record)
    check_queue_order(record, scenario)
    check_schedules(record, scenario)
    check_waiting(record)
    check_kpis(record, scenario, kpis)

    again = run_replication(scenario, seed, 0)
    assert same_record(record, again), "the same seed gave a different replication"
    assert same_kpis(kpis, compute_kpis(again, scenario)[0])

    if len(record.episodes):
        other = run_replication(scenario, seed + 1, 0)
        assert not same_record(record, other), "another seed gave the same replication"
        next_replication = run_replication(scenario, seed, 1)
        assert not same_record(record, next_replication), "replications 0 and 1 are equal"


@settings(max_examples=30, deadline=None)
@given(data=scenarios())
def test_resolved_scenario_yaml_loads_back_equal(data: dict[str, Any]) -> None:
    """What a results folder stores as scenario.yaml is the same scenario (and hash)."""
    scenario = validate(data)
    text = scenario_yaml(scenario)
    again = validate(yaml.safe_load(text))
    assert again == scenario
    assert scenario_hash(again) == scenario_hash(scenario)


def test_generated_scenarios_are_valid_and_varied() -> None:
    """The strategy's scenarios pass validation (a guard for the property test above)."""

    @settings(max_examples=20, deadline=None)
    @given(data=scenarios())
    def inner(data: dict[str, Any]) -> None:
        validate(data)

    inner()


@pytest.mark.parametrize("when_full", ["queue", "divert", "overflow"])
def test_capacity_cut_to_zero_keeps_patients_in_bed(when_full: str) -> None:
    """Closing a facility lets patients in bed stay; no new admissions afterwards but overflow."""
    data = {
        "name": "cut",
        "run": {"start_date": "2025-01-01", "days": 60, "warmup_days": 10, "seed": 3},
        "municipalities": {"m": {"population": 20000}},
        "facilities": {
            "f": {
                "service": "s",
                "level": "municipal",
                "beds": 4,
                "when_full": when_full,
                "schedule": [{"date": "2025-01-20", "beds": 0}],
            }
        },
        "groups": {
            "g": {
                "rate_per_1000": 40,
                "entry": {"a": 1.0},
                "steps": {
                    "a": {"service": "s", "los": {"dist": "fixed", "mean": 6}, "next": {"home": 1}}
                },
            }
        },
    }
    scenario = validate(data)
    record = run_replication(scenario, 3, 0)
    check_occupancy(record)
    check_episodes(record)
    kpis, _ = compute_kpis(record, scenario)
    check_kpis(record, scenario, kpis)
    cut = 10 + 19  # 2025-01-20 in simulated days
    stays = record.stays
    late = stays[stays[:, ADMITTED] > cut]
    if when_full == "overflow":
        assert np.all(late[:, OVERFLOW] == 1.0)
    else:
        assert len(late) == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_invariants_on_minimal_scenario(seed: int) -> None:
    """The shared minimal scenario (diversion, overflow, blocked days, delay) obeys them all."""
    data = minimal_scenario()
    data["run"].update(days=120, warmup_days=10)
    data["municipalities"]["north"]["population"] = 40000
    # Few beds: patients wait in their hospital bed for the one nursing-home bed,
    # and the hospital overflows.
    data["facilities"]["nursing-home"].update(beds=1, schedule=[])
    data["facilities"]["hospital"]["beds"] = 3
    scenario = validate(data)
    record = run_replication(scenario, seed, 0)
    assert len(record.blocks) > 0 and (record.stays[:, OVERFLOW] == 1).any()
    check_occupancy(record)
    check_episodes(record)
    kpis, _ = compute_kpis(record, scenario)
    check_kpis(record, scenario, kpis)
    assert kpis["cost.blocked_payments"] > 0


def test_queue_is_by_priority_then_first_come() -> None:
    """A busy two-bed unit that queues: FIFO within a priority, urgent patients first."""
    step = {"service": "s", "los": {"dist": "exponential", "mean": 3}, "next": {"home": 1}}
    data = {
        "name": "queue",
        "run": {"start_date": "2025-01-01", "days": 90, "warmup_days": 10},
        "municipalities": {"m": {"population": 10000}},
        "facilities": {"f": {"service": "s", "level": "municipal", "beds": 2}},
        "groups": {
            "urgent": {"rate_per_1000": 10, "priority": 0, "entry": {"a": 1}, "steps": {"a": step}},
            "routine": {
                "rate_per_1000": 20,
                "priority": 1,
                "entry": {"a": 1},
                "steps": {"a": step},
            },
        },
    }
    scenario = validate(data)
    record = run_replication(scenario, 1, 0)
    waits = record.stays[:, ADMITTED] - record.stays[:, REQUESTED]
    assert (waits > 0).sum() > 10
    check_occupancy(record)
    check_queue_order(record, scenario)
    urgent = record.stays[:, GROUP] == 0
    assert waits[urgent].mean() < waits[~urgent].mean()
