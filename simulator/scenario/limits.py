"""Limits that keep every accepted scenario runnable in bounded memory and time.

A scenario can be valid and still ask for more than a machine can give: a
population of a trillion, a pathway whose loop repeats a million times per
episode, a sweep of a billion points. Such requests are refused *before*
anything is allocated, with a message that says what was asked for, the
limit, and how to get past it where a planner may truly need more.

Two kinds of bound exist:

* fixed bounds in the schema (:mod:`simulator.scenario.schema`): finite
  numbers only, a horizon of at most :data:`MAX_DAYS`, at most
  :data:`MAX_REPLICATIONS` replications, stays of at least
  :data:`MIN_STAY_DAYS`; no study needs more, so there is no way past them;
* the :class:`Limits` here, which a caller may raise: expected episodes per
  replication, expected steps per episode, points of a sweep, bed counts of
  a sizing range. :class:`LimitError` names the limit that was passed, so the
  command line can say which option raises it.

The estimates are analytic and take memory independent of the numbers in the
scenario: expected episodes integrate the population of each (municipality,
group) over the horizon in closed form (seasonality and weekday factors have
mean 1), and the expected steps of an episode are the expected visits of an
absorbing Markov chain, ``N = (I - Q)^-1`` (Kemeny & Snell 1960).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import numpy as np

from simulator.errors import Problem, ScenarioError
from simulator.scenario.changes import dated_states
from simulator.scenario.pathways import demand_group, variants
from simulator.scenario.schema import (
    MAX_DAYS,
    MAX_REPLICATIONS,
    MIN_STAY_DAYS,
    Group,
    Municipality,
    Scenario,
)

__all__ = [
    "MAX_DAYS",
    "MAX_REPLICATIONS",
    "MIN_STAY_DAYS",
    "LimitError",
    "Limits",
    "check_limits",
    "check_replications",
    "episodes_per_year",
    "expected_background",
    "expected_episodes",
    "expected_steps",
    "limit_problems",
]

DAYS_PER_RATE_YEAR = 365.0  # as simulator.model.demand: a rate is per 365 days
DAYS_PER_CALENDAR_YEAR = 365.25  # and population grows per calendar year


@dataclass(frozen=True)
class Limits:
    """The most a run may ask for; each can be raised by a caller who needs more.

    Attributes
    ----------
    episodes
        Expected episodes per replication (over warm-up and collection period).
        A replication holds about 0.4 kB and takes about 20 microseconds per
        episode (measured, decision 47), so the default, five million, is some
        2 GB and under two minutes per worker process.
    steps
        Expected steps (stays) per episode of any group.
    points
        Points of a sweep (the product of a grid's value counts, or the samples).
    bed_counts
        Bed counts a sizing range spans (``TO - FROM + 1``).
    """

    episodes: float = 5_000_000
    steps: float = 1_000
    points: int = 10_000
    bed_counts: int = 10_000

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if math.isnan(value) or value < 1:
                raise ValueError(f"limit {field.name} must be at least 1, got {value}")


class LimitError(ScenarioError):
    """A request beyond a :class:`Limits` value; ``limits`` names the ones passed."""

    def __init__(self, problems: list[Problem], limits: Sequence[str]) -> None:
        super().__init__(problems)
        self.limits = tuple(dict.fromkeys(limits))


def _count(value: float) -> str:
    """A count for a message: 20 000 000, 1.2e+15, or 'more than can be counted'."""
    if not math.isfinite(value):
        return "more than can be counted"
    if value >= 1e12:
        return f"{value:.3g}"
    return f"{value:,.0f}".replace(",", " ")


# --- expected episodes ------------------------------------------------------------------


def _weighted(value: float | dict[str, float], rates: float | dict[str, float]) -> float:
    """Episodes per year of one population value under a group's rate (per 1 000)."""
    if isinstance(rates, dict):
        if not isinstance(value, dict):
            return math.inf  # mismatched shapes are refused by validation
        return sum(float(value.get(band, 0.0)) * r for band, r in rates.items()) / 1000.0
    total = sum(value.values()) if isinstance(value, dict) else value
    return float(total) * float(rates) / 1000.0


def _compound(p0: float, growth: float, since: float, y0: float, y1: float) -> float:
    """Integral over years [y0, y1] of p0 (1 + growth)^(y - since)."""
    if p0 == 0:
        return 0.0
    if growth == 0:
        return p0 * (y1 - y0)
    log = math.log1p(growth)
    try:
        return p0 * (math.exp(log * (y1 - since)) - math.exp(log * (y0 - since))) / log
    except OverflowError:
        return math.inf


def _piecewise(knots: list[tuple[float, float]], y0: float, y1: float) -> float:
    """Integral over years [y0, y1] of the linear interpolation of ``knots`` (flat outside)."""
    years = [y for y, _ in knots]
    values = [v for _, v in knots]
    cuts = sorted({y0, y1, *(y for y in years if y0 < y < y1)})
    at = [float(np.interp(c, years, values)) for c in cuts]
    return sum(
        (b - a) * (fa + fb) / 2 for a, b, fa, fb in zip(cuts, cuts[1:], at, at[1:], strict=False)
    )


def _stream_episodes(scenario: Scenario, m: Municipality, g: Group, y0: float, y1: float) -> float:
    """Expected episodes of one (municipality, group) stream between years y0 and y1."""
    since = float(m.population_year or scenario.run.start_date.year)
    p0 = _weighted(m.population, g.rate_per_1000)
    if m.projection:
        later = [(float(y), _weighted(v, g.rate_per_1000)) for y, v in m.projection.items()]
        knots = sorted([(since, p0), *later])
        per_year_years = _piecewise(knots, y0, y1)
    else:
        per_year_years = _compound(p0, m.growth_per_year, since, y0, y1)
    # rate per rate year (365 days) integrated over calendar years (365.25 days)
    return per_year_years * DAYS_PER_CALENDAR_YEAR / DAYS_PER_RATE_YEAR


def expected_episodes(scenario: Scenario) -> float:
    """Expected episodes of one replication (warm-up and collection period together).

    Integrates each stream's population rate in closed form over the horizon;
    seasonality and weekday factors have mean 1 and are left out, so the
    estimate is exact over whole years and within a factor ``1 + amplitude``
    otherwise. Takes constant memory whatever the numbers.
    """
    run = scenario.run
    states = dated_states(scenario)
    if len(states) == 1:
        return _episodes_between(scenario, -run.warmup_days, run.days)
    # Changes on a date: each state over the days it is in force.
    starts = [
        -math.inf if s.date is None else float((s.date - run.start_date).days) for s in states
    ]
    ends = [*starts[1:], math.inf]
    return sum(
        _episodes_between(state.scenario, max(t0, -run.warmup_days), min(t1, run.days))
        for state, t0, t1 in zip(states, starts, ends, strict=True)
        if min(t1, run.days) > max(t0, -run.warmup_days)
    )


def episodes_per_year(scenario: Scenario) -> float:
    """Expected episodes in the first rate year (365 days) from ``run.start_date``.

    The same closed form as :func:`expected_episodes`: constant memory.
    """
    return _episodes_between(scenario, 0.0, DAYS_PER_RATE_YEAR)


def _episodes_between(scenario: Scenario, t0: float, t1: float) -> float:
    """Expected episodes between ``t0`` and ``t1`` days from ``run.start_date``."""
    start = scenario.run.start_date
    start_year = start.year + (start.timetuple().tm_yday - 1) / DAYS_PER_CALENDAR_YEAR
    y0 = start_year + t0 / DAYS_PER_CALENDAR_YEAR
    y1 = start_year + t1 / DAYS_PER_CALENDAR_YEAR
    total = 0.0
    for mid, m in scenario.municipalities.items():
        for g in scenario.groups.values():
            total += _stream_episodes(scenario, m, demand_group(g, mid), y0, y1)
    return total if math.isfinite(total) else math.inf


def expected_background(scenario: Scenario) -> float:
    """At most how many background patients (``facilities.<id>.background``) arrive in one
    replication: the largest total rate of any dated state over the whole horizon. Each is
    a stay row, so they count towards the episode limit."""
    days = scenario.run.warmup_days + scenario.run.days
    return (
        max(
            sum(
                f.background.admissions_per_year
                for f in s.scenario.facilities.values()
                if f.background
            )
            for s in dated_states(scenario)
        )
        * days
        / DAYS_PER_RATE_YEAR
    )


# --- expected steps per episode -----------------------------------------------------------


def expected_steps(group: Group) -> dict[str, float]:
    """Expected visits of each step per episode: the entry row of ``(I - Q)^-1``.

    ``Q`` holds the ``next`` probabilities between steps (home and death
    absorb). Diversions are left out: they replace a step rather than add
    one. A pathway that cannot end has infinite visits.
    """
    ids = list(group.steps)
    index = {sid: i for i, sid in enumerate(ids)}
    q = np.zeros((len(ids), len(ids)))
    for sid, step in group.steps.items():
        for target, p in step.next.items():
            if target in index:
                q[index[sid], index[target]] += p
    entry = np.array([group.entry.get(sid, 0.0) for sid in ids])
    try:
        visits = np.linalg.solve((np.eye(len(ids)) - q).T, entry)
    except np.linalg.LinAlgError:
        return {sid: math.inf for sid in ids}
    if not np.all(np.isfinite(visits)) or np.any(visits < -1e-9):
        return {sid: math.inf for sid in ids}
    return {sid: float(max(v, 0.0)) for sid, v in zip(ids, visits, strict=True)}


# --- the checks -------------------------------------------------------------------------


def _episodes(scenario: Scenario, limits: Limits, source: str) -> Iterator[tuple[Problem, str]]:
    episodes = expected_episodes(scenario) + expected_background(scenario)
    if episodes > limits.episodes:
        yield (
            Problem(
                source,
                "municipalities",
                f"about {_count(episodes)} episodes expected in each replication, more than the "
                f"limit of {_count(limits.episodes)} (memory and time grow with every episode)",
                hint="check population and rate_per_1000 (per 1 000 inhabitants per year) "
                "and background.admissions_per_year, "
                "shorten run.days or run.warmup_days, or raise the limit of episodes per "
                "replication if the region is truly this large",
            ),
            "episodes",
        )


def _visits(scenario: Scenario) -> Iterator[tuple[str, Group, dict[str, float]]]:
    """Expected visits of each pathway: the group's own and each merged one that differs."""
    for gid, group in scenario.groups.items():
        yield gid, group, expected_steps(group)
        for _, _, merged in variants(scenario, gid):
            yield gid, merged, expected_steps(merged)


def _steps(scenario: Scenario, limits: Limits, source: str) -> Iterator[tuple[Problem, str]]:
    for gid, group, visits in _visits(scenario):
        total = sum(visits.values())
        if total <= limits.steps:
            continue
        worst = max(visits, key=lambda sid: visits[sid])
        back = group.steps[worst].next.get(worst)
        loop = f" (it goes back to itself with probability {back:g})" if back else ""
        yield (
            Problem(
                source,
                f"groups.{gid}.steps.{worst}.next",
                f"an episode takes about {_count(total)} steps on average, more than the limit "
                f"of {_count(limits.steps)}; step {worst} is visited about "
                f"{_count(visits[worst])} times{loop}",
                hint="give home or death a larger probability in the loop, or raise the limit "
                "of steps per episode if the pathway truly is this long",
            ),
            "steps",
        )


def limit_problems(
    scenario: Scenario, limits: Limits | None = None, source: str = "<scenario>"
) -> list[tuple[Problem, str]]:
    """Every limit ``scenario`` passes, as ``(problem, limit name)`` pairs."""
    limits = limits or Limits()
    return [*_episodes(scenario, limits, source), *_steps(scenario, limits, source)]


def check_limits(
    scenario: Scenario, limits: Limits | None = None, source: str = "<scenario>"
) -> Scenario:
    """``scenario`` if it is within ``limits``, else :class:`LimitError` with every problem."""
    found = limit_problems(scenario, limits, source)
    if found:
        raise LimitError([p for p, _ in found], [name for _, name in found])
    return scenario


def check_replications(replications: int, where: str) -> int:
    """``replications`` if it is from 1 to :data:`MAX_REPLICATIONS`, else a user error."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ScenarioError(
            [
                Problem(
                    where,
                    "",
                    f"replications must be from 1 to {_count(MAX_REPLICATIONS)}",
                    str(replications),
                    "the 95 % interval narrows with the square root of the replications: "
                    f"{_count(MAX_REPLICATIONS)} already gives 1 % of the spread of one",
                )
            ]
        )
    return replications
