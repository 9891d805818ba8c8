"""Queueing formulas the plots use as an analytic reference for a pool of beds.

A facility with ``c`` beds and offered load ``a`` (arrivals per day x mean
length of stay, in beds) has, under Poisson arrivals, a stationary number of
occupied beds that depends on what happens when it is full:

* ``divert`` — the Erlang loss system M/G/c/c: a Poisson(a) distribution
  truncated to ``0..c``, insensitive to the length-of-stay distribution; the
  share of time full (and of arrivals turned away) is Erlang-B(c, a);
* ``queue`` — the Erlang delay system M/M/c (exact for exponential stays):
  beds in use are ``min(N, c)``, full with probability Erlang-C(c, a), which
  exists only for ``a < c``;
* ``overflow`` — every patient is admitted, M/G/inf: Poisson(a), insensitive;
  at or above ``c`` with probability ``P(N >= c)``.

Erlang-B uses the recursion ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``
(Jagerman 1974), stable for any ``c`` and ``a``; Erlang-C follows from it as
``C = c B / (c - a (1 - B))``. Distributions are computed in log space.

The Poisson probabilities are those of ``scipy.stats.poisson`` (``pmf`` and
``sf``, to the bit), from ``scipy.special`` imported when first needed:
``scipy.stats`` takes most of a second to import (decision 36).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "delay_occupancy",
    "erlang_b",
    "erlang_c",
    "loss_occupancy",
    "poisson_at_least",
    "poisson_occupancy",
]

FloatArray = NDArray[np.float64]


def _check(c: int, a: float) -> None:
    if c < 0:
        raise ValueError(f"c must be >= 0 beds, got {c}")
    if not a >= 0:  # also refuses nan
        raise ValueError(f"the offered load a must be >= 0, got {a}")


def erlang_b(c: int, a: float) -> float:
    """Erlang's loss formula B(c, a): the share of arrivals that find ``c`` beds full."""
    _check(c, a)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang's delay formula C(c, a): the probability that an arrival waits (M/M/c).

    Raises
    ------
    ValueError
        When ``a >= c``: the queue has no stationary distribution.
    """
    _check(c, a)
    if a >= c:
        raise ValueError(f"Erlang-C needs a < c, got a = {a:g} and c = {c}")
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def _poisson_log_weights(a: float, top: int) -> FloatArray:
    k = np.arange(top + 1, dtype=float)
    if a == 0:
        only_zero: FloatArray = np.full(top + 1, -np.inf)
        only_zero[0] = 0.0
        return only_zero
    lgamma = np.array([math.lgamma(x + 1.0) for x in k])
    weights: FloatArray = k * math.log(a) - lgamma
    return weights


def _normalised(log_weights: FloatArray) -> FloatArray:
    peak = float(np.max(log_weights))
    weights = np.exp(log_weights - peak)
    result: FloatArray = weights / weights.sum()
    return result


def loss_occupancy(c: int, a: float) -> FloatArray:
    """P(n beds occupied), n = 0..c, in the Erlang loss system (truncated Poisson)."""
    _check(c, a)
    return _normalised(_poisson_log_weights(a, c))


def delay_occupancy(c: int, a: float) -> FloatArray:
    """P(n beds occupied), n = 0..c, in M/M/c: ``min(N, c)``; the last entry is Erlang-C."""
    full = erlang_c(c, a)
    if c == 0:
        return np.ones(1)
    below = _normalised(_poisson_log_weights(a, c - 1)) * (1.0 - full)
    result: FloatArray = np.append(below, full)
    return result


def poisson_occupancy(a: float, top: int) -> FloatArray:
    """P(N = n), n = 0..top, for N ~ Poisson(a) (M/G/inf); not renormalised."""
    _check(top, a)
    from scipy.special import gammaln, xlogy  # here, and light: scipy.stats is not

    n = np.arange(top + 1)
    # scipy.stats.poisson.pmf: exp(n log a - log n! - a), clipped to [0, 1]
    result: FloatArray = np.clip(np.exp(xlogy(n, a) - gammaln(n + 1) - a), 0.0, 1.0)
    return result


def poisson_at_least(c: int, a: float) -> float:
    """P(N >= c) for N ~ Poisson(a): the share of time at or above ``c`` beds."""
    _check(c, a)
    from scipy.special import pdtrc  # scipy.stats.poisson.sf(c - 1, a), imported light

    return float(pdtrc(c - 1, a)) if c > 0 else 1.0
