"""Patients in a facility's beds who are not the region's episodes.

Two kinds share a facility's :class:`~simulator.model.beds.BedPool` with the
region's patients:

* **background load** (``facilities.<id>.background``): patients from outside
  the modelled region. They arrive as a Poisson process of
  ``admissions_per_year`` per 365 days, times the seasonal factor (sampled by
  thinning, like demand), from their own ``background`` streams; they take a
  free bed, or follow the facility's ``when_full`` -- queue (with their
  ``priority``, FIFO within it, among the region's patients), overflow, or
  divert (they leave: the facility counts a diversion); and they stay a
  length drawn from ``los``. ``initial_patients`` of them are in beds at
  time 0;
* **patients in beds at the start** (``facilities.<id>.initial_occupancy``):
  the region's patients admitted before the simulation starts, in place of a
  long warm-up. They belong to no episode; each stays a residual stay drawn
  exactly from the equilibrium residual of the given ``los``
  (:mod:`simulator.model.residual`) and goes home.

Residual stays come from the ``initial`` streams. Background arrivals go on
past the horizon while the run follows queued patients' waits, from the same
stream in fixed chunks, so nothing before the horizon depends on when the
run stops.

What they do is recorded in their own tables (:class:`~simulator.model.records.Outside`
rows, diversions, waits at the horizon), which no KPI of a group, a
municipality or the region's costs reads: the facility's KPIs are given for
all patients and for the region's (:mod:`simulator.measures.background`).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulator.model.beds import BedPool
from simulator.model.calendar import Calendar
from simulator.model.capacity import OutsideKind
from simulator.model.clock import Clock
from simulator.model.demand import DAYS_PER_RATE_YEAR, DemandStream
from simulator.model.distributions import BufferedSampler
from simulator.model.drive import drive
from simulator.model.residual import sample_residual
from simulator.model.streams import stream
from simulator.scenario.schema import Facility

__all__ = ["CHUNK", "OutsidePatients"]

CHUNK = 28.0
"""Days of background arrivals drawn at a time after the horizon."""

NAN = math.nan


def background_stream(facility: Facility, fid: str, calendar: Calendar) -> DemandStream:
    """The arrival process of ``facility``'s background load, as a demand stream of one band."""
    background = facility.background
    assert background is not None
    doy, dow = calendar.day_table
    season = background.seasonality
    return DemandStream(
        municipality="",
        group=fid,
        calendar=calendar,
        base_year=calendar.year_of(0.0),
        pop_year=calendar.year_of(0.0),
        pop_knots_years=np.empty(0),
        pop_knots=np.ones((1, 1)),
        growth=0.0,
        rates_per_day=np.array([background.admissions_per_year / DAYS_PER_RATE_YEAR]),
        amplitude=season.amplitude if season else 0.0,
        peak=season.peak_day_of_year if season else 1.0,
        weekday=np.ones(7),
        doy=doy,
        dow=dow,
    )


