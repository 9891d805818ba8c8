"""Changes on a date: the dated states of a scenario.

A scenario's ``changes`` is a list of ``{date, set: {dotted.path: value}}``
(the paths of ``--set``, merged by the same rules: maps key by key, lists and
scalars replace, ``null`` removes a key), applied in date order; two changes
on one date apply in file order. With ``until`` the numbers in ``set`` ramp
linearly from the value in force the day before ``date`` to the given value,
reached on ``until``: the ramp is a sequence of states, one from ``date`` and
one from the first of each month after it, each holding the ramp's value at
the middle of its step (the mean of the linear ramp over the step, so totals
such as expected episodes equal those of the linear ramp), and the final
value from ``until``. Maps of numbers (``entry``, ``next``) ramp key by key,
a key missing on one side counting 0, so probabilities keep summing to 1.
Integer keys (beds) are rounded.

:func:`dated_states` turns the scenario into its states: each a frozen,
validated :class:`~simulator.scenario.schema.Scenario` without ``changes``,
with the date it applies from. Every state is validated like a file; a
problem names the change (``changes[2].set.facilities.x.serves``), the date
of the state and the key that is wrong in it. A change may not add or remove
a municipality, facility, group or step, and may not change ``run`` or the
names: the model keeps one set of ids for the whole run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulator.errors import Problem, ScenarioError, show_value
from simulator.scenario.provenance import deep_merge
from simulator.scenario.schema import Change, Scenario
from simulator.text.suggest import suggest

__all__ = ["CHANGEABLE", "MAX_STATES", "DatedState", "dated_states", "ramp_dates"]

CHANGEABLE = ("municipalities", "facilities", "groups", "costs")
"""The top-level sections a change may set keys in."""
MAX_STATES = 1_200
"""Most dated states of one scenario: monthly steps for 100 years."""
_ID_SECTIONS = ("municipalities", "facilities", "groups")


@dataclass(frozen=True)
class DatedState:
    """The scenario in force from ``date`` on (``None``: from the start of the run)."""

    date: dt.date | None
    scenario: Scenario


def ramp_dates(start: dt.date, until: dt.date) -> list[dt.date]:
    """The first day of each step of a ramp: ``start``, each 1st of a month after it, ``until``."""
    dates = [start]
    month = dt.date(start.year, start.month, 1)
    while True:
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month >= until:
            break
        dates.append(month)
    dates.append(until)
    return dates


def _get(data: Mapping[str, Any], parts: list[str]) -> Any:
    current: Any = data
    for part in parts:
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _patch(parts: list[str], value: Any) -> dict[str, Any]:
    patch: Any = value
    for part in reversed(parts):
        patch = {part: patch}
    result: dict[str, Any] = patch
    return result


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _interpolate(old: Any, new: Any, fraction: float) -> Any:
    """``old`` moved ``fraction`` of the way to ``new``: numbers, or maps of numbers."""
    if _is_number(old) and _is_number(new):
        value = old + (new - old) * fraction
        if isinstance(old, int) and isinstance(new, int):
            return round(value)
        return float(value)
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = list(dict.fromkeys([*old, *new]))
        return {k: _interpolate(old.get(k, 0.0), new.get(k, 0.0), fraction) for k in keys}
    raise TypeError


@dataclass(frozen=True)
class _Event:
    date: dt.date
    order: int  # change index, then position within a ramp
    change: int
    path: str
    value: Callable[[Mapping[str, Any]], Any]


def _constant(value: Any) -> Callable[[Mapping[str, Any]], Any]:
    def constant(_data: Mapping[str, Any]) -> Any:
        return value

    return constant


def _at_fraction(
    ramp: Callable[[Mapping[str, Any], float], Any], fraction: float
) -> Callable[[Mapping[str, Any]], Any]:
    def value(data: Mapping[str, Any]) -> Any:
        return ramp(data, fraction)

    return value


def _events(changes: list[Change]) -> list[_Event]:
    events: list[_Event] = []
    for i, change in enumerate(changes):
        for path, new in change.set.items():
            if change.until is None:
                events.append(_Event(change.date, i, i, path, _constant(new)))
                continue
            dates = ramp_dates(change.date, change.until)
            span = float((change.until - change.date).days)
            start: dict[str, Any] = {}

            def value(
                data: Mapping[str, Any],
                fraction: float,
                new: Any = new,
                path: str = path,
                start: dict[str, Any] = start,
            ) -> Any:
                if "old" not in start:  # the value in force the day before the ramp
                    start["old"] = _get(data, path.split("."))
                return _interpolate(start["old"], new, fraction)

            for k, first in enumerate(dates):
                if k + 1 < len(dates):
                    middle = (first - change.date).days + (dates[k + 1] - first).days / 2
                    fraction = middle / span
                else:
                    fraction = 1.0
                events.append(_Event(first, i, i, path, _at_fraction(value, fraction)))
    return sorted(events, key=lambda e: (e.date, e.order))


def _structure(data: Mapping[str, Any]) -> dict[str, Any]:
    """The ids a state has: municipalities, facilities, groups and each group's steps."""
    found: dict[str, Any] = {}
    for section in _ID_SECTIONS:
        items = data.get(section) or {}
        found[section] = sorted(items)
    groups = data.get("groups") or {}
    found["steps"] = {
        g: sorted((v or {}).get("steps") or {}) for g, v in groups.items() if isinstance(v, dict)
    }
    return found


def _where(i: int, path: str) -> str:
    return f"changes[{i}].set.{path}"


