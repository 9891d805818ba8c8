"""The SimPy model of a scenario, built and run for one replication.

Read :func:`Model.episode` top to bottom: it is the clinical pathway. An
episode starts in an entry step, finds a bed (the facility the step names,
or the facilities of its service serving the patient's municipality, nearest
first), stays, and moves by ``next`` to another step, home or death. When no
candidate has a free bed, the step's ``when_full`` applies to the first
candidate: queue (at home, or in the bed held when ``wait_in:
previous_bed`` -- the utskrivningsklar case), overflow above capacity, divert
to another step, or divert out of the modelled system.
A step with ``service: none`` takes no bed: the patient spends its ``los`` at
home (:meth:`Model._period`). The steps an episode follows are its group's as
its municipality and age band meet them (:class:`~simulator.model.pathways.Variants`).

The record is the state at the horizon. When patients who started waiting
in the collection period are still queued then, the run goes on -- with new
arrivals drawn from their own ``extension`` streams, so nothing before the
horizon changes -- only until they have all been admitted, or for
:func:`~simulator.model.calendar.wait_extension` days at most: their waits
are then known instead of dropped, which biased mean waits low under
overload. Nothing else that happens after the horizon is recorded.

The model knows nothing of files, plots or the command line: it takes a
validated :class:`~simulator.scenario.schema.Scenario` and returns a
:class:`~simulator.model.records.ReplicationRecord`.
"""

from __future__ import annotations

import bisect
import dataclasses
import gc
import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np
import simpy

from simulator.model.background import OutsidePatients
from simulator.model.beds import BedPool
from simulator.model.calendar import Calendar
from simulator.model.capacity import CapacityRecord, Limit, LimitKind
from simulator.model.closing import Closing, uses_transfer
from simulator.model.demand import demand_streams
from simulator.model.distributions import BufferedSampler
from simulator.model.drive import drive
from simulator.model.epochs import Epochs
from simulator.model.pathways import Discharge, Period, Variants, step_costs
from simulator.model.records import (
    Block,
    Diversion,
    Episode,
    Occupancy,
    Outcome,
    ReplicationRecord,
    Stay,
    Waiting,
    as_table,
)
from simulator.model.streams import stream
from simulator.scenario.schema import NO_BED, TERMINALS, DivertTo, Scenario

__all__ = ["run_replication"]

QUEUE, OVERFLOW, DIVERT_OUT, DIVERT_TO = range(4)
HOME, DEATH = -1, -2
DIVERT_MAP = -3  # when_full target: drawn from the step's diversion map
_ENDS = {HOME: Outcome.HOME, DEATH: Outcome.DEATH}

# Record columns the run updates in place, as plain ints (an IntEnum index is slower on
# the hot path). Rows are built in the column order of simulator.model.records.
_END, _OUTCOME = int(Episode.END), int(Episode.OUTCOME)
_FACILITY, _LEFT = int(Stay.FACILITY), int(Stay.LEFT)
_BLOCK_END = int(Block.END)
_W_REQUESTED, _W_ADMITTED = int(Waiting.REQUESTED), int(Waiting.ADMITTED)
_READMITTED, _PERIOD_END = int(Discharge.READMITTED), int(Period.END)
_ENDING = {HOME: Outcome.HOME, DEATH: Outcome.DEATH}

_NAN = math.nan

ARRIVAL_BLOCK = 4096
"""Arrivals turned from numpy into Python numbers at a time (memory held by the source)."""

EXTENSION_CHUNK = 28.0
"""Days of arrivals drawn at a time after the horizon (the run usually stops within one)."""


def _router(sids: list[str], nxt: dict[str, float], rng: np.random.Generator) -> Router:
    """The router of a step's ``next`` (step ids by position, home and death)."""
    targets = [HOME if t == "home" else DEATH if t == "death" else sids.index(t) for t in nxt]
    return Router(targets, list(nxt.values()), rng)


