"""The scenario in force at simulated time ``t``: one compiled model per dated state.

A scenario with ``changes`` has several dated states
(:func:`simulator.scenario.changes.dated_states`), each a validated
scenario. :class:`Epochs` compiles each state once per replication -- its
pathways (candidates by catchment, routing, stays, rules when full), its
demand streams and its bed capacity -- and answers "which state is in force
now" by the calendar (:class:`~simulator.model.calendar.Calendar`): a state
dated ``d`` is in force from midnight starting ``d``, i.e. for ``t >=
calendar.time_of(d)``; a state dated on or before the start of the
simulation is in force from ``t = 0``.

What follows the state in force, and when:

* arrivals: in each state's window, at that state's rate (thinning at the
  state's own maximum over the window) and with its entry shares;
* a step: the bed search (candidates, ``when_full``) and the length of stay
  follow the state in force when the step starts; ``next`` follows the
  state in force when the stay ends. A patient in a bed keeps the length of
  stay drawn at admission;
* beds: a change of ``beds`` on a date opens that many beds from the date
  (as a schedule entry would); a changed ``schedule`` applies its entries
  from the state's date on (never evicting a patient, like a schedule);
* after the horizon (following waits), the state in force at the horizon.

Random streams: every state draws from the same named streams as the first
state (one generator per activity), so a change does not replay numbers
already used.
"""

from __future__ import annotations

import bisect
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulator.model.calendar import Calendar
from simulator.model.demand import DemandStream, demand_streams
from simulator.model.distributions import BufferedSampler
from simulator.model.pathways import Variants
from simulator.model.streams import stream
from simulator.scenario.changes import dated_states
from simulator.scenario.schema import Scenario

# The engine builds an Epochs and imports this module: the engine's types are named here
# without importing them back (no import cycle).
Model = Any  # simulator.model.engine.Model
CompiledStep = Any  # simulator.model.engine.CompiledStep

__all__ = ["Epochs", "capacity_steps"]


def capacity_steps(
    states: list[Scenario], starts: list[float], fid: str, calendar: Calendar
) -> list[tuple[float, int, str | None]]:
    """A facility's open beds over time: ``(time, beds, on_close)`` at 0 and at each change
    after it (``on_close`` of the schedule entry; None for the facility's own rule).

    A change of ``beds`` on a date counts as a schedule entry on that date: in
    each state's window the beds open are those of the latest of its
    ``schedule`` entries and the ``beds`` changes up to then (the change
    winning on the same day), or its ``beds`` before both.
    """
    points: list[tuple[float, int, str | None]] = []
    # (time, order, beds, on_close): beds set by a change (order 1) or a schedule entry (0)
    changed: list[tuple[float, int, int, str | None]] = []
    for k, state in enumerate(states):
        t0 = starts[k]
        t1 = starts[k + 1] if k + 1 < len(states) else float("inf")
        facility = state.facilities[fid]
        if k > 0 and facility.beds != states[k - 1].facilities[fid].beds:
            changed.append((t0, 1, facility.beds, None))
        entries = sorted(
            [(calendar.time_of(e.date), 0, e.beds, e.on_close) for e in facility.schedule]
            + changed,
            key=lambda entry: entry[:3],
        )
        beds, rule = facility.beds, None
        for t, _, value, on_close in entries:
            if t <= t0:
                beds, rule = value, on_close
        points.append((t0, beds, rule))
        points.extend((t, value, on_close) for t, _, value, on_close in entries if t0 < t < t1)
    steps: list[tuple[float, int, str | None]] = []
    for t, beds, rule in points:
        if not steps or steps[-1][1] != beds:
            steps.append((t, beds, rule))
    return steps


