"""A patient's generator driven straight from SimPy event callbacks.

:class:`simpy.Process` costs two scheduled events per patient besides the
ones the patient waits for: an ``Initialize`` event to start the generator
and the process's own event when it ends (which nobody waits for here). At a
million episodes a year those two, and the generic ``Process._resume``, were
about a third of the run (``docs/decisions.md``, decision on the engine's
speed). :func:`drive` starts the generator at once, in the caller's event
(the arrival), and resumes it from the callbacks of the events it yields, as
``Process`` does; the patient's own events (timeouts, bed requests,
conditions) are ordinary SimPy events, processed in the same order.

Use it only for generators that no other process waits for or interrupts.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

__all__ = ["drive"]


class _Driven:
    """Resumes one generator whenever the event it yielded is processed."""

    __slots__ = ("_generator",)

    def __init__(self, generator: Generator[simpy.Event, Any, Any]) -> None:
        self._generator = generator

    def resume(self, event: simpy.Event) -> None:
        """The callback of the awaited event: send its value (or throw its failure) in."""
        if not event._ok:
            event._defused = True  # handled here, as Process does
        self.advance(event._ok, event._value)

    def advance(self, ok: bool, value: Any) -> None:
        """Run the generator until it waits for an event not yet processed, or ends."""
        generator = self._generator
        while True:
            try:
                event = generator.send(value) if ok else generator.throw(value)
            except StopIteration:
                return
            callbacks = event.callbacks
            if callbacks is not None:  # not processed yet: wait for it
                callbacks.append(self.resume)
                return
            ok, value = event._ok, event._value  # processed already: go on at once
            if not ok:
                event._defused = True


def drive(generator: Generator[simpy.Event, Any, Any]) -> None:
    """Start ``generator`` now and resume it from its events' callbacks (no Process)."""
    _Driven(generator).advance(True, None)
