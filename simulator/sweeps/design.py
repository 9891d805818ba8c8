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
from simulator.sweeps.errors import SweepError
from simulator.sweeps.expressions import Value, evaluate, parse_expression
from simulator.sweeps.factors import Factor, make_factor, parse_vary

__all__ = [
    "DESIGNS",
    "Factor",
    "SweepError",
    "Value",
    "evaluate",
    "grid_points",
    "lhs_points",
    "make_factor",
    "parse_expression",
    "parse_vary",
    "points",
    "too_many_points",
    "unfit_factor",
]

DESIGNS = ("grid", "lhs")
LHS_STREAM = (0x5EE9,)  # spawn key of the design's own stream: no replication stream has length 1

BOUNDS_IN_GRID = (
    "bounds low..high are for a Latin hypercube design; "
    "a grid needs a list (2,4,6) or a range (2:12:2)"
)
LIST_IN_LHS = (
    "a Latin hypercube design needs bounds low..high for every factor, e.g. 0.1..0.5 or 2..12"
)
SAMPLES_IN_GRID = (
    "samples are drawn by a Latin hypercube design only; a grid runs every combination"
)
NO_SAMPLES = "needs samples, the number of points to draw"


def unfit_factor(factors: Sequence[Factor], design: str) -> tuple[Factor, str] | None:
    """The first factor whose kind of values ``design`` cannot use, and why; or None.

    A grid takes lists and ranges, a Latin hypercube bounds. The caller names
    the factor as the user gave it (a ``vary`` text, a sweep file's key).
    """
    for factor in factors:
        if design == "grid" and factor.bounds is not None:
            return factor, BOUNDS_IN_GRID
        if design == "lhs" and factor.bounds is None:
            return factor, LIST_IN_LHS
    return None


def _refuse_unfit(factors: Sequence[Factor], design: str) -> None:
    unfit = unfit_factor(factors, design)
    if unfit is not None:
        factor, why = unfit
        raise SamsimError(f"factor {factor.name}={factor.spec}: {why}")


def grid_points(factors: Sequence[Factor]) -> list[dict[str, Value]]:
    """Every combination of the factors' values; the last factor varies fastest."""
    _refuse_unfit(factors, "grid")
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
    _refuse_unfit(factors, "lhs")
    if samples < 1:
        raise SweepError("samples", str(samples), "a Latin hypercube needs at least 1 sample")
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
    SweepError
        For a design that is not one of :data:`DESIGNS`, ``samples`` that do
        not fit it.
    SamsimError
        For no factor, a factor given twice, or values the design cannot use.
    LimitError
        Before anything is allocated, for more than ``max_points`` points
        (default: :class:`~simulator.scenario.limits.Limits`).
    """
    limits = Limits() if max_points is None else Limits(points=max_points)
    if design not in DESIGNS:
        raise SweepError("design", repr(design), f"must be one of {', '.join(DESIGNS)}")
    if not factors:
        raise SamsimError(
            "a sweep needs at least one factor: a scenario path and its values, e.g. beds=2,4,6"
        )
    names = [f.name for f in factors]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SamsimError(f"the factor {twice[0]} is given twice; give each factor once")
    if design == "grid":
        if samples is not None:
            raise SweepError("samples", str(samples), SAMPLES_IN_GRID, [("design", "lhs")])
        count = math.prod(len(f.values) for f in factors)
        if count > limits.points:
            sizes = " x ".join(str(len(f.values)) for f in factors)
            text = f"a grid of {sizes} values has " + too_many_points(count, limits)
            raise LimitError([Problem("the sweep", "", text)], ["points"])
        return grid_points(factors)
    if samples is None:
        raise SweepError("design", design, NO_SAMPLES, [("samples", "N")])
    if samples > limits.points:
        text = "a Latin hypercube of " + too_many_points(samples, limits)
        raise LimitError([Problem("the sweep", "", text)], ["points"])
    return lhs_points(factors, samples, seed)
