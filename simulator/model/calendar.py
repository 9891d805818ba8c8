"""The calendar of a replication: which date and weekday each simulated moment falls on.

Simulated time ``t`` counts days from the start of the simulation, which is
``warmup_days`` before midnight at the start of ``run.start_date``; the
collection period is ``[warmup_days, warmup_days + days)``. So the moment
``t`` is ``start_date + (t - warmup_days)`` days, for every warm-up,
fractional ones included: with ``warmup_days: 0.5`` the simulation starts
at noon the day before ``start_date``, and collection starts at its
midnight. Every date-driven input (weekday and seasonal profiles, population
years, bed schedules, calendar-year bounds of costs) goes through this one
mapping.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator.scenario.schema import Scenario

__all__ = ["DAYS_PER_CALENDAR_YEAR", "Calendar", "wait_extension", "year_lengths"]

DAYS_PER_CALENDAR_YEAR = 365.25
"""Days in a calendar year for fractional years (population growth)."""

FloatArray = NDArray[np.float64]


def year_lengths(first: dt.date, n: int) -> NDArray[np.int64]:
    """Days (365 or 366) in the calendar year of each of the ``n`` days from ``first``."""
    days = np.datetime64(first, "D") + np.arange(n)
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    lengths: NDArray[np.int64] = np.where(leap, 366, 365)
    return lengths


def wait_extension(days: float) -> float:
    """How long a run may continue past its horizon to see queued patients admitted.

    The length of the collection period, and at least a year: a patient who
    starts waiting in the period and is not admitted within that time is in
    a system that does not clear, which the results say (a warning) instead
    of simulating on.
    """
    return max(float(days), 365.0)


@dataclass(frozen=True)
class Calendar:
    """Maps simulated time (days from the simulation's start) to calendar dates.

    Attributes
    ----------
    start_date
        The first day of the collection period (``run.start_date``).
    warmup_days
        Simulated days before ``start_date`` (may be fractional).
    horizon
        Simulated days in all: ``warmup_days + days``.
    extension
        Simulated days after the horizon that the calendar also covers: a run
        continues past its horizon, for at most this long, only to follow the
        waits of patients still queued (see :mod:`simulator.model.engine`).
    """

    start_date: dt.date
    warmup_days: float
    horizon: float
    extension: float = 0.0

    @classmethod
    def of(cls, scenario: Scenario) -> Calendar:
        """The calendar of a scenario's run, with :func:`wait_extension` after it."""
        run = scenario.run
        horizon = run.warmup_days + run.days
        return cls(run.start_date, run.warmup_days, horizon, wait_extension(run.days))

    @property
    def sim_start(self) -> dt.date:
        """The date on which simulated time 0 falls."""
        return self.start_date - dt.timedelta(days=math.ceil(self.warmup_days))

    @property
    def offset(self) -> float:
        """Time of day at simulated time 0, in days (0 for a whole-day warm-up).

        ``t + offset`` is the time in days since midnight starting :attr:`sim_start`.
        """
        return math.ceil(self.warmup_days) - self.warmup_days

    def time_of(self, date: dt.date) -> float:
        """Simulated time at the start (midnight) of ``date``."""
        return self.warmup_days + float((date - self.start_date).days)

    def year_of(self, t: float) -> float:
        """Calendar year, fractional (365.25-day years), at simulated time ``t``."""
        start = self.sim_start
        into_year = (start - dt.date(start.year, 1, 1)).days + self.offset
        return start.year + (into_year + t) / DAYS_PER_CALENDAR_YEAR

    def day_index(self, t: FloatArray) -> NDArray[np.int64]:
        """Index into :attr:`day_table` of the calendar day each time ``t`` falls on."""
        days = np.floor(np.asarray(t, dtype=float) + self.offset).astype(np.int64)
        clipped: NDArray[np.int64] = np.clip(days, 0, len(self.day_table[0]) - 1)
        return clipped

    @functools.cached_property
    def day_table(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Day of year (1-based) and weekday (Monday 0) of each calendar day from sim_start."""
        n = math.ceil(self.horizon + self.extension + self.offset) + 1
        days = np.datetime64(self.sim_start, "D") + np.arange(n)
        doy = (days - days.astype("datetime64[Y]")).astype(np.int64) + 1
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        return doy, weekday
