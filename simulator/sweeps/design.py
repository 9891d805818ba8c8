"""The design of a sweep: the points to run from its factors.

The factors and their values are read in :mod:`simulator.sweeps.factors`,
the expressions of a derived factor in :mod:`simulator.sweeps.expressions`;
both are re-exported here, where callers have always found them.

The *design* turns factors into points: ``grid`` is the full factorial (the
last factor varies fastest), ``lhs`` a Latin hypercube of ``samples`` points
(:class:`scipy.stats.qmc.LatinHypercube`, McKay, Beckman & Conover 1979)
seeded from the sweep's seed, so that each factor's range is cut into
``samples`` equal strata and every stratum holds exactly one point.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from simulator.errors import Problem, SamsimError
from simulator.scenario.limits import LimitError, Limits
from simulator.sweeps.expressions import Value, evaluate, parse_expression
from simulator.sweeps.factors import Factor, make_factor, parse_vary

__all__ = [
    "DESIGNS",
    "Factor",
    "Value",
    "evaluate",
    "grid_points",
    "lhs_points",
    "make_factor",
    "parse_expression",
    "parse_vary",
    "points",
    "too_many_points",
]

DESIGNS = ("grid", "lhs")
LHS_STREAM = (0x5EE9,)  # spawn key of the design's own stream: no replication stream has length 1


def grid_points(factors: Sequence[Factor]) -> list[dict[str, Value]]:
    """Every combination of the factors' values; the last factor varies fastest."""
    for factor in factors:
        if factor.bounds is not None:
            raise SamsimError(
                f"--vary {factor.name}={factor.spec}: bounds low..high are for --design lhs; "
                "a grid needs a list (2,4,6) or a range (2:12:2)"
            )
    names = [f.name for f in factors]
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(f.values for f in factors))
    ]


def lhs_points(factors: Sequence[Factor], samples: int, seed: int) -> list[dict[str, Value]]:
    """A Latin hypercube of ``samples`` points over the factors' bounds.

    Each factor's range is cut into ``samples`` equal strata with one point in
    each. Integer factors take ``low + floor(u · (high − low + 1))`` — a value
    drawn over ``[low − ½, high + ½)`` and rounded — so every integer from
    ``low`` to ``high`` is equally likely. Other values are rounded to 6
    significant digits where that keeps them in their stratum.
    """
    for factor in factors:
        if factor.bounds is None:
            raise SamsimError(
                f"--vary {factor.name}={factor.spec}: --design lhs needs bounds low..high for "
                "every factor, e.g. 0.1..0.5 or 2..12"
            )
    if samples < 1:
        raise SamsimError("--design lhs needs --samples N (N at least 1)")
    from scipy.stats import qmc  # here: scipy.stats takes a second to import

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=LHS_STREAM))
    unit = qmc.LatinHypercube(d=len(factors), rng=rng).random(samples)
    found: list[dict[str, Value]] = []
    for row in unit:
        point: dict[str, Value] = {}
        for factor, u in zip(factors, row, strict=True):
            assert factor.bounds is not None
            low, high = factor.bounds
            if factor.integer:
                point[factor.name] = int(min(low + math.floor(u * (high - low + 1)), high))
                continue
            exact = low + float(u) * (high - low)
            rounded = float(f"{exact:.6g}")
            stratum = math.floor(float(u) * samples)
            same = math.floor((rounded - low) / (high - low) * samples) == stratum
            point[factor.name] = rounded if same and low <= rounded <= high else exact
        found.append(point)
    return found


def too_many_points(count: float, limits: Limits) -> str:
    """What to say about a design of ``count`` points, more than the limit."""
    shown = f"{count:,}".replace(",", " ") if count < 1e15 else f"{count:.3g}"
    limit = f"{limits.points:,}".replace(",", " ")
    return (
        f"{shown} points, more than the limit of {limit} points"
        + "; every point is a full run: use fewer values or samples (a Latin hypercube "
        "covers many factors with few points), or raise the limit of points"
    )


def points(
    factors: Sequence[Factor],
    design: str = "grid",
    samples: int | None = None,
    seed: int = 0,
    max_points: int | None = None,
) -> list[dict[str, Value]]:
    """The points of a design, each a map from factor name to value.

    Raises
    ------
    LimitError
        Before anything is allocated, for more than ``max_points`` points
        (default: :class:`~simulator.scenario.limits.Limits`).
    """
    limits = Limits() if max_points is None else Limits(points=max_points)
    if design not in DESIGNS:
        raise SamsimError(f"--design must be one of {', '.join(DESIGNS)} (got {design!r})")
    if not factors:
        raise SamsimError("a sweep needs at least one factor: --vary PATH=VALUES")
    names = [f.name for f in factors]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SamsimError(f"the factor {twice[0]} is given twice; give each factor once")
    if design == "grid":
        if samples is not None:
            raise SamsimError("--samples is for --design lhs; a grid runs every combination")
        count = math.prod(len(f.values) for f in factors)
        if count > limits.points:
            sizes = " x ".join(str(len(f.values)) for f in factors)
            text = f"a grid of {sizes} values has " + too_many_points(count, limits)
            raise LimitError([Problem("the sweep", "", text)], ["points"])
        return grid_points(factors)
    if samples is None:
        raise SamsimError("--design lhs needs --samples N: the number of points to draw")
    if samples > limits.points:
        text = "a Latin hypercube of " + too_many_points(samples, limits)
        raise LimitError([Problem("the sweep", "", text)], ["points"])
    return lhs_points(factors, samples, seed)
