"""One patient's episode: the clinical pathway, step by step.

Read :meth:`Episodes._pathway` top to bottom: it is the clinical pathway. An
episode starts in an entry step, finds a bed (:mod:`simulator.model.placement`),
stays, and moves by ``next`` to another step, home or death. When no
candidate has a free bed, the step's ``when_full`` applies to the first
candidate: queue, overflow, divert to another step, or divert out of the
modelled system. A step with ``service: none`` takes no bed: the patient
spends its ``los`` at home (:meth:`Episodes._period`).

The common start -- no dated changes, a first step without a delay or a
period, and a free bed -- runs without a generator (:meth:`Episodes.start`):
the bed is taken at once and the clock (:mod:`simulator.model.clock`) ends
the stay by a call (:meth:`Episodes._stay_ended`), which sends the patient
home or to death, takes the next step's free bed -- after its delay at home,
if it has one (:meth:`Episodes._delay_ended`) -- or hands the rest of the
pathway to a generator started then. It does exactly
what the generator would, in the same order (the same events, the same
draws), so results are the same either way.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from simulator.model.build import CompiledStep
from simulator.model.calendar import Calendar
from simulator.model.capacity import LimitKind
from simulator.model.clock import Clock
from simulator.model.drive import drive
from simulator.model.pathways import Discharge, Period, Variants
from simulator.model.placement import Candidate, Patient, Placement
from simulator.model.records import Episode, Outcome, Stay
from simulator.model.routing import DEATH, DIVERT_MAP, HOME
from simulator.model.tables import Table

__all__ = ["Episodes"]

_NAN = math.nan
_ENDS = {HOME: Outcome.HOME, DEATH: Outcome.DEATH}
_EPISODE_WIDTH, _END, _OUTCOME = len(Episode), int(Episode.END), int(Episode.OUTCOME)
_DISCHARGE_WIDTH, _READMITTED = len(Discharge), int(Discharge.READMITTED)
_PERIOD_WIDTH, _PERIOD_END = len(Period), int(Period.END)
_STAY_WIDTH = len(Stay)
_OPEN, _HOME, _DEATH = Outcome.OPEN, Outcome.HOME, Outcome.DEATH
_W_REQUESTED, _W_ADMITTED = 4, 5  # Waiting columns (simulator.model.records)


class Episodes(Placement):
    """Starting, driving and ending episodes (a part of the model)."""

    variants: Variants
    closing: Any
    priorities: list[int]
    episodes: Table
    periods: Table
    discharges: Table
    banded: Table
    step_costs: Table
    followed: dict[int, list[float]]
    _pending: int
    _all_admitted: simpy.Event | None
    calendar: Calendar
    clock: Clock

    def _new_patient(self, m: int, g: int, band: int) -> Patient:
        """The episode's row (open) and its patient."""
        episodes = self.episodes
        episode = len(episodes.data) // _EPISODE_WIDTH
        episodes.data.frombytes(episodes.pack(g, m, self.env._now, _NAN, _OPEN))
        patient = Patient(episode, m, g, self.priorities[g], band)
        if self.variants.bands[g] is not None:
            self.banded.add(episode, band)
        return patient

    def _end(self, patient: Patient, outcome: int) -> None:
        i = patient.episode * _EPISODE_WIDTH
        data = self.episodes.data
        data[i + _END] = self.env._now
        data[i + _OUTCOME] = outcome

    def start(self, m: int, g: int, step_index: int, band: int = 0) -> None:
        """Start an episode now: without a generator when no dated changes apply, the entry
        step has neither delay nor period, and a bed is free; else by :meth:`episode`."""
        if self.epochs is None:
            steps = self.variants.paths[g][m][band]
            step = steps[step_index]
            if step.direct:
                candidates = step.candidates[m]
                for candidate in candidates:
                    pool = candidate[1]
                    if pool.occupied < pool.capacity:
                        patient = self._new_patient(m, g, band)
                        patient.steps = steps
                        self._admit(patient, step, candidate, candidates)
                        return
        drive(self.episode(m, g, step_index, band))

    def _admit(
        self,
        patient: Patient,
        step: CompiledStep,
        candidate: Candidate,
        candidates: list[Candidate],
    ) -> None:
        """Take ``candidate``'s free bed without a generator, as :meth:`_pathway` does: the
        previous bed is left, the stay row written, and the stay's timeout ends it
        (:meth:`_stay_ended`)."""
        code, pool, travel = candidate
        now = self.env._now
        if code != candidates[0][0]:
            self._take(candidate, candidates, patient.g, patient.m)
        else:  # the first candidate is the own: no diversion
            pool.take()
        if patient.pool is not None:
            self._leave(patient)  # moved on: the previous bed frees as the new one is taken
        los = step.los()
        limited = los > step.stay_limit  # max_stay
        if limited:
            los = step.stay_limit
        stays = self.stays
        held = patient.held = len(stays.data) // _STAY_WIDTH
        stays.data.frombytes(
            stays.pack(
                patient.episode, patient.g, patient.m, code, now, now, _NAN, travel, 0.0, los
            )
        )
        patient.pool = pool
        patient.code = patient.admitted = code
        if self.closing is not None:
            self.closing.hold(code, patient)
        if patient.discharge >= 0 and self.variants.specialist[code]:
            self.discharges.set(patient.discharge, _READMITTED, now)  # a readmission
            patient.discharge = -1
        if step.costs is not None:
            self.step_costs.add(0, held, *step.costs, patient.m)
        patient.step, patient.limited = step, limited
        self.clock.call_in(los, self._stay_ended, patient)

    def _stay_ended(self, patient: Patient) -> None:
        """The end of a stay taken by :meth:`_admit` (called by the clock): home or death; the
        next step's free bed; or the rest of the pathway, driven by a generator from here."""
        step = patient.step
        assert step is not None
        code = patient.admitted
        nxt = self._max_stay_reached(step, patient, code) if patient.limited else step.route()
        g = patient.g
        variants = self.variants  # discharges only for groups with a step without a bed
        steps = patient.steps
        if (
            variants.outcomes[g]
            and variants.specialist[code]
            and (nxt == HOME or (nxt >= 0 and steps[nxt].no_bed))
        ):
            patient.discharge = self.discharges.add(
                patient.episode, g, patient.m, code, self.env._now, _NAN
            )
        if nxt < 0:
            self._leave(patient)
            self._end(patient, _HOME if nxt == HOME else _DEATH)
            return
        step = steps[nxt]
        if step.direct:
            if self._free_bed_taken(patient, step):
                return
        elif step.delay is not None and not step.no_bed:  # at home for a while, then a bed
            self._leave(patient)
            patient.step = step  # the step waited for
            self.clock.call_in(step.delay(), self._delay_ended, patient)
            return
        drive(self._pathway(patient, steps, nxt))

    def _delay_ended(self, patient: Patient) -> None:
        """The delay before a step ended (called by the clock): the step's free bed, as
        :meth:`_pathway` takes it after the delay; or the rest of the pathway from that
        step, its delay done, driven by a generator."""
        step = patient.step
        assert step is not None
        if not self._free_bed_taken(patient, step):
            drive(self._pathway(patient, patient.steps, step.index, delayed=True))

    def _free_bed_taken(self, patient: Patient, step: CompiledStep) -> bool:
        """Take the first free bed among ``step``'s candidates by :meth:`_admit` (False:
        none is free; nothing changes)."""
        candidates = step.candidates[patient.m]
        candidate = self._free_candidate(candidates)
        if candidate is None:
            return False
        self._admit(patient, step, candidate, candidates)
        return True

    def episode(
        self, m: int, g: int, step_index: int, band: int = 0
    ) -> Generator[simpy.Event, Any, None]:
        """One patient's episode, from its entry step, as a generator to drive."""
        steps = self.variants.paths[g][m][band]
        return self._pathway(self._new_patient(m, g, band), steps, step_index)

    def _pathway(
        self, patient: Patient, steps: list[CompiledStep], step_index: int, delayed: bool = False
    ) -> Generator[simpy.Event, Any, None]:
        """The patient's steps from ``step_index`` on, along the group's pathway (``delayed``:
        that step's delay is done)."""
        env = self.env
        variants = self.variants
        epochs, closing, stays = self.epochs, self.closing, self.stays
        g, m, band = patient.g, patient.m, patient.band
        # Discharges are recorded only for groups with a step without a bed.
        specialist = variants.specialist if variants.outcomes[g] else None
        while True:
            if epochs is not None:  # the values in force when the step starts
                steps = epochs.paths_at(env.now)[g][m][band]
            step = steps[step_index]
            if delayed:
                delayed = False
            elif step.delay is not None:
                if patient.pool is not None:
                    self._leave(patient)
                yield self.clock.timeout(step.delay())
                if self.epochs is not None:  # the bed is asked for as in force after the delay
                    step = self.epochs.paths_at(env.now)[g][m][band][step_index]
            if step.no_bed:  # a period without a bed (simulator.model.pathways)
                nxt = yield from self._period(step, patient, step_index)
                if nxt < 0:
                    self._end(patient, _ENDS[nxt])
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
                if patient.pool is not None:
                    self._leave(patient)
                self._end(patient, outcome)
                return
            if patient.pool is not None:
                self._leave(patient)  # moved on: the previous bed frees as the new one is taken
            code, travel, overflow = placed
            if self.followed and patient.episode in self.followed:
                self._admitted_after_horizon(patient.episode)
            los = step.los()
            limited = los > step.stay_limit  # max_stay
            if limited:
                los = step.stay_limit
            patient.held = stays.add(
                patient.episode, g, m, code, requested, now, _NAN, travel, overflow, los
            )
            patient.pool, patient.code = self.pools[code], code
            if closing is not None:
                closing.hold(code, patient)
            if patient.discharge >= 0 and variants.specialist[code]:
                self.discharges.set(patient.discharge, _READMITTED, now)  # a readmission
                patient.discharge = -1
            if step.costs is not None:
                self.step_costs.add(0, patient.held, *step.costs, m)
            yield self.clock.timeout(los)
            if epochs is not None:  # next as in force when the stay ends
                step = epochs.paths_at(env.now)[g][m][band][step.index]
            nxt = self._max_stay_reached(step, patient, code) if limited else step.route()
            if (
                specialist is not None
                and specialist[code]
                and (nxt == HOME or (nxt >= 0 and steps[nxt].no_bed))
            ):
                patient.discharge = self.discharges.add(patient.episode, g, m, code, env.now, _NAN)
            if nxt < 0:
                self._leave(patient)
                self._end(patient, Outcome.HOME if nxt == HOME else Outcome.DEATH)
                return
            step_index = nxt

    def _period(
        self, step: CompiledStep, patient: Patient, step_index: int
    ) -> Generator[simpy.Event, Any, int]:
        """A step without a bed: leave any bed held, spend ``los`` at home, return ``next``."""
        if patient.pool is not None:
            self._leave(patient)
        env = self.env
        period = self.periods.add(patient.episode, patient.g, patient.m, step_index, env.now, _NAN)
        if step.costs is not None:
            self.step_costs.add(1, period, *step.costs, patient.m)
        yield self.clock.timeout(step.los())
        self.periods.data[period * _PERIOD_WIDTH + _PERIOD_END] = env.now
        return step.route()

    def _max_stay_reached(self, step: CompiledStep, patient: Patient, code: int) -> int:
        """The stay reached ``max_stay``: count it and send the patient on."""
        assert step.max_stay is not None
        self.limits.append((self.env.now, LimitKind.MAX_STAY, code, patient.g, patient.m))
        return step.max_stay[1]

    def _admitted_after_horizon(self, episode: int) -> None:
        """A patient queued at the horizon got a bed: their wait is known."""
        row = self.followed.pop(episode)
        row[_W_ADMITTED] = self.env.now
        if row[_W_REQUESTED] >= self.calendar.warmup_days:
            self._pending -= 1
            if self._pending == 0 and self._all_admitted is not None:
                self._all_admitted.succeed()
