"""A group's pathway compiled for one replication: candidates, rules, samplers, routers.

:class:`CompiledStep` is a step with everything resolved that does not
change during a run: per municipality the candidate facilities (nearest
first, with their bed pools and travel minutes) and the rule when all are
full; the samplers of ``los`` and ``delay``; the router of ``next``; the
diversion map, ``max_stay`` and ``max_wait``; and the step's own costs.
:class:`Building` is the part of :class:`~simulator.model.engine.Model`
that compiles them (the epochs compile each dated state with it too).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.model.beds import BedPool
from simulator.model.distributions import BufferedSampler
from simulator.model.pathways import step_costs
from simulator.model.routing import DIVERT_MAP, Router, target_code
from simulator.model.streams import stream
from simulator.scenario.schema import NO_BED, TERMINALS, DivertTo, Scenario

__all__ = ["DIVERT_OUT", "DIVERT_TO", "OVERFLOW", "QUEUE", "Building", "CompiledStep"]

QUEUE, OVERFLOW, DIVERT_OUT, DIVERT_TO = range(4)


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
    # Neither a delay nor a period without a bed: a free bed is taken at once, without a
    # generator (simulator.model.episode).
    direct: bool = field(init=False)

    def __post_init__(self) -> None:
        self.direct = self.delay is None and not self.no_bed


class Building:
    """Compiling a scenario's pathways for one replication (a part of the model)."""

    scenario: Scenario
    seed: int
    replication: int
    fids: tuple[str, ...]
    mids: tuple[str, ...]
    pools: list[BedPool]
    _candidate_cache: dict[tuple[str | None, str], list[int]]
    _services: tuple[Scenario | None, dict[str | None, list[tuple[int, str]]]]
    _serves: list[frozenset[str] | None]

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
            route = Router(
                [target_code(t, sids) for t in step.next],
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
        when_full = step.when_full
        if isinstance(when_full, DivertTo) and isinstance(when_full.divert_to, dict):
            rng = stream(self.seed, self.replication, "divert", gid, sid)
            targets = [target_code(t, sids) for t in when_full.divert_to]
            compiled["divert"] = Router(targets, list(when_full.divert_to.values()), rng)
        for key in ("max_stay", "max_wait"):
            limit = getattr(step, key)
            if limit is not None:
                compiled[key] = (limit.days, target_code(limit.then, sids))
        if step.max_stay is not None:
            compiled["stay_limit"] = step.max_stay.days
        return compiled

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
