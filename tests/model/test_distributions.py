"""Samplers: the mean and cv they promise, with tolerances from the standard error.

With n draws, the sample mean has standard error sd / sqrt(n). The sample
standard deviation s has var(s) / s^2 ~ (kurtosis - 1) / (4 n) (delta method),
so the sample cv = s / mean has a relative standard error of about
sqrt((kurtosis - 1) / (4 n) + cv^2 / n); leaving out the covariance of s and
the mean (positive for right-skewed distributions) makes this conservative.
Each check allows 4.5 standard errors: a false alarm about once in 150 000
runs, while a wrong parameter conversion (sigma for sigma^2, scale for rate)
is off by dozens of standard errors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from simulator.model.distributions import SAMPLERS, BufferedSampler, sample, theoretical_mean_cv
from simulator.scenario.schema import DIST_NAMES, Distribution, Empirical

N = 200_000
Z = 4.5
SPEC = TypeAdapter(Distribution)


def dist(**spec: Any) -> Distribution:
    return SPEC.validate_python(spec)


def kurtosis(d: Distribution) -> float:
    """The (non-excess) kurtosis E[(X - mu)^4] / sigma^4 of a specification."""
    if d.dist == "exponential":
        return 9.0
    if d.dist == "gamma":
        return 3.0 + 6.0 * d.cv**2  # excess 6 / shape, shape = 1 / cv^2
    if d.dist == "lognormal":
        w = 1.0 + d.cv**2  # exp(sigma^2)
        return w**4 + 2 * w**3 + 3 * w**2 - 3
    assert isinstance(d, Empirical)
    values = np.asarray(d.values, dtype=float)
    centred = values - values.mean()
    return float((centred**4).mean() / (centred**2).mean() ** 2)


CASES = [
    dict(dist="exponential", mean=20.0),
    dict(dist="exponential", mean=0.5),
    dict(dist="lognormal", mean=2.4, cv=0.3),
    dict(dist="lognormal", mean=5.5, cv=0.8),
    dict(dist="lognormal", mean=3.0, cv=1.5),
    dict(dist="gamma", mean=21.0, cv=1.0),
    dict(dist="gamma", mean=5.0, cv=0.5),
    dict(dist="gamma", mean=10.0, cv=2.0),
    dict(dist="empirical", values=[1, 2, 3, 10]),
    dict(dist="empirical", values=[0, 0, 7.5, 2, 2, 2]),
]


def case_id(spec: dict[str, Any]) -> str:
    return "-".join(str(v) for v in spec.values())


@pytest.mark.parametrize("spec", CASES, ids=[case_id(c) for c in CASES])
def test_sample_mean_and_cv_match_the_specification(spec: dict[str, Any]) -> None:
    d = dist(**spec)
    m, cv = theoretical_mean_cv(d)
    draws = sample(np.random.default_rng(20250101), d, N)
    assert draws.shape == (N,)
    assert draws.dtype == np.float64
    assert (draws >= 0).all()

    se_mean = m * cv / math.sqrt(N)
    mean = float(draws.mean())
    assert abs(mean - m) < Z * se_mean, f"mean {mean} vs {m} (se {se_mean})"

    sample_cv = float(draws.std(ddof=1) / mean)
    se_cv = cv * math.sqrt((kurtosis(d) - 1) / (4 * N) + cv**2 / N)
    assert abs(sample_cv - cv) < Z * se_cv, f"cv {sample_cv} vs {cv} (se {se_cv})"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (dict(dist="exponential", mean=4.0), (4.0, 1.0)),
        (dict(dist="fixed", mean=3.0), (3.0, 0.0)),
        (dict(dist="lognormal", mean=5.5, cv=0.8), (5.5, 0.8)),
        (dict(dist="gamma", mean=21.0, cv=1.2), (21.0, 1.2)),
        (dict(dist="empirical", values=[2, 4]), (3.0, 1 / 3)),
        (dict(dist="empirical", values=[5]), (5.0, 0.0)),
    ],
)
def test_theoretical_mean_cv(spec: dict[str, Any], expected: tuple[float, float]) -> None:
    m, cv = theoretical_mean_cv(dist(**spec))
    assert m == pytest.approx(expected[0])
    assert cv == pytest.approx(expected[1])


def test_fixed_is_always_the_mean() -> None:
    draws = sample(np.random.default_rng(1), dist(dist="fixed", mean=3.25), 1000)
    assert (draws == 3.25).all()


def test_empirical_draws_only_its_values_with_equal_weight() -> None:
    values = [1.0, 2.0, 3.0, 10.0]
    draws = sample(np.random.default_rng(2), dist(dist="empirical", values=values), N)
    assert set(np.unique(draws)) == set(values)
    p = 1 / len(values)
    se = math.sqrt(p * (1 - p) / N)
    for v in values:
        assert abs(float((draws == v).mean()) - p) < Z * se


def test_repeated_values_in_empirical_count_as_weights() -> None:
    draws = sample(np.random.default_rng(3), dist(dist="empirical", values=[1, 1, 1, 5]), N)
    se = math.sqrt(0.75 * 0.25 / N)
    assert abs(float((draws == 1).mean()) - 0.75) < Z * se


def test_lognormal_median_follows_the_conversion() -> None:
    """median = exp(mu) = mean / sqrt(1 + cv^2): a check on mu as well as on sigma."""
    d = dist(dist="lognormal", mean=5.5, cv=0.8)
    draws = sample(np.random.default_rng(4), d, N)
    median = 5.5 / math.sqrt(1 + 0.8**2)
    # the sample median's standard error is 1 / (2 f(median) sqrt(n))
    sigma = math.sqrt(math.log1p(0.8**2))
    density = 1 / (median * sigma * math.sqrt(2 * math.pi))
    se = 1 / (2 * density * math.sqrt(N))
    assert abs(float(np.median(draws)) - median) < Z * se


# --- determinism and the buffer ----------------------------------------------------

ALL = [dict(dist="fixed", mean=2.0), *CASES]


@pytest.mark.parametrize("spec", ALL, ids=[case_id(c) for c in ALL])
def test_same_seed_same_draws(spec: dict[str, Any]) -> None:
    d = dist(**spec)
    one = sample(np.random.default_rng(7), d, 500)
    two = sample(np.random.default_rng(7), d, 500)
    assert np.array_equal(one, two)


@pytest.mark.parametrize("spec", ALL, ids=[case_id(c) for c in ALL])
@pytest.mark.parametrize("block", [1, 7, 256])
def test_buffered_sampler_gives_the_direct_sequence(spec: dict[str, Any], block: int) -> None:
    d = dist(**spec)
    n = 1000  # crosses several block boundaries
    buffered = BufferedSampler(np.random.default_rng(11), d, block=block)
    drawn = [buffered() for _ in range(n)]
    direct = sample(np.random.default_rng(11), d, n)
    assert np.array_equal(np.array(drawn), direct)
    assert all(isinstance(x, float) for x in drawn)


def test_buffered_sampler_leaves_other_generators_alone() -> None:
    """A sampler draws only from its own generator: one stream per activity."""
    d = dist(dist="lognormal", mean=5.5, cv=0.8)
    mine, other = np.random.default_rng(1), np.random.default_rng(2)
    before = other.bit_generator.state
    buffered = BufferedSampler(mine, d)
    for _ in range(300):
        buffered()
    assert other.bit_generator.state == before


def test_different_seeds_differ() -> None:
    d = dist(dist="gamma", mean=5.0, cv=0.5)
    assert not np.array_equal(
        sample(np.random.default_rng(1), d, 10), sample(np.random.default_rng(2), d, 10)
    )


# --- the registry ---------------------------------------------------------------------


def test_registry_covers_every_dist_name() -> None:
    assert set(SAMPLERS) == set(DIST_NAMES)


@pytest.mark.parametrize("name", DIST_NAMES)
def test_every_dist_name_validates_and_samples(name: str) -> None:
    spec: dict[str, Any] = {"dist": name}
    if name == "empirical":
        spec["values"] = [1.0, 2.0]
    else:
        spec["mean"] = 2.0
    if name in ("lognormal", "gamma"):
        spec["cv"] = 0.5
    d = dist(**spec)
    assert d.dist == name
    assert sample(np.random.default_rng(0), d, 3).shape == (3,)


def test_zero_draws() -> None:
    for spec in ALL:
        assert sample(np.random.default_rng(0), dist(**spec), 0).shape == (0,)
