"""Residual stays of patients already in bed: the equilibrium residual life, sampled exactly.

A patient found in a bed at a random moment of a stationary ward has a stay
that is *length-biased* (long stays are more likely to be caught: density
``x f(x) / m`` for a stay distribution ``F`` with density ``f`` and mean ``m``)
and has used up a uniform fraction of it. The time left is then
``R = U x S*`` with ``U ~ Uniform(0, 1)`` and ``S*`` length-biased, which has
the equilibrium residual density ``(1 - F(x)) / m`` and mean
``E[S^2] / (2 E[S])`` (renewal theory; e.g. Ross, *Stochastic Processes*,
section 3.4; Cox, *Renewal Theory*, 1962).

Each ``dist`` has a length-biased form in its own family, so the sampling is
exact:

* exponential with mean m: length-biased is gamma(2, m); R is exponential(m);
* fixed m: R is uniform on (0, m);
* gamma with shape k and scale s: length-biased is gamma(k + 1, s);
* lognormal(mu, sigma): length-biased is lognormal(mu + sigma^2, sigma);
* empirical values v_i: length-biased picks v_i with probability v_i / sum(v).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from simulator.scenario.schema import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
)

__all__ = ["length_biased", "residual_mean", "sample_residual"]

FloatArray = NDArray[np.float64]


def length_biased(rng: np.random.Generator, dist: Distribution, n: int) -> FloatArray:
    """``n`` draws of the length-biased stay: density ``x f(x) / mean``."""
    if isinstance(dist, Exponential):
        return rng.gamma(2.0, dist.mean, n)
    if isinstance(dist, Fixed):
        return np.full(n, dist.mean)
    if isinstance(dist, Gamma):
        shape = 1.0 / dist.cv**2
        return rng.gamma(shape + 1.0, dist.mean / shape, n)
    if isinstance(dist, Lognormal):
        sigma2 = math.log1p(dist.cv**2)
        mu = math.log(dist.mean) - sigma2 / 2
        return rng.lognormal(mu + sigma2, math.sqrt(sigma2), n)
    assert isinstance(dist, Empirical)
    values = np.asarray(dist.values, dtype=float)
    return rng.choice(values, n, replace=True, p=values / values.sum())


def sample_residual(rng: np.random.Generator, dist: Distribution, n: int) -> FloatArray:
    """``n`` residual stays: the time left of stays of ``dist`` caught at a random moment."""
    whole = length_biased(rng, dist, n)
    residual: FloatArray = rng.random(n) * whole
    return residual


def residual_mean(dist: Distribution) -> float:
    """``E[S^2] / (2 E[S])``: the mean residual stay of ``dist``."""
    if isinstance(dist, Empirical):
        values = np.asarray(dist.values, dtype=float)
        return float((values**2).mean() / (2 * values.mean()))
    cv = {Exponential: 1.0, Fixed: 0.0}.get(type(dist), getattr(dist, "cv", 0.0))
    return dist.mean * (1.0 + cv**2) / 2.0
