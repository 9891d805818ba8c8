"""The model's own timed calls: stays ending and patients arriving, in time order with
SimPy's events, without an event object each.

At national scale nine in ten of SimPy's events were a stay's end or an
arrival, each a :class:`simpy.Timeout`: an object, a four-item tuple pushed
and popped through SimPy's heap of ~28 000 entries, and
:meth:`simpy.Environment.step` around it -- about a third of the run
(``docs/decisions.md``, the decision on the model's clock). The
:class:`Clock` keeps those calls itself and runs them in time order:

* the calls wait in a *calendar*: one list per slot of :data:`SLOTS_PER_DAY`
  of a day, sorted when its turn comes (a slot holds tens of calls at
  national scale; sorting a short list beats a heap of tens of thousands
  scattered in memory: 0.5 against 1.0 microseconds a call, measured);
* the arrivals, already in time order, are read as a :class:`Feed` beside
  the calendar, without entering it;
* one SimPy event, a *wake* timeout, stands for the earliest due time, so
  SimPy still orders everything else (bed requests, delays, dated changes,
  ``run(until=...)``) against it;
* when the wake fires, the clock runs the calls due, then moves SimPy's clock
  forward to the next due time itself, as :meth:`simpy.Environment.step`
  would, as long as SimPy has no event scheduled before or at that time. When
  it has one, a wake is scheduled for the next due time and SimPy goes on.

The order is SimPy's, by time. Calls due at one time run in the order they
were asked for (the calendar's before the feed's), all together, as soon as
the first of them runs. Only something on each side due at *exactly* the
same float time -- a call and a SimPy event -- can come in another order
than with one timeout each; with continuous distributions that does not
happen, and the bundled scenarios' results are the same to the bit.

:meth:`Clock.timeout` is an ordinary SimPy event fired by the clock, for
generators (:mod:`simulator.model.drive`) and processes to yield.
"""

from __future__ import annotations

import math
from bisect import insort
from collections.abc import Callable
from heapq import heappop, heappush
from operator import itemgetter
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL

__all__ = ["SLOTS_PER_DAY", "Clock", "Feed"]

SLOTS_PER_DAY = 16.0
"""The calendar's slots a day (90 minutes each)."""

_TIME = itemgetter(0)  # a call's due time: (time, call, argument)
_LAST_SLOT = 2**62  # calls due at or after this slot (an infinite time) share it


def _nothing(_: Any) -> None:
    """The call of :data:`_RUN`: never made."""


_RUN: tuple[float, Callable[[Any], None], Any] = (-math.inf, _nothing, None)
"""In place of a call run, before the slot's next (bisect starts after it)."""
_TRIM = 1024  # calls run, at most, kept at the head of the slot under way


class Feed(Protocol):
    """A source of calls already in time order (the arrivals): ``due`` is the time of its
    next call (inf: none left); :meth:`next` makes the call(s) due now and sets ``due``."""

    due: float

    def next(self, _: None = None) -> None: ...


