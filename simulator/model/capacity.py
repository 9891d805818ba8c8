"""The record of shared beds and limits: patients who are not the region's, and limits reached.

Part of a :class:`~simulator.model.records.ReplicationRecord`
(``record.capacity``), in flat tables like the rest of it:

* ``outside``: one row per stay of a patient who is not one of the region's
  episodes (:class:`Outside` columns): background patients
  (``facilities.<id>.background``) and the patients in beds at the start
  (``initial_occupancy``, ``background.initial_patients``);
* ``outside_diversions``: background patients turned away
  (:class:`~simulator.model.records.Diversion` columns, group and
  municipality -1);
* ``outside_waiting``: background patients queued at the horizon
  (:class:`~simulator.model.records.Waiting` columns, episode, group and
  municipality -1), followed like the region's;
* ``limits``: one row per ``max_stay`` transfer or ``max_wait`` switch
  (:class:`Limit` columns).

Empty tables when a scenario uses none of these keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

__all__ = ["CapacityRecord", "Limit", "LimitKind", "Outside", "OutsideKind"]

FloatArray = NDArray[np.float64]


class OutsideKind:
    """Who an :class:`Outside` row is."""

    BACKGROUND = 0  # arrived from outside the region during the run
    BACKGROUND_INITIAL = 1  # from outside the region, in a bed at time 0
    INITIAL = 2  # the region's, in a bed at time 0 (no episode)


class Outside(IntEnum):
    """Columns of :attr:`CapacityRecord.outside`: one row per stay."""

    KIND = 0  # an :class:`OutsideKind`
    FACILITY = 1
    REQUESTED = 2  # nan for patients in beds at time 0
    ADMITTED = 3  # 0 for patients in beds at time 0
    LEFT = 4  # nan: still in the bed at the horizon
    OVERFLOW = 5  # 1.0 when admitted above capacity
    LOS = 6  # the stay drawn (the residual stay for patients in beds at time 0)


class LimitKind:
    """Which limit a :class:`Limit` row records."""

    MAX_STAY = 0  # the stay reached max_stay: the patient moved on
    MAX_WAIT = 1  # the wait reached max_wait: the patient went to the alternative


class Limit(IntEnum):
    """Columns of :attr:`CapacityRecord.limits`: one row per limit reached."""

    TIME = 0
    KIND = 1  # a :class:`LimitKind`
    FACILITY = 2  # where the stay was, or where the patient queued
    GROUP = 3
    MUNICIPALITY = 4


def _empty(width: int) -> FloatArray:
    return np.empty((0, width))


@dataclass(frozen=True)
class CapacityRecord:
    """Outside patients' tables and limits reached, for one replication (see the module)."""

    outside: FloatArray = field(default_factory=lambda: _empty(len(Outside)))
    outside_diversions: FloatArray = field(default_factory=lambda: _empty(4))
    outside_waiting: FloatArray = field(default_factory=lambda: _empty(6))
    limits: FloatArray = field(default_factory=lambda: _empty(len(Limit)))