class Router:
    """Picks the next target from fixed probabilities with one uniform stream."""

    __slots__ = ("targets", "cumulative", "_uniform", "_only", "_last")

    def __init__(self, targets: list[int], probabilities: list[float], rng: np.random.Generator):
        self.targets = targets
        total = sum(probabilities)
        self.cumulative = [c / total for c in accumulate(probabilities)]
        self._uniform = BufferedUniform(rng)
        self._only = targets[0] if len(targets) == 1 else None  # no draw: one target
        self._last = len(targets) - 1

    def __call__(self) -> int:
        if self._only is not None:
            return self._only
        i = bisect.bisect_right(self.cumulative, self._uniform())
        return self.targets[i if i < self._last else self._last]


class BufferedUniform:
    """Uniform(0, 1) draws handed out one at a time from blocks."""

    __slots__ = ("_rng", "_buffer", "_pos")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buffer: list[float] = []
        self._pos = 0

    def __call__(self) -> float:
        if self._pos >= len(self._buffer):
            self._buffer = self._rng.random(256).tolist()
            self._pos = 0
        value = self._buffer[self._pos]
        self._pos += 1
        return value


class Patient:
    """The state an episode carries between steps."""

    __slots__ = ("episode", "m", "g", "priority", "held", "discharge")

    def __init__(self, episode: int, m: int, g: int, priority: int) -> None:
        self.episode = episode
        self.m = m
        self.g = g
        self.priority = priority
        self.held: list[float] | None = None  # the stay row of the bed the patient is in
        self.discharge: list[float] | None = None  # the last discharge row, until readmitted


@dataclass
class CompiledStep:
    """A step with everything resolved that does not change during a run."""

    index: int
    los: Callable[[], float]
    delay: Callable[[], float] | None
    wait_in_bed: bool
    route: Router
    # Per municipality code: candidate (facility code, pool, travel minutes), nearest first,
    # and the rule when all are full as (mode, divert target step index).
    candidates: list[list[tuple[int, BedPool, float]]]
    when_full: list[tuple[int, int]]
    # when_full: {divert_to: {...}}, max_stay and max_wait as (days, step index or
    # HOME/DEATH); None when the step has none (simulator.model.background, docs/model.md).
    divert: Router | None = None
    max_stay: tuple[float, int] | None = None
    stay_limit: float = math.inf  # max_stay days (inf: none), read on every stay
    max_wait: tuple[float, int] | None = None
    no_bed: bool = False  # service: none, a period without a bed lasting los
    costs: tuple[float, float, int] | None = None  # per day, per start, payer code


class Arrivals:
    """Starts each episode at its arrival time: one timeout to the next arrival at a time,
    whose callback starts the episode (:func:`~simulator.model.drive.drive`), no process.

    ``chunks`` yields arrival columns (time, municipality, group, entry step, age band),
    each sorted by time; the next chunk is drawn when the last one is used up. The
    columns stay numpy arrays and become Python numbers :data:`ARRIVAL_BLOCK` at a time.
    """

    __slots__ = ("_model", "_chunks", "_chunk", "_from", "_block", "_pos", "_n")

    def __init__(self, model: Model, chunks: Iterator[tuple[np.ndarray, ...]]) -> None:
        self._model = model
        self._chunks = chunks
        self._chunk: tuple[np.ndarray, ...] = ()
        self._from = 0  # the chunk's next row not in the block
        self._block: tuple[list[Any], ...] = ([], [], [], [], [])
        self._pos = 0
        self._n = 0

    def next(self, _event: simpy.Event | None = None) -> None:
        """Start every episode due now, then wait for the next arrival."""
        model = self._model
        env, episode = model.env, model.episode
        while True:
            (times, ms, gs, es, bs), i, n = self._block, self._pos, self._n
            now = env.now
            while i < n:
                t = times[i]
                if t > now:
                    self._pos = i
                    env.timeout(t - now).callbacks.append(self.next)
                    return
                drive(episode(ms[i], gs[i], es[i], bs[i]))
                i += 1
            if not self._refill():
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


