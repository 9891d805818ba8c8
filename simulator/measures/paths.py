"""Occupancy paths: a facility's piecewise-constant log integrated over a period.

A facility's log (:class:`~simulator.model.records.Occupancy` columns) holds its
state after every change, so every time-weighted statistic -- bed-days, mean
occupancy by day, time at each occupancy level, time full -- is an exact
integral of a step function, not an average of samples. :mod:`simulator.measures.kpis`
and :mod:`simulator.measures.costs` both build on these paths.

Time with no bed open (a unit closed by its ``schedule`` or a change of ``beds``:
capacity 0) is *closed* time: the path keeps the open time and the time at each
occupancy level while open apart, so that "full" and the occupancy percentiles
describe the unit while it runs, not the days it does not exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator.model.records import Occupancy

__all__ = ["FacilityPath", "clipped_durations", "facility_path", "weighted_quantile"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FacilityPath:
    """A facility's occupancy path over the collection period, by day and in total."""

    daily_occupied: FloatArray  # time-weighted mean occupied beds per collection day
    daily_capacity: FloatArray  # time-weighted mean open beds per collection day
    daily_capacity_days: FloatArray  # open bed-days in each collection day
    bed_days: float
    capacity_days: float
    blocked_days: float
    overflow_days: float
    level_time: FloatArray  # time spent at each occupancy level 0, 1, 2, ...
    full_time: float  # time open (some bed open) with every open bed occupied
    length: float
    open_time: float  # time with at least one bed open (``length`` when never closed)
    open_level_time: FloatArray  # ``level_time`` over the open time only


def facility_path(log: FloatArray, start: float, end: float) -> FacilityPath:
    """Integrate a facility's occupancy log (:class:`Occupancy` columns) over ``[start, end)``."""
    days = max(1, math.ceil(end - start - 1e-9))
    times = log[:, Occupancy.TIME]
    boundaries = np.minimum(start + np.arange(days + 1, dtype=float), end)
    inside = times[(times > start) & (times < end)]
    points = np.union1d(boundaries, inside)
    dt = np.diff(points)
    state = log[np.searchsorted(times, points[:-1], side="right") - 1]
    occupied = state[:, Occupancy.OCCUPIED]
    blocked = state[:, Occupancy.BLOCKED]
    capacity = state[:, Occupancy.CAPACITY]
    corridor = state[:, Occupancy.CORRIDOR]
    day = np.minimum((points[:-1] - start).astype(np.int64), days - 1)
    length = np.bincount(day, weights=dt, minlength=days)
    length[length == 0] = np.nan
    occ_area = np.bincount(day, weights=occupied * dt, minlength=days)
    cap_area = np.bincount(day, weights=capacity * dt, minlength=days)
    levels = occupied.astype(np.int64)
    level_time = np.bincount(levels, weights=dt).astype(float) if len(levels) else np.zeros(1)
    is_open = capacity > 0
    if is_open.all():
        # Never closed: the open time is the window, to the bit (no re-summed rounding).
        open_time, open_level_time = end - start, level_time
    else:
        open_time = float(dt[is_open].sum())
        open_level_time = np.bincount(
            levels[is_open], weights=dt[is_open], minlength=len(level_time)
        ).astype(float)
    return FacilityPath(
        daily_occupied=occ_area / length,
        daily_capacity=cap_area / length,
        daily_capacity_days=np.asarray(cap_area, dtype=float),
        bed_days=float(occ_area.sum()),
        capacity_days=float(cap_area.sum()),
        blocked_days=float((blocked * dt).sum()),
        overflow_days=float((corridor * dt).sum()),
        level_time=level_time,
        full_time=float(dt[is_open & (occupied >= capacity)].sum()),
        length=end - start,
        open_time=open_time,
        open_level_time=open_level_time,
    )


def weighted_quantile(level_time: FloatArray, q: float) -> float:
    """The smallest level at which the time spent at or below it reaches share ``q``."""
    total = level_time.sum()
    if total <= 0:
        return math.nan
    cumulative = np.cumsum(level_time) / total
    return float(np.searchsorted(cumulative, q - 1e-12))


def clipped_durations(
    begin: FloatArray, finish: FloatArray, start: float, end: float
) -> FloatArray:
    """Length of each interval [begin, finish) inside [start, end); nan finish = still open."""
    finish = np.where(np.isnan(finish), end, finish)
    clipped: FloatArray = np.maximum(np.minimum(finish, end) - np.maximum(begin, start), 0.0)
    return clipped
