"""Inhabitants in force day by day: the population a rate or a cost-sharing key divides by.

A municipality's inhabitants on a day are those the demand model generates
that day's episodes from: the dated state in force that day (``changes``,
:func:`simulator.scenario.changes.dated_states`, by the calendar at midnight of
each date, as the model's ``Epochs``), grown from ``population_year`` by
``growth_per_year`` or interpolated in its ``projection``. A facility's
catchment (``serves``) is that of the state in force too.
:func:`population_means` gives a window's mean (population-days over its days,
decision 51) for the ``per_1000`` rates of :mod:`simulator.measures.years`;
:func:`catchment_days` gives each day's inhabitants of a facility's catchment by
municipality, for the cost-sharing keys of :mod:`simulator.measures.costs` and
:mod:`simulator.measures.money` (decision 55).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.measures.windows import Window
from simulator.model.calendar import DAYS_PER_CALENDAR_YEAR, Calendar
from simulator.scenario.changes import dated_states
from simulator.scenario.schema import Municipality, Scenario

__all__ = ["catchment_days", "catchment_means", "population_means"]

FloatArray = NDArray[np.float64]


def _total_population(value: float | Mapping[str, float]) -> float:
    return float(sum(value.values()) if isinstance(value, Mapping) else value)


def _part(value: float | Mapping[str, float], band: str | None) -> float:
    """The inhabitants of one age band (``None``: all) of a population value; nan if the
    value is not given by band."""
    if band is None:
        return _total_population(value)
    return float(value.get(band, math.nan)) if isinstance(value, Mapping) else math.nan


def _population(
    m: Municipality, default_year: int, years: FloatArray, band: str | None = None
) -> FloatArray:
    """Inhabitants of ``m`` (of one age band) at fractional calendar years, as the demand
    model counts them: compound growth from ``population_year``, or the projection."""
    pop_year = float(m.population_year or default_year)
    base = _part(m.population, band)
    if not m.projection:
        grown: FloatArray = base * (1.0 + m.growth_per_year) ** (years - pop_year)
        return grown
    knots = sorted(
        [(pop_year, base)] + [(float(y), _part(v, band)) for y, v in m.projection.items()]
    )
    interpolated: FloatArray = np.interp(
        years, [k[0] for k in knots], [k[1] for k in knots]
    ).astype(float)
    return interpolated


def _bands(states: Sequence[Scenario]) -> list[str]:
    found = [
        band
        for state in states
        for m in state.municipalities.values()
        if isinstance(m.population, Mapping)
        for band in m.population
    ]
    return list(dict.fromkeys(found))


def _day_states(scenario: Scenario, mids: FloatArray) -> tuple[list[Scenario], NDArray[np.int64]]:
    """The dated states (``changes``) and, for each day midpoint, the one in force then."""
    dated = dated_states(scenario)
    if len(dated) == 1:
        return [scenario], np.zeros(len(mids), dtype=np.int64)
    calendar = Calendar.of(scenario)
    times = np.array([-np.inf if s.date is None else calendar.time_of(s.date) for s in dated])
    found: NDArray[np.int64] = np.searchsorted(times, mids, side="right") - 1
    return [s.scenario for s in dated], found


def _daily(
    states: Sequence[Scenario],
    in_force: NDArray[np.int64],
    years: FloatArray,
    default: int,
    mid: str,
    band: str | None = None,
) -> FloatArray:
    """Inhabitants of municipality ``mid`` each day, by the state in force that day."""
    if len(states) == 1:
        return _population(states[0].municipalities[mid], default, years, band)
    daily = np.empty(len(years))
    for k, state in enumerate(states):
        on = in_force == k
        if on.any():
            daily[on] = _population(state.municipalities[mid], default, years[on], band)
    return daily


def _window_days(
    scenario: Scenario, window: Window
) -> tuple[FloatArray, int, list[Scenario], NDArray[np.int64]]:
    """For each day of the window (at its midpoint): its fractional calendar year, and the
    dated state in force; with the default ``population_year``."""
    calendar = Calendar.of(scenario)
    n = max(1, int(np.ceil(window.days - 1e-9)))
    mids = np.minimum(window.start + np.arange(n) + 0.5, window.end)
    years = calendar.year_of(0.0) + mids / DAYS_PER_CALENDAR_YEAR
    states, in_force = _day_states(scenario, mids)
    return years, scenario.run.start_date.year, states, in_force


def population_means(scenario: Scenario, window: Window) -> dict[str, float]:
    """Mean inhabitants over the window's days (at their midpoints), as in force each day.

    Of each municipality (by its id), of each age band over all municipalities as
    ``band:<b>`` (nan where a municipality's population is not given by band), and of
    each facility's catchment as ``serves:<f>`` for a facility with ``serves``. A
    change on a date (``changes``) of a population, its growth, projection or a
    catchment counts from that date: each day counts the inhabitants, and the
    municipalities served, of the state in force that day (population-days).
    """
    years, default, states, in_force = _window_days(scenario, window)
    daily = {mid: _daily(states, in_force, years, default, mid) for mid in scenario.municipalities}
    means = {mid: float(values.mean()) for mid, values in daily.items()}
    for band in _bands(states):
        means[f"band:{band}"] = float(
            sum(
                _daily(states, in_force, years, default, mid, band).mean()
                for mid in scenario.municipalities
            )
        )
    for fid, facility in scenario.facilities.items():
        catchments = [state.facilities[fid].serves for state in states]
        if all(serves is None for serves in catchments):
            continue  # every municipality: the region's population
        if len(states) == 1 and facility.serves is not None:
            means[f"serves:{fid}"] = float(sum(means[m] for m in facility.serves if m in means))
            continue
        # Each municipality's days in the catchment, by the state in force (no serves: all).
        served = {
            mid: np.array([serves is None or mid in serves for serves in catchments])[in_force]
            for mid in scenario.municipalities
        }
        means[f"serves:{fid}"] = float(
            sum(
                np.where(served[mid], values, 0.0).mean()
                for mid, values in daily.items()
                if served[mid].any()
            )
        )
    return means


def catchment_days(scenario: Scenario, window: Window, fid: str) -> FloatArray:
    """Inhabitants of each municipality in facility ``fid``'s catchment, day by day.

    Shape (days of the window, municipalities in the scenario's order): each day
    (at its midpoint, as :func:`population_means`) the inhabitants of the state in
    force that day of every municipality its facility then serves (``serves``;
    every municipality without it), 0 for the others. The mean over the days is
    the catchment's population-days per day, municipality by municipality.
    """
    return _catchment_tables(scenario, window, [fid])[fid]


def catchment_means(
    scenario: Scenario, window: Window, fids: Sequence[str]
) -> dict[str, FloatArray]:
    """:func:`catchment_days` averaged over the window's days, for several facilities at
    once (each municipality's inhabitants counted once, not once per facility)."""
    return {
        fid: table.mean(axis=0) for fid, table in _catchment_tables(scenario, window, fids).items()
    }


def _catchment_tables(
    scenario: Scenario, window: Window, fids: Sequence[str]
) -> dict[str, FloatArray]:
    if not fids:
        return {}
    years, default, states, in_force = _window_days(scenario, window)
    daily = np.stack(
        [_daily(states, in_force, years, default, mid) for mid in scenario.municipalities], axis=1
    )
    tables = {}
    for fid in fids:
        catchments = [state.facilities[fid].serves for state in states]
        served = np.array(
            [[c is None or mid in c for mid in scenario.municipalities] for c in catchments]
        )[in_force]  # (days, municipalities)
        tables[fid] = np.where(served, daily, 0.0)
    return tables
