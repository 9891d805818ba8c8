"""Shared facilities, diversion maps, maximum stays and waits, and patients in bed at the start,
against exact results (test tier: analytic checks).

Statistical checks: ``|estimate - theory| < 4 SE`` with SE over independent
replications (or the binomial SE of a pooled count), and the SE small enough
that a wrong model could not pass by being noisy.

Theory used (time unit: days, mean stay 1 unless said otherwise):

* a ward carrying only a background load is M/M/c: Erlang B when it diverts,
  Erlang C when it queues (mean wait C / (c mu - lambda)), M/M/infinity when
  it overflows (mean occupancy a, share admitted above capacity P(N >= c),
  N ~ Poisson(a), by PASTA); Little's law: occupancy = admissions/day x stay;
* a stay S ~ exponential(m) cut at L: P(S > L) = exp(-L/m) are moved on, and
  the mean stay is E[min(S, L)] = m (1 - exp(-L/m));
* M/M/c with a deterministic patience tau (FIFO; a patient who has waited tau
  leaves the queue): the virtual wait V of an arrival has, with pi_n
  proportional to a^n / n! for n < c, density lambda pi_{c-1} exp(-(c mu -
  lambda) v) below tau and lambda pi_{c-1} exp(lambda tau - c mu v) above; a
  share P(V >= tau) = lambda pi_{c-1} exp(-(c mu - lambda) tau) / (c mu) of
  arrivals reach max_wait (level crossing, as for M/M/1+D in Baccelli and
  Hebuterne, 1981);
* M/G/infinity started with its stationary mean a in beds, each with an
  equilibrium residual stay (density (1 - F(x)) / m): the expected occupancy
  is a at every t (survivors a P(R > t) plus arrivals lambda int_0^t (1 - F)
  = a P(R <= t)), so there is no warm-up bias; the residual has mean
  E[S^2] / (2 E[S]).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import single_unit_dict
from scipy import stats

from simulator import validate
from simulator.analysis.erlang import erlang_b, erlang_c
from simulator.measures.kpis import clipped_durations, compute_kpis, facility_path
from simulator.model.capacity import Limit, LimitKind, Outside, OutsideKind
from simulator.model.engine import run_replication
from simulator.model.records import Block, Episode, Outcome, ReplicationRecord, Stay
from simulator.model.residual import residual_mean, sample_residual
from simulator.scenario.schema import Scenario

Z = 4.0
EXPONENTIAL = {"dist": "exponential", "mean": 1.0}


def mean_se(values: Any) -> tuple[float, float]:
    x = np.asarray(values, dtype=float)
    assert len(x) >= 5 and np.all(np.isfinite(x))
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


def assert_matches(values: Any, theory: float, max_rel_se: float, what: str) -> None:
    est, se = mean_se(values)
    report = f"{what}: theory {theory:.4f}, sim {est:.4f} ± {se:.4f}"
    assert se < max_rel_se * abs(theory), "too noisy to tell: " + report
    assert abs(est - theory) < Z * se, report


def runs(scenario: Scenario, n: int, seed: int) -> list[tuple[ReplicationRecord, dict[str, float]]]:
    out = []
    for r in range(n):
        record = run_replication(scenario, seed, r)
        out.append((record, compute_kpis(record, scenario)[0]))
    return out


def background_ward(
    beds: int, per_day: float, when_full: str, days: float, warmup: float, **extra: Any
) -> Scenario:
    """A ward whose only patients come from outside the region (no group uses it)."""
    data = single_unit_dict(beds, 0.0, EXPONENTIAL, "queue", days, warmup)
    data["facilities"]["unit"]["when_full"] = when_full
    data["facilities"]["unit"]["background"] = {
        "admissions_per_year": per_day * 365,
        "los": EXPONENTIAL,
        **extra,
    }
    return validate(data)


# --- residual stays ------------------------------------------------------------------------

RESIDUAL_CASES = [
    {"dist": "exponential", "mean": 2.0},
    {"dist": "fixed", "mean": 3.0},
    {"dist": "gamma", "mean": 2.0, "cv": 0.5},
    {"dist": "lognormal", "mean": 2.0, "cv": 1.5},
    {"dist": "empirical", "values": [0.5, 1.0, 7.0]},
]


@pytest.mark.parametrize("los", RESIDUAL_CASES, ids=lambda d: d["dist"])
def test_residual_stay_has_mean_second_moment_over_twice_the_mean(los: dict[str, Any]) -> None:
    data = single_unit_dict(1, 1.0, los, "queue", 10, 0)
    dist = validate(data).groups["g"].steps["stay"].los
    # E[S^2] / (2 E[S]) from the specification, independently of residual_mean.
    mean = float(np.mean(los["values"])) if "values" in los else los["mean"]
    second = (
        float(np.mean(np.square(los["values"])))
        if "values" in los
        else mean**2
        * (1 + {"exponential": 1.0, "fixed": 0.0}.get(los["dist"], los.get("cv", 0)) ** 2)
    )
    theory = second / (2 * mean)
    assert residual_mean(dist) == pytest.approx(theory, rel=1e-12)
    draws = sample_residual(np.random.default_rng(11), dist, 200_000)
    se = draws.std() / math.sqrt(len(draws))
    assert abs(draws.mean() - theory) < Z * se, f"{draws.mean()} vs {theory} ± {se}"
    assert draws.min() >= 0


def test_residual_stay_distribution_exponential_and_fixed() -> None:
    """Memoryless stays keep their law; a fixed stay m leaves Uniform(0, m)."""
    rng = np.random.default_rng(5)
    exp = validate(single_unit_dict(1, 1.0, {"dist": "exponential", "mean": 2.0}, "queue", 10, 0))
    draws = sample_residual(rng, exp.groups["g"].steps["stay"].los, 20_000)
    assert stats.kstest(draws, stats.expon(scale=2.0).cdf).pvalue > 1e-3
    fixed = validate(single_unit_dict(1, 1.0, {"dist": "fixed", "mean": 3.0}, "queue", 10, 0))
    draws = sample_residual(rng, fixed.groups["g"].steps["stay"].los, 20_000)
    assert stats.kstest(draws, stats.uniform(0, 3.0).cdf).pvalue > 1e-3


# --- background load against Erlang ----------------------------------------------------------


@pytest.mark.slow
def test_background_ward_that_diverts_is_erlang_b_and_littles_law() -> None:
    beds, load = 4, 2.5
    table = runs(background_ward(beds, load, "divert", days=3000, warmup=30), 8, seed=41)
    b = erlang_b(beds, load)
    assert_matches([k["facility.unit.diversion_share"] for _, k in table], b, 0.05, "B")
    # Little: mean occupancy = admissions per day x mean stay.
    occupancy = [k["facility.unit.occupancy_mean"] for _, k in table]
    assert_matches(occupancy, load * (1 - b), 0.01, "occupancy a(1-B)")
    for record, k in table:
        assert k["facility.unit.region.admissions"] == 0
        assert k["facility.unit.region.bed_days"] == pytest.approx(0.0, abs=1e-6)
        assert k["facility.unit.occupancy_p95"] <= beds
        assert k["group.g.episodes"] == 0 and k["cost.total"] == 0
        assert k["facility.unit.admissions"] == int(
            np.sum(record.capacity.outside[:, Outside.ADMITTED] >= record.warmup)
        )


@pytest.mark.slow
def test_background_ward_that_queues_is_erlang_c() -> None:
    beds, load = 3, 2.2
    table = runs(background_ward(beds, load, "queue", days=3000, warmup=50), 10, seed=43)
    c = erlang_c(beds, load)
    assert_matches([k["facility.unit.wait_mean"] for _, k in table], c / (beds - load), 0.06, "Wq")
    assert_matches([k["facility.unit.occupancy_mean"] for _, k in table], load, 0.02, "L")


@pytest.mark.slow
def test_background_ward_that_overflows_is_m_m_infinity() -> None:
    beds, load = 3, 2.5
    table = runs(background_ward(beds, load, "overflow", days=3000, warmup=30), 8, seed=47)
    assert_matches([k["facility.unit.occupancy_mean"] for _, k in table], load, 0.02, "a")
    above = []
    for record, _ in table:
        rows = record.capacity.outside
        rows = rows[rows[:, Outside.ADMITTED] >= record.warmup]
        above.append(rows[:, Outside.OVERFLOW].mean())
    assert_matches(above, float(stats.poisson.sf(beds - 1, load)), 0.05, "P(N >= c)")


def test_region_kpis_leave_background_patients_out_exactly() -> None:
    """A shared ward: the region's KPIs and costs count the region's stays only; the
    facility's count everyone; both queue in one queue."""
    data = single_unit_dict(3, 1.2, EXPONENTIAL, "queue", 400, 20)
    data["facilities"]["unit"]["costs"] = {"per_bed_day": 1000, "per_admission": 100}
    data["facilities"]["unit"]["background"] = {
        "admissions_per_year": 1.0 * 365,
        "los": {"dist": "gamma", "mean": 1.5, "cv": 0.7},
    }
    scenario = validate(data)
    record = run_replication(scenario, 3, 0)
    kpis, paths = compute_kpis(record, scenario)
    start, end = record.warmup, record.horizon
    stays, outside = record.stays, record.capacity.outside
    region_in = (stays[:, Stay.ADMITTED] >= start) & (stays[:, Stay.ADMITTED] < end)
    theirs = outside[outside[:, Outside.KIND] == OutsideKind.BACKGROUND]
    theirs_in = (theirs[:, Outside.ADMITTED] >= start) & (theirs[:, Outside.ADMITTED] < end)
    region_days = clipped_durations(stays[:, Stay.ADMITTED], stays[:, Stay.LEFT], start, end).sum()
    their_days = clipped_durations(
        outside[:, Outside.ADMITTED], outside[:, Outside.LEFT], start, end
    ).sum()
    p = "facility.unit"
    assert kpis[f"{p}.region.admissions"] == int(region_in.sum()) > 100
    assert kpis[f"{p}.admissions"] == int(region_in.sum() + theirs_in.sum())
    assert kpis[f"{p}.region.bed_days"] == pytest.approx(region_days, rel=1e-9)
    assert kpis[f"{p}.bed_days"] == pytest.approx(region_days + their_days, rel=1e-9)
    assert kpis[f"{p}.region.occupancy_mean"] == pytest.approx(region_days / (end - start))
    arrived = record.episodes[:, Episode.ARRIVAL]
    assert kpis["group.g.episodes"] == int(((arrived >= start) & (arrived < end)).sum())
    assert kpis["municipality.m.episodes"] == kpis["group.g.episodes"]
    expected_cost = 1000 * region_days + 100 * region_in.sum()
    assert kpis["cost.total"] == pytest.approx(expected_cost, rel=1e-9)
    assert kpis["municipality.m.cost"] == pytest.approx(expected_cost, rel=1e-9)
    # One queue: both kinds of patients waited, and the all-patient wait lies between.
    their_waits = theirs[theirs_in, Outside.ADMITTED] - theirs[theirs_in, Outside.REQUESTED]
    assert (their_waits > 0).any() and kpis[f"{p}.region.wait_mean"] > 0
    low, high = sorted([kpis[f"{p}.region.wait_mean"], float(their_waits.mean())])
    assert low - 1e-9 <= kpis[f"{p}.wait_mean"] <= high + 1e-9
    assert paths[0].bed_days == pytest.approx(kpis[f"{p}.bed_days"])


