"""Demand: one non-homogeneous Poisson stream per (municipality, group).

The rate of a stream at simulated time ``t`` (days since the simulation
starts, which is ``warmup_days`` before ``run.start_date``; dates come from
:class:`~simulator.model.calendar.Calendar`) is

    population(t) x rate_per_1000 / 1000 / 365 x season(t) x weekday(t)

summed over age bands where the group's rate is given by band. Population
grows by compound ``growth_per_year`` from 1 January of ``population_year``,
or follows ``projection`` linearly between 1 January of the given years
(flat outside them). The seasonal factor is
``1 + amplitude cos(2 pi (day_of_year - peak) / 365.25)``; the weekday factors
are rescaled to mean 1. A rate year is 365 days; calendar years for growth
are 365.25 days.

Arrivals are sampled exactly by thinning (Lewis & Shedler, 1979): candidate
times from a homogeneous process at the stream's maximum rate, each kept with
probability rate(t) / max rate. The candidates are drawn all at once with
numpy, so a stream's arrival times depend only on its own random generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator.model.calendar import DAYS_PER_CALENDAR_YEAR, Calendar
from simulator.scenario.pathways import band_ids, demand_group
from simulator.scenario.schema import Group, Municipality, Scenario

__all__ = ["Calendar", "DemandStream", "demand_streams", "expected_episodes"]

DAYS_PER_RATE_YEAR = 365.0

FloatArray = NDArray[np.float64]


def _band_values(value: float | dict[str, float], bands: list[str] | None) -> FloatArray:
    if bands is None:
        total = sum(value.values()) if isinstance(value, dict) else value
        return np.array([float(total)])
    assert isinstance(value, dict)
    return np.array([float(value[b]) for b in bands])


@dataclass(frozen=True)
class DemandStream:
    """The arrival process of one (municipality, group) pair."""

    municipality: str
    group: str
    calendar: Calendar
    base_year: float  # calendar year (fractional) at simulated time 0
    pop_year: float
    pop_knots_years: FloatArray  # projection knots; empty for compound growth
    pop_knots: FloatArray  # shape (knots, bands)
    growth: float
    rates_per_day: FloatArray  # per inhabitant per day, by band
    amplitude: float
    peak: float
    weekday: FloatArray  # 7 factors, mean 1
    doy: NDArray[np.int64]
    dow: NDArray[np.int64]

    def population_rate(self, t: FloatArray) -> FloatArray:
        """Expected episodes per day from population alone (no season or weekday)."""
        years = self.base_year + np.asarray(t, dtype=float) / DAYS_PER_CALENDAR_YEAR
        if len(self.pop_knots_years) == 0:
            factor = (1.0 + self.growth) ** (years - self.pop_year)
            return factor * float(self.pop_knots[0] @ self.rates_per_day)
        per_band = np.stack(
            [
                np.interp(years, self.pop_knots_years, self.pop_knots[:, b])
                for b in range(self.pop_knots.shape[1])
            ],
            axis=-1,
        )
        return np.asarray(per_band @ self.rates_per_day, dtype=float)

    def rate(self, t: FloatArray) -> FloatArray:
        """Expected episodes per day at simulated times ``t``."""
        t = np.asarray(t, dtype=float)
        since = t + self.calendar.offset  # days since midnight starting calendar.sim_start
        day = self.calendar.day_index(t)
        doy = self.doy[day] + (since - day)
        season = 1.0 + self.amplitude * np.cos(2 * np.pi * (doy - self.peak) / 365.25)
        return self.population_rate(t) * season * self.weekday[self.dow[day]]

    def max_rate(self, t0: float = 0.0, t1: float | None = None) -> float:
        """An upper bound of :meth:`rate` over [t0, t1) (default: the horizon).

        Tight for monotone growth between projection knots.
        """
        t1 = self.calendar.horizon if t1 is None else t1
        points = [t0, t1]
        for year in self.pop_knots_years:
            t = (year - self.base_year) * DAYS_PER_CALENDAR_YEAR
            if t0 < t < t1:
                points.append(float(t))
        peak_pop = float(np.max(self.population_rate(np.array(points))))
        return peak_pop * (1.0 + self.amplitude) * float(self.weekday.max())

    def sample(
        self, rng: np.random.Generator, t0: float = 0.0, t1: float | None = None
    ) -> FloatArray:
        """Arrival times in [t0, t1) (default: [0, horizon)), sorted, by thinning."""
        t1 = self.calendar.horizon if t1 is None else t1
        top = self.max_rate(t0, t1)
        if top <= 0:
            return np.empty(0)
        n = rng.poisson(top * (t1 - t0))
        times = np.sort(rng.uniform(t0, t1, n))
        keep = rng.uniform(0.0, top, n) < self.rate(times)
        return times[keep]

    def expected(self, t0: float, t1: float, points_per_day: int = 8) -> float:
        """Expected number of arrivals in [t0, t1), by the midpoint rule."""
        n = max(1, math.ceil((t1 - t0) * points_per_day))
        width = (t1 - t0) / n
        mids = t0 + width * (np.arange(n, dtype=np.float64) + 0.5)
        return float(self.rate(mids).sum() * width)


def _stream(
    scenario: Scenario, mid: str, m: Municipality, gid: str, g: Group, cal: Calendar
) -> DemandStream:
    rate = g.rate_per_1000
    bands: list[str] | None = None
    if isinstance(rate, dict):
        bands = sorted(rate)
        rates = np.array([rate[b] for b in bands])
    else:
        rates = np.array([float(rate)])
    pop_year = float(m.population_year or scenario.run.start_date.year)
    knots_years: list[float] = []
    knots = [_band_values(m.population, bands)]
    if m.projection:
        knots_years = [pop_year]
        for year in sorted(m.projection):
            knots_years.append(float(year))
            knots.append(_band_values(m.projection[year], bands))
        order = np.argsort(knots_years, kind="stable")
        knots_years = [knots_years[i] for i in order]
        knots = [knots[i] for i in order]
    base_year = cal.year_of(0.0)
    weekday = np.array(g.weekday if g.weekday is not None else [1.0] * 7, dtype=float)
    weekday = weekday / weekday.mean()
    doy, dow = cal.day_table
    return DemandStream(
        municipality=mid,
        group=gid,
        calendar=cal,
        base_year=base_year,
        pop_year=pop_year,
        pop_knots_years=np.array(knots_years, dtype=float),
        pop_knots=np.array(knots, dtype=float),
        growth=m.growth_per_year,
        rates_per_day=rates / 1000.0 / DAYS_PER_RATE_YEAR,
        amplitude=g.seasonality.amplitude if g.seasonality else 0.0,
        peak=g.seasonality.peak_day_of_year if g.seasonality else 1.0,
        weekday=weekday,
        doy=doy,
        dow=dow,
    )


def demand_streams(scenario: Scenario, calendar: Calendar | None = None) -> list[DemandStream]:
    """Every (municipality, group) stream, municipalities outer, in file order."""
    cal = Calendar.of(scenario) if calendar is None else calendar
    return [
        _stream(scenario, mid, m, gid, demand_group(g, mid, band_ids(scenario, gid)), cal)
        for mid, m in scenario.municipalities.items()
        for gid, g in scenario.groups.items()
    ]


def expected_episodes(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Expected episodes per rate year (365 days) from start_date, by (municipality, group)."""
    w = scenario.run.warmup_days
    return {
        (s.municipality, s.group): s.expected(w, w + DAYS_PER_RATE_YEAR)
        for s in demand_streams(scenario)
    }