class Clock:
    """Calls due at given times, run in time order with ``env``'s events."""

    __slots__ = (
        "env",
        "feed",
        "_slots",
        "_keys",
        "_current",
        "_at",
        "_key",
        "_wakes",
        "running",
        "calls",
        "wakes",
    )

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.feed: Feed | None = None  # the arrivals, read in order beside the calendar
        self._slots: dict[int, list[tuple[float, Callable[[Any], None], Any]]] = {}
        self._keys: list[int] = []  # heap of the slots in _slots
        # The slot being run, sorted, and its next call; every call of a slot up to _key
        # goes into it (sorted in), the later ones into _slots.
        self._current: list[tuple[float, Callable[[Any], None], Any]] = []
        self._at = 0
        self._key = -1
        self._wakes: list[float] = []  # heap of the wake timeouts' times in SimPy's queue
        self.running = False  # running due calls: the wake is left until they are done
        self.calls = 0  # calls asked for (the record counts them with SimPy's events)
        self.wakes = 0  # wake timeouts scheduled (not the model's events)

    def call_in(self, delay: float, call: Callable[[Any], None], argument: Any) -> None:
        """Run ``call(argument)`` ``delay`` days from now."""
        t = self.env._now + delay
        self.calls += 1
        entry = (t, call, argument)
        key = int(t * SLOTS_PER_DAY) if t < 1e15 else _LAST_SLOT
        if key <= self._key:  # the slot under way (or one before it, loaded early)
            insort(self._current, entry, self._at, key=_TIME)
        else:
            slot = self._slots.get(key)
            if slot is None:
                self._slots[key] = [entry]
                heappush(self._keys, key)
            else:
                slot.append(entry)
        if not self.running:
            wakes = self._wakes
            if not wakes or t < wakes[0]:
                self._wake_at(t)

    def attach(self, feed: Feed) -> bool:
        """Read ``feed`` in order from now on, if no other feed has calls left (False: the
        feed schedules its calls by :meth:`call_in`)."""
        if self.feed is not None and self.feed.due != math.inf:
            return False
        self.feed = feed
        return True

    def feed_due(self, t: float) -> None:
        """The feed's next call is due at ``t`` (its ``due``): the clock wakes by then."""
        self.calls += 1
        if not self.running:
            wakes = self._wakes
            if not wakes or t < wakes[0]:
                self._wake_at(t)

    def timeout(self, delay: float, value: Any = None) -> simpy.Event:
        """A SimPy event that the clock fires ``delay`` days from now (like
        :meth:`simpy.Environment.timeout`), for a generator or process to yield."""
        event = simpy.Event(self.env)
        event._ok = True
        event._value = value
        self.call_in(delay, _fire, event)
        return event

    def _wake_at(self, t: float) -> None:
        heappush(self._wakes, t)
        self.wakes += 1
        env = self.env
        wake = simpy.Event(env)
        wake._ok = True
        wake._value = None
        wake.callbacks.append(self._wake)
        # An ordinary timeout, as Environment.schedule queues it, but at t to the bit (a delay
        # of t - now could fall an ulp after t).
        heappush(env._queue, (t, NORMAL, next(env._eid), wake))

    def _wake(self, _event: simpy.Event) -> None:
        heappop(self._wakes)
        self.running = True
        try:
            self._run_due()
        except BaseException:  # StopSimulation from a call, or an error: the rest stay due
            self.running = False
            self._wake_for_next()
            raise
        self.running = False

    def _wake_for_next(self) -> None:
        """Leave a wake at the next due time, if none is there before it."""
        if self._at < len(self._current):
            t = self._current[self._at][0]
        elif self._keys:
            t = min(self._slots[self._keys[0]], key=_TIME)[0]
        else:
            t = math.inf
        if self.feed is not None and self.feed.due < t:
            t = self.feed.due
        if t != math.inf and (not self._wakes or t < self._wakes[0]):
            self._wake_at(t)

    def _next_slot(self) -> bool:
        """Load the next slot of the calendar, sorted (False: the calendar is empty)."""
        if not self._keys:
            if self._at:  # let go of the calls run (and the patients they name)
                self._current, self._at = [], 0
            return False
        key = heappop(self._keys)
        current = self._slots.pop(key)
        current.sort(key=_TIME)  # stable: calls due at one time in the order asked for
        self._current, self._at, self._key = current, 0, key
        return True

    def _run_due(self) -> None:
        """Run the calls due now (a wake fired for them), then move on to the next due time
        and run its calls, for as long as SimPy has no event before or at that time; else
        leave a wake there."""
        env = self.env
        queue = env._queue  # SimPy's heap of (time, priority, id, event)
        inf = math.inf
        current, at = self._current, self._at  # a call's call_in sorts into this same list
        while True:
            if at < len(current):
                t = current[at][0]
            elif self._next_slot():
                current, at = self._current, 0
                t = current[0][0]
            else:
                current, at = self._current, 0
                t = inf
            feed = self.feed  # (a call may attach one)
            fed = feed is not None and feed.due < t  # a tie: the calendar's call first
            if fed:
                t = feed.due  # type: ignore[union-attr]
            if t != env._now:  # a later time: only while SimPy has nothing before or then
                if t == inf:
                    return
                if queue and queue[0][0] <= t:
                    wakes = self._wakes
                    if not wakes or t < wakes[0]:
                        self._wake_at(t)
                    return
                env._now = t  # what Environment.step does on taking its next event
            if fed:
                feed.next()  # type: ignore[union-attr]
            else:
                _, call, argument = current[at]
                current[at] = _RUN  # let go of the argument (a patient) now
                at += 1
                if at >= _TRIM:  # and of the slot's calls run (a slot can fill for long)
                    del current[:at]
                    at = 0
                self._at = at
                call(argument)


def _fire(event: simpy.Event) -> None:
    """Process ``event`` as :meth:`simpy.Environment.step` does: its callbacks, once."""
    callbacks = event.callbacks
    event.callbacks = None  # type: ignore[assignment]  # processed, as SimPy marks it
    for callback in callbacks:
        callback(event)