class OutsidePatients:
    """The background load and the patients in beds at the start of one facility.

    Parameters
    ----------
    env, clock, pool, code
        The environment, the model's clock (:mod:`simulator.model.clock`), the
        facility's bed pool and its code.
    fid, facility
        The facility's id and specification.
    seed, replication
        Which random streams to use.
    calendar
        The run's calendar (horizon, follow-up, seasons).
    """

    def __init__(
        self,
        env: simpy.Environment,
        clock: Clock,
        pool: BedPool,
        code: int,
        fid: str,
        facility: Facility,
        seed: int,
        replication: int,
        calendar: Calendar,
        states: list[tuple[float, Facility | None]] | None = None,
    ) -> None:
        self.env = env
        self.clock = clock
        self.pool = pool
        self.code = code
        self.fid = fid
        self.facility = facility
        self.seed = seed
        self.replication = replication
        self.calendar = calendar
        # The facility as each dated state gives it, from each state's start (changes:).
        self.states = states if states is not None else [(0.0, facility)]
        self.rows: list[list[float]] = []  # Outside columns
        self.diversions: list[tuple[float, ...]] = []  # Diversion columns
        self.queued: dict[int, list[float]] = {}  # Waiting columns, by patient number
        self.followed: dict[int, list[float]] = {}
        self._numbers = 0

    def start(self) -> None:
        """Put the initial patients in their beds and start the background arrivals."""
        occupancy = self.facility.initial_occupancy
        if occupancy is not None and occupancy.patients:
            rng = stream(self.seed, self.replication, "initial", self.fid, "region")
            self._place_initial(
                OutsideKind.INITIAL, sample_residual(rng, occupancy.los, occupancy.patients)
            )
        background = self.facility.background
        if background is not None and background.initial_patients:
            rng = stream(self.seed, self.replication, "initial", self.fid, "background")
            self._place_initial(
                OutsideKind.BACKGROUND_INITIAL,
                sample_residual(rng, background.los, background.initial_patients),
            )
        if any(f is not None and f.background is not None for _, f in self.states):
            drive(self._arrivals())  # from its timeouts' callbacks, no process

    def _place_initial(self, kind: int, residuals: np.ndarray) -> None:
        for residual in residuals.tolist():
            self.pool.take()
            row = [kind, self.code, NAN, self.env.now, NAN, 0.0, residual]
            self.rows.append(row)
            self._stay(row, residual)

    def _stay(self, row: list[float], los: float) -> None:
        """The stay of ``row``: the clock ends it (no process)."""
        self.clock.call_in(los, self._leave, row)

    def _leave(self, row: list[float]) -> None:
        row[4] = self.env._now
        self.pool.release()

    def _windows(self) -> Generator[tuple[float, float, int], None, None]:
        """``(t0, t1, state)``: the horizon, then chunks of :data:`CHUNK` days up to the end of
        the follow-up, each cut where a dated state begins."""
        end = self.calendar.horizon + self.calendar.extension
        starts = [t for t, _ in self.states]
        t0, t1 = 0.0, self.calendar.horizon
        while t0 < end:
            cuts = [t0, *(t for t in starts if t0 < t < t1), t1]
            for a, b in zip(cuts, cuts[1:], strict=False):
                yield a, b, max(k for k, t in enumerate(starts) if t <= a)
            t0, t1 = t1, min(t1 + CHUNK, end)

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        arrival_rng = stream(self.seed, self.replication, "background", "arrivals", self.fid)
        los_rng = stream(self.seed, self.replication, "background", "los", self.fid)
        compiled: dict[int, tuple[DemandStream, BufferedSampler]] = {}
        for t0, t1, k in self._windows():
            facility = self.states[k][1]
            background = facility.background if facility is not None else None
            if background is None or background.admissions_per_year <= 0:
                continue
            assert facility is not None
            if k not in compiled:  # one sampler per distinct state, from the same streams
                compiled[k] = (
                    background_stream(facility, self.fid, self.calendar),
                    BufferedSampler(los_rng, background.los),
                )
            process, los = compiled[k]
            for t in process.sample(arrival_rng, t0, t1).tolist():
                if t > env.now:
                    yield self.clock.timeout(t - env.now)
                self._patient(los(), background.priority, facility.when_full)

    def _patient(self, los: float, priority: int, mode: str) -> None:
        """A background patient arrives: a free bed, overflow or diversion at once, without
        a process; a queue by a generator driven from its request (model/drive.py)."""
        env, pool = self.env, self.pool
        overflow = 0.0
        if pool.occupied < pool.capacity:
            pool.take()
        elif mode == "overflow":
            pool.take_overflow()
            overflow = 1.0
        elif mode == "divert":
            self.diversions.append((env.now, self.code, -1, -1))
            return
        else:
            drive(self._queued(los, priority))
            return
        self._admitted(env.now, overflow, los)

    def _admitted(self, requested: float, overflow: float, los: float) -> None:
        row = [OutsideKind.BACKGROUND, self.code, requested, self.env.now, NAN, overflow, los]
        self.rows.append(row)
        self._stay(row, los)

    def _queued(self, los: float, priority: int) -> Generator[simpy.Event, Any, None]:
        env = self.env
        requested = env.now
        number = self._numbers
        self._numbers += 1
        self.queued[number] = [-1, self.code, -1, -1, requested, NAN]
        got_bed = yield self.pool.request(priority)
        del self.queued[number]
        followed = self.followed.pop(number, None)
        if followed is not None and got_bed:
            followed[5] = env.now
        if not got_bed:  # the facility closed while they waited: they go elsewhere
            self.diversions.append((env.now, self.code, -1, -1))
            return
        self._admitted(requested, 0.0, los)

    def follow(self) -> list[list[float]]:
        """At the horizon: copies of the queued patients' rows, kept up to date as they are
        admitted while the run goes on (Waiting columns)."""
        self.followed = {n: list(row) for n, row in self.queued.items()}
        return list(self.followed.values())