def _path_problem(source: str, i: int, path: str, data: Mapping[str, Any]) -> Problem | None:
    """A set path that cannot apply: outside the changeable sections, or through a missing key."""
    parts = path.split(".")
    if not all(parts):
        return Problem(source, _where(i, path), "the key path has an empty part")
    if parts[0] not in CHANGEABLE:
        return Problem(
            source,
            _where(i, path),
            f"a change may set keys under {', '.join(CHANGEABLE)} only",
            hint=suggest(parts[0], list(CHANGEABLE), known="sections"),
        )
    current: Any = data
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(current, Mapping) or part not in current:
            known = [str(k) for k in current] if isinstance(current, Mapping) else []
            where = ".".join(parts[:depth]) or "the scenario"
            return Problem(
                source,
                _where(i, path),
                f"{where} has no key '{part}' on the date of the change",
                hint=suggest(part, known, known="keys"),
            )
        current = current[part]
    return None


def _base_data(scenario: Scenario) -> dict[str, Any]:
    data = scenario.model_dump(mode="python", exclude_none=True)
    data.pop("changes", None)
    return data


_CACHE: dict[int, tuple[Scenario, tuple[DatedState, ...]]] = {}


Validate = Callable[..., Scenario]
"""``simulator.scenario.validation.validate``: (data, source=, origins=) -> Scenario."""


def dated_states(
    scenario: Scenario,
    source: str = "<scenario>",
    origins: Any = None,
    validate: Validate | None = None,
) -> tuple[DatedState, ...]:
    """The scenario's states in date order, the first (date ``None``) before any change.

    A scenario without changes has one state: itself. Results are cached per
    scenario object, so each replication of a run reuses them. ``validate``
    checks each state like a file (validation passes its own function; this
    module does not import it back); without it, as when the model rebuilds
    the states of a scenario validated before, each state is checked against
    the schema only.

    Raises
    ------
    ScenarioError
        A change that cannot apply, or a state that is not a valid scenario:
        each problem names the change, the date and the key.
    """
    if not scenario.changes:
        return (DatedState(None, scenario),)
    cached = _CACHE.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    states = _build(scenario, source, origins, validate or _schema_only)
    if len(_CACHE) >= 16:
        _CACHE.clear()
    _CACHE[id(scenario)] = (scenario, states)
    return states


def _schema_only(data: Mapping[str, Any], source: str = "", origins: Any = None) -> Scenario:
    """A state checked against the schema only (its scenario was validated whole before)."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(
            [
                Problem(
                    source,
                    "changes",
                    f"a dated state breaks {exc.error_count()} rule(s) of the schema",
                    hint="validate the scenario: each problem is then named",
                )
            ]
        ) from None


def _build(
    scenario: Scenario, source: str, origins: Any, validate: Validate
) -> tuple[DatedState, ...]:
    data = _base_data(scenario)
    problems: list[Problem] = []
    for i, change in enumerate(scenario.changes):
        if change.until is not None and change.until <= change.date:
            problems.append(
                Problem(
                    source,
                    f"changes[{i}].until",
                    "must be after date",
                    show_value(change.until.isoformat()),
                    f"a ramp runs from date ({change.date}) to a later until",
                )
            )
    if problems:
        raise ScenarioError(problems)
    events = _events(list(scenario.changes))
    dates = sorted({e.date for e in events})
    if len(dates) + 1 > MAX_STATES:
        raise ScenarioError(
            [
                Problem(
                    source,
                    "changes",
                    f"give {len(dates) + 1} dated states; at most {MAX_STATES} are accepted",
                    hint="shorten the ramps (each month of a ramp is one state)",
                )
            ]
        )
    structure = _structure(data)
    states = [DatedState(None, scenario.model_copy(update={"changes": []}))]
    for date in dates:
        applied = [e for e in events if e.date == date]
        for event in applied:
            parts = event.path.split(".")
            problem = _path_problem(source, event.change, event.path, data)
            if problem is not None:
                raise ScenarioError([problem])
            try:
                value = event.value(data)
            except TypeError:
                raise ScenarioError(
                    [
                        Problem(
                            source,
                            _where(event.change, event.path),
                            "a ramp (until) changes numbers, or maps of numbers, only",
                            show_value(_get(data, parts)),
                            "set other values on a date, without until",
                        )
                    ]
                ) from None
            data = deep_merge(data, _patch(parts, value))
        if _structure(data) != structure:
            raise ScenarioError(
                [
                    Problem(
                        source,
                        _where(applied[-1].change, applied[-1].path),
                        f"on {date} the change adds or removes a municipality, facility, group "
                        "or step; a change may only change their values",
                        hint="add the entry to the scenario and give it no beds, demand or "
                        "share until the date",
                    )
                ]
            )
        try:
            state = validate(data, source=source, origins=origins)
        except ScenarioError as exc:
            raise ScenarioError([_dated(p, date, applied, source) for p in exc.problems]) from None
        states.append(DatedState(date, state))
    return tuple(states)


def _dated(problem: Problem, date: dt.date, applied: list[_Event], source: str) -> Problem:
    """A problem of the state from ``date``, told as a problem of the change that made it."""
    related = [
        e
        for e in applied
        if problem.path.startswith(e.path) or e.path.startswith(problem.path.split("[")[0])
    ]
    event = (related or applied)[-1]
    return Problem(
        source,
        _where(event.change, event.path),
        f"from {date.isoformat()}, {problem.path or 'the scenario'}: {problem.message}",
        problem.got,
        problem.hint,
    )