class Epochs:
    """The dated states of a scenario, compiled for one replication of a :class:`Model`."""

    def __init__(self, model: Model, scenario: Scenario) -> None:
        calendar = model.calendar
        dated = dated_states(scenario)
        # States in force from t = 0 on: the last dated on or before the start, then the rest.
        times = [0.0 if s.date is None else calendar.time_of(s.date) for s in dated]
        first = max(k for k, t in enumerate(times) if t <= 0)
        self.states = [s.scenario for s in dated[first:]]
        self.starts = [0.0, *times[first + 1 :]]
        self.calendar = calendar
        base = model.steps
        self.steps: list[list[list[CompiledStep]]] = []
        self.streams: list[list[DemandStream]] = []
        self.variants: list[Variants] = []  # by municipality and age band (model/pathways)
        previous: tuple[Any, list[list[CompiledStep]]] | None = None
        for state in self.states:
            key = _pathway_key(state)
            if previous is not None and previous[0] == key:
                compiled = previous[1]  # only demand, beds or prices changed: same pathways
            else:
                compiled = _compile_as(model, state)
                for g, group_steps in enumerate(compiled):
                    for compiled_step, base_step in zip(group_steps, base[g], strict=True):
                        _share_streams(compiled_step, base_step)
            previous = (key, compiled)
            self.steps.append(compiled)
            self.streams.append(demand_streams(state, calendar))
            self.variants.append(_variants_as(model, state, compiled, self.streams[-1]))
        self.priorities = [[g.priority for g in s.groups.values()] for s in self.states]

    def index_at(self, t: float) -> int:
        """The state in force at simulated time ``t``."""
        return bisect.bisect_right(self.starts, t) - 1

    def state_at(self, t: float) -> Scenario:
        """The scenario in force at ``t``."""
        return self.states[bisect.bisect_right(self.starts, t) - 1]

    def steps_at(self, t: float) -> list[list[CompiledStep]]:
        """The compiled pathways (by group, by step) in force at ``t``."""
        return self.steps[bisect.bisect_right(self.starts, t) - 1]

    def paths_at(self, t: float) -> list[list[list[list[CompiledStep]]]]:
        """The compiled pathways by group, municipality, age band and step in force at ``t``."""
        return self.variants[bisect.bisect_right(self.starts, t) - 1].paths

    def arrivals(self, model: Model) -> tuple[np.ndarray, ...]:
        """Every arrival of the run (the columns of ``Model.arrivals``), window by window."""
        seed, replication = model.seed, model.replication
        generators = [
            (
                stream(seed, replication, "arrivals", s.municipality, s.group),
                stream(seed, replication, "entry", s.municipality, s.group),
            )
            for s in self.streams[0]
        ]
        horizon = self.calendar.horizon
        parts: list[tuple[np.ndarray, ...]] = []
        for k in range(len(self.states)):
            t0 = self.starts[k]
            t1 = min(self.starts[k + 1], horizon) if k + 1 < len(self.states) else horizon
            if t1 <= t0 and parts:
                continue
            with _in_state(model, self.states[k], self.streams[k], self.variants[k]):
                parts.append(model.arrivals(generators, t0, max(t0, t1)))
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))

    def enter(self, model: Model, t: float) -> None:
        """Let ``model`` draw arrivals from the state in force at ``t`` (after the horizon)."""
        k = self.index_at(t)
        model.scenario = self.states[k]
        model.streams = self.streams[k]
        model.variants = self.variants[k]

    def start(self, model: Model) -> None:
        """Start the processes that open and close beds at each state and schedule date."""
        for code, fid in enumerate(model.fids):
            steps = capacity_steps(self.states, self.starts, fid, self.calendar)
            if len(steps) > 1 or steps[0][1] != model.pools[code].capacity:
                model.env.process(_capacity(model, code, steps))


def _capacity(
    model: Model, code: int, steps: list[tuple[float, int, str | None]]
) -> Generator[simpy.Event, Any, None]:
    env, pool = model.env, model.pools[code]
    for t, beds, rule in steps:
        if t > env.now:
            yield env.timeout(t - env.now)
        if beds != pool.capacity:
            pool.set_capacity(beds)
            if model.closing is not None:
                model.closing.cut(code, rule)


class _in_state:
    """Within the block, the model reads ``state`` and its demand streams."""

    def __init__(
        self, model: Model, state: Scenario, streams: list[DemandStream], variants: Variants
    ) -> None:
        self.model, self.state, self.streams, self.variants = model, state, streams, variants

    def __enter__(self) -> None:
        self.saved = (self.model.scenario, self.model.streams, self.model.variants)
        self.model.scenario, self.model.streams = self.state, self.streams
        self.model.variants = self.variants

    def __exit__(self, *exc: object) -> None:
        self.model.scenario, self.model.streams, self.model.variants = self.saved


def _variants_as(
    model: Model, state: Scenario, compiled: list[list[CompiledStep]], streams: list[DemandStream]
) -> Variants:
    """The pathways by municipality and age band of ``state`` (model/pathways), drawing
    from the first state's generators."""
    saved = (model.scenario, model.steps, model.streams)
    try:
        model.scenario, model.steps, model.streams = state, compiled, streams
        return Variants(model, model.variants.router, first=model.variants)
    finally:
        model.scenario, model.steps, model.streams = saved


_DEMAND_KEYS = ("rate_per_1000", "seasonality", "weekday", "name")
_BED_KEYS = ("beds", "schedule", "costs", "on_close", "name")


def _pathway_key(state: Scenario) -> Any:
    """What the compiled pathways depend on: a state equal in it reuses the last compile."""
    groups = {
        gid: {k: v for k, v in g.model_dump().items() if k not in _DEMAND_KEYS}
        for gid, g in state.groups.items()
    }
    facilities = {
        fid: {k: v for k, v in f.model_dump().items() if k not in _BED_KEYS}
        for fid, f in state.facilities.items()
    }
    travel = {mid: m.travel_minutes for mid, m in state.municipalities.items()}
    return groups, facilities, travel


def _compile_as(model: Model, state: Scenario) -> list[list[CompiledStep]]:
    """The model's pathways compiled from ``state`` (pools shared with the model)."""
    saved = (model.scenario, model._candidate_cache, model._serves)
    try:
        model.scenario = state
        model._candidate_cache = {}
        model._serves = [
            None if f.serves is None else frozenset(f.serves) for f in state.facilities.values()
        ]
        return [model._compile_group(gid) for gid in model.gids]
    finally:
        model.scenario, model._candidate_cache, model._serves = saved


def _share(compiled: Any, base: Any) -> Any:
    """A sampler drawing from ``base``'s generator: ``base`` itself when the spec is the same."""
    if not (isinstance(compiled, BufferedSampler) and isinstance(base, BufferedSampler)):
        return compiled
    if compiled._dist == base._dist:
        return base
    return BufferedSampler(base._rng, compiled._dist)


def _share_streams(compiled: CompiledStep, base: CompiledStep) -> None:
    """Point a later state's step at the first state's generators (no replayed numbers)."""
    compiled.route._uniform = base.route._uniform
    if compiled.divert is not None and base.divert is not None:  # a diversion map
        compiled.divert._uniform = base.divert._uniform
    compiled.los = _share(compiled.los, base.los)
    if compiled.delay is not None and base.delay is not None:
        compiled.delay = _share(compiled.delay, base.delay)
