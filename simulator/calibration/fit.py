"""Fitting free scenario values to observed figures, with common random numbers.

:func:`calibrate` fits; :func:`check` only runs the scenario. Both end in a
goodness-of-fit table (:func:`goodness_of_fit`): every target, fitted or held
out, observed against simulated with its 95 % interval. Each run is made and
judged by :mod:`simulator.calibration.evaluation`.

The fit has two steps.

1. **Analytic start (Little's law).** Occupancy is arrivals × mean stay
   (L = λW), and admissions, bed-days and episodes are arrivals × a constant,
   so while beds do not bind every such KPI is proportional to the arrival
   rates. The scenario is run once as given; for the free values that are
   arrival rates (paths ending in ``rate_per_1000``) the start is their value
   scaled by the factor that makes the rate-proportional targets
   (``occupancy_mean``, ``bed_days``, ``admissions``, ``episodes``, also per
   year or per 1 000) best meet their observed values on weighted squared
   relative error. For an M/M/c unit whose beds rarely fill this is the exact
   answer; elsewhere it is a good start. Other free values start at the
   target file's ``start``, else at the scenario's value, moved into the bounds
   (a ``scale`` parameter, a factor on every number at its path, starts at 1
   or, for a rate, at the Little's law factor).
2. **Search.** The objective is the weighted sum of squared relative errors of
   the fitted targets (0 inside an observed range), each evaluated from the
   mean over replications of one run. Every evaluation uses the same root seed
   (common random numbers), so the objective is a deterministic function of
   the free values and a direct search converges on it as on any function.
   The search is SciPy's bounded Nelder–Mead in coordinates scaled to [0, 1]
   by the bounds (decision 38 says why).

Nothing here prints; progress goes through a callback.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from simulator.calibration.evaluation import (
    GOF_COLUMNS,
    CalibrationError,
    Evaluation,
    Runner,
    goodness_of_fit,
    with_values,
)
from simulator.calibration.targets import (
    LoadedTargets,
    TargetsError,
    check_against,
    scenario_number,
)
from simulator.errors import Problem
from simulator.experiment.options import RunOptions
from simulator.experiment.replication import Failure, Progress
from simulator.scenario.limits import Limits, check_limits
from simulator.scenario.schema import Scenario

__all__ = [
    "GOF_COLUMNS",
    "MAX_EVALUATIONS",
    "CalibrationError",
    "Evaluation",
    "Fit",
    "calibrate",
    "check",
    "goodness_of_fit",
    "with_values",
]

MAX_EVALUATIONS = 40
"""Runs the search may make after the start, by default."""

RATE_SUFFIX = "rate_per_1000"
"""Free values whose path ends so are arrival rates (analytic start by Little's law)."""

_PROPORTIONAL = re.compile(
    r"\.(occupancy_mean|bed_days|admissions|episodes)(\.per_year|\.per_1000)?$"
)
"""KPIs proportional to the arrival rates while beds do not bind (Little's law)."""


@dataclass
class Fit:
    """What a calibration (or a check) found.

    Attributes
    ----------
    fitted
        The free values found, by path (empty for a check); a factor for a
        ``scale`` parameter.
    assignments
        What each sets in the scenario: the value, or the scaled numbers.
    start
        Where the search started, by path, and how each start was found
        (``start_method``: ``littles_law``, ``given`` or ``scenario``).
    table
        The goodness-of-fit table (:data:`GOF_COLUMNS`) at the fitted values.
    evaluations
        Every run: the free values, the objective and each target's mean.
    """

    scenario: Scenario
    calibrated: Scenario
    targets: LoadedTargets
    fitted: dict[str, float]
    assignments: dict[str, Any]
    start: dict[str, float]
    start_method: dict[str, str]
    table: pd.DataFrame
    evaluations: pd.DataFrame
    replications: int
    seed: int
    converged: bool
    message: str
    started: dt.datetime
    finished: dt.datetime
    failures: list[Failure] = field(default_factory=list)

    @property
    def all_inside(self) -> bool:
        """Whether every target, fitted or held out, is within its tolerance."""
        return bool(self.table["inside"].all())


def _options(
    scenario: Scenario,
    options: RunOptions | None,
    replications: int | None,
    seed: int | None,
    jobs: int | None,
    scheduler: str | None,
    progress: Progress | None,
    runs: int,
) -> tuple[RunOptions, int, int]:
    opts = (options or RunOptions()).merged(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, progress=progress
    )
    n, root, outer = opts.replications_for(scenario), opts.seed_for(scenario), opts.progress
    total = n * runs
    done = 0

    def tick(_done: int, _total: int) -> None:
        nonlocal done, total
        done += 1
        total = max(total, done)
        if outer is not None:
            outer(done, total)

    each = replace(
        opts,
        replications=n,
        seed=root,
        precision=None,
        progress=tick if outer is not None else None,
    )
    return each, n, root


def check(
    scenario: Scenario,
    targets: LoadedTargets,
    *,
    options: RunOptions | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Fit:
    """Run ``scenario`` once and judge every target (no fitting).

    Raises
    ------
    TargetsError
        For a name the scenario or its KPIs lack.
    """
    started = dt.datetime.now(dt.UTC)
    scalars = check_against(targets, scenario)
    each, n, root = _options(scenario, options, replications, seed, jobs, scheduler, progress, 1)
    with each.pooled() as pooled:
        runner = Runner(scenario, targets, pooled, scalars)
        evaluation = runner.run({})
    return Fit(
        scenario=scenario,
        calibrated=scenario,
        targets=targets,
        fitted={},
        assignments={},
        start={},
        start_method={},
        table=goodness_of_fit(targets, evaluation),
        evaluations=runner.table(),
        replications=n,
        seed=root,
        converged=True,
        message="checked only",
        started=started,
        finished=dt.datetime.now(dt.UTC),
        failures=runner.failures,
    )


def _littles_law_scale(loaded: LoadedTargets, evaluation: Evaluation) -> float | None:
    """The factor on every arrival rate that best meets the rate-proportional fitted targets.

    Minimises sum w ((s m - o) / o)^2 over the fitted targets that are one KPI
    proportional to arrivals (mean m, observed o): s = sum w m/o / sum w (m/o)^2.
    """
    top = bottom = 0.0
    for tid in loaded.fitted():
        kpi = loaded.expressions[tid].single_kpi
        target = loaded.spec.targets[tid]
        mean = evaluation.means[tid]
        if kpi is None or not _PROPORTIONAL.search(kpi) or not target.middle:
            continue
        if not (math.isfinite(mean) and mean > 0):
            continue
        ratio = mean / target.middle
        top += target.weight * ratio
        bottom += target.weight * ratio * ratio
    return top / bottom if bottom > 0 else None


def calibrate(
    scenario: Scenario,
    targets: LoadedTargets,
    *,
    options: RunOptions | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    max_evaluations: int = MAX_EVALUATIONS,
    limits: Limits | None = None,
) -> Fit:
    """Fit the free values of ``targets`` so the simulated KPIs meet the fitted targets.

    Parameters
    ----------
    scenario
        The validated scenario to calibrate (``--set`` already applied).
    targets
        A targets file read by :func:`simulator.calibration.targets.load_targets`.
    replications, seed
        Default to the scenario's ``run.replications`` and ``run.seed``; every
        evaluation uses the same (common random numbers).
    jobs, scheduler, options
        As for :func:`simulator.simulate`.
    progress
        Called with (replications done, most replications the fit may need).
    max_evaluations
        Runs the search may make after the start.
    limits
        If given, the scenario with every free value at its upper bound is
        checked against them before anything runs (the most episodes the
        search can ask for, where the free values are rates), and so is every
        evaluation (instead of against ``options.limits``).

    Raises
    ------
    TargetsError
        For a name the scenario or its KPIs lack.
    CalibrationError
        When the file has no parameters or no fitted target, or the scenario
        refuses values within the bounds.
    LimitError
        When the upper bounds pass ``limits``.
    """
    started = dt.datetime.now(dt.UTC)
    spec = targets.spec
    source = str(targets.path)
    if not spec.parameters:
        raise TargetsError(
            [
                Problem(
                    source,
                    "parameters",
                    "nothing to fit: the file names no free values",
                    hint="add parameters: with a scenario path and its bounds, "
                    "or only check the targets",
                )
            ]
        )
    if not targets.fitted():
        raise TargetsError(
            [
                Problem(
                    source,
                    "targets",
                    "every target is held out (fit: false): nothing to fit to",
                    hint="let at least one target be fitted",
                )
            ]
        )
    scalars = check_against(targets, scenario)
    runs = max_evaluations + 2
    each, n, root = _options(scenario, options, replications, seed, jobs, scheduler, progress, runs)
    if limits is not None:  # every evaluation is checked against them too
        each = replace(each, limits=limits)
    # One pool of workers for every evaluation (decision 48).
    with each.pooled() as pooled:
        runner = Runner(scenario, targets, pooled, scalars)
        data = scenario.model_dump(mode="python", exclude_none=True)
        paths = list(spec.parameters)
        bounds = [spec.parameters[p].bounds for p in paths]
        if limits is not None:
            highs = runner.scenario_at(
                {p: high for p, (_, high) in zip(paths, bounds, strict=True)}
            )
            check_limits(
                highs, limits, f"{source}: the scenario with every free value at its upper bound"
            )
        current = {
            p: 1.0 if spec.parameters[p].scale else scenario_number(data, p)[0] for p in paths
        }
        start: dict[str, float] = {}
        method: dict[str, str] = {}
        pilot = runner.run({})  # the scenario as given: checks KPI names, gives Little's law
        scale = _littles_law_scale(targets, pilot)
        for path, (low, high) in zip(paths, bounds, strict=True):
            given = spec.parameters[path].start
            value = current[path]
            assert value is not None  # check_against found a number there
            if given is not None:
                start[path], method[path] = given, "given"
            elif path.endswith(RATE_SUFFIX) and scale is not None and value > 0:
                start[path], method[path] = value * scale, "littles_law"
            else:
                start[path], method[path] = value, "scenario"
            start[path] = min(max(start[path], low), high)

        def unscale(x: np.ndarray) -> dict[str, float]:
            return {
                p: float(low + min(max(v, 0.0), 1.0) * (high - low))
                for p, v, (low, high) in zip(paths, x, bounds, strict=True)
            }

        def objective(x: np.ndarray) -> float:
            return runner.run(unscale(x)).objective

        x0 = np.array(
            [(start[p] - lo) / (hi - lo) for p, (lo, hi) in zip(paths, bounds, strict=True)]
        )
        # The first simplex steps 5 % of each range (inwards at an upper bound):
        # the analytic start is usually close, and a small simplex keeps the runs near it.
        simplex = [x0]
        for i in range(len(paths)):
            vertex = x0.copy()
            step = 0.05 if x0[i] + 0.05 <= 1 else -0.05
            vertex[i] += step
            simplex.append(vertex)
        result = minimize(
            objective,
            x0,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * len(paths),
            options={
                "initial_simplex": np.array(simplex),
                "maxfev": max_evaluations,
                "xatol": 1e-4,
                "fatol": 1e-8,
            },
        )
    best = min(runner.order[1:], key=lambda e: e.objective)  # the pilot may lie outside
    fitted = dict(best.values)
    calibrated = runner.scenario_at(fitted)
    return Fit(
        scenario=scenario,
        calibrated=calibrated,
        targets=targets,
        fitted=fitted,
        assignments=runner.assignments(fitted),
        start=start,
        start_method=method,
        table=goodness_of_fit(targets, best),
        evaluations=runner.table(),
        replications=n,
        seed=root,
        converged=bool(result.success),
        message=str(result.message),
        started=started,
        finished=dt.datetime.now(dt.UTC),
        failures=runner.failures,
    )