# --- diversion maps ------------------------------------------------------------------------


def test_diversion_map_splits_as_given() -> None:
    data = single_unit_dict(0, 8.0, EXPONENTIAL, "queue", 400, 0)
    data["facilities"]["hospital"] = {
        "service": "hospital",
        "level": "specialist",
        "beds": 10,
        "when_full": "overflow",
    }
    steps = data["groups"]["g"]["steps"]
    steps["stay"]["when_full"] = {"divert_to": {"hospital_stay": 0.3, "home": 0.7}}
    steps["hospital_stay"] = {"service": "hospital", "los": EXPONENTIAL, "next": {"home": 1.0}}
    scenario = validate(data)
    record = run_replication(scenario, 9, 0)
    episodes, stays = record.episodes, record.stays
    n = len(episodes)
    in_hospital = np.zeros(n, dtype=bool)
    in_hospital[stays[:, Stay.EPISODE].astype(np.int64)] = True
    # The unit has no beds: every patient is turned away and goes by the map.
    assert len(record.diversions) == n > 2000
    home = ~in_hospital & (episodes[:, Episode.OUTCOME] == Outcome.HOME)
    assert np.all(episodes[home, Episode.END] == episodes[home, Episode.ARRIVAL])
    assert int(home.sum()) + int(in_hospital.sum()) == n
    assert stats.binomtest(int(in_hospital.sum()), n, 0.3).pvalue > 1e-3


