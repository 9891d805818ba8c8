"""Demand: the thinned non-homogeneous Poisson streams against exact expectations.

Each test compares arrival counts with the count the specification promises,
computed here independently of :mod:`simulator.model.demand` where it can be (closed
forms for growth, projection, season and weekday), and with
:meth:`DemandStream.expected` otherwise. Counts are Poisson, so tolerances are
exact: ``|N - mu| < 4 sqrt(mu)`` for a total, a chi-square test (p > 0.001 with a
fixed seed) for a profile. Every profile test also shows that a wrong profile
IS rejected by the same data, so a pass means something.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator import validate
from simulator.model.demand import DemandStream, demand_streams, expected_episodes
from simulator.model.engine import run_replication
from simulator.model.records import Episode
from simulator.scenario.schema import Scenario

Z = 4.0  # standard errors allowed: P(|N(0,1)| > 4) = 6e-5
P_ACCEPT = 0.001  # chi-square: the right profile must give p above this
P_REJECT = 1e-6  # ... and a wrong one p below this


def scenario(
    *,
    population: Any = 100_000,
    rate_per_1000: Any = 365.0,
    days: float = 365,
    warmup: float = 0,
    start: str = "2025-01-01",
    seasonality: dict[str, float] | None = None,
    weekday: list[float] | None = None,
    **municipality: Any,
) -> Scenario:
    """One municipality, one group, one unit with ample beds (demand only matters)."""
    group: dict[str, Any] = {
        "rate_per_1000": rate_per_1000,
        "entry": {"s": 1.0},
        "steps": {
            "s": {
                "service": "unit",
                "los": {"dist": "fixed", "mean": 0.01},
                "when_full": "divert",
                "next": {"home": 1.0},
            }
        },
    }
    if seasonality is not None:
        group["seasonality"] = seasonality
    if weekday is not None:
        group["weekday"] = weekday
    return validate(
        {
            "name": "demand",
            "run": {"start_date": start, "days": days, "warmup_days": warmup},
            "municipalities": {"m": {"population": population, **municipality}},
            "facilities": {"unit": {"service": "unit", "level": "municipal", "beds": 10_000}},
            "groups": {"g": group},
        }
    )


def only_stream(s: Scenario) -> DemandStream:
    (stream,) = demand_streams(s)
    return stream


def chi_square_p(observed: np.ndarray, expected: np.ndarray) -> float:
    """p-value of Pearson's test of Poisson counts against fully specified means."""
    statistic = float((((observed - expected) ** 2) / expected).sum())
    return float(stats.chi2.sf(statistic, df=len(observed)))


def month_edges(stream: DemandStream, year: int) -> np.ndarray:
    """Simulated times of the first of each month of ``year`` and of the next 1 January."""
    cal = stream.calendar
    firsts = [dt.date(year, m, 1) for m in range(1, 13)] + [dt.date(year + 1, 1, 1)]
    return np.array([cal.time_of(d) for d in firsts])


def seasonal_month_means(daily_rate: float, amplitude: float, peak: float, year: int) -> np.ndarray:
    """Closed form: integral of r (1 + A cos(2 pi (doy - peak) / 365.25)) over each month.

    Day of year runs from 1 at the start of 1 January; inside a day it grows
    linearly (doy + fraction of the day), as the format's formula says.
    """
    period = 365.25
    starts = np.array([dt.date(year, m, 1).timetuple().tm_yday for m in range(1, 13)], float)
    ends = np.append(starts[1:], dt.date(year, 12, 31).timetuple().tm_yday + 1.0)

    def antiderivative(x: np.ndarray) -> np.ndarray:
        return x + amplitude * period / (2 * math.pi) * np.sin(2 * math.pi * (x - peak) / period)

    return daily_rate * (antiderivative(ends) - antiderivative(starts))


# --- totals --------------------------------------------------------------------------


def test_rate_year_is_365_days_and_totals_are_poisson() -> None:
    """population x rate / 1000 episodes per 365 days; counts over replications are Poisson."""
    s = scenario(population=2000, rate_per_1000=73.0, days=365)  # 146 a year, 0.4 a day
    stream = only_stream(s)
    mu = 2000 * 73.0 / 1000
    assert stream.expected(0, 365) == pytest.approx(mu, rel=1e-12)
    assert expected_episodes(s)[("m", "g")] == pytest.approx(mu, rel=1e-12)
    n = 400
    counts = np.array([len(stream.sample(np.random.default_rng([7, i]))) for i in range(n)])
    # Mean: exact Poisson standard error of the mean of n counts.
    assert abs(counts.mean() - mu) < Z * math.sqrt(mu / n)
    # Dispersion: (n - 1) s^2 / mu is chi-square(n - 1) for Poisson counts. A process
    # that is not Poisson (e.g. fixed spacing, or a random rate) fails this.
    dispersion = (n - 1) * counts.var(ddof=1) / mu
    assert stats.chi2.ppf(P_ACCEPT / 2, n - 1) < dispersion < stats.chi2.isf(P_ACCEPT / 2, n - 1)


