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
      groups.g.rate_per_1000:        # a scenario path, as --set writes it
        bounds: [500, 3000]
        start: 1000                  # optional: else the analytic start, else the scenario's
      groups.h.rate_per_1000:        # a map (rates by age band): one factor on all of it
        bounds: [0.5, 2]
        scale: true

What the expressions say is read by :mod:`simulator.calibration.expressions`;
names are checked against the scenario here (:func:`check_against`) and
against the KPIs a run reports when the first run is done.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simulator.calibration.expressions import (
    SCENARIO_PREFIX,
    SCENARIO_VALUES,
    Expression,
    ExpressionError,
    parse,
)
from simulator.errors import Problem, ScenarioError, show_value
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import key_path
from simulator.scenario.yamlio import read_document
from simulator.text.suggest import suggest

__all__ = [
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

_ID = r"^[A-Za-z0-9_-]+$"
_PATH = re.compile(r"^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)+$")
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*%\s*$")


class TargetsError(ScenarioError):
    """A targets file that cannot be read or does not fit its scenario."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Target(_Model):
    """One observed figure and the KPI expression it corresponds to."""

    kpi: str = Field(description="The KPI, or an expression of + - * / over KPI names")
    observed: float | tuple[float | None, float | None] = Field(
        description="The observed value, or a range [low, high]; null for an open end "
        "([null, 3.6]: at most 3.6)"
    )
    tolerance: float | str | None = Field(
        default=None,
        description="How far the simulated mean may be from the observed value (or range): "
        "a number in the KPI's units, or a share of the observed value such as '5%'. "
        "Required for a single value; 0 for a range unless given.",
    )
    source: str = Field(min_length=1, description="Where the observed figure comes from")
    fit: bool = Field(default=True, description="False: held out, reported but not fitted")
    weight: float = Field(default=1.0, gt=0, description="Weight in the fit")

    @field_validator("observed")
    @classmethod
    def _range(
        cls, value: float | tuple[float | None, float | None]
    ) -> float | tuple[float | None, float | None]:
        low, high = value if isinstance(value, tuple) else (value, value)
        if low is None and high is None:
            raise ValueError("a range needs at least one end, e.g. [null, 3.6] for at most 3.6")
        if any(end is not None and not math.isfinite(end) for end in (low, high)):
            raise ValueError("must be a finite number or a range [low, high]")
        if low is not None and high is not None and low > high:
            raise ValueError(f"the range must be [low, high] with low <= high, got [{low}, {high}]")
        return value

    @field_validator("tolerance")
    @classmethod
    def _tolerance(cls, value: float | str | None) -> float | str | None:
        if isinstance(value, str) and not _PERCENT.match(value):
            raise ValueError(f"must be a number or a share such as '5%', got {value!r}")
        if isinstance(value, float | int) and not (math.isfinite(value) and value >= 0):
            raise ValueError(f"must be a number >= 0, got {value}")
        return value

    @property
    def low(self) -> float:
        """The observed value, or the low end of its range (-inf when open)."""
        end = self.observed[0] if isinstance(self.observed, tuple) else self.observed
        return -math.inf if end is None else float(end)

    @property
    def high(self) -> float:
        """The observed value, or the high end of its range (inf when open)."""
        end = self.observed[1] if isinstance(self.observed, tuple) else self.observed
        return math.inf if end is None else float(end)

    @property
    def middle(self) -> float:
        """The observed value, the middle of its range, or the closed end of an open range."""
        if math.isinf(self.low):
            return self.high
        if math.isinf(self.high):
            return self.low
        return (self.low + self.high) / 2

    def observed_text(self) -> str:
        """The observed value or range in words: ``20``, ``0.8–0.9``, ``≤ 3.6``, ``≥ 2``."""
        if math.isinf(self.low):
            return f"≤ {self.high:g}"
        if math.isinf(self.high):
            return f"≥ {self.low:g}"
        return f"{self.low:g}–{self.high:g}" if self.low != self.high else f"{self.low:g}"

    def tolerance_value(self) -> float:
        """The tolerance in the KPI's units (a share is of the observed value or mid-range)."""
        if self.tolerance is None:
            return 0.0
        if isinstance(self.tolerance, str):
            match = _PERCENT.match(self.tolerance)
            assert match is not None  # checked by the validator
            return float(match.group(1)) / 100 * abs(self.middle)
        return float(self.tolerance)

    def inside(self, simulated: float) -> bool:
        """Whether a simulated value is within the tolerance of the observed value or range."""
        tol = self.tolerance_value()
        return bool(self.low - tol <= simulated <= self.high + tol)

    def error(self, simulated: float) -> float:
        """How far outside the observed range a value is, relative to the observed scale.

        0 inside the range (or at the value); nan for a nan value. The scale is the
        observed value's size, or the tolerance where the observed value is 0.
        """
        if simulated != simulated:
            return math.nan
        gap = max(self.low - simulated, simulated - self.high, 0.0)
        scale = abs(self.middle) or self.tolerance_value() or 1.0
        return gap / scale


class Parameter(_Model):
    """One free scenario value and the range it may take."""

    bounds: tuple[float, float] = Field(description="[low, high]: the values the fit may try")
    start: float | None = Field(
        default=None, description="Where the search starts; default: analytic, else the scenario's"
    )
    scale: bool = Field(
        default=False,
        description="True: the fitted value is a factor on every number at the path "
        "(a map such as rates by age band), 1 meaning as given",
    )

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise ValueError(f"must be [low, high] with low < high, got [{low}, {high}]")
        return value


class Targets(_Model):
    """A targets file: the figures to meet and the values free to change."""

    scenario: str | None = Field(
        default=None, description="The scenario file, relative to the targets file"
    )
    title: str | None = None
    targets: dict[Annotated[str, Field(pattern=_ID)], Target] = Field(min_length=1)
    parameters: dict[str, Parameter] = Field(default_factory=dict)


@dataclass(frozen=True)
class LoadedTargets:
    """A checked targets file, its path and each target's parsed expression."""

    path: Path
    spec: Targets
    expressions: Mapping[str, Expression]

    @property
    def scenario_path(self) -> Path | None:
        """The scenario the file names, relative to the file, or None."""
        return self.path.parent / self.spec.scenario if self.spec.scenario else None

    def fitted(self) -> list[str]:
        """The ids of the targets that are fitted (not held out)."""
        return [t for t, target in self.spec.targets.items() if target.fit]


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
                    "must be a scenario path with dots, as --set writes it",
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


def _at(data: Mapping[str, Any], path: str) -> tuple[Any, str | None]:
    current: Any = data
    parts = path.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(current, Mapping) or part not in current:
            above = ".".join(parts[:depth]) or "the top level"
            known = list(current) if isinstance(current, Mapping) else []
            hint = suggest(part, known, known="keys there") if known else "it is not a map"
            return None, f"the scenario has no '{part}' under {above}; {hint}"
        current = current[part]
    return current, None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numbers_at(value: Any) -> bool:
    """Whether ``value`` is a number or a map whose every leaf is a number."""
    if isinstance(value, Mapping):
        return bool(value) and all(numbers_at(v) for v in value.values())
    return _is_number(value)


def scenario_number(data: Mapping[str, Any], path: str) -> tuple[float | None, str | None]:
    """The number at a dotted path of a scenario map, or None and what is wrong."""
    current, wrong = _at(data, path)
    if wrong:
        return None, wrong
    if isinstance(current, Mapping) and numbers_at(current):
        keys = ", ".join(str(k) for k in current)
        return None, (
            f"is a map of numbers ({keys}), not one number: name one of them "
            f"({path}.{next(iter(current))}), or add 'scale: true' to fit one factor on all"
        )
    if not _is_number(current):
        return None, "is not a number in the scenario"
    return float(current), None


def scenario_value(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a scenario map (checked to exist before)."""
    return _at(data, path)[0]


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
            value, wrong = _at(data, name)
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
