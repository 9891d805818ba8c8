"""The targets file's format: targets, free values and the file, as frozen pydantic models.

Each model forbids keys it does not know; :mod:`simulator.calibration.targets`
reads a file into them and turns pydantic's errors into problems that name
the file, the key path and a fix. See ``docs/calibration.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulator.calibration.expressions import Expression
from simulator.errors import ScenarioError

__all__ = ["LoadedTargets", "Parameter", "Target", "Targets", "TargetsError"]

_ID = r"^[A-Za-z0-9_-]+$"
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
