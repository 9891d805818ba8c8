"""Finding a bed: the first free candidate, else the step's rule when all are full.

A free bed is taken by plain methods (:meth:`Placement._free_candidate`,
:meth:`Placement._take`): nine times in ten a bed is free and no generator
runs. Only when every candidate is full does :meth:`Placement._find_bed` (a
generator) apply ``when_full`` to the first candidate with open beds -- the
patient's own facility: queue (at home, or in the bed held when ``wait_in:
previous_bed``), overflow above capacity, or divert -- and wait for a bed,
for at most ``max_wait`` days.

A :class:`Patient` holds the *number* of its stay's row in the stays table
(:class:`~simulator.model.tables.Table`), and the pool of that bed.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from simulator.model.beds import BedPool
from simulator.model.build import OVERFLOW, QUEUE, CompiledStep
from simulator.model.capacity import LimitKind
from simulator.model.records import Block, Stay
from simulator.model.tables import Table

__all__ = ["Candidate", "Patient", "Placement"]

_NAN = math.nan
_STAY_WIDTH, _LEFT = len(Stay), int(Stay.LEFT)
_BLOCK_WIDTH, _BLOCK_END = len(Block), int(Block.END)

Candidate = tuple[int, BedPool, float]  # facility code, its pool, travel minutes


class Patient:
    """The state an episode carries between steps.

    ``held`` is the row of the stay whose bed the patient is in (-1: none),
    ``pool`` and ``code`` that bed's pool and facility; ``discharge`` the row
    of the last discharge until readmitted (-1: none). ``steps``, ``step``,
    ``band`` and ``limited`` are the pathway and the step of the stay under
    way, for the stay's end when no generator drives the episode.
    """

    __slots__ = (
        "episode",
        "m",
        "g",
        "priority",
        "band",
        "held",
        "pool",
        "code",
        "discharge",
        "steps",
        "step",
        "limited",
        "admitted",
        "__weakref__",
    )

    def __init__(self, episode: int, m: int, g: int, priority: int, band: int) -> None:
        self.episode = episode
        self.m = m
        self.g = g
        self.priority = priority
        self.band = band
        self.held = -1
        self.pool: BedPool | None = None
        self.code = -1
        self.discharge = -1
        self.steps: list[CompiledStep] = []
        self.step: CompiledStep | None = None
        self.limited = False
        self.admitted = -1  # the facility of that stay's admission (a transfer keeps it)


class Placement:
    """Taking, awaiting and leaving beds (a part of the model)."""

    env: simpy.Environment
    pools: list[BedPool]
    stays: Table
    diversions: Table
    blocks: Table
    queued: dict[int, list[float]]
    limits: list[tuple[float, ...]]
    epochs: Any
    _switched: int | None

    def _free_candidate(self, candidates: list[Candidate]) -> Candidate | None:
        """The first candidate with a free bed, or None (nothing changes)."""
        for candidate in candidates:
            pool = candidate[1]
            if pool.occupied < pool.capacity:
                return candidate
        return None

    def _take(self, candidate: Candidate, candidates: list[Candidate], g: int, m: int) -> None:
        """Take the free bed of ``candidate``; a diversion when it is not the patient's own
        facility (the first candidate with open beds)."""
        code = candidate[0]
        if code != candidates[0][0]:  # the first candidate is the own when it is free
            own = next((c for c in candidates if c[1].capacity > 0), candidates[0])
            if code != own[0]:
                self.diversions.add(self.env._now, own[0], g, m)
        candidate[1].take()

    def _free_bed(
        self, candidates: list[Candidate], patient: Patient
    ) -> tuple[int, float, float] | None:
        """Take the first free bed among ``candidates`` as :meth:`_find_bed` does, or None."""
        candidate = self._free_candidate(candidates)
        if candidate is None:
            return None
        self._take(candidate, candidates, patient.g, patient.m)
        return candidate[0], candidate[2], 0.0

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
                        self.diversions.add(env.now, own[0], patient.g, patient.m)
                    pool.take()
                    return code, travel, 0.0
            mode, _ = step.when_full[patient.m]
            code, pool, travel = own
            if mode == OVERFLOW:
                pool.take_overflow()
                return code, travel, 1.0
            if mode != QUEUE:
                self.diversions.add(env.now, code, patient.g, patient.m)
                return None
            granted = pool.request(patient.priority)
            self.queued[patient.episode] = [
                patient.episode,
                code,
                patient.g,
                patient.m,
                requested,
                _NAN,
            ]
            if step.wait_in_bed and patient.pool is not None:
                # Utskrivningsklar: done here, but keeps this bed until the next one frees.
                holding = patient.pool
                block = self.blocks.add(patient.code, code, patient.m, env.now, _NAN)
                holding.set_blocked(+1)
                got_bed = yield from self._await_bed(granted, pool, step, requested)
                holding.set_blocked(-1)
                self.blocks.data[block * _BLOCK_WIDTH + _BLOCK_END] = env.now
            else:
                if patient.pool is not None:
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

    def _leave(self, patient: Patient) -> None:
        """The patient leaves the bed they hold."""
        pool = patient.pool
        assert pool is not None
        self.stays.data[patient.held * _STAY_WIDTH + _LEFT] = self.env._now
        pool.release()
        patient.held, patient.pool = -1, None
