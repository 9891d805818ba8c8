"""One run of a calibration: a scenario at free values, judged against the targets.

:class:`Runner` runs the scenario at given free values with one root seed
(common random numbers) and keeps every :class:`Evaluation`: each target's
simulated mean over replications with its 95 % t interval, and the
objective, the weighted sum of squared relative errors of the fitted targets
(0 anywhere inside an observed range). :func:`goodness_of_fit` turns one
evaluation into the table every calibration and check ends in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.intervals import t_interval
from simulator.calibration.targets import LoadedTargets, check_kpis, scenario_value
from simulator.errors import SamsimError
from simulator.experiment.options import RunOptions
from simulator.experiment.replication import Failure
from simulator.experiment.simulate import Results, simulate
from simulator.scenario.loading import deep_merge
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate

__all__ = [
    "GOF_COLUMNS",
    "CalibrationError",
    "Evaluation",
    "Runner",
    "goodness_of_fit",
    "scaled",
    "with_values",
]

GOF_COLUMNS = [
    "target",
    "kpi",
    "fitted",
    "observed",
    "observed_low",
    "observed_high",
    "tolerance",
    "simulated",
    "ci_low",
    "ci_high",
    "n",
    "ratio",
    "inside",
    "source",
]
"""The columns of the goodness-of-fit table (``goodness_of_fit.csv``)."""


class CalibrationError(SamsimError):
    """A calibration that cannot run as asked (bounds the scenario refuses, nothing to fit)."""


@dataclass(frozen=True)
class Evaluation:
    """One run of the scenario at some free values: each target's simulated mean and interval."""

    values: Mapping[str, float]
    means: Mapping[str, float]
    lows: Mapping[str, float]
    highs: Mapping[str, float]
    n: int
    objective: float


def with_values(
    scenario: Scenario, values: Mapping[str, Any], source: str, shown: str | None = None
) -> Scenario:
    """``scenario`` with each dotted path set to its value, validated again.

    ``shown`` names the values in a message (default: each ``path=value``).

    Raises
    ------
    CalibrationError
        When the scenario refuses the values (e.g. bounds that allow an invalid value).
    """
    data: dict[str, Any] = scenario.model_dump(mode="python", exclude_none=True)
    for path, value in values.items():
        patch: Any = value
        for part in reversed(path.split(".")):
            patch = {part: patch}
        data = deep_merge(data, patch)
    shown = shown or ", ".join(f"{p}={v}" for p, v in values.items())
    try:
        return validate(data, source=f"{source} with {shown}")
    except SamsimError as exc:
        raise CalibrationError(
            f"{source}: the scenario refuses the free values {shown}: {exc}\n"
            "narrow the parameters' bounds to values the scenario accepts"
        ) from None


def scaled(value: Any, factor: float) -> Any:
    """``value`` (a number or a map of numbers) with every number times ``factor``."""
    if isinstance(value, Mapping):
        return {k: scaled(v, factor) for k, v in value.items()}
    return float(value) * factor


def _summarise(
    results: Results, loaded: LoadedTargets, scalars: Mapping[str, float]
) -> tuple[dict[str, float], dict[str, float], dict[str, float], int]:
    reps = results.replications
    means, lows, highs = {}, {}, {}
    n = len(reps)
    for tid, expression in loaded.expressions.items():
        values: dict[str, Any] = dict(scalars)
        for name in expression.kpis:
            values[name] = reps[name].to_numpy(dtype=float)
        per_replication = np.broadcast_to(expression.evaluate(values), (n,))
        mean, _, low, high, _ = t_interval(np.asarray(per_replication, dtype=float))
        means[tid], lows[tid], highs[tid] = float(mean), float(low), float(high)
    return means, lows, highs, n


def _objective(loaded: LoadedTargets, means: Mapping[str, float]) -> float:
    total = 0.0
    for tid in loaded.fitted():
        target = loaded.spec.targets[tid]
        error = target.error(means[tid])
        total += target.weight * (error * error if math.isfinite(error) else 1e12)
    return total


def goodness_of_fit(loaded: LoadedTargets, evaluation: Evaluation) -> pd.DataFrame:
    """The goodness-of-fit table of one evaluation: one row per target (:data:`GOF_COLUMNS`).

    ``ratio`` is simulated / observed (the middle of an observed range);
    ``inside`` whether the simulated mean is within the tolerance of the
    observed value or range; ``fitted`` False marks a held-out target.
    """
    rows = []
    for tid, target in loaded.spec.targets.items():
        mean = evaluation.means[tid]
        rows.append(
            {
                "target": tid,
                "kpi": target.kpi,
                "fitted": target.fit,
                "observed": target.middle,
                "observed_low": target.low,
                "observed_high": target.high,
                "tolerance": target.tolerance_value(),
                "simulated": mean,
                "ci_low": evaluation.lows[tid],
                "ci_high": evaluation.highs[tid],
                "n": evaluation.n,
                "ratio": mean / target.middle if target.middle else math.nan,
                "inside": target.inside(mean),
                "source": target.source,
            }
        )
    return pd.DataFrame(rows, columns=GOF_COLUMNS)


class Runner:
    """Runs the scenario at free values with one seed and keeps every evaluation."""

    def __init__(
        self,
        scenario: Scenario,
        loaded: LoadedTargets,
        options: RunOptions,
        scalars: Mapping[str, float],
    ) -> None:
        self.scenario = scenario
        self.loaded = loaded
        self.options = options
        self.scalars = scalars
        data = scenario.model_dump(mode="python", exclude_none=True)
        # A scaled parameter multiplies what the scenario holds at its path.
        self.base = {
            p: scenario_value(data, p) for p, spec in loaded.spec.parameters.items() if spec.scale
        }
        self.seen: dict[tuple[float, ...], Evaluation] = {}
        self.order: list[Evaluation] = []
        self.failures: list[Failure] = []
        self.checked = False

    def run(self, values: Mapping[str, float]) -> Evaluation:
        key = tuple(values[p] for p in values)
        if key in self.seen:
            return self.seen[key]
        scenario = self.scenario_at(values) if values else self.scenario
        results = simulate(scenario, options=self.options)
        self.failures.extend(results.failures)
        if not self.checked:  # KPI names are checked against what a run reports
            check_kpis(self.loaded, list(results.replications.columns))
            self.checked = True
        means, lows, highs, n = _summarise(results, self.loaded, self.scalars)
        evaluation = Evaluation(dict(values), means, lows, highs, n, _objective(self.loaded, means))
        self.seen[key] = evaluation
        self.order.append(evaluation)
        return evaluation

    def assignments(self, values: Mapping[str, float]) -> dict[str, Any]:
        """What each free value sets at its path: the value, or the scaled numbers."""
        return {p: scaled(self.base[p], v) if p in self.base else v for p, v in values.items()}

    def scenario_at(self, values: Mapping[str, float]) -> Scenario:
        """The scenario with the free values set (validated again)."""
        shown = ", ".join(
            f"{p}{' x ' if p in self.base else '='}{v:.6g}" for p, v in values.items()
        )
        return with_values(self.scenario, self.assignments(values), str(self.loaded.path), shown)

    def table(self) -> pd.DataFrame:
        columns = ["evaluation", *self.loaded.spec.parameters, "objective"]
        columns += [f"target.{t}" for t in self.loaded.spec.targets]
        rows = []
        for i, ev in enumerate(self.order):
            row: dict[str, Any] = {"evaluation": i, **ev.values, "objective": ev.objective}
            row.update({f"target.{t}": m for t, m in ev.means.items()})
            rows.append(row)
        return pd.DataFrame(rows, columns=columns)
