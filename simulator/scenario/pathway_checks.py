"""Cross-field rules of per-municipality and per-band pathways and steps without a bed.

Each merged pathway (:func:`simulator.scenario.pathways.variants`) is held to
the rules of a group of its own: ids that exist (with a did-you-mean),
probabilities that sum to one after overriding, and episodes that end with
probability 1. For a finite pathway the last is the same as every reachable
step having a path to home or death; it is proved with the expected visits
``(I - Q)^-1`` of :func:`simulator.scenario.limits.expected_steps`, which are
finite exactly then. So a loop of readmissions (hospital -> a period at home
-> hospital) is allowed while it has a way out.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from simulator.errors import show_value
from simulator.scenario.findings import Finding, sum_to_one, unknown_id
from simulator.scenario.limits import expected_steps
from simulator.scenario.pathways import band_ids, candidates_exist, reachable_steps, variants
from simulator.scenario.schema import NO_BED, TERMINALS, Group, Scenario

__all__ = ["pathway_rules"]


def _distribution(
    path: str, probabilities: Mapping[str, float], known: list[str], kind: str
) -> Iterator[Finding]:
    for target in probabilities:
        if target not in known:
            yield unknown_id(f"{path}.{target}", kind, target, known)
    yield from sum_to_one(path, probabilities)


def _no_bed_steps(s: Scenario) -> Iterator[Finding]:
    for fid, facility in s.facilities.items():
        if facility.service == NO_BED:
            yield (
                f"facilities.{fid}.service",
                f"'{NO_BED}' is reserved for steps without a bed",
                show_value(NO_BED),
                "give the service another name",
            )
    for gid, group in s.groups.items():
        for sid, step in group.steps.items():
            if step.service != NO_BED:
                continue
            here = f"groups.{gid}.steps.{sid}"
            if step.wait_in == "previous_bed":
                yield (
                    f"{here}.wait_in",
                    "a step without a bed starts at once: nobody waits for it",
                    "previous_bed",
                    "remove wait_in",
                )
            if step.when_full is not None:
                yield (
                    f"{here}.when_full",
                    "a step without a bed is never full",
                    show_value(step.when_full),
                    "remove when_full",
                )
            for key in ("max_stay", "max_wait"):
                if getattr(step, key, None) is not None:
                    yield (
                        f"{here}.{key}",
                        "a step without a bed has no stay or wait to limit: its los is the "
                        "length of the period",
                        None,
                        f"remove {key}, or shorten los",
                    )


def _overrides(s: Scenario, gid: str, group: Group) -> Iterator[Finding]:
    steps = list(group.steps)
    targets = [*steps, *TERMINALS]
    municipalities = list(s.municipalities)
    for mid, override in group.municipalities.items():
        here = f"groups.{gid}.municipalities.{mid}"
        if mid not in s.municipalities:
            yield unknown_id(here, "municipality", mid, municipalities)
            continue
        if override.entry is not None:
            yield from _distribution(f"{here}.entry", override.entry, steps, "step")
        for sid, route in override.steps.items():
            if sid not in group.steps:
                yield unknown_id(f"{here}.steps.{sid}", "step", sid, steps)
                continue
            yield from _distribution(
                f"{here}.steps.{sid}.next", route.next, targets, "step (or home/death)"
            )
        rate = override.rate_per_1000
        population = s.municipalities[mid].population
        if isinstance(rate, dict) and (
            not isinstance(population, dict) or sorted(population) != sorted(rate)
        ):
            yield (
                f"{here}.rate_per_1000",
                f"age bands differ from those of municipality '{mid}'",
                ", ".join(sorted(rate)),
                "give the rate by the bands of the population, or as a number",
            )
    if group.bands is None:
        return
    bands = list(band_ids(s, gid) or ())
    for mid, municipality in s.municipalities.items():
        population = municipality.population
        if not isinstance(population, dict) or sorted(population) != bands:
            yield (
                f"groups.{gid}.bands",
                f"patients carry an age band, but municipality '{mid}' has "
                + (
                    "a total population"
                    if not isinstance(population, dict)
                    else "other age bands than " + ", ".join(bands)
                ),
                None,
                f"give municipalities.{mid}.population by the same age bands everywhere",
            )
    for band, by_band in group.bands.items():
        here = f"groups.{gid}.bands.{band}"
        if band not in bands:
            yield unknown_id(here, "age band", band, bands)
            continue
        if by_band.entry is not None:
            yield from _distribution(f"{here}.entry", by_band.entry, steps, "step")
        for sid, values in by_band.steps.items():
            if sid not in group.steps:
                yield unknown_id(f"{here}.steps.{sid}", "step", sid, steps)
            elif values.next is not None:
                yield from _distribution(
                    f"{here}.steps.{sid}.next", values.next, targets, "step (or home/death)"
                )


def _endless_steps(group: Group) -> list[str]:
    """Reachable steps from which home or death cannot be reached."""
    ends: set[str] = set()
    changed = True
    while changed:
        changed = False
        for sid, step in group.steps.items():
            if sid not in ends and any(
                p > 0 and (t in TERMINALS or t in ends) for t, p in step.next.items()
            ):
                ends.add(sid)
                changed = True
    return [sid for sid in reachable_steps(group) if sid not in ends]


def _variants(s: Scenario, gid: str) -> Iterator[Finding]:
    for mid, band, merged in variants(s, gid):
        who = " and ".join(
            part
            for part in (
                f"municipality '{mid}'" if mid is not None else "",
                f"age band '{band}'" if band is not None else "",
            )
            if part
        )
        here = f"groups.{gid}.municipalities.{mid}" if mid is not None else f"groups.{gid}"
        if band is not None and mid is None:
            here = f"groups.{gid}.bands.{band}"
        visits = expected_steps(merged)
        if not all(math.isfinite(v) for v in visits.values()):
            stuck = _endless_steps(merged)
            yield (
                f"{here}.steps",
                f"for patients of {who}, episodes that reach "
                + ", ".join(stuck or sorted(merged.steps))
                + " can never end (no path to home or death): the loop would run for ever",
                None,
                "give home or death a probability in the loop",
            )
        entry = {sid for sid, p in merged.entry.items() if p > 0}
        for sid in sorted(entry):
            if merged.steps[sid].wait_in == "previous_bed":
                yield (
                    f"{here}.entry.{sid}",
                    f"for patients of {who}, an episode can start in this step, so there is "
                    "no previous bed to wait in",
                    None,
                    "use wait_in: home, or start episodes in another step",
                )
        if mid is None:
            continue
        for sid in reachable_steps(merged):
            service = merged.steps[sid].service
            if service is not None and service != NO_BED and not candidates_exist(s, service, mid):
                yield (
                    f"{here}.steps.{sid}",
                    f"no facility of service '{service}' serves municipality '{mid}'",
                    show_value(service),
                    f"add {mid} to the serves list of a {service} facility",
                )


def pathway_rules(s: Scenario) -> Iterator[Finding]:
    """Rules of ``groups.*.municipalities``, ``groups.*.bands`` and ``service: none``."""
    yield from _no_bed_steps(s)
    for gid, group in s.groups.items():
        found = list(_overrides(s, gid, group))
        yield from found
        if not found:
            yield from _variants(s, gid)