def test_model_arrivals_match_expected_counts_per_stream() -> None:
    """Through the model: episodes per (municipality, group) over the collection period."""
    base = {
        "name": "two-by-two",
        "run": {"start_date": "2025-01-01", "days": 730, "warmup_days": 40},
        "municipalities": {
            "a": {"population": 3000, "growth_per_year": 0.05},
            "b": {"population": {"0-66": 4000, "67+": 1000}},
        },
        "facilities": {"unit": {"service": "unit", "level": "municipal", "beds": 10_000}},
        "groups": {},
    }
    step = {"s": {"service": "unit", "los": {"dist": "fixed", "mean": 0.5}, "next": {"home": 1.0}}}
    base["groups"] = {
        "flat": {"rate_per_1000": 300.0, "entry": {"s": 1}, "steps": step},
        "banded": {
            "rate_per_1000": {"0-66": 100.0, "67+": 900.0},
            "seasonality": {"amplitude": 0.4, "peak_day_of_year": 30},
            "weekday": [1.2, 1.1, 1, 1, 1, 0.8, 0.7],
            "entry": {"s": 1},
            "steps": step,
        },
    }
    # Band rates need bands in every municipality: give "a" bands too.
    base["municipalities"]["a"]["population"] = {"0-66": 2500, "67+": 500}
    s = validate(base)
    warm, horizon = 40.0, 770.0
    expected = {(d.municipality, d.group): d.expected(warm, horizon) for d in demand_streams(s)}
    # An independent number for one stream: b/flat has no growth, season or weekday.
    assert expected[("b", "flat")] == pytest.approx(5000 * 300 / 1000 / 365 * 730, rel=1e-12)
    observed = dict.fromkeys(expected, 0)
    for r in range(3):
        rec = run_replication(s, 99, r)
        ep = rec.episodes
        arrival = ep[:, Episode.ARRIVAL]
        inside = (arrival >= warm) & (arrival < horizon)
        for (mid, gid), _ in expected.items():
            m, g = rec.municipalities.index(mid), rec.groups.index(gid)
            observed[(mid, gid)] += int(
                (inside & (ep[:, Episode.MUNICIPALITY] == m) & (ep[:, Episode.GROUP] == g)).sum()
            )
    keys = list(expected)
    obs = np.array([observed[k] for k in keys], float)
    exp = np.array([3 * expected[k] for k in keys])
    for o, e, k in zip(obs, exp, keys, strict=True):
        assert abs(o - e) < Z * math.sqrt(e), (k, o, e)
    assert chi_square_p(obs, exp) > P_ACCEPT


# --- seasonality -----------------------------------------------------------------------


def test_expected_monthly_counts_follow_the_seasonal_formula() -> None:
    """DemandStream.expected per month equals the closed-form integral of the season."""
    for amplitude, peak in [(0.5, 20.0), (0.3, 200.0), (1.0, 365.0)]:
        s = scenario(
            population=10_000, seasonality={"amplitude": amplitude, "peak_day_of_year": peak}
        )
        stream = only_stream(s)
        edges = month_edges(stream, 2025)
        got = np.array([stream.expected(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)])
        daily = 10_000 * 365 / 1000 / 365
        want = seasonal_month_means(daily, amplitude, peak, 2025)
        # expected() is the midpoint rule, 8 points a day: its error is at most
        # h^2 / 24 x max|rate''| x 31 days, with h = 1/8 day.
        rate_curvature = daily * amplitude * (2 * math.pi / 365.25) ** 2
        np.testing.assert_allclose(got, want, rtol=0, atol=(1 / 8) ** 2 / 24 * rate_curvature * 31)


def monthly_counts(stream: DemandStream, seed: int, years: int) -> tuple[np.ndarray, np.ndarray]:
    """Observed and expected arrivals per calendar month over the whole horizon."""
    times = stream.sample(np.random.default_rng(seed))
    start = stream.calendar.sim_start.year
    observed, expected = [], []
    for y in range(start, start + years):
        edges = month_edges(stream, y)
        observed.append(np.histogram(times, bins=edges)[0])
        expected.append([stream.expected(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)])
    return np.concatenate(observed).astype(float), np.concatenate(expected)


