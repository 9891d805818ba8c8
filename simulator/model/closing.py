"""Beds that close with patients in them: drain (the default) or transfer.

When a facility's beds are cut below the patients in them -- by a schedule
entry or a change on a date -- ``on_close`` decides what happens to those
above the new number of beds:

* ``drain``: they stay until their stay ends; new patients are admitted only
  as beds free below the new number (the behaviour of every schedule);
* ``transfer``: at that moment each of them, most recently admitted first,
  moves to the nearest other facility of the same service that serves the
  patient's municipality (in the scenario in force then) and has a free bed.
  The stay there is the rest of the stay drawn at admission (a new stay row
  admitted at the closing moment, requested then too, with the travel time
  to the new facility); the closed facility's row ends then. A patient for
  whom no bed is free stays (drains), and so does one who waits in the bed
  for another facility (utskrivningsklar): their stay is over.

The rule is the schedule entry's ``on_close``, else the facility's (of the
state in force at the moment). The patient's process is not interrupted: it
still ends the stay at the time drawn, then leaves the bed it holds then. A patient holds
the number of its stay's row: a transfer ends that row and gives the patient the new one.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.model.records import Stay

# The engine builds a Closing and imports this module: its types are named here without
# importing them back (no import cycle).
Model = Any  # simulator.model.engine.Model
Patient = Any  # simulator.model.placement.Patient

__all__ = ["Closing", "uses_transfer"]

_FACILITY, _ADMITTED, _LEFT, _LOS = (
    int(Stay.FACILITY),
    int(Stay.ADMITTED),
    int(Stay.LEFT),
    int(Stay.LOS),
)


def uses_transfer(model: Model) -> bool:
    """Whether any facility (in any dated state) or schedule entry transfers on closing."""
    states = [model.scenario]
    if model.epochs is not None:
        states = list(model.epochs.states)
    return any(
        f.on_close == "transfer" or any(e.on_close == "transfer" for e in f.schedule)
        for state in states
        for f in state.facilities.values()
    )


class Closing:
    """Who is in each facility's beds, and their transfer when beds close."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.inside: list[dict[int, Patient]] = [{} for _ in model.fids]
        self.transferred = 0

    def hold(self, code: int, patient: Patient) -> None:
        """``patient`` took a bed in facility ``code``."""
        self.inside[code][patient.episode] = patient

    def cut(self, code: int, rule: str | None) -> None:
        """Beds of facility ``code`` were just cut; apply ``rule`` (None: the facility's)."""
        model = self.model
        t = model.env.now
        state = model.scenario if model.epochs is None else model.epochs.state_at(t)
        fid = model.fids[code]
        if (rule or state.facilities[fid].on_close) != "transfer":
            return
        pool = model.pools[code]
        here = self.inside[code]
        stays = model.stays
        # Only patients still in their stay here (not blocked, not gone) can move.
        movable = []
        for episode, patient in list(here.items()):
            row = patient.held
            if (
                row < 0
                or int(stays.get(row, _FACILITY)) != code
                or not math.isnan(stays.get(row, _LEFT))
            ):
                del here[episode]
                continue
            if stays.get(row, _ADMITTED) + stays.get(row, _LOS) > t:
                movable.append(patient)
        movable.sort(key=lambda p: -stays.get(p.held, _ADMITTED))
        excess = pool.occupied - pool.capacity
        for patient in movable[: max(excess, 0)]:
            self._move(patient, code, state)

    def _move(self, patient: Patient, code: int, state: object) -> None:
        model = self.model
        t = model.env.now
        stays = model.stays
        row = patient.held
        assert row >= 0
        scenario = model.scenario if model.epochs is None else model.epochs.state_at(t)
        mid = model.mids[patient.m]
        service = scenario.facilities[model.fids[code]].service
        travel = scenario.municipalities[mid].travel_minutes
        options = sorted(
            (travel.get(fid, 0.0), i)
            for i, (fid, f) in enumerate(scenario.facilities.items())
            if i != code and f.service == service and (f.serves is None or mid in f.serves)
        )
        target = next((i for _, i in options if model.pools[i].has_free_bed()), None)
        if target is None:
            return  # no free bed: the patient stays until discharged
        stay = [stays.get(row, column) for column in range(stays.width)]
        rest = stay[_ADMITTED] + stay[_LOS] - t
        stays.set(row, _LEFT, t)
        model.pools[code].release()
        moved = list(stay)
        moved[_FACILITY] = target
        moved[int(Stay.REQUESTED)] = t
        moved[_ADMITTED] = t
        moved[_LEFT] = math.nan
        moved[int(Stay.TRAVEL_MINUTES)] = travel.get(model.fids[target], 0.0)
        moved[int(Stay.OVERFLOW)] = 0.0
        moved[_LOS] = rest
        patient.held = stays.add(*moved)
        model.pools[target].take()
        patient.pool, patient.code = model.pools[target], target
        del self.inside[code][patient.episode]
        self.inside[target][patient.episode] = patient
        self.transferred += 1
