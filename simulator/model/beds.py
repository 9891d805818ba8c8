"""A facility's pool of beds: capacity that follows a schedule, a priority queue, overflow.

A :class:`BedPool` is simpler and more specific than :class:`simpy.Resource`:
a patient *takes* a free bed at once, *requests* one and waits (FIFO within
priority, lower priority value first), or is admitted above capacity
(overflow). Lowering the capacity never evicts anyone: it takes effect as
beds free up, because beds are handed to waiting patients only while fewer
than ``capacity`` are occupied.

Patients admitted above capacity (overflow) are *corridor* patients until a
bed frees for them: the pool counts them apart from patients who are merely
above a capacity that was cut while they were in their beds (those beds close
as they leave; nobody is in a corridor).

Every change of state is logged as ``(time, occupied, blocked, capacity, corridor)``
so that occupancy statistics are computed afterwards, in one place
(:mod:`simulator.measures.kpis`), from the exact piecewise-constant path.
"""

from __future__ import annotations

import heapq
import itertools
from array import array
from struct import Struct

import simpy

__all__ = ["BedPool"]

_pack = Struct("5d").pack  # a log row's bytes


class BedPool:
    """The beds of one facility in one replication.

    Parameters
    ----------
    env
        The simulation environment.
    capacity
        Beds open at time 0.
    """

    __slots__ = ("env", "occupied", "blocked", "capacity", "corridor", "log", "_queue", "_order")

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        self.env = env
        self.occupied = 0
        self.blocked = 0
        self.capacity = capacity
        self.corridor = 0
        self.log = array("d", (0.0, 0, 0, capacity, 0))  # Occupancy columns, row after row
        self._queue: list[tuple[int, int, simpy.Event]] = []
        self._order = itertools.count()

    def _record(self) -> None:
        # A corridor patient moves into a bed as soon as one is free for them.
        occupied, capacity = self.occupied, self.capacity
        if self.corridor and self.corridor > occupied - capacity:
            self.corridor = max(0, occupied - capacity)
        self.log.frombytes(_pack(self.env._now, occupied, self.blocked, capacity, self.corridor))

    @property
    def waiting(self) -> int:
        """Patients queued for a bed here."""
        return len(self._queue)

    def has_free_bed(self) -> bool:
        """Whether a bed is free now (never true while patients queue)."""
        return self.occupied < self.capacity

    def take(self) -> None:
        """Occupy a free bed now."""
        self.occupied += 1
        # _record without its corridor clamp, which a bed taken never needs (the clamp
        # keeps corridor <= occupied - capacity after every change; taking raises the right).
        self.log.frombytes(
            _pack(self.env._now, self.occupied, self.blocked, self.capacity, self.corridor)
        )

    def take_overflow(self) -> None:
        """Admit above capacity now: a corridor patient."""
        self.occupied += 1
        self.corridor += 1
        self._record()

    def request(self, priority: int) -> simpy.Event:
        """Queue for a bed; the event fires with ``True`` when the bed is the patient's."""
        event = self.env.event()
        heapq.heappush(self._queue, (priority, next(self._order), event))
        return event

    def cancel(self, event: simpy.Event) -> None:
        """Withdraw a request that has not been granted (the patient stopped waiting)."""
        self._queue = [entry for entry in self._queue if entry[2] is not event]
        heapq.heapify(self._queue)

    def release(self) -> None:
        """Free a bed and hand free beds to the head of the queue."""
        self.occupied -= 1
        if self._queue:
            self._grant()
        self._record()

    def set_capacity(self, beds: int) -> None:
        """Open or close beds; closing takes effect as patients leave.

        When the facility closes altogether (0 beds), patients queued for it
        are told so (their event fires with ``False``) and look elsewhere.
        """
        self.capacity = beds
        if beds == 0:
            while self._queue:
                heapq.heappop(self._queue)[2].succeed(False)
        self._grant()
        self._record()

    def set_blocked(self, change: int) -> None:
        """Count a patient who starts (+1) or stops (-1) waiting in one of these beds."""
        self.blocked += change
        self._record()

    def _grant(self) -> None:
        while self._queue and self.occupied < self.capacity:
            _, _, event = heapq.heappop(self._queue)
            self.occupied += 1
            event.succeed(True)
