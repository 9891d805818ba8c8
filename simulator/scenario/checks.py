"""Cross-field rules of a scenario that types alone cannot express.

Each rule returns findings as ``(key path, what is wrong, value, hint)`` so
that :mod:`simulator.scenario.validation` can report every one of them with the file
name. The rules follow ``shared/scenario-format.md``: probabilities sum to 1,
references exist, every service a pathway asks for is offered to every
municipality, ``wait_in: previous_bed`` is never where an episode starts,
no chain of ``divert_to`` can loop for ever, no step takes a terminal's name,
stays last at least a minute on average, and every simulated day is a date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from simulator.errors import show_value
from simulator.scenario.capacity_checks import capacity_rules
from simulator.scenario.findings import Finding, sum_to_one, unknown_id
from simulator.scenario.pathway_checks import pathway_rules
from simulator.scenario.pathways import candidates_exist, reachable_steps
from simulator.scenario.schema import (
    MIN_STAY_DAYS,
    NO_BED,
    TERMINALS,
    Distribution,
    DivertTo,
    Empirical,
    Group,
    Scenario,
)

__all__ = ["check", "reachable_steps", "candidates_exist"]


def _references(s: Scenario) -> Iterator[Finding]:
    municipalities = list(s.municipalities)
    facilities = list(s.facilities)
    for fid, facility in s.facilities.items():
        for i, mid in enumerate(facility.serves or []):
            if mid not in s.municipalities:
                yield unknown_id(
                    f"facilities.{fid}.serves[{i}]", "municipality", mid, municipalities
                )
    for mid, municipality in s.municipalities.items():
        for fid in municipality.travel_minutes:
            if fid not in s.facilities:
                yield unknown_id(
                    f"municipalities.{mid}.travel_minutes.{fid}", "facility", fid, facilities
                )
    services = sorted({f.service for f in s.facilities.values()})
    for gid, group in s.groups.items():
        steps = list(group.steps)
        for sid in group.steps:
            if sid in TERMINALS:
                yield (
                    f"groups.{gid}.steps.{sid}",
                    f"'{sid}' is reserved: next: {{{sid}: p}} ends an episode",
                    show_value(sid),
                    "give the step another id, e.g. " + f"{sid}_stay",
                )
        for sid in group.entry:
            if sid not in group.steps:
                yield unknown_id(f"groups.{gid}.entry.{sid}", "step", sid, steps)
        for sid, step in group.steps.items():
            here = f"groups.{gid}.steps.{sid}"
            for target in step.next:
                if target not in group.steps and target not in TERMINALS:
                    yield unknown_id(
                        f"{here}.next.{target}",
                        "step (or home/death)",
                        target,
                        [*steps, *TERMINALS],
                    )
            if (
                isinstance(step.when_full, DivertTo)
                and isinstance(step.when_full.divert_to, str)
                and step.when_full.divert_to not in steps
            ):
                yield unknown_id(
                    f"{here}.when_full.divert_to", "step", step.when_full.divert_to, steps
                )
            if step.facility is not None and step.facility not in s.facilities:
                yield unknown_id(f"{here}.facility", "facility", step.facility, facilities)
            if step.service is not None and step.service not in (NO_BED, *services):
                _, _, got, hint = unknown_id(f"{here}.service", "", step.service, services)
                yield (f"{here}.service", "no facility gives this service", got, hint)


def _probabilities(s: Scenario) -> Iterator[Finding]:
    for gid, group in s.groups.items():
        yield from sum_to_one(f"groups.{gid}.entry", group.entry)
        for sid, step in group.steps.items():
            yield from sum_to_one(f"groups.{gid}.steps.{sid}.next", step.next)


def _pathways(s: Scenario) -> Iterator[Finding]:
    services = {f.service for f in s.facilities.values()}
    for gid, group in s.groups.items():
        entry = {sid for sid, p in group.entry.items() if p > 0}
        for sid, step in group.steps.items():
            here = f"groups.{gid}.steps.{sid}"
            if step.wait_in == "previous_bed" and sid in entry:
                yield (
                    f"{here}.wait_in",
                    "an episode can start in this step, so there is no previous bed to wait in",
                    "previous_bed",
                    "use wait_in: home, or start episodes in another step",
                )
            if step.wait_in == "previous_bed" and step.delay is not None:
                yield (
                    f"{here}.wait_in",
                    "a step with a delay starts at home, so there is no previous bed to wait in",
                    "previous_bed",
                    "remove the delay or use wait_in: home",
                )
        yield from _divert_loops(gid, group)
        yield from _endless(gid, group)
        for sid in reachable_steps(group):
            step = group.steps[sid]
            if step.service is None or step.service not in services:
                continue  # an unknown service is reported once, by _references
            for mid in s.municipalities:
                if not candidates_exist(s, step.service, mid):
                    yield (
                        f"groups.{gid}.steps.{sid}.service",
                        f"no facility of service '{step.service}' serves municipality '{mid}'",
                        show_value(step.service),
                        f"add {mid} to the serves list of a {step.service} facility, "
                        "or name a facility in this step",
                    )


def _divert_loops(gid: str, group: Group) -> Iterator[Finding]:
    reported: set[str] = set()
    for start in group.steps:
        chain = [start]
        current = group.steps[start].when_full
        while (
            isinstance(current, DivertTo)
            and isinstance(current.divert_to, str)
            and current.divert_to in group.steps
        ):
            target = current.divert_to
            if target in chain:
                loop = chain[chain.index(target) :]
                if not reported.intersection(loop):
                    reported.update(loop)
                    yield (
                        f"groups.{gid}.steps.{target}.when_full.divert_to",
                        "divert_to steps form a loop with no way out when all are full: "
                        + " -> ".join([*loop, target]),
                        None,
                        "let one step of the loop queue or overflow instead",
                    )
                break
            chain.append(target)
            current = group.steps[target].when_full


def _endless(gid: str, group: Group) -> Iterator[Finding]:
    """Every reachable step must lead to home or death with positive probability."""
    ends: set[str] = set()
    changed = True
    while changed:
        changed = False
        for sid, step in group.steps.items():
            if sid in ends:
                continue
            # An unknown target is reported by _references; counting it as an end
            # keeps one typo from being reported twice.
            if any(
                p > 0 and (t in TERMINALS or t in ends or t not in group.steps)
                for t, p in step.next.items()
            ):
                ends.add(sid)
                changed = True
    for sid in reachable_steps(group):
        if sid not in ends:
            yield (
                f"groups.{gid}.steps.{sid}.next",
                "episodes that reach this step can never end (no path to home or death)",
                None,
                "give home or death a probability somewhere after this step",
            )


def _mean(dist: Distribution) -> float:
    if isinstance(dist, Empirical):
        return sum(dist.values) / len(dist.values)
    return dist.mean


def _stays(s: Scenario) -> Iterator[Finding]:
    """A stay of a minute or less on average is a unit mistake, and lets time stand still."""
    for gid, group in s.groups.items():
        for sid, step in group.steps.items():
            mean = _mean(step.los)
            if mean < MIN_STAY_DAYS:
                key = "values" if isinstance(step.los, Empirical) else "mean"
                yield (
                    f"groups.{gid}.steps.{sid}.los.{key}",
                    "the mean length of stay must be at least one minute (1/1440 day)",
                    f"{mean:.3g} days",
                    "lengths of stay are in days: 2 hours is 0.0833",
                )


def _calendar(s: Scenario) -> Iterator[Finding]:
    """The simulated days, warm-up to the end of the period, must all be dates."""
    run = s.run
    if run.days < 1:
        yield (
            "run.days",
            "the collection period must be at least one day (results are kept by day)",
            show_value(run.days),
            "lengths are in days: a week is 7",
        )
    first = dt.date.min + dt.timedelta(days=1)
    last = dt.date.max - dt.timedelta(days=1)
    if (run.start_date - first).days < math.ceil(run.warmup_days):
        yield (
            "run.warmup_days",
            f"the warm-up would start before the year {first.year}",
            show_value(run.warmup_days),
            "shorten run.warmup_days or move run.start_date later",
        )
    if (last - run.start_date).days < math.ceil(run.days):
        yield (
            "run.days",
            f"the period would end after the year {last.year}",
            f"{show_value(run.days)} days from {run.start_date}",
            "shorten run.days or move run.start_date earlier",
        )


def _schedules(s: Scenario) -> Iterator[Finding]:
    for fid, facility in s.facilities.items():
        dates = [entry.date for entry in facility.schedule]
        for i in range(1, len(dates)):
            if dates[i] <= dates[i - 1]:
                yield (
                    f"facilities.{fid}.schedule[{i}].date",
                    "schedule dates must be in increasing order",
                    f"{dates[i]} after {dates[i - 1]}",
                    "sort the schedule by date, one entry per date",
                )


MAX_GROWTH_FACTOR = 1e6
"""The most compound growth may change a population between its count and the run."""


def _growth(s: Scenario, mid: str, growth: float, counted: int | None) -> Iterator[Finding]:
    """Growth compounded over the years between the count and the run must stay a number."""
    if growth == 0:
        return
    run = s.run
    since = counted or run.start_date.year
    start = run.start_date.year + (run.start_date.timetuple().tm_yday - 1) / 365.25
    ends = (start - run.warmup_days / 365.25, start + run.days / 365.25)
    year = max(ends, key=lambda y: abs(math.log1p(growth) * (y - since)))
    exponent = math.log1p(growth) * (year - since)
    if abs(exponent) > math.log(MAX_GROWTH_FACTOR):
        factor = f"{math.exp(exponent):.3g}" if exponent < 700 else "more than 1e300"
        yield (
            f"municipalities.{mid}.growth_per_year",
            f"compounded from {since} to {year:.0f} it multiplies the population by {factor}, "
            f"more than {MAX_GROWTH_FACTOR:.0e}-fold",
            show_value(growth),
            "growth is per year (0.003 is +0.3 %); check it and population_year",
        )


def _demography(s: Scenario) -> Iterator[Finding]:
    for mid, m in s.municipalities.items():
        here = f"municipalities.{mid}"
        yield from _growth(s, mid, m.growth_per_year, m.population_year)
        if m.projection is not None and m.growth_per_year != 0:
            yield (
                f"{here}.projection",
                "give either growth_per_year or projection, not both",
                None,
                "remove one of them",
            )
        shape = sorted(m.population) if isinstance(m.population, dict) else None
        for year, value in (m.projection or {}).items():
            other = sorted(value) if isinstance(value, dict) else None
            if other != shape:
                yield (
                    f"{here}.projection.{year}",
                    "must have the same shape as population (a number, or the same age bands)",
                    show_value(value),
                    None,
                )
    for gid, group in s.groups.items():
        if isinstance(group.rate_per_1000, dict):
            bands = sorted(group.rate_per_1000)
            for mid, m in s.municipalities.items():
                if not isinstance(m.population, dict):
                    yield (
                        f"groups.{gid}.rate_per_1000",
                        f"is given by age band, but municipality '{mid}' has a total population",
                        None,
                        f"give municipalities.{mid}.population by the bands " + ", ".join(bands),
                    )
                elif sorted(m.population) != bands:
                    yield (
                        f"groups.{gid}.rate_per_1000",
                        f"age bands differ from those of municipality '{mid}'",
                        ", ".join(bands),
                        "use the bands " + ", ".join(sorted(m.population)),
                    )
        if group.weekday is not None and sum(group.weekday) <= 0:
            yield (f"groups.{gid}.weekday", "at least one day must be above 0", None, None)


RULES = (
    _references,
    _probabilities,
    _pathways,
    _stays,
    _calendar,
    _schedules,
    _demography,
    pathway_rules,
    capacity_rules,
)


def check(scenario: Scenario) -> list[Finding]:
    """Every cross-field problem of ``scenario``, in file order of the rules."""
    found: list[Finding] = []
    for rule in RULES:
        found.extend(rule(scenario))
    return list(dict.fromkeys(found))