# --- maximum stay and maximum wait -------------------------------------------------------------


@pytest.mark.slow
def test_max_stay_cuts_exponential_stays_exactly() -> None:
    m, limit = 2.0, 3.0
    data = single_unit_dict(50, 3.0, {"dist": "exponential", "mean": m}, "overflow", 2000, 0)
    steps = data["groups"]["g"]["steps"]
    steps["stay"]["max_stay"] = {"days": limit, "then": "after"}
    data["facilities"]["after"] = {"service": "after", "level": "specialist", "beds": 50}
    steps["after"] = {"service": "after", "los": EXPONENTIAL, "next": {"home": 1.0}}
    scenario = validate(data)
    record = run_replication(scenario, 13, 0)
    kpis, _ = compute_kpis(record, scenario)
    stays = record.stays
    unit = stays[stays[:, Stay.FACILITY] == 0]
    ended = unit[unit[:, Stay.ADMITTED] + unit[:, Stay.LOS] <= record.horizon]
    assert ended[:, Stay.LOS].max() == limit
    cut = ended[:, Stay.LOS] == limit
    limits = record.capacity.limits
    assert int(cut.sum()) == len(limits) == kpis["facility.unit.max_stay_transfers"]
    assert np.all(limits[:, Limit.KIND] == LimitKind.MAX_STAY)
    # Everyone moved on at the limit, and only they, went to the next step.
    assert int((stays[:, Stay.FACILITY] == 1).sum()) == len(limits)
    assert stats.binomtest(int(cut.sum()), len(ended), math.exp(-limit / m)).pvalue > 1e-3
    los = ended[:, Stay.LOS]
    theory = m * (1 - math.exp(-limit / m))
    se = los.std(ddof=1) / math.sqrt(len(los))
    assert abs(los.mean() - theory) < Z * se and se < 0.02 * theory