def test_thinning_follows_the_seasonal_profile_by_month() -> None:
    """Chi-square of 24 monthly counts (~73 000 arrivals) against the seasonal expectation."""
    season = {"amplitude": 0.5, "peak_day_of_year": 20}
    s = scenario(population=100_000, days=730, seasonality=season)
    observed, expected = monthly_counts(only_stream(s), seed=2025, years=2)
    assert observed.sum() == pytest.approx(expected.sum(), abs=Z * math.sqrt(expected.sum()))
    assert chi_square_p(observed, expected) > P_ACCEPT

    # The same data against wrong profiles: flat, and the right amplitude at the wrong peak.
    flat = only_stream(scenario(population=100_000, days=730))
    _, expected_flat = monthly_counts(flat, seed=1, years=2)
    assert chi_square_p(observed, expected_flat) < P_REJECT
    shifted = scenario(
        population=100_000, days=730, seasonality={"amplitude": 0.5, "peak_day_of_year": 50}
    )
    _, expected_shifted = monthly_counts(only_stream(shifted), seed=1, years=2)
    assert chi_square_p(observed, expected_shifted) < P_REJECT


def test_flat_data_rejects_a_seasonal_expectation() -> None:
    """The other way round: data thinned with amplitude 0 vs an amplitude-0.5 expectation."""
    observed, expected = monthly_counts(only_stream(scenario(days=365)), seed=3, years=1)
    assert chi_square_p(observed, expected) > P_ACCEPT
    wrong = scenario(days=365, seasonality={"amplitude": 0.5, "peak_day_of_year": 20})
    _, expected_wrong = monthly_counts(only_stream(wrong), seed=3, years=1)
    assert chi_square_p(observed, expected_wrong) < P_REJECT


# --- weekday ---------------------------------------------------------------------------


def weekday_counts(stream: DemandStream, times: np.ndarray) -> np.ndarray:
    cal = stream.calendar
    days = np.floor(times).astype(int)
    weekday = np.array(
        [(cal.sim_start + dt.timedelta(days=int(d))).weekday() for d in range(days.max() + 1)]
    )
    return np.bincount(weekday[days], minlength=7).astype(float)


def test_weekday_profile_by_weekday() -> None:
    """Counts by weekday against factor/mean(factors) x days of that weekday x daily rate."""
    factors = [1.4, 1.1, 1.0, 1.0, 1.0, 0.8, 0.6]  # mean 6.9 / 7: rescaled to mean 1
    horizon = 364  # 52 whole weeks from Wednesday 1 January 2025
    s = scenario(population=100_000, days=horizon, weekday=factors)
    stream = only_stream(s)
    daily = 100_000 * 365 / 1000 / 365
    normalised = np.array(factors) / np.mean(factors)
    # Independent expectation: 52 days of each weekday.
    want = daily * normalised * 52
    got = np.zeros(7)
    for d in range(horizon):
        got[(stream.calendar.sim_start + dt.timedelta(days=d)).weekday()] += stream.expected(
            d, d + 1
        )
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert stream.expected(0, horizon) == pytest.approx(daily * horizon, rel=1e-9)

    observed = weekday_counts(stream, stream.sample(np.random.default_rng(11)))
    assert chi_square_p(observed, want) > P_ACCEPT
    assert chi_square_p(observed, np.full(7, daily * 52)) < P_REJECT  # flat is rejected
    rotated = daily * np.roll(normalised, 1) * 52  # Sunday first instead of Monday
    assert chi_square_p(observed, rotated) < P_REJECT


# --- growth and projection -------------------------------------------------------------


