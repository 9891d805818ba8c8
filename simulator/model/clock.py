"""The model's own timed calls: stays ending and patients arriving, in time order with
SimPy's events, without an event object each.

At national scale nine in ten of SimPy's events were a stay's end or an
arrival, each a :class:`simpy.Timeout` in SimPy's heap: an object, a
four-item tuple pushed and popped through a heap of ~28 000 entries, and
:meth:`simpy.Environment.step` around it -- about a third of the run
(``docs/decisions.md``, decision 50). The :class:`Clock` keeps those calls in
a heap of plain times (one entry per distinct time, the calls due then in a
list in the order they were asked for) and runs them itself:

* one SimPy event, a *wake* timeout, stands for the earliest due time, so
  SimPy still orders everything else (bed requests, delays, dated changes,
  ``run(until=...)``) against it;
* when the wake fires, the clock runs the calls due, then moves SimPy's clock
  forward to the next due time itself, as :meth:`simpy.Environment.step`
  would, as long as SimPy has no event scheduled before or at that time. When
  it has one, a wake is scheduled for the next due time and SimPy goes on.

The order is SimPy's: by time; at one time, calls due then in the order they
were asked for, and SimPy's events at that time first unless a wake was
already waiting there (then in the order they were scheduled, as SimPy
would). Only two different things due at *exactly* the same float time, one
on each side, can come in another order than with one timeout each; with
continuous distributions that does not happen.

:meth:`Clock.timeout` is an ordinary SimPy event fired by the clock, for
generators (:mod:`simulator.model.drive`) and processes to yield.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL

__all__ = ["Clock", "Feed"]


class Feed(Protocol):
    """A source of calls already in time order (the arrivals): ``due`` is the time of its
    next call (inf: none left); :meth:`next` makes the call(s) due now and sets ``due``."""

    due: float

    def next(self, _: None = None) -> None: ...


class Clock:
    """Calls due at given times, run in time order with ``env``'s events."""

    __slots__ = ("env", "feed", "_times", "_due", "_wakes", "running", "calls", "wakes")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.feed: Feed | None = None  # the arrivals, read in order without the heap
        self._times: list[float] = []  # heap of the distinct due times
        self._due: dict[float, list[Any]] = {}  # time -> [call, argument, call, argument, ...]
        self._wakes: list[float] = []  # heap of the wake timeouts' times in SimPy's queue
        self.running = False  # running due calls: the wake is left until they are done
        self.calls = 0  # calls asked for (the record counts them with SimPy's events)
        self.wakes = 0  # wake timeouts scheduled (not the model's events)

    def call_in(self, delay: float, call: Callable[[Any], None], argument: Any) -> None:
        """Run ``call(argument)`` ``delay`` days from now."""
        t = self.env._now + delay
        self.calls += 1
        due = self._due.get(t)
        if due is not None:
            due.append(call)
            due.append(argument)
            return
        self._due[t] = [call, argument]
        heappush(self._times, t)
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
        env.schedule(wake, NORMAL, t - env._now)  # an ordinary timeout

    def _wake(self, _event: simpy.Event) -> None:
        heappop(self._wakes)
        self.running = True
        try:
            self._run_due()
        finally:
            self.running = False

    def _run_due(self) -> None:
        """Run the calls due now (a wake fired for them), then move on to the next due time
        and run its calls, for as long as SimPy has no event before or at that time; else
        leave a wake there."""
        env = self.env
        queue = env._queue  # SimPy's heap of (time, priority, id, event)
        times, due, feed, inf = self._times, self._due, self.feed, math.inf
        woken = True  # the first calls: those the wake fired for
        while True:
            t = times[0] if times else inf
            fed = feed is not None and feed.due < t  # a tie: the heap's calls first
            if fed:
                t = feed.due  # type: ignore[union-attr]
            if not woken:
                if t == inf:
                    return
                if queue and queue[0][0] <= t:  # SimPy has an event first (or at that time)
                    wakes = self._wakes
                    if not wakes or t < wakes[0]:
                        self._wake_at(t)
                    return
                env._now = t  # what Environment.step does on taking its next event
            woken = False
            if fed:
                feed.next()  # type: ignore[union-attr]
                continue
            heappop(times)
            calls = due.pop(t)
            if len(calls) == 2:
                calls[0](calls[1])
                continue
            for i in range(0, len(calls), 2):
                calls[i](calls[i + 1])


def _fire(event: simpy.Event) -> None:
    """Process ``event`` as :meth:`simpy.Environment.step` does: its callbacks, once."""
    callbacks = event.callbacks
    event.callbacks = None  # type: ignore[assignment]  # processed, as SimPy marks it
    for callback in callbacks:
        callback(event)
