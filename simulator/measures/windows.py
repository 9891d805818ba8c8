"""Windows of the collection period: the whole period and each calendar year in it.

Every KPI of :mod:`simulator.measures.kpis` is measured over a window
``[start, end)`` of simulated time. The whole collection period is one
window; :func:`year_windows` cuts it at 1 January into one window per
calendar year it touches, so that a first or last year the period covers only
in part is a shorter window (its ``days``), never stretched to a whole year.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from simulator.scenario.schema import Scenario

__all__ = ["Window", "period_window", "year_windows"]


@dataclass(frozen=True)
class Window:
    """A part ``[start, end)`` of the collection period, in simulated days.

    Attributes
    ----------
    start, end
        Simulated time (days since the simulation's start, warm-up included).
    first_date
        The calendar date of ``start`` (midnight).
    year
        The calendar year of a year window; ``None`` for the whole period.
    years
        The window's length in years, each day counting 1/365, or 1/366 in a
        leap year: 1 for a whole calendar year, 0.5 for 1 January to 1 July of
        2026, 3 for three whole years. Per-year rates divide by it.
    """

    start: float
    end: float
    first_date: dt.date
    year: int | None
    years: float

    @property
    def days(self) -> float:
        """Length of the window, days."""
        return self.end - self.start


def _year_length(year: int) -> int:
    return 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365


def _years_between(first: dt.date, days: float) -> float:
    """Length in years of ``days`` days from ``first``, day by day (1/365 or 1/366 each).

    Walks calendar years by number, never building 1 January of the year after the last
    one, so a period ending in 9999 (the last year a date can hold) is measured too.
    """
    year, left = first.year, days
    into_year = float((first - dt.date(year, 1, 1)).days)
    total = 0.0
    while left > 0:
        part = min(left, _year_length(year) - into_year)
        total += part / _year_length(year)
        left -= part
        year, into_year = year + 1, 0.0
    return total


def period_window(scenario: Scenario) -> Window:
    """The whole collection period ``[warmup_days, warmup_days + days)``."""
    run = scenario.run
    return Window(
        start=run.warmup_days,
        end=run.warmup_days + run.days,
        first_date=run.start_date,
        year=None,
        years=_years_between(run.start_date, run.days),
    )


def year_windows(scenario: Scenario) -> list[Window]:
    """One window per calendar year the collection period touches, in order.

    A year the period covers in part (it starts after 1 January or ends
    before 31 December) is the part inside the period; the windows add up to
    the period exactly (their ends are the next ones' starts).
    """
    run = scenario.run
    start, end = run.warmup_days, run.warmup_days + run.days
    last = run.start_date + dt.timedelta(days=max(math.ceil(run.days) - 1, 0))
    windows = []
    for year in range(run.start_date.year, last.year + 1):
        first = max(dt.date(year, 1, 1), run.start_date)
        a = start + float((first - run.start_date).days)
        # 31 December + 1 day, without building 1 January of year 10000.
        b = min(start + float((dt.date(year, 12, 31) - run.start_date).days) + 1.0, end)
        if b > a:
            windows.append(Window(a, b, first, year, (b - a) / _year_length(year)))
    return windows