def test_growth_per_year_compounds_exactly() -> None:
    """growth 0.1: the rate is 1.1 x after one calendar year (365.25 days); counts follow."""
    year = 365.25
    s = scenario(population=20_000, rate_per_1000=365.0, days=2 * year, growth_per_year=0.1)
    stream = only_stream(s)
    r0 = 20.0  # episodes a day at the start
    assert float(stream.rate(np.array([0.0]))[0]) == pytest.approx(r0, rel=1e-12)
    assert float(stream.rate(np.array([year]))[0]) == pytest.approx(1.1 * r0, rel=1e-12)
    # Integral of r0 1.1^(t / year): r0 year (1.1^k - 1.1^j) / ln 1.1 over years j..k.
    first = r0 * year * 0.1 / math.log(1.1)
    second = first * 1.1
    assert stream.expected(0, year) == pytest.approx(first, rel=1e-9)
    assert stream.expected(year, 2 * year) == pytest.approx(second, rel=1e-9)

    n1 = n2 = 0
    reps = 20
    for i in range(reps):
        t = stream.sample(np.random.default_rng([5, i]))
        n1 += int((t < year).sum())
        n2 += int((t >= year).sum())
    assert abs(n1 - reps * first) < Z * math.sqrt(reps * first)
    assert abs(n2 - reps * second) < Z * math.sqrt(reps * second)
    # A model without growth would give the same count both years: 10 % apart here, with
    # a standard error of about 0.4 %, so the ratio distinguishes them.
    ratio_se = math.sqrt(1 / n1 + 1 / n2) * 1.1
    assert abs(n2 / n1 - 1.1) < Z * ratio_se < 0.05


def test_growth_counts_from_population_year() -> None:
    """A population counted in 2020 has grown by 1.1^5 by 1 January 2025."""
    s = scenario(population=1000, rate_per_1000=365.0, growth_per_year=0.1, population_year=2020)
    stream = only_stream(s)
    assert float(stream.rate(np.array([0.0]))[0]) == pytest.approx(1.1**5, rel=1e-12)


def test_projection_is_linear_between_years_and_flat_after() -> None:
    """1000 in 2025 -> 2000 in 2026: mean rate 1.5 x in 2025, then 2 x, then flat."""
    year = 365.25
    s = scenario(
        population=10_000,
        rate_per_1000=365.0,
        days=3 * year,
        projection={2026: 20_000, 2027: 20_000},
    )
    stream = only_stream(s)
    r0 = 10.0
    assert float(stream.rate(np.array([year / 2]))[0]) == pytest.approx(1.5 * r0, rel=1e-9)
    assert stream.expected(0, year) == pytest.approx(1.5 * r0 * year, rel=1e-9)
    assert stream.expected(year, 2 * year) == pytest.approx(2 * r0 * year, rel=1e-9)
    assert stream.expected(2 * year, 3 * year) == pytest.approx(2 * r0 * year, rel=1e-9)
    t = stream.sample(np.random.default_rng(8))
    for k, factor in enumerate([1.5, 2.0, 2.0]):
        n = int(((t >= k * year) & (t < (k + 1) * year)).sum())
        mu = factor * r0 * year
        assert abs(n - mu) < Z * math.sqrt(mu)


def test_age_bands_sum_their_rates() -> None:
    s = scenario(population={"0-66": 8000, "67+": 2000}, rate_per_1000={"0-66": 36.5, "67+": 365.0})
    assert only_stream(s).expected(0, 365) == pytest.approx(8 * 36.5 + 2 * 365.0, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {
            "seasonality": {"amplitude": 0.8, "peak_day_of_year": 300},
            "weekday": [3, 1, 1, 1, 1, 1, 0],
        },
        {"growth_per_year": -0.2, "seasonality": {"amplitude": 1.0, "peak_day_of_year": 1}},
        {"projection": {2026: 300_000, 2027: 50_000}},  # up then down: the peak is at a knot
    ],
)
def test_thinning_bound_covers_the_rate(kwargs: dict[str, Any]) -> None:
    """Thinning is exact only if max_rate >= rate everywhere on the horizon."""
    s = scenario(days=3 * 365, warmup=100, **kwargs)
    stream = only_stream(s)
    grid = np.linspace(0, stream.calendar.horizon, 200_001)[:-1]
    assert stream.rate(grid).max() <= stream.max_rate() * (1 + 1e-12)
    # ... and the counts over the horizon are those expected.
    mu = stream.expected(0, stream.calendar.horizon)
    n = len(stream.sample(np.random.default_rng(17)))
    assert abs(n - mu) < Z * math.sqrt(mu)


def test_warmup_is_simulated_before_start_date() -> None:
    """Time 0 is warmup_days before start_date: the season is anchored to the calendar."""
    season = {"amplitude": 0.5, "peak_day_of_year": 1}
    with_warmup = only_stream(scenario(warmup=31, seasonality=season))
    without = only_stream(scenario(warmup=0, seasonality=season))
    assert with_warmup.calendar.sim_start == dt.date(2024, 12, 1)
    # 1 January 2025 is t = 31 in one and t = 0 in the other: the same rate.
    assert with_warmup.expected(31, 62) == pytest.approx(without.expected(0, 31), rel=1e-12)