def max_wait_theory(c: int, lam: float, mu: float, tau: float) -> float:
    """Share of arrivals to M/M/c + deterministic patience tau who reach it (module doc)."""
    a = lam / mu
    pi = np.array([a**n / math.factorial(n) for n in range(c)])
    k = c * mu - lam
    tail = lam * pi[-1] * ((1 - math.exp(-k * tau)) / k + math.exp(-k * tau) / (c * mu))
    return float(lam * pi[-1] / (pi.sum() + tail) * math.exp(-k * tau) / (c * mu))


@pytest.mark.slow
@pytest.mark.parametrize(("beds", "lam", "tau"), [(1, 0.9, 1.0), (2, 1.8, 0.5), (3, 3.3, 0.3)])
def test_max_wait_on_m_m_c_matches_deterministic_patience(
    beds: int, lam: float, tau: float
) -> None:
    data = single_unit_dict(beds, lam, EXPONENTIAL, "queue", 2500, 50)
    data["groups"]["g"]["steps"]["stay"]["max_wait"] = {"days": tau, "then": "home"}
    table = runs(validate(data), 8, seed=17 + beds)
    shares = [k["group.g.max_wait_switches"] / k["group.g.episodes"] for _, k in table]
    assert_matches(shares, max_wait_theory(beds, lam, 1.0, tau), 0.05, "P(reach max_wait)")
    for record, _ in table:
        # Nobody waited longer than the limit, and those who reached it went home then.
        waits = record.stays[:, Stay.ADMITTED] - record.stays[:, Stay.REQUESTED]
        assert waits.max() <= tau + 1e-9
        switched = record.capacity.limits[:, Limit.TIME]
        home_now = record.episodes[record.episodes[:, Episode.OUTCOME] == Outcome.HOME]
        assert set(switched.tolist()) <= set(home_now[:, Episode.END].tolist())


# --- patients in beds at the start ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("background", [False, True], ids=["region", "background"])
def test_initial_occupancy_at_the_stationary_mean_has_no_warmup_bias(background: bool) -> None:
    los = {"dist": "lognormal", "mean": 2.0, "cv": 1.5}
    lam, load = 20.0, 40
    if background:
        data = single_unit_dict(400, 0.0, EXPONENTIAL, "overflow", 6, 0)
        data["facilities"]["unit"]["background"] = {
            "admissions_per_year": lam * 365,
            "los": los,
            "initial_patients": load,
        }
    else:
        data = single_unit_dict(400, lam, los, "overflow", 6, 0)
        data["facilities"]["unit"]["initial_occupancy"] = {"patients": load, "los": los}
    table = runs(validate(data), 40, seed=23 + background)
    # Mean occupancy by half-day from time 0: flat at a (a biased start would sag by
    # several beds in the first days: survivors of whole stays leave too early).
    for half in range(12):
        per_replication = []
        for record, _ in table:
            path = facility_path(record.occupancy[0], half / 2, (half + 1) / 2)
            per_replication.append(path.bed_days / path.length)
        assert_matches(per_replication, load, 0.03, f"occupancy, half-day {half}")
    initial = np.concatenate([r.capacity.outside[:, Outside.LOS][:load] for r, _ in table])
    assert_matches(initial, (1 + 1.5**2) / 2 * 2.0, 0.05, "mean residual stay")


