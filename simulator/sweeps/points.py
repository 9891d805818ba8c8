"""The points of a sweep: each point's scenario validated, or its problems; and ``sweep.json``.

Every point is the base scenario with the point's values set and validated
again (:meth:`simulator.sweeps.sweep.Sweep.point_data`), then checked against
the sweep's limits. A point that does not validate is kept with its problems
(and the limits its scenario passes), never patched up; it is listed in
``sweep.json`` (:func:`sweep_info`) with the valid ones and is not run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.errors import SamsimError, ScenarioError
from simulator.experiment.simulate import replicate
from simulator.scenario.limits import LimitError, check_limits
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate
from simulator.store.manifest import build_manifest, scenario_hash
from simulator.sweeps.design import Value
from simulator.sweeps.errors import SweepError
from simulator.sweeps.store import FORMAT
from simulator.sweeps.sweep import Sweep, limits_json, set_path
from simulator.text.suggest import did_you_mean

__all__ = ["NoValidPoint", "Point", "check_kpis", "prepare_points", "sweep_info"]


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its values and validated scenario, or the problems."""

    point: int
    values: dict[str, Value]
    scenario: Scenario | None
    scenario_hash: str | None
    problems: tuple[str, ...] = ()
    limits: tuple[str, ...] = ()
    """The limits (:mod:`simulator.scenario.limits`) the point's scenario passes, if any."""


class NoValidPoint(SamsimError):
    """No point of a sweep is a valid scenario; ``limits`` names the limits point 0 passes."""

    def __init__(self, message: str, limits: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.limits = tuple(limits)


def prepare_points(
    sweep: Sweep, values: Sequence[Mapping[str, Value]] | None = None
) -> list[Point]:
    """Every point's scenario, validated from its merged map; problems where it is invalid."""
    found = []
    for index, point_values in enumerate(values if values is not None else sweep.design_points()):
        own = dict(point_values)
        try:
            source = f"point {index}"
            scenario = check_limits(validate(sweep.point_data(own), source), sweep.limits, source)
        except ScenarioError as exc:
            passed = exc.limits if isinstance(exc, LimitError) else ()
            problems = tuple(str(p) for p in exc.problems)
            found.append(Point(index, own, None, None, problems, passed))
            continue
        except SamsimError as exc:  # e.g. a division by zero in a derived factor
            found.append(Point(index, own, None, None, (f"point {index}: {exc}",)))
            continue
        found.append(Point(index, own, scenario, scenario_hash(scenario)))
    return found


def check_kpis(sweep: Sweep, point: Point) -> None:
    """Every KPI named in ``sweep.kpis`` exists, or a user error naming the nearest one."""
    if not sweep.kpis:
        return
    # KPI names do not depend on the run's length: a one-day replication lists them.
    data = set_path(set_path(sweep.point_data(point.values), "run.days", 1), "run.warmup_days", 0)
    names = list(replicate(validate(data), 0, 0).kpis)
    where = dict(sweep.kpi_keys)
    for kpi in sweep.kpis:
        if kpi not in names:
            near = did_you_mean(kpi, names, cutoff=0.5)
            hint = f"; {near}" if near else ""
            if kpi in where:  # named in a sweep file: its key path
                raise SamsimError(f"{where[kpi]}: {kpi}: no such KPI in this scenario{hint}")
            raise SweepError("kpis", kpi, f"no such KPI in this scenario{hint}")


def sweep_info(sweep: Sweep, points: Sequence[Point], created: str) -> dict[str, Any]:
    """The content of ``sweep.json``: the common manifest keys, then the sweep's own."""
    details = {
        "format": FORMAT,
        "created": created,
        "name": sweep.name,
        "definition": sweep.definition(),
        "kpis": list(sweep.kpis),
        "key_kpis": sweep.key_kpis(),
        "limits": limits_json(sweep.limits),
        "points": [
            {
                "point": p.point,
                "values": p.values,
                "scenario_hash": p.scenario_hash,
                "problems": list(p.problems),
            }
            for p in points
        ],
        "base_scenario": sweep.base,
    }
    return build_manifest(
        kind="sweep",
        name=str(sweep.base.get("name", sweep.name)),
        title=sweep.title,
        digest=sweep.base_hash,
        seed=sweep.seed,
        replications=sweep.replications,
        started=dt.datetime.fromisoformat(created) if created else None,
        overrides=sweep.overrides,
        details=details,
    )