class Model:
    """One replication of a scenario: pools, compiled pathways, and records."""

    def __init__(self, scenario: Scenario, seed: int, replication: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.calendar = Calendar.of(scenario)
        self.fids = tuple(scenario.facilities)
        self.gids = tuple(scenario.groups)
        self.mids = tuple(scenario.municipalities)
        self.levels = [f.level for f in scenario.facilities.values()]
        self.pools = [BedPool(self.env, self._beds_at_start(fid)) for fid in self.fids]
        self._candidate_cache: dict[tuple[str | None, str], list[int]] = {}
        self._services: tuple[Scenario | None, dict[str | None, list[tuple[int, str]]]] = (None, {})
        self._serves = [
            None if f.serves is None else frozenset(f.serves) for f in scenario.facilities.values()
        ]
        self.steps = [self._compile_group(gid) for gid in self.gids]
        self.priorities = [g.priority for g in scenario.groups.values()]
        self.periods: list[list[float]] = []
        self.discharges: list[list[float]] = []
        self.banded: list[tuple[int, int]] = []
        self.step_costs: list[tuple[float, ...]] = []
        # Flat rows, turned into arrays by record().
        self.episodes: list[list[float]] = []
        self.stays: list[list[float]] = []
        self.diversions: list[tuple[float, ...]] = []
        self.blocks: list[list[float]] = []
        # Patients queued for a bed now, by episode: their Waiting row.
        self.queued: dict[int, list[float]] = {}
        # After the horizon: the rows of patients queued at the horizon, until admitted.
        self.followed: dict[int, list[float]] = {}
        self._pending = 0  # of them, those who started waiting in the collection period
        self._all_admitted: simpy.Event | None = None
        self.streams = demand_streams(scenario, self.calendar)
        # Background load and patients in beds at the start; limits reached.
        self.outside: list[OutsidePatients] = []
        self.limits: list[tuple[float, ...]] = []
        self._outside_waiting: list[list[float]] = []
        self._switched: int | None = None  # set by _find_bed when max_wait was reached
        # Pathways per municipality and age band (simulator.model.pathways); without
        # overrides every entry is the group's own compiled steps.
        self.variants = Variants(self, _router)
        # Changes on a date: each dated state compiled once (simulator.model.epochs).
        self.epochs = Epochs(self, scenario) if scenario.changes else None
        # Beds that close with patients in them: transfer where asked (simulator.model.closing).
        self.closing = Closing(self) if uses_transfer(self) else None

    # --- building -------------------------------------------------------------

    def _beds_at_start(self, fid: str) -> int:
        facility = self.scenario.facilities[fid]
        beds = facility.beds
        for entry in facility.schedule:
            if self.calendar.time_of(entry.date) <= 0:
                beds = entry.beds
        return beds

    def _candidates(self, service: str | None, facility: str | None, mid: str) -> list[int]:
        if facility is not None:
            return [self.fids.index(facility)]
        key = (service, mid)
        if key not in self._candidate_cache:
            self._candidate_cache[key] = self._find_candidates(service, mid)
        return self._candidate_cache[key]

    def _find_candidates(self, service: str | None, mid: str) -> list[int]:
        travel = self.scenario.municipalities[mid].travel_minutes
        found = []
        for i, fid in self._of_service(service):
            serves = self._serves[i]
            if serves is None or mid in serves:
                found.append((travel.get(fid, 0.0), i))
        return [i for _, i in sorted(found)]

    def _of_service(self, service: str | None) -> list[tuple[int, str]]:
        """The facilities of ``service`` as (code, id), grouped once per scenario read: the
        build then costs municipalities x facilities of a service, not x all facilities."""
        if self._services[0] is not self.scenario:  # epochs compile dated states in turn
            grouped: dict[str | None, list[tuple[int, str]]] = {}
            for i, (fid, f) in enumerate(self.scenario.facilities.items()):
                grouped.setdefault(f.service, []).append((i, fid))
            self._services = (self.scenario, grouped)
        return self._services[1].get(service, [])

    def _compile_group(self, gid: str) -> list[CompiledStep]:
        group = self.scenario.groups[gid]
        sids = list(group.steps)
        compiled = []
        for index, (sid, step) in enumerate(group.steps.items()):
            rng = stream(self.seed, self.replication, "los", gid, sid)
            delay = None
            if step.delay is not None:
                delay = BufferedSampler(
                    stream(self.seed, self.replication, "delay", gid, sid), step.delay
                )
            targets = [
                HOME if t == "home" else DEATH if t == "death" else sids.index(t) for t in step.next
            ]
            route = Router(
                targets,
                list(step.next.values()),
                stream(self.seed, self.replication, "routing", gid, sid),
            )
            candidates = []
            rules = []
            for mid in self.mids:
                codes = self._candidates(step.service, step.facility, mid)
                travel = self.scenario.municipalities[mid].travel_minutes
                candidates.append(
                    [(c, self.pools[c], travel.get(self.fids[c], 0.0)) for c in codes]
                )
                rules.append(self._rule(step.when_full, codes, sids))
            compiled.append(
                CompiledStep(
                    index=index,
                    los=BufferedSampler(rng, step.los),
                    delay=delay,
                    wait_in_bed=step.wait_in == "previous_bed",
                    route=route,
                    candidates=candidates,
                    when_full=rules,
                    **self._limits(gid, sid, step, sids),
                    no_bed=step.service == NO_BED,
                    costs=step_costs(step.costs),
                )
            )
        assert TERMINALS == ("home", "death")
        return compiled

    def _limits(self, gid: str, sid: str, step: Any, sids: list[str]) -> dict[str, Any]:
        """A step's diversion map, max_stay and max_wait, compiled (none: {})."""
        compiled: dict[str, Any] = {}

        def code(target: str) -> int:
            return HOME if target == "home" else DEATH if target == "death" else sids.index(target)

        when_full = step.when_full
        if isinstance(when_full, DivertTo) and isinstance(when_full.divert_to, dict):
            rng = stream(self.seed, self.replication, "divert", gid, sid)
            targets = [code(t) for t in when_full.divert_to]
            compiled["divert"] = Router(targets, list(when_full.divert_to.values()), rng)
        for key in ("max_stay", "max_wait"):
            limit = getattr(step, key)
            if limit is not None:
                compiled[key] = (limit.days, code(limit.then))
        if step.max_stay is not None:
            compiled["stay_limit"] = step.max_stay.days
        return compiled

    def _max_stay_reached(self, step: CompiledStep, patient: Patient, code: int) -> int:
        """The stay reached ``max_stay``: count it and send the patient on."""
        assert step.max_stay is not None
        self.limits.append((self.env.now, LimitKind.MAX_STAY, code, patient.g, patient.m))
        return step.max_stay[1]

    def _await_bed(
        self, granted: simpy.Event, pool: BedPool, step: CompiledStep, requested: float
    ) -> Generator[simpy.Event, Any, bool | None]:
        """Wait for a requested bed: True (got it), False (the facility closed), or None when
        ``max_wait`` days since ``requested`` passed first (the request is withdrawn)."""
        if step.max_wait is None:
            got: bool = yield granted
            return got
        timer = self.env.timeout(max(0.0, requested + step.max_wait[0] - self.env.now))
        yield granted | timer
        if granted.triggered:  # also when both fall at the same moment: the bed is theirs
            return bool(granted.value)
        pool.cancel(granted)
        return None

    def _outside_patients(self) -> list[OutsidePatients]:
        """Start the background load and put the patients in beds at the start in place."""
        outside = []
        epochs = getattr(self, "epochs", None)  # changes on a date (model/epochs.py)
        for code, (fid, facility) in enumerate(self.scenario.facilities.items()):
            states = None
            if epochs is not None:  # the facility in each dated state, from its start
                states = [
                    (t, state.facilities.get(fid))
                    for t, state in zip(epochs.starts, epochs.states, strict=True)
                ]
                facility = states[0][1] or facility
            given = [facility, *(f for _, f in states or [] if f is not None)]
            if all(f.background is None and f.initial_occupancy is None for f in given):
                continue
            patients = OutsidePatients(
                self.env,
                self.pools[code],
                code,
                fid,
                facility,
                self.seed,
                self.replication,
                self.calendar,
                states,
            )
            patients.start()
            outside.append(patients)
        return outside

    def _capacity_record(self) -> CapacityRecord:
        """Outside patients' tables and limits reached, up to the horizon (copies)."""
        if not self.outside and not self.limits:
            return CapacityRecord()
        return CapacityRecord(
            outside=as_table([row for o in self.outside for row in o.rows], 7),
            outside_diversions=as_table(
                [row for o in self.outside for row in o.diversions], len(Diversion)
            ),
            limits=as_table(self.limits, len(Limit)),
        )

    def _rule(self, when_full: Any, codes: list[int], sids: list[str]) -> tuple[int, int]:
        if isinstance(when_full, DivertTo):
            if isinstance(when_full.divert_to, dict):
                return DIVERT_TO, DIVERT_MAP
            return DIVERT_TO, sids.index(when_full.divert_to)
        if when_full is None:
            when_full = (
                self.scenario.facilities[self.fids[codes[0]]].when_full if codes else "divert"
            )
        return {"queue": QUEUE, "overflow": OVERFLOW, "divert": DIVERT_OUT}[when_full], -1

    # --- running --------------------------------------------------------------

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

    def _deadline(self, end: float) -> Generator[simpy.Event, Any, None]:
        """Stop following waits at ``end``."""
        yield self.env.timeout(end - self.env.now)
        assert self._all_admitted is not None
        if not self._all_admitted.triggered:
            self._all_admitted.succeed()

    def schedule(self, code: int) -> Generator[simpy.Event, Any, None]:
        """Open and close beds of one facility on the scheduled dates."""
        pool = self.pools[code]
        for entry in self.scenario.facilities[self.fids[code]].schedule:
            t = self.calendar.time_of(entry.date)
            if t <= 0:
                continue
            yield self.env.timeout(t - self.env.now)
            pool.set_capacity(entry.beds)
            if self.closing is not None:
                self.closing.cut(code, entry.on_close)

    def episode(
        self, m: int, g: int, step_index: int, band: int = 0
    ) -> Generator[simpy.Event, Any, None]:
        """One patient's episode, step by step along the group's pathway."""
        env = self.env
        variants = self.variants
        epochs, closing, stays = self.epochs, self.closing, self.stays
        steps = variants.paths[g][m][band]
        # Discharges are recorded only for groups with a step without a bed.
        specialist = variants.specialist if variants.outcomes[g] else None
        row = [g, m, env.now, _NAN, Outcome.OPEN]
        self.episodes.append(row)
        patient = Patient(len(self.episodes) - 1, m, g, self.priorities[g])
        if variants.bands[g] is not None:
            self.banded.append((patient.episode, band))
        while True:
            if epochs is not None:  # the values in force when the step starts
                steps = epochs.paths_at(env.now)[g][m][band]
            step = steps[step_index]
            if step.delay is not None:
                if patient.held is not None:
                    self._leave(patient)
                yield env.timeout(step.delay())
                if self.epochs is not None:  # the bed is asked for as in force after the delay
                    step = self.epochs.paths_at(env.now)[g][m][band][step_index]
            if step.no_bed:  # a period without a bed (simulator.model.pathways)
                nxt = yield from self._period(step, patient, step_index)
                if nxt < 0:
                    row[_END], row[_OUTCOME] = env.now, _ENDING[nxt]
                    return
                step_index = nxt
                continue
            requested = now = env.now
            placed = self._free_bed(step.candidates[m], patient)  # no generator when free
            if placed is None:
                placed = yield from self._find_bed(step, patient, band)
                now = env.now
            if placed is None:
                outcome = Outcome.DIVERTED
                switched, self._switched = self._switched, None
                if switched is not None:  # max_wait reached: to the alternative
                    target = switched
                    outcome = _ENDS.get(target, outcome)
                else:
                    _, target = step.when_full[m]
                if target == DIVERT_MAP:
                    assert step.divert is not None
                    target = step.divert()
                    outcome = _ENDS.get(target, outcome)
                if target >= 0:
                    step_index = target
                    continue
                if patient.held is not None:
                    self._leave(patient)
                row[_END], row[_OUTCOME] = env.now, outcome
                return
            if patient.held is not None:
                self._leave(patient)  # moved on: the previous bed frees as the new one is taken
            code, travel, overflow = placed
            if self.followed and patient.episode in self.followed:
                self._admitted_after_horizon(patient.episode)
            los = step.los()
            limited = los > step.stay_limit  # max_stay
            if limited:
                los = step.stay_limit
            stay = [patient.episode, g, m, code, requested, now, _NAN, travel, overflow, los]
            stays.append(stay)
            patient.held = stay
            if closing is not None:
                closing.hold(code, patient)
            if patient.discharge is not None and variants.specialist[code]:
                patient.discharge[_READMITTED] = now  # a readmission
                patient.discharge = None
            if step.costs is not None:
                self.step_costs.append((0, len(stays) - 1, *step.costs, m))
            yield env.timeout(los)
            if epochs is not None:  # next as in force when the stay ends
                step = epochs.paths_at(env.now)[g][m][band][step.index]
            nxt = self._max_stay_reached(step, patient, code) if limited else step.route()
            if (
                specialist is not None
                and specialist[code]
                and (nxt == HOME or (nxt >= 0 and steps[nxt].no_bed))
            ):
                patient.discharge = [patient.episode, g, m, code, env.now, np.nan]
                self.discharges.append(patient.discharge)
            if nxt < 0:
                self._leave(patient)
                outcome = Outcome.HOME if nxt == HOME else Outcome.DEATH
                row[_END], row[_OUTCOME] = env.now, outcome
                return
            step_index = nxt

    def _period(
        self, step: CompiledStep, patient: Patient, step_index: int
    ) -> Generator[simpy.Event, Any, int]:
        """A step without a bed: leave any bed held, spend ``los`` at home, return ``next``."""
        if patient.held is not None:
            self._leave(patient)
        env = self.env
        period = [patient.episode, patient.g, patient.m, step_index, env.now, np.nan]
        self.periods.append(period)
        if step.costs is not None:
            self.step_costs.append((1, len(self.periods) - 1, *step.costs, patient.m))
        yield env.timeout(step.los())
        period[_PERIOD_END] = env.now
        return step.route()

    def _free_bed(
        self, candidates: list[tuple[int, BedPool, float]], patient: Patient
    ) -> tuple[int, float, float] | None:
        """Take the first free bed among ``candidates`` as :meth:`_find_bed` does, or None."""
        for code, pool, travel in candidates:
            if pool.occupied < pool.capacity:
                if code != candidates[0][0]:  # the first candidate is the own when it is free
                    own = next((c for c in candidates if c[1].capacity > 0), candidates[0])
                    if code != own[0]:
                        self.diversions.append((self.env.now, own[0], patient.g, patient.m))
                pool.take()
                return code, travel, 0.0
        return None

    def _find_bed(
        self, step: CompiledStep, patient: Patient, band: int
    ) -> Generator[simpy.Event, Any, tuple[int, float, float] | None]:
        """Take a bed for ``step``: (facility, travel minutes, overflow) or None if diverted.

        The first candidate with open beds is the patient's own facility: a
        diversion is counted there when the patient is placed elsewhere, and
        ``when_full`` (queue, overflow) applies to it.
        """
        env = self.env
        candidates = step.candidates[patient.m]
        requested = env.now
        while True:
            own = next((c for c in candidates if c[1].capacity > 0), candidates[0])
            for code, pool, travel in candidates:
                if pool.occupied < pool.capacity:
                    if code != own[0]:
                        self.diversions.append((env.now, own[0], patient.g, patient.m))
                    pool.take()
                    return code, travel, 0.0
            mode, _ = step.when_full[patient.m]
            code, pool, travel = own
            if mode == OVERFLOW:
                pool.take_overflow()
                return code, travel, 1.0
            if mode != QUEUE:
                self.diversions.append((env.now, code, patient.g, patient.m))
                return None
            granted = pool.request(patient.priority)
            self.queued[patient.episode] = [
                patient.episode,
                code,
                patient.g,
                patient.m,
                requested,
                np.nan,
            ]
            if step.wait_in_bed and patient.held is not None:
                # Utskrivningsklar: done here, but keeps this bed until the next one frees.
                holding = self.pools[int(patient.held[_FACILITY])]
                block = [patient.held[_FACILITY], code, patient.m, env.now, np.nan]
                self.blocks.append(block)
                holding.set_blocked(+1)
                got_bed = yield from self._await_bed(granted, pool, step, requested)
                holding.set_blocked(-1)
                block[_BLOCK_END] = env.now
            else:
                if patient.held is not None:
                    self._leave(patient)
                got_bed = yield from self._await_bed(granted, pool, step, requested)
            del self.queued[patient.episode]
            if got_bed is None:  # max_wait reached: the alternative
                assert step.max_wait is not None
                self.limits.append((env.now, LimitKind.MAX_WAIT, code, patient.g, patient.m))
                self._switched = step.max_wait[1]
                return None
            if got_bed:
                return code, travel, 0.0
            # The facility closed (0 beds) while the patient waited: look again, among the
            # facilities that serve the patient in the state in force now.
            if self.epochs is not None:
                step = self.epochs.paths_at(env.now)[patient.g][patient.m][band][step.index]
                candidates = step.candidates[patient.m]

    def _leave(self, patient: Patient) -> None:
        """The patient leaves the bed they hold."""
        stay = patient.held
        assert stay is not None
        stay[_LEFT] = self.env.now
        self.pools[int(stay[_FACILITY])].release()
        patient.held = None

    def _admitted_after_horizon(self, episode: int) -> None:
        """A patient queued at the horizon got a bed: their wait is known."""
        row = self.followed.pop(episode)
        row[_W_ADMITTED] = self.env.now
        if row[_W_REQUESTED] >= self.calendar.warmup_days:
            self._pending -= 1
            if self._pending == 0 and self._all_admitted is not None:
                self._all_admitted.succeed()

    def follow_waits(self) -> tuple[list[list[float]], float]:
        """Run on past the horizon until the patients queued there who started waiting in
        the collection period are admitted (at most :attr:`Calendar.extension` days).

        Returns the Waiting rows of everyone queued at the horizon, and the time
        the run stopped.
        """
        env = self.env
        rows = [list(row) for row in self.queued.values()]
        self._outside_waiting = [row for o in self.outside for row in o.follow()]
        self.followed = {int(row[0]): row for row in rows}
        self._pending = sum(row[_W_REQUESTED] >= self.calendar.warmup_days for row in rows)
        if self._pending == 0:
            return rows, self.calendar.horizon
        end = self.calendar.horizon + self.calendar.extension
        if self.epochs is not None:
            self.epochs.enter(self, self.calendar.horizon)
        self._all_admitted = env.event()
        env.process(self.extension_source(end))
        env.process(self._deadline(end))
        env.run(until=self._all_admitted)
        return rows, float(env.now)

    def run(self) -> ReplicationRecord:
        """Run to the horizon and return what happened (waits followed past it)."""
        self.env.process(self.source())
        self.outside = self._outside_patients()
        if self.epochs is not None:  # beds by state and schedule dates
            self.epochs.start(self)
        for code in range(len(self.fids) if self.epochs is None else 0):
            if self.scenario.facilities[self.fids[code]].schedule:
                self.env.process(self.schedule(code))
        horizon = self.calendar.horizon
        # The run builds millions of small, long-lived rows and frees almost nothing;
        # the cyclic garbage collector would rescan them over and over (measured: half
        # the run time at national scale). Reference counting still frees as usual.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=horizon)
            record = self._record()
            waiting, waits_until = self.follow_waits()
        finally:
            if collecting:
                gc.enable()
        return dataclasses.replace(
            record,
            waiting=as_table(waiting, len(Waiting)),
            waits_until=waits_until,
            capacity=dataclasses.replace(
                record.capacity, outside_waiting=as_table(self._outside_waiting, len(Waiting))
            ),
        )

    def _record(self) -> ReplicationRecord:
        """The record of everything up to the horizon (copies: the run may go on)."""
        horizon = self.calendar.horizon
        return ReplicationRecord(
            replication=self.replication,
            seed=self.seed,
            horizon=horizon,
            warmup=self.calendar.warmup_days,
            facilities=self.fids,
            groups=self.gids,
            municipalities=self.mids,
            episodes=as_table(self.episodes, len(Episode)),
            stays=as_table(self.stays, len(Stay)),
            diversions=as_table(self.diversions, len(Diversion)),
            blocks=as_table(self.blocks, len(Block)),
            occupancy=tuple(
                np.asarray(p.log, dtype=float).reshape(-1, len(Occupancy)) for p in self.pools
            ),
            events=_events_scheduled(self.env),
            capacity=self._capacity_record(),
            pathways=self.variants.record(
                self.periods, self.discharges, self.banded, self.step_costs
            ),
        )


def _events_scheduled(env: simpy.Environment) -> int:
    """Events SimPy scheduled in the run (from its internal event id counter)."""
    counter = getattr(env, "_eid", None)
    return int(next(counter)) if counter is not None else 0


def run_replication(scenario: Scenario, seed: int, replication: int) -> ReplicationRecord:
    """Build the model for one replication, run it, and return its record."""
    return Model(scenario, seed, replication).run()
