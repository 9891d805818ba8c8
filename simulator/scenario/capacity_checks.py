"""Cross-field rules of shared facilities, diversion maps and limits on stays and waits.

The rules of :mod:`simulator.scenario.checks` for the keys that let a region
be written with its real hospitals and its KØHD rules:

* ``when_full: {divert_to: {target: p, ...}}``: every target is a step of the
  pathway, ``home`` or ``death``; the probabilities sum to 1; and from every
  step a patient turned away can leave the chain of diversions with positive
  probability (a chain that can only divert back into itself, with every bed
  full, would never end);
* ``max_stay`` / ``max_wait``: ``then`` is another step, ``home`` or
  ``death``;
* ``background`` and ``initial_occupancy``: the patients in beds at the start
  fit in the beds open at the start, and a background stay lasts at least a
  minute on average.

Findings have the shape of :data:`simulator.scenario.findings.Finding`.
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.errors import show_value
from simulator.scenario.findings import Finding, sum_to_one
from simulator.scenario.schema import (
    MIN_STAY_DAYS,
    TERMINALS,
    DivertTo,
    Empirical,
    Facility,
    Group,
    Scenario,
    Step,
)
from simulator.text.suggest import suggest

__all__ = ["capacity_rules", "divert_targets", "limit_targets"]


def divert_targets(step: Step) -> dict[str, float]:
    """Where a patient turned away from ``step`` may go, with probabilities ({} if nowhere)."""
    if not isinstance(step.when_full, DivertTo):
        return {}
    target = step.when_full.divert_to
    return {target: 1.0} if isinstance(target, str) else dict(target)


def limit_targets(step: Step) -> list[str]:
    """The ``then`` of the step's ``max_stay`` and ``max_wait``."""
    return [limit.then for limit in (step.max_stay, step.max_wait) if limit is not None]


def _mean(facility: Facility) -> float:
    assert facility.background is not None
    los = facility.background.los
    return sum(los.values) / len(los.values) if isinstance(los, Empirical) else los.mean


def _beds_at_start(s: Scenario, facility: Facility) -> int:
    """Beds open at simulated time 0 (a schedule entry at or before it applies), as the
    model opens them."""
    beds = facility.beds
    for entry in facility.schedule:
        if s.run.warmup_days + (entry.date - s.run.start_date).days <= 0:
            beds = entry.beds
    return beds


def _facilities(s: Scenario) -> Iterator[Finding]:
    for fid, facility in s.facilities.items():
        here = f"facilities.{fid}"
        background = facility.background
        if background is not None and _mean(facility) < MIN_STAY_DAYS:
            key = "values" if isinstance(background.los, Empirical) else "mean"
            yield (
                f"{here}.background.los.{key}",
                "the mean length of stay must be at least one minute (1/1440 day)",
                f"{_mean(facility):.3g} days",
                "lengths of stay are in days: 2 hours is 0.0833",
            )
        initial = facility.initial_occupancy.patients if facility.initial_occupancy else 0
        initial_background = background.initial_patients if background else 0
        if initial + initial_background > (beds := _beds_at_start(s, facility)):
            key = "initial_occupancy.patients" if initial else "background.initial_patients"
            yield (
                f"{here}.{key}",
                f"more patients in beds at the start than the {beds} beds open then",
                show_value(initial + initial_background),
                "give at most as many patients as beds (initial_occupancy.patients plus "
                "background.initial_patients)",
            )


def _targets(gid: str, group: Group) -> Iterator[Finding]:
    steps = list(group.steps)
    known = [*steps, *TERMINALS]
    for sid, step in group.steps.items():
        here = f"groups.{gid}.steps.{sid}"
        when_full = step.when_full
        if isinstance(when_full, DivertTo) and isinstance(when_full.divert_to, dict):
            path = f"{here}.when_full.divert_to"
            for target in when_full.divert_to:
                if target not in known:
                    yield (
                        f"{path}.{target}",
                        "no step (or home/death) with this id",
                        show_value(target),
                        suggest(target, known, known="known ids"),
                    )
            yield from sum_to_one(path, when_full.divert_to)
        for key, limit in (("max_stay", step.max_stay), ("max_wait", step.max_wait)):
            if limit is None:
                continue
            if limit.then not in known:
                yield (
                    f"{here}.{key}.then",
                    "no step (or home/death) with this id",
                    show_value(limit.then),
                    suggest(limit.then, known, known="known ids"),
                )
            elif limit.then == sid:
                yield (
                    f"{here}.{key}.then",
                    "a patient at the limit must move on to another step, home or death",
                    show_value(limit.then),
                    "name the step the patient goes to at the limit",
                )


def _map_loops(gid: str, group: Group) -> Iterator[Finding]:
    """Steps from which a patient turned away, with every bed full, can never stop diverting.

    A step lets the patient out when it does not divert to a step (queue,
    overflow, divert out of the model) or when some target with a positive
    probability is home, death, or a step that lets the patient out. Only
    groups with a diversion map are checked here; plain ``divert_to`` chains
    are checked by :mod:`simulator.scenario.checks`.
    """
    maps = [
        sid
        for sid, step in group.steps.items()
        if isinstance(step.when_full, DivertTo) and isinstance(step.when_full.divert_to, dict)
    ]
    if not maps:
        return
    out: set[str] = set()
    changed = True
    while changed:
        changed = False
        for sid, step in group.steps.items():
            if sid in out:
                continue
            targets = divert_targets(step)
            if not isinstance(step.when_full, DivertTo) or any(
                p > 0 and (t in TERMINALS or t in out or t not in group.steps)
                for t, p in targets.items()
            ):
                out.add(sid)
                changed = True
    for sid in maps:
        if sid not in out:
            yield (
                f"groups.{gid}.steps.{sid}.when_full.divert_to",
                "with every bed full, a patient diverted from here can only divert again, "
                "for ever: " + ", ".join(s for s in group.steps if s not in out),
                None,
                "give home a probability in the map, or let one step queue or overflow",
            )


def _pathways(s: Scenario) -> Iterator[Finding]:
    for gid, group in s.groups.items():
        yield from _targets(gid, group)
        yield from _map_loops(gid, group)


def capacity_rules(s: Scenario) -> Iterator[Finding]:
    """Every finding of this module, facilities first."""
    yield from _facilities(s)
    yield from _pathways(s)
