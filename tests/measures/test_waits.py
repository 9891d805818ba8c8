"""Waits of patients who start waiting in the period, followed past its end.

Patients still queued at the end of the collection period used to be dropped
from ``wait_mean`` and ``wait_p90``: under overload those are the longest
waits, so the mean came out low. The run now follows them past the horizon
(:mod:`simulator.model.engine`). The check is against an exact value: for one
unit with Poisson arrivals, exponential stays and FIFO queueing, an arrival
that finds ``n`` patients with ``k`` in beds waits for a known number of
departures (later arrivals do not matter), so the mean wait of arrivals in the
period is a time average of the transient state distribution of a Markov
chain, computed here with a sparse matrix exponential. The simulated pooled
mean wait must match it within 4 standard errors, and the old estimator
(admissions in the period) must fail that same test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats
from scipy.sparse.linalg import expm_multiply

from simulator import simulate, validate
from simulator.measures.kpis import compute_kpis, period_waits
from simulator.model.calendar import wait_extension
from simulator.model.engine import run_replication
from simulator.model.records import Episode, Occupancy, ReplicationRecord, Stay, Waiting
from simulator.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import single_unit_dict  # noqa: E402

Z = 4.0


def cut_unit(arrivals: float, beds: int, cut_to: int, warmup: float, days: float) -> Scenario:
    """One unit, exponential stays of 1 day, queue; ``beds`` cut to ``cut_to`` at start_date."""
    data = single_unit_dict(
        beds, arrivals, {"dist": "exponential", "mean": 1.0}, "queue", days, warmup
    )
    if cut_to != beds:
        data["facilities"]["unit"]["schedule"] = [{"date": "2025-01-01", "beds": cut_to}]
    return validate(data)


def exact_mean_wait(
    arrivals: float, beds: int, cut_to: int, warmup: float, days: float, top: int
) -> float:
    """Mean wait of the arrivals in [warmup, warmup + days) of an M/M/c unit, empty at 0,
    with ``beds`` cut to ``cut_to`` at ``warmup`` (nobody evicted), FIFO, mean stay 1.

    After the cut the state is (n in the unit, k in beds): a departure frees a
    bed for the queue only once k is below the new capacity, so an arrival
    finding (n, k) with k >= cut_to waits for k - cut_to departures at rates
    k, k-1, ..., cut_to + 1 and then n - k + 1 at rate cut_to. ``top`` bounds n.
    """
    n = np.arange(top + 1)
    before = sp.diags([np.full(top, arrivals), np.minimum(n[1:], beds).astype(float)], [1, -1])
    before = sp.lil_matrix(before)
    before.setdiag(-np.asarray(before.sum(axis=1)).ravel())
    empty = np.zeros(top + 1)
    empty[0] = 1.0
    at_cut = expm_multiply(before.T.tocsc() * warmup, empty) if warmup > 0 else empty
    states = [
        (m, k)
        for m in range(top + 1)
        for k in range(min(m, beds) + 1)
        if (m < cut_to and k == m) or (m >= cut_to and cut_to <= k <= min(m, beds))
    ]
    index = {s: i for i, s in enumerate(states)}
    rows, cols, rates = [], [], []
    for i, (m, k) in enumerate(states):
        if m < top:  # an arrival takes a free bed or queues
            rows.append(i)
            cols.append(index[(m + 1, k + 1 if k < cut_to else k)])
            rates.append(arrivals)
        if k > 0:  # a departure; the queue's head gets the bed if one is free for it
            rows.append(i)
            cols.append(index[(m - 1, max(k - 1, min(m - 1, cut_to)))])
            rates.append(float(k))
    after = sp.lil_matrix(sp.csr_matrix((rates, (rows, cols)), shape=(len(states),) * 2))
    after.setdiag(-np.asarray(after.sum(axis=1)).ravel())
    start = np.zeros(len(states))
    for m in range(top + 1):
        start[index[(m, min(m, beds))]] += at_cut[m]
    wait = np.array(
        [
            0.0
            if k < cut_to
            else sum(1.0 / j for j in range(cut_to + 1, k + 1)) + (m - k + 1) / cut_to
            for m, k in states
        ]
    )
    grid = 601  # Simpson's rule over the period (PASTA: arrivals see time averages)
    p = expm_multiply(after.T.tocsc(), start, start=0, stop=days, num=grid, endpoint=True)
    assert p.sum(axis=1).min() > 1 - 1e-9, "state space too small"
    y = p @ wait
    h = days / (grid - 1)
    integral = h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())
    return float(integral / days)


def erlang_c(c: int, a: float) -> float:
    top = stats.poisson.pmf(c, a) * c / (c - a)
    return float(top / (stats.poisson.cdf(c - 1, a) + top))


def pooled(sums: list[float], counts: list[int]) -> tuple[float, float]:
    """Ratio estimate sum(waits) / sum(requests) over replications, with its delta-method SE."""
    y, x = np.asarray(sums), np.asarray(counts, dtype=float)
    ratio = float(y.sum() / x.sum())
    se = float(np.sqrt(np.var(y - ratio * x, ddof=1) / len(y)) / x.mean())
    return ratio, se


def old_waits(record: ReplicationRecord) -> np.ndarray:
    """The previous estimator: waits of admissions in the period, queued patients dropped."""
    st = record.stays
    admitted = st[:, Stay.ADMITTED]
    inside = (admitted >= record.warmup) & (admitted < record.horizon)
    return np.asarray(admitted[inside] - st[inside, Stay.REQUESTED])


def test_exact_mean_wait_is_erlang_c_in_steady_state() -> None:
    """The exact transient helper, run long enough and without a cut, gives C / (c - a)."""
    for c, a in [(3, 2.1), (5, 4.0)]:
        value = exact_mean_wait(a, c, c, 300.0, 40.0, top=150)
        assert value == pytest.approx(erlang_c(c, a) / (c - a), rel=1e-6)


CUT_CASES = [  # arrivals a day, beds, cut to, warm-up, days, replications, seed, old rejected
    # Load 0.9 -> 1.08: the old mean comes out ~11-14 % low, about 4 of its standard
    # errors at this size, so only the new estimator is checked here.
    (5.4, 6, 5, 60.0, 60.0, 250, 21, False),
    # Load 0.9 -> 1.35: the old mean comes out ~28 % low, 18 standard errors.
    (5.4, 6, 4, 60.0, 60.0, 200, 22, True),
]
"""The steady-state M/M/c case (Erlang C) with this estimator is ``test_erlang_delay``
in ``tests/model/test_theory.py``."""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arrivals", "beds", "cut_to", "warmup", "days", "replications", "seed", "old_rejected"),
    CUT_CASES,
)
def test_mean_wait_matches_the_exact_transient_value(
    arrivals: float,
    beds: int,
    cut_to: int,
    warmup: float,
    days: float,
    replications: int,
    seed: int,
    old_rejected: bool,
) -> None:
    scenario = cut_unit(arrivals, beds, cut_to, warmup, days)
    top = int(arrivals * (warmup + days) * 0.6) + 100
    exact = exact_mean_wait(arrivals, beds, cut_to, warmup, days, top)
    new_sums, new_counts, old_sums, old_counts = [], [], [], []
    for r in range(replications):
        record = run_replication(scenario, seed, r)
        _, _, waits = period_waits(record)
        if r < 5:  # the KPIs are these waits
            kpis, _ = compute_kpis(record, scenario)
            assert kpis["facility.unit.waits_unresolved"] == 0
            assert kpis["facility.unit.wait_mean"] == pytest.approx(waits.mean(), rel=1e-12)
            assert kpis["facility.unit.wait_p90"] == pytest.approx(np.quantile(waits, 0.9))
        new_sums.append(float(waits.sum()))
        new_counts.append(len(waits))
        old = old_waits(record)
        old_sums.append(float(old.sum()))
        old_counts.append(len(old))
    new, new_se = pooled(new_sums, new_counts)
    old, old_se = pooled(old_sums, old_counts)
    report = f"exact {exact:.4f}, new {new:.4f} ± {new_se:.4f}, old {old:.4f} ± {old_se:.4f}"
    print(report)
    assert new_se < 0.05 * exact, "too noisy to tell: " + report
    assert abs(new - exact) < Z * new_se, report
    if old_rejected:
        # The same test rejects the estimator that dropped the patients still queued.
        assert exact - old > Z * old_se, report


def test_still_waiting_at_end_counts_the_queue_at_the_horizon() -> None:
    """Everyone queued at the horizon is a Waiting row, admitted after it (a test on records)."""
    scenario = cut_unit(5.4, 6, 4, 20.0, 40.0)
    for r in range(3):
        record = run_replication(scenario, 5, r)
        kpis, _ = compute_kpis(record, scenario)
        episodes, stays, waiting = record.episodes, record.stays, record.waiting
        # Open episodes without a bed at the horizon are exactly the queue.
        in_bed = stays[np.isnan(stays[:, Stay.LEFT]), Stay.EPISODE].astype(np.int64)
        open_episodes = np.flatnonzero(np.isnan(episodes[:, Episode.END]))
        queued = np.setdiff1d(open_episodes, in_bed)
        assert len(queued) > 0
        assert sorted(waiting[:, Waiting.EPISODE].astype(np.int64)) == sorted(queued)
        assert kpis["facility.unit.still_waiting_at_end"] == len(queued)
        assert np.all(waiting[:, Waiting.ADMITTED] >= record.horizon)
        assert np.all(waiting[:, Waiting.REQUESTED] < record.horizon)
        # FIFO: admitted in the order they asked, and the run stopped at the last of them.
        order = np.argsort(waiting[:, Waiting.REQUESTED])
        assert np.all(np.diff(waiting[order, Waiting.ADMITTED]) >= 0)
        assert record.waits_until == waiting[:, Waiting.ADMITTED].max()
        # Nothing after the horizon is in the other tables.
        assert np.all(stays[:, Stay.ADMITTED] < record.horizon)
        assert np.all(record.occupancy[0][:, Occupancy.TIME] < record.horizon)


def test_nothing_waiting_means_no_follow_up() -> None:
    scenario = validate(
        single_unit_dict(50, 2.0, {"dist": "exponential", "mean": 1.0}, "queue", 30, 5)
    )
    record = run_replication(scenario, 1, 0)
    assert len(record.waiting) == 0 and record.waits_until == record.horizon
    kpis, _ = compute_kpis(record, scenario)
    assert kpis["facility.unit.still_waiting_at_end"] == 0
    assert kpis["facility.unit.wait_mean"] == 0.0


def closing_unit() -> dict[str, Any]:
    """A unit that closes for good 5 days into the period: its queue never clears."""
    data = single_unit_dict(2, 3.0, {"dist": "exponential", "mean": 1.0}, "queue", 10, 5)
    data["facilities"]["unit"]["schedule"] = [{"date": "2025-01-06", "beds": 0}]
    return data


def test_patients_never_admitted_count_up_to_the_follow_up_and_are_warned_about() -> None:
    scenario = validate(closing_unit())
    record = run_replication(scenario, 3, 0)
    kpis, _ = compute_kpis(record, scenario)
    follow_up = wait_extension(10)
    assert follow_up == 365.0
    assert record.waits_until == pytest.approx(record.horizon + follow_up)
    waiting = record.waiting
    in_period = waiting[:, Waiting.REQUESTED] >= record.warmup
    assert np.isnan(waiting[:, Waiting.ADMITTED]).all()
    assert kpis["facility.unit.waits_unresolved"] == int(in_period.sum()) > 0
    _, _, waits = period_waits(record)
    # Their waits run to the end of the follow-up, so the mean is at least that share of it.
    assert waits.max() == pytest.approx(
        record.waits_until - waiting[in_period, Waiting.REQUESTED].min()
    )
    assert kpis["facility.unit.wait_mean"] >= follow_up * in_period.sum() / len(waits)
    results = simulate(scenario, replications=2, seed=3)
    (warning,) = [w for w in results.warnings if "still waiting" in w]
    assert "facility unit" in warning and "365 days" in warning and "lower bounds" in warning


def test_follow_up_is_the_period_and_at_least_a_year() -> None:
    assert wait_extension(30) == 365.0
    assert wait_extension(2000) == 2000.0
    assert math.isfinite(wait_extension(0.5))
