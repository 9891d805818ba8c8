"""The targets file: observed figures, the KPIs they correspond to, and the free values.

A targets file is YAML, read like a scenario file
(:func:`simulator.scenario.yamlio.read_document`: YAML 1.2, bounded) and
checked by pydantic models with ``extra="forbid"``; every problem names the
file, the key path and a fix. See ``docs/calibration.md`` for the format::

    scenario: baseline.yaml          # optional: the scenario, relative to this file
    targets:
      unit-occupancy:
        kpi: facility.unit.occupancy_mean
        observed: 20                 # or a range: [18, 22]; [null, 22]: at most 22
        tolerance: 5%                # absolute (0.5) or a share of the observed ("5%")
        source: Annual report 2024, table 3
      admissions-per-1000:
        kpi: 1000 * `facility.unit.admissions.per_year` / population
        observed: 1460
        tolerance: 10%
        source: Helseatlas
        fit: false                   # held out: reported, not fitted
    parameters:
      groups.g.rate_per_1000:        # a scenario path, as an override writes it
        bounds: [500, 3000]
        start: 1000                  # optional: else the analytic start, else the scenario's
      groups.h.rate_per_1000:        # a map (rates by age band): one factor on all of it
        bounds: [0.5, 2]
        scale: true

What the expressions say is read by :mod:`simulator.calibration.expressions`;
names are checked against the scenario here (:func:`check_against`) and
against the KPIs a run reports when the first run is done. The file's models
live in :mod:`simulator.calibration.targets_schema` and the values at
scenario paths in :mod:`simulator.calibration.scenario_paths`; both are
re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from simulator.calibration.expressions import (
    SCENARIO_PREFIX,
    SCENARIO_VALUES,
    Expression,
    ExpressionError,
    parse,
)
from simulator.calibration.scenario_paths import (
    numbers_at,
    scenario_number,
    scenario_value,
    value_at,
)
from simulator.calibration.targets_schema import (
    LoadedTargets,
    Parameter,
    Target,
    Targets,
    TargetsError,
)
from simulator.errors import Problem, ScenarioError, show_value
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import key_path
from simulator.scenario.yamlio import read_document
from simulator.text.suggest import suggest

__all__ = [
    "LoadedTargets",
    "Parameter",
    "Target",
    "Targets",
    "TargetsError",
    "check_against",
    "check_kpis",
    "is_targets_file",
    "load_targets",
    "numbers_at",
    "scenario_number",
    "scenario_value",
]

_PATH = re.compile(r"^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)+$")

_KNOWN = {
    "": list(Targets.model_fields),
    "targets": list(Target.model_fields),
    "parameters": list(Parameter.model_fields),
}


def _problems(error: ValidationError, source: str) -> list[Problem]:
    found = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        path = key_path(loc)
        kind = detail["type"]
        if kind == "extra_forbidden":
            top = str(loc[0]) if len(loc) > 2 else ""
            hint = suggest(str(loc[-1]), _KNOWN[top], known="known keys")
            found.append(Problem(source, path, "unknown key", hint=hint))
        elif kind == "missing":
            found.append(Problem(source, path, "required key is missing", hint=f"add '{loc[-1]}:'"))
        elif kind in ("dict_type", "model_type"):
            what = {
                "targets": "a map of target id to kpi, observed, tolerance and source",
                "parameters": "a map of scenario path to bounds",
            }.get(path)
            if what is None and len(loc) == 2:
                what = "a map with " + (
                    "kpi, observed, tolerance and source" if loc[0] == "targets" else "bounds"
                )
            what = what or "a map of keys"
            found.append(Problem(source, path, f"must be {what}", hint="see docs/calibration.md"))
        elif kind == "string_pattern_mismatch":
            found.append(
                Problem(
                    source,
                    path,
                    "a target id holds letters, digits, '-' and '_' only",
                    got=show_value(detail.get("input")),
                )
            )
        else:
            message = str(detail["msg"]).removeprefix("Value error, ")
            got = detail.get("input")
            shown = None if isinstance(got, dict | list) else show_value(got)
            # A union reports each member; keep the first message per path.
            if any(p.path == path for p in found):
                continue
            found.append(Problem(source, path, message, got=shown))
    return found


def is_targets_file(path: str | Path) -> bool:
    """Whether a YAML file holds a top-level ``targets:`` (which no scenario has)."""
    try:
        data = read_document(Path(path)).data
    except (ScenarioError, OSError):
        return False
    return isinstance(data, dict) and "targets" in data


def load_targets(path: str | Path) -> LoadedTargets:
    """Read and check a targets file (not yet against a scenario: :func:`check_against`).

    Raises
    ------
    TargetsError
        With every problem found, each naming the file and the key path.
    """
    path = Path(path)
    source = str(path)
    try:
        document = read_document(path)
    except ScenarioError as exc:
        raise TargetsError(exc.problems) from None
    data = document.data
    if not isinstance(data, dict) or "targets" not in data:
        raise TargetsError(
            [
                Problem(
                    source,
                    "",
                    "is not a targets file: it needs a top-level targets: map",
                    hint="see docs/calibration.md for the format",
                )
            ]
        )
    try:
        spec = Targets.model_validate(data)
    except ValidationError as exc:
        raise TargetsError(_problems(exc, source)) from None
    problems: list[Problem] = []
    expressions: dict[str, Expression] = {}
    for tid, target in spec.targets.items():
        try:
            expressions[tid] = parse(target.kpi)
        except ExpressionError as exc:
            problems.append(Problem(source, f"targets.{tid}.kpi", str(exc)))
        if not isinstance(target.observed, tuple) and target.tolerance is None:
            problems.append(
                Problem(
                    source,
                    f"targets.{tid}.tolerance",
                    "required for a single observed value",
                    hint="add e.g. 'tolerance: 5%' (a share) or 'tolerance: 0.5' (in the "
                    "KPI's units), or give observed as a range [low, high]",
                )
            )
    for name, parameter in spec.parameters.items():
        where = f"parameters.{name}"
        if not _PATH.match(name):
            problems.append(
                Problem(
                    source,
                    where,
                    "must be a scenario path with dots, as an override writes it",
                    hint="e.g. groups.kols.rate_per_1000",
                )
            )
        low, high = parameter.bounds
        if parameter.start is not None and not low <= parameter.start <= high:
            problems.append(
                Problem(
                    source,
                    f"{where}.start",
                    f"must lie within the bounds [{low}, {high}]",
                    got=show_value(parameter.start),
                )
            )
    if problems:
        raise TargetsError(problems)
    return LoadedTargets(path, spec, expressions)


def scenario_values(scenario: Scenario) -> dict[str, float]:
    """The bare names of :data:`SCENARIO_VALUES` for ``scenario``."""
    days = float(scenario.run.days)
    population = 0.0
    for municipality in scenario.municipalities.values():
        given = municipality.population  # a number, or a map of age band to number
        population += sum(given.values()) if isinstance(given, dict) else float(given)
    return {
        "population": population,
        "days": days,
        "years": days / 365,
    }


def check_against(loaded: LoadedTargets, scenario: Scenario) -> dict[str, float]:
    """Check the scenario paths of a targets file; the scenario values the expressions use.

    Raises
    ------
    TargetsError
        For a parameter path or a ``scenario.`` name that is not a number of the scenario.
    """
    source = str(loaded.path)
    data = scenario.model_dump(mode="python", exclude_none=True)
    problems: list[Problem] = []
    values = scenario_values(scenario)
    for name, parameter in loaded.spec.parameters.items():
        if parameter.scale:
            value, wrong = value_at(data, name)
            if not wrong and not numbers_at(value):
                wrong = "holds no number to scale (a number or a map of numbers is needed)"
        else:
            _, wrong = scenario_number(data, name)
        if wrong:
            problems.append(Problem(source, f"parameters.{name}", wrong))
    for tid, expression in loaded.expressions.items():
        for name in expression.scenario_names:
            if name in SCENARIO_VALUES:
                continue
            number, wrong = scenario_number(data, name.removeprefix(SCENARIO_PREFIX))
            if wrong:
                problems.append(Problem(source, f"targets.{tid}.kpi", f"`{name}`: {wrong}"))
            else:
                assert number is not None
                values[name] = number
    if problems:
        raise TargetsError(problems)
    return values


def check_kpis(loaded: LoadedTargets, reported: Sequence[str]) -> None:
    """Refuse a KPI name that a run of the scenario does not report (with did-you-mean).

    Raises
    ------
    TargetsError
        Naming the target, the KPI and the nearest reported KPI.
    """
    known = set(reported)
    problems = []
    for tid, expression in loaded.expressions.items():
        for name in expression.kpis:
            if name not in known:
                hint = suggest(name, reported, known="KPIs of this scenario")
                if not hint.startswith("did you"):
                    hint = "see the KPIs of a run of this scenario (its summary.csv)"
                problems.append(
                    Problem(str(loaded.path), f"targets.{tid}.kpi", f"no KPI '{name}'", hint=hint)
                )
    if problems:
        raise TargetsError(problems)
