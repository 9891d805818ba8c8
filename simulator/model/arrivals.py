"""Arrivals: sampled as numpy columns, each episode started at its time.

:meth:`Sampling.arrivals` draws every demand stream's arrival times (by
thinning) and entry steps -- and age bands where a group has them -- and
sorts them into columns. :class:`Arrivals` starts the episodes: one timeout
to the next arrival at a time, whose callback starts the episodes due
(:meth:`~simulator.model.episode.Episodes.start`), no process. After the
horizon, arrivals come from their own ``extension`` streams, a chunk at a
time (:meth:`Sampling._extension_chunks`), so nothing before it changes.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterator
from typing import Any

import numpy as np
import simpy

from simulator.model.calendar import Calendar
from simulator.model.demand import DemandStream
from simulator.model.pathways import Variants
from simulator.model.streams import stream
from simulator.scenario.schema import Scenario

__all__ = ["ARRIVAL_BLOCK", "EXTENSION_CHUNK", "Arrivals", "Sampling"]

ARRIVAL_BLOCK = 4096
"""Arrivals turned from numpy into Python numbers at a time (memory held by the source)."""

EXTENSION_CHUNK = 28.0
"""Days of arrivals drawn at a time after the horizon (the run usually stops within one)."""


class Arrivals:
    """Starts each episode at its arrival time: one timeout to the next arrival at a time,
    whose callback starts the episode, no process.

    ``chunks`` yields arrival columns (time, municipality, group, entry step, age band),
    each sorted by time; the next chunk is drawn when the last one is used up. The
    columns stay numpy arrays and become Python numbers :data:`ARRIVAL_BLOCK` at a time.
    """

    __slots__ = ("_model", "_chunks", "_chunk", "_from", "_block", "_pos", "_n", "_fed", "due")

    def __init__(self, model: Any, chunks: Iterator[tuple[np.ndarray, ...]]) -> None:
        self._model = model  # a simulator.model.engine.Model
        self._chunks = chunks
        self._chunk: tuple[np.ndarray, ...] = ()
        self._from = 0  # the chunk's next row not in the block
        self._block: tuple[list[Any], ...] = ([], [], [], [], [])
        self._pos = 0
        self._n = 0
        self.due = math.inf  # the next arrival's time (inf: none left)
        self._fed = model.clock.attach(self)  # read by the clock in order (a Feed)

    def next(self, _: None = None) -> None:
        """Start every episode due now, then wait for the next arrival."""
        model = self._model
        env, start = model.env, model.start
        while True:
            (times, ms, gs, es, bs), i, n = self._block, self._pos, self._n
            now = env._now
            while i < n:
                t = times[i]
                if t > now:
                    self._pos = i
                    # as a timeout of t - now would fall (to the bit)
                    if self._fed:
                        due = self.due = now + (t - now)
                        clock = model.clock
                        if clock.running:  # the clock reads self.due next
                            clock.calls += 1
                        else:
                            clock.feed_due(due)
                    else:
                        model.clock.call_in(t - now, self.next, None)
                    return
                start(ms[i], gs[i], es[i], bs[i])
                i += 1
            if not self._refill():
                self.due = math.inf
                return

    def _refill(self) -> bool:
        """The next block of arrivals as Python lists (False: there are no more)."""
        while not self._chunk or self._from >= len(self._chunk[0]):
            chunk = next(self._chunks, None)
            if chunk is None:
                return False
            at, ms, gs, es, bs = chunk
            if bs is None or not len(bs) or not bs.any():
                bs = np.zeros(len(at), dtype=np.int64)
            self._chunk = (at, ms, gs, es, bs.astype(np.int64))
            self._from = 0
        start, stop = self._from, self._from + ARRIVAL_BLOCK
        self._block = tuple(column[start:stop].tolist() for column in self._chunk)
        self._from = min(stop, len(self._chunk[0]))
        self._pos, self._n = 0, len(self._block[0])
        return True


class Sampling:
    """Drawing the arrivals and starting their source (a part of the model)."""

    env: simpy.Environment
    scenario: Scenario
    seed: int
    replication: int
    calendar: Calendar
    streams: list[DemandStream]
    variants: Variants
    gids: tuple[str, ...]
    mids: tuple[str, ...]
    epochs: Any

    def arrivals(
        self,
        generators: list[tuple[np.random.Generator, np.random.Generator]] | None = None,
        t0: float = 0.0,
        t1: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Arrivals in [t0, t1), by time: (time, municipality, group, entry step, age band
        index; 0 where the group has no bands).

        ``generators``: per demand stream, the (arrival, entry) generators; by
        default the replication's own, for the whole horizon.
        """
        if generators is None:
            generators = [
                (
                    stream(self.seed, self.replication, "arrivals", s.municipality, s.group),
                    stream(self.seed, self.replication, "entry", s.municipality, s.group),
                )
                for s in self.streams
            ]
        times, mcodes, gcodes, entries, bands = [], [], [], [], []
        variants = self.variants
        ages = variants.age if t1 is None or t1 <= self.calendar.horizon else variants.extension_age
        for i, (s, (arrival_rng, entry_rng)) in enumerate(
            zip(self.streams, generators, strict=True)
        ):
            t = s.sample(arrival_rng, t0, t1)
            if variants.any_special:
                g, m = self.gids.index(s.group), self.mids.index(s.municipality)
                if variants.special[g]:  # by municipality or age band (model/pathways)
                    codes, band = variants.draw(s, m, g, t, entry_rng.random(len(t)), ages[i])
                    times.append(t)
                    mcodes.append(np.full(len(t), m))
                    gcodes.append(np.full(len(t), g))
                    entries.append(codes)
                    bands.append(band)
                    continue
                bands.append(np.zeros(len(t)))
            group = self.scenario.groups[s.group]
            sids = list(group.steps)
            probs = np.array(list(group.entry.values()), dtype=float)
            cumulative = np.cumsum(probs / probs.sum())
            u = entry_rng.random(len(t))
            chosen = np.minimum(np.searchsorted(cumulative, u, side="right"), len(probs) - 1)
            entry_codes = np.array([sids.index(k) for k in group.entry])[chosen]
            times.append(t)
            mcodes.append(np.full(len(t), self.mids.index(s.municipality)))
            gcodes.append(np.full(len(t), self.gids.index(s.group)))
            entries.append(entry_codes)
        if not times:
            empty = np.empty(0)
            return empty, empty.astype(int), empty.astype(int), empty.astype(int), empty
        t_all = np.concatenate(times)
        order = np.argsort(t_all, kind="stable")
        return (
            t_all[order],
            np.concatenate(mcodes)[order],
            np.concatenate(gcodes)[order],
            np.concatenate(entries)[order],
            np.concatenate(bands)[order] if bands else np.zeros(len(t_all)),
        )

    def source(self) -> Generator[simpy.Event, Any, None]:
        """Start every episode at its arrival time (a process only to start at time 0)."""
        arrivals = self.epochs.arrivals(self) if self.epochs is not None else self.arrivals()
        Arrivals(self, iter([arrivals])).next()
        return
        yield  # a generator: started by env.process like every other activity

    def extension_source(self, end: float) -> Generator[simpy.Event, Any, None]:
        """Arrivals after the horizon, up to ``end``, from the ``extension`` streams.

        Drawn a chunk at a time (:data:`EXTENSION_CHUNK` days) by thinning, each
        stream from its own generators, so the arrivals do not depend on when
        the run stops.
        """
        Arrivals(self, self._extension_chunks(end)).next()
        return
        yield  # a generator: started by env.process like every other activity

    def _extension_chunks(self, end: float) -> Iterator[tuple[np.ndarray, ...]]:
        """The arrivals after the horizon, a chunk at a time, drawn when the last is used."""
        seed, replication = self.seed, self.replication
        generators = [
            (
                stream(seed, replication, "extension", "arrivals", s.municipality, s.group),
                stream(seed, replication, "extension", "entry", s.municipality, s.group),
            )
            for s in self.streams
        ]
        t = self.calendar.horizon
        while t < end:
            upto = min(t + EXTENSION_CHUNK, end)
            yield self.arrivals(generators, t, upto)
            t = upto