def test_background_load_follows_changes_on_a_date() -> None:
    """A background load that triples on a date: the mean occupancy of an M/M/infinity ward
    is the offered load before and after it (one mean stay's lag aside)."""
    data = single_unit_dict(500, 0.0, EXPONENTIAL, "overflow", 400, 0)
    data["facilities"]["unit"]["background"] = {"admissions_per_year": 10 * 365, "los": EXPONENTIAL}
    data["changes"] = [
        {"date": "2025-07-20", "set": {"facilities.unit.background.admissions_per_year": 30 * 365}}
    ]
    scenario = validate(data)
    before, after = [], []
    for record, _ in runs(scenario, 6, seed=29):
        log = record.occupancy[0]
        first = facility_path(log, 20, 195)
        second = facility_path(log, 220, 400)
        before.append(first.bed_days / first.length)
        after.append(second.bed_days / second.length)
    assert_matches(before, 10.0, 0.02, "occupancy before")
    assert_matches(after, 30.0, 0.02, "occupancy after")


@pytest.mark.slow
def test_background_priority_in_a_shared_queue_is_cobham() -> None:
    """Background patients served first (priority -1) and the region's (0) in one M/M/2 queue:
    non-preemptive priority waits C / (c mu (1 - s_{k-1}) (1 - s_k)) (Cobham, 1954)."""
    beds, region, background = 2, 0.9, 0.6
    data = single_unit_dict(beds, region, EXPONENTIAL, "queue", 3000, 50)
    data["facilities"]["unit"]["background"] = {
        "admissions_per_year": background * 365,
        "los": EXPONENTIAL,
        "priority": -1,
    }
    table = runs(validate(data), 8, seed=31)
    c = erlang_c(beds, region + background)
    s1, s2 = background / beds, (background + region) / beds
    assert_matches(
        [k["facility.unit.region.wait_mean"] for _, k in table],
        c / (beds * (1 - s1) * (1 - s2)),
        0.06,
        "region (second class) wait",
    )
    theirs = []
    for record, _ in table:
        rows = record.capacity.outside
        rows = rows[rows[:, Outside.REQUESTED] >= record.warmup]
        theirs.append(float((rows[:, Outside.ADMITTED] - rows[:, Outside.REQUESTED]).mean()))
    assert_matches(theirs, c / (beds * (1 - s1)), 0.08, "background (first class) wait")


def test_max_wait_in_the_previous_bed_ends_the_blocked_days_at_the_limit() -> None:
    """Utskrivningsklar patients waiting in a hospital bed for a full nursing home go home
    after max_wait days: no blocked stretch is longer, and each switch ends one."""
    data = single_unit_dict(20, 2.0, EXPONENTIAL, "overflow", 300, 0)
    steps = data["groups"]["g"]["steps"]
    steps["stay"]["next"] = {"nursing": 1.0}
    data["facilities"]["home-care"] = {"service": "nursing", "level": "municipal", "beds": 2}
    steps["nursing"] = {
        "service": "nursing",
        "los": {"dist": "exponential", "mean": 3.0},
        "wait_in": "previous_bed",
        "when_full": "queue",
        "max_wait": {"days": 2.0, "then": "home"},
        "next": {"home": 1.0},
    }
    scenario = validate(data)
    record = run_replication(scenario, 37, 0)
    blocks = record.blocks
    done = ~np.isnan(blocks[:, Block.END])
    lengths = blocks[done, Block.END] - blocks[done, Block.START]
    assert len(lengths) > 100 and lengths.max() <= 2.0 + 1e-9
    switched = record.capacity.limits
    assert len(switched) > 20 and np.all(switched[:, Limit.KIND] == LimitKind.MAX_WAIT)
    assert np.isclose(lengths, 2.0).sum() == len(switched)
    # The hospital bed frees at the switch: a stay ends at each switch time.
    ends = set(record.stays[:, Stay.LEFT].tolist())
    assert all(t in ends for t in switched[:, Limit.TIME].tolist())
