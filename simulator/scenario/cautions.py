"""Warnings about a valid scenario: values that are allowed but are probably not meant.

A warning does not stop a run; ``samsim validate`` and ``samsim run`` print
it. Each is a finding ``(key path, what is doubtful, value, hint)`` like those
of :mod:`simulator.scenario.checks`, so that the loader can name the file.

* A facility a municipality can reach without a ``travel_minutes`` entry
  counts as 0 minutes away: it comes first when beds of one service are
  pooled, its trips cost no minutes, and the municipality's mean travel time
  falls. Forgetting an entry must not make a unit look free.
* An empirical list holding zeros: a stay of 0 days, or decimal commas that
  YAML split into integers (``[2,0, 3,5]`` reads as ``[2, 0, 3, 5]``).
  Where the commas can still be seen, :mod:`simulator.scenario.yamlio` warns
  with the line.
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.scenario.findings import Finding
from simulator.scenario.schema import Empirical, Scenario

__all__ = ["scenario_warnings"]


def _reached(scenario: Scenario) -> tuple[set[str], set[str]]:
    """The services and the named facilities that some step asks for."""
    services: set[str] = set()
    named: set[str] = set()
    for group in scenario.groups.values():
        for step in group.steps.values():
            if step.service is not None:
                services.add(step.service)
            if step.facility is not None:
                named.add(step.facility)
    return services, named


def _travel(scenario: Scenario) -> Iterator[Finding]:
    services, named = _reached(scenario)
    for mid, municipality in scenario.municipalities.items():
        missing = [
            fid
            for fid, facility in scenario.facilities.items()
            if (facility.serves is None or mid in facility.serves)
            and (facility.service in services or fid in named)
            and fid not in municipality.travel_minutes
        ]
        if missing:
            listed = ", ".join(missing)
            yield (
                f"municipalities.{mid}.travel_minutes",
                f"no travel time to {listed}, which {'serve' if len(missing) > 1 else 'serves'} "
                f"{mid}; a missing entry counts as 0 minutes, so that facility comes first "
                "when beds are pooled and its trips cost no minutes",
                None,
                f"add the road minutes, e.g. {missing[0]}: 45",
            )


def _zeros(scenario: Scenario) -> Iterator[Finding]:
    for gid, group in scenario.groups.items():
        for sid, step in group.steps.items():
            for key, dist in (("los", step.los), ("delay", step.delay)):
                if not isinstance(dist, Empirical) or 0 not in dist.values:
                    continue
                zeros = dist.values.count(0)
                yield (
                    f"groups.{gid}.steps.{sid}.{key}.values",
                    f"{zeros} of {len(dist.values)} values are 0 days",
                    None,
                    "if decimals were written with commas ([2,0, 3,5] reads as 2, 0, 3, 5), "
                    "write 2.0, 3.5; give a short stay as a fraction of a day (6 hours is 0.25)",
                )


def scenario_warnings(scenario: Scenario) -> list[Finding]:
    """Every warning about a validated scenario (see the module)."""
    return [*_travel(scenario), *_zeros(scenario)]
