"""What one replication leaves behind: flat tables of what happened, nothing aggregated.

The model appends plain rows while it runs; :func:`ReplicationRecord` turns
them into numpy arrays once, at the end. Every statistic is computed from
these tables afterwards (:mod:`simulator.measures.kpis`). Times are simulated days
from the simulation's start (``warmup_days`` before ``run.start_date``);
``nan`` marks a time not reached before the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Outcome", "ReplicationRecord", "STAY_COLUMNS", "BLOCK_COLUMNS"]

FloatArray = NDArray[np.float64]


class Outcome:
    """How an episode ended (``OPEN``: still in the system at the horizon)."""

    OPEN = 0
    HOME = 1
    DEATH = 2
    DIVERTED = 3  # left the modelled system: every option was full


STAY_COLUMNS = (
    "episode",
    "group",
    "municipality",
    "facility",
    "requested",
    "admitted",
    "left",
    "travel_minutes",
    "overflow",
)
"""Columns of :attr:`ReplicationRecord.stays`: one row per admission."""

BLOCK_COLUMNS = ("facility", "awaited", "municipality", "start", "end")
"""Columns of :attr:`ReplicationRecord.blocks`: one row per wait in a previous bed."""


@dataclass(frozen=True)
class ReplicationRecord:
    """The raw outcome of one replication.

    Attributes
    ----------
    replication, seed
        Which replication of which experiment.
    horizon, warmup
        Simulated days in all, and of them the warm-up at the start.
    facilities, groups, municipalities
        Ids; the integer codes in the tables index these tuples.
    episodes
        Columns group, municipality, arrival, end, outcome (:class:`Outcome`).
    stays
        :data:`STAY_COLUMNS`.
    diversions
        Columns time, facility, group, municipality: a patient found the
        facility (their first candidate) full and went elsewhere.
    blocks
        :data:`BLOCK_COLUMNS`.
    occupancy
        Per facility, rows ``(time, occupied, blocked, capacity, corridor)`` after every
        change; corridor counts overflow admissions not yet in a bed.
    events
        SimPy events processed (for benchmarks).
    """

    replication: int
    seed: int
    horizon: float
    warmup: float
    facilities: tuple[str, ...]
    groups: tuple[str, ...]
    municipalities: tuple[str, ...]
    episodes: FloatArray
    stays: FloatArray
    diversions: FloatArray
    blocks: FloatArray
    occupancy: tuple[FloatArray, ...]
    events: int


def as_table(rows: list[list[float]] | list[tuple[float, ...]], width: int) -> FloatArray:
    """Rows as a float array of shape (n, width), also when there are none."""
    if not rows:
        return np.empty((0, width))
    return np.asarray(rows, dtype=float).reshape(-1, width)
