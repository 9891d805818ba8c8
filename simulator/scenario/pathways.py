"""A group's pathway as one municipality's patients of one age band meet it.

A group may override its ``rate_per_1000``, ``entry`` and any step's ``next``
per municipality (``groups.<g>.municipalities.<m>``), and its ``entry`` and
any step's ``los``, ``next`` and ``costs`` per age band (``groups.<g>.bands.<b>``).
:func:`pathway` merges them into an ordinary :class:`~simulator.scenario.schema.Group`
-- the band's values first, then the municipality's, so where both give a
step's ``next`` or the ``entry``, the municipality's wins (where a patient is
sent is decided by how the municipality organises care). Validation checks
each merged pathway like a group of its own, and the model compiles each
distinct one once: a run that uses neither key sees the group unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulator.scenario.capacity_checks import divert_targets, limit_targets
from simulator.scenario.schema import NO_BED, Group, Scenario, Step

__all__ = [
    "band_ids",
    "candidates_exist",
    "demand_group",
    "has_no_bed_step",
    "pathway",
    "reachable_steps",
    "variants",
]


def band_ids(scenario: Scenario, gid: str) -> tuple[str, ...] | None:
    """The age bands a group's patients carry, or None when they carry none.

    Patients carry a band when the group has a ``bands`` key; the bands are
    those of the municipalities' populations (validation makes them agree).
    """
    group = scenario.groups[gid]
    if group.bands is None:
        return None
    for municipality in scenario.municipalities.values():
        if isinstance(municipality.population, dict):
            return tuple(sorted(municipality.population))
    return ()


def demand_group(group: Group, mid: str, bands: tuple[str, ...] | None = None) -> Group:
    """``group`` with the rate of municipality ``mid``; given ``bands``, a rate by band."""
    rate: Any = group.rate_per_1000
    override = group.municipalities.get(mid)
    if override is not None and override.rate_per_1000 is not None:
        rate = override.rate_per_1000
    if bands and not isinstance(rate, dict):
        rate = dict.fromkeys(bands, rate)
    if rate is group.rate_per_1000:
        return group
    return Group.model_validate({**dict(group), "rate_per_1000": rate})


def pathway(group: Group, mid: str | None, band: str | None) -> Group:
    """The merged pathway of municipality ``mid`` and age ``band`` (None: no override)."""
    by_m = group.municipalities.get(mid) if mid is not None else None
    by_b = (group.bands or {}).get(band) if band is not None else None
    if (by_m is None or (by_m.entry is None and not by_m.steps)) and (
        by_b is None or (by_b.entry is None and not by_b.steps)
    ):
        return group
    entry = group.entry
    steps: dict[str, Step] = dict(group.steps)
    if by_b is not None:
        entry = by_b.entry if by_b.entry is not None else entry
        for sid, values in by_b.steps.items():
            if sid in steps:
                given = {k: v for k, v in dict(values).items() if v is not None}
                steps[sid] = Step.model_validate({**dict(steps[sid]), **given})
    if by_m is not None:
        entry = by_m.entry if by_m.entry is not None else entry
        for sid, route in by_m.steps.items():
            if sid in steps:
                steps[sid] = Step.model_validate({**dict(steps[sid]), "next": route.next})
    return Group.model_validate(
        {**dict(group), "entry": entry, "steps": steps, "municipalities": {}, "bands": None}
    )


def variants(scenario: Scenario, gid: str) -> Iterator[tuple[str | None, str | None, Group]]:
    """Every merged pathway that differs from the group's own: (municipality, band, pathway).

    Municipalities without an override of ``entry`` or ``next`` share the
    band's pathway, reported once with municipality None.
    """
    group = scenario.groups[gid]
    bands: list[str | None] = [None, *(group.bands or {})]
    mids: list[str | None] = [
        None,
        *(m for m, o in group.municipalities.items() if o.entry is not None or o.steps),
    ]
    for mid in mids:
        for band in bands:
            if mid is None and band is None:
                continue
            yield mid, band, pathway(group, mid, band)


def has_no_bed_step(group: Group) -> bool:
    """Whether some step of ``group`` needs no bed (``service: none``)."""
    return any(step.service == NO_BED for step in group.steps.values())


def reachable_steps(group: Group) -> list[str]:
    """Steps an episode of ``group`` can visit, in the order they are found."""
    seen: list[str] = []
    todo = [s for s in group.entry if s in group.steps]
    while todo:
        step_id = todo.pop(0)
        if step_id in seen:
            continue
        seen.append(step_id)
        step = group.steps[step_id]
        targets = [t for t, p in step.next.items() if p > 0 and t in group.steps]
        targets += [t for t, p in divert_targets(step).items() if p > 0 and t in group.steps]
        targets += [t for t in limit_targets(step) if t in group.steps]
        todo.extend(t for t in targets if t not in seen)
    return seen


def candidates_exist(scenario: Scenario, service: str, municipality: str) -> bool:
    """Whether some facility of ``service`` serves ``municipality``."""
    return any(
        f.service == service and (f.serves is None or municipality in f.serves)
        for f in scenario.facilities.values()
    )
