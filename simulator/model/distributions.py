"""Length-of-stay and delay distributions, given the way planners think of them.

A distribution is specified by its mean and coefficient of variation (cv =
standard deviation / mean), never by the parameters of an underlying normal.
The specifications themselves are part of the scenario (:mod:`simulator.scenario.schema`);
this module maps each ``dist`` name to a sampler that draws from a caller's
:class:`numpy.random.Generator`. Samplers own no randomness of their own.

Parameter conversions:

* lognormal with mean m and cv c: sigma^2 = ln(1 + c^2), mu = ln m - sigma^2 / 2;
* gamma with mean m and cv c: shape k = 1 / c^2, scale = m / k.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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

__all__ = ["SAMPLERS", "BufferedSampler", "sample", "theoretical_mean_cv"]

Sampler = Callable[[np.random.Generator, Distribution, int], NDArray[np.float64]]


def _exponential(rng: np.random.Generator, d: Distribution, n: int) -> NDArray[np.float64]:
    assert isinstance(d, Exponential)
    return rng.exponential(d.mean, n)


def _fixed(rng: np.random.Generator, d: Distribution, n: int) -> NDArray[np.float64]:
    assert isinstance(d, Fixed)
    return np.full(n, d.mean)


def _lognormal(rng: np.random.Generator, d: Distribution, n: int) -> NDArray[np.float64]:
    assert isinstance(d, Lognormal)
    sigma2 = math.log1p(d.cv**2)
    return rng.lognormal(math.log(d.mean) - sigma2 / 2, math.sqrt(sigma2), n)


def _gamma(rng: np.random.Generator, d: Distribution, n: int) -> NDArray[np.float64]:
    assert isinstance(d, Gamma)
    shape = 1.0 / d.cv**2
    return rng.gamma(shape, d.mean / shape, n)


def _empirical(rng: np.random.Generator, d: Distribution, n: int) -> NDArray[np.float64]:
    assert isinstance(d, Empirical)
    return rng.choice(np.asarray(d.values, dtype=float), n, replace=True)


SAMPLERS: dict[str, Sampler] = {
    "exponential": _exponential,
    "fixed": _fixed,
    "lognormal": _lognormal,
    "gamma": _gamma,
    "empirical": _empirical,
}
"""The registry: ``dist`` name -> sampler(rng, spec, size)."""


def sample(rng: np.random.Generator, dist: Distribution, size: int) -> NDArray[np.float64]:
    """Draw ``size`` values of ``dist`` from ``rng``."""
    return SAMPLERS[dist.dist](rng, dist, size)


def theoretical_mean_cv(dist: Distribution) -> tuple[float, float]:
    """The mean and coefficient of variation the specification promises."""
    if isinstance(dist, Exponential):
        return dist.mean, 1.0
    if isinstance(dist, Fixed):
        return dist.mean, 0.0
    if isinstance(dist, Lognormal | Gamma):
        return dist.mean, dist.cv
    values = np.asarray(dist.values, dtype=float)
    mean = float(values.mean())
    return mean, float(values.std() / mean) if mean > 0 else 0.0


class BufferedSampler:
    """Draws one value at a time from a block-refilled buffer.

    Drawing scalars from numpy one call at a time costs about a microsecond
    each; drawing blocks and handing them out keeps the model fast while the
    sequence stays a pure function of the generator's state.
    """

    __slots__ = ("_rng", "_dist", "_block", "_buffer", "_pos")

    def __init__(self, rng: np.random.Generator, dist: Distribution, block: int = 256) -> None:
        self._rng = rng
        self._dist = dist
        self._block = block
        self._buffer: list[float] = []
        self._pos = 0

    def __call__(self) -> float:
        if self._pos >= len(self._buffer):
            self._buffer = sample(self._rng, self._dist, self._block).tolist()
            self._pos = 0
        value = self._buffer[self._pos]
        self._pos += 1
        return value
