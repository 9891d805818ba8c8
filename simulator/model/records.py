"""What one replication leaves behind: flat tables of what happened, nothing aggregated.

The model appends plain rows while it runs; :func:`ReplicationRecord` turns
them into numpy arrays once, at the end. Columns are named by one
:class:`~enum.IntEnum` per table (``stays[:, Stay.FACILITY]``), so no code
reads a table by a bare position. Every statistic is computed from
these tables afterwards (:mod:`simulator.measures.kpis`). Times are simulated days
from the simulation's start (``warmup_days`` before ``run.start_date``);
``nan`` marks a time not reached before the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from simulator.model.capacity import CapacityRecord
from simulator.model.pathways import PathwayRecord

__all__ = [
    "BLOCK_COLUMNS",
    "EPISODE_COLUMNS",
    "STAY_COLUMNS",
    "Block",
    "Diversion",
    "Episode",
    "Occupancy",
    "Outcome",
    "ReplicationRecord",
    "Stay",
    "WAITING_COLUMNS",
    "Waiting",
]

FloatArray = NDArray[np.float64]


class Outcome:
    """How an episode ended (``OPEN``: still in the system at the horizon)."""

    OPEN = 0
    HOME = 1
    DEATH = 2
    DIVERTED = 3  # left the modelled system: every option was full


class Episode(IntEnum):
    """Columns of :attr:`ReplicationRecord.episodes`: one row per episode (arrival)."""

    GROUP = 0
    MUNICIPALITY = 1
    ARRIVAL = 2
    END = 3  # nan: still open at the horizon
    OUTCOME = 4  # an :class:`Outcome`


class Stay(IntEnum):
    """Columns of :attr:`ReplicationRecord.stays`: one row per admission."""

    EPISODE = 0  # row of the episode in :attr:`ReplicationRecord.episodes`
    GROUP = 1
    MUNICIPALITY = 2
    FACILITY = 3
    REQUESTED = 4  # when the patient asked for the bed (the wait starts)
    ADMITTED = 5
    LEFT = 6  # nan: still in the bed at the horizon
    TRAVEL_MINUTES = 7
    OVERFLOW = 8  # 1.0 when admitted above capacity, else 0.0
    LOS = 9  # length of stay drawn at admission (the whole stay, also past the horizon)


class Diversion(IntEnum):
    """Columns of :attr:`ReplicationRecord.diversions`: a first candidate found full."""

    TIME = 0
    FACILITY = 1
    GROUP = 2
    MUNICIPALITY = 3


class Block(IntEnum):
    """Columns of :attr:`ReplicationRecord.blocks`: one row per wait in a previous bed."""

    FACILITY = 0  # the facility whose bed is held
    AWAITED = 1  # the facility the patient waits for
    MUNICIPALITY = 2
    START = 3
    END = 4  # nan: still waiting at the horizon


class Waiting(IntEnum):
    """Columns of :attr:`ReplicationRecord.waiting`: one row per patient queued at the horizon."""

    EPISODE = 0
    FACILITY = 1  # where the patient queued (where they were admitted, if they were)
    GROUP = 2
    MUNICIPALITY = 3
    REQUESTED = 4  # when the wait started
    ADMITTED = 5  # after the horizon; nan: not admitted by ``waits_until``


class Occupancy(IntEnum):
    """Columns of each facility's log in :attr:`ReplicationRecord.occupancy`."""

    TIME = 0
    OCCUPIED = 1
    BLOCKED = 2
    CAPACITY = 3
    CORRIDOR = 4  # overflow admissions not yet in a bed


def _names(columns: type[IntEnum]) -> tuple[str, ...]:
    return tuple(c.name.lower() for c in columns)


EPISODE_COLUMNS = _names(Episode)
"""Column names of :attr:`ReplicationRecord.episodes`, in order."""

STAY_COLUMNS = _names(Stay)
"""Column names of :attr:`ReplicationRecord.stays`, in order."""

BLOCK_COLUMNS = _names(Block)
"""Column names of :attr:`ReplicationRecord.blocks`, in order."""

WAITING_COLUMNS = _names(Waiting)
"""Column names of :attr:`ReplicationRecord.waiting`, in order."""


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
        Columns :class:`Episode`.
    stays
        Columns :class:`Stay`.
    diversions
        Columns :class:`Diversion`: a patient found the facility (their first
        candidate) full and went elsewhere.
    blocks
        Columns :class:`Block`.
    occupancy
        Per facility, columns :class:`Occupancy`, a row after every change;
        corridor counts overflow admissions not yet in a bed.
    events
        SimPy events processed up to the horizon (for benchmarks).
    waiting
        Columns :class:`Waiting`: the patients queued for a bed at the horizon
        and when they got it. Every other table is the state at the horizon;
        the run continues past it only to follow these waits (see
        :mod:`simulator.model.engine`).
    pathways
        Steps without a bed, discharges, age bands and step costs
        (:mod:`simulator.model.pathways`).
    waits_until
        Simulated time the run continued to (the horizon when nobody who
        started waiting in the collection period was still waiting).
    capacity
        Background patients, patients in beds at the start, and limits on
        stays and waits reached (:mod:`simulator.model.capacity`).
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
    waiting: FloatArray = field(default_factory=lambda: np.empty((0, len(Waiting))))
    waits_until: float = math.nan
    capacity: CapacityRecord = field(default_factory=CapacityRecord)
    pathways: PathwayRecord = field(default_factory=PathwayRecord)


def as_table(rows: list[list[float]] | list[tuple[float, ...]], width: int) -> FloatArray:
    """Rows as a float array of shape (n, width), also when there are none."""
    if not rows:
        return np.empty((0, width))
    return np.asarray(rows, dtype=float).reshape(-1, width)
