"""Defining a sweep: from a scenario and ``vary`` factors, or from a sweep file.

:func:`sweep_from_vary` and :func:`load_sweep` read, check and build a
:class:`~simulator.sweeps.sweep.Sweep` (the value, and its form in
``sweep.json``, live in :mod:`simulator.sweeps.sweep`, re-exported here):
the base scenario must validate, no two factors may set one path, a path
must not run through a misspelt map, and the design must be one that can be
made within the limits. A wrong setting of :func:`sweep_from_vary` is a
:class:`~simulator.sweeps.errors.SweepError` naming the setting; a mistake in
a sweep file names the file and its key.

A sweep file is YAML with one top-level key, ``sweep:`` (which no scenario
has, so the two are never confused); see ``docs/sweeps.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.errors import Problem, SamsimError
from simulator.scenario.limits import MAX_REPLICATIONS, LimitError, Limits, check_replications
from simulator.scenario.loading import apply_overrides, read_yaml, resolve
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate
from simulator.sweeps.design import (
    DESIGNS,
    SAMPLES_IN_GRID,
    Factor,
    make_factor,
    parse_vary,
    too_many_points,
    unfit_factor,
)
from simulator.sweeps.errors import SweepError
from simulator.sweeps.sweep import (
    Sweep,
    differences,
    factor_from_json,
    factor_json,
    limits_from_json,
    limits_json,
    plain,
    set_path,
    sweep_from_info,
)
from simulator.text.suggest import nearest, suggest

__all__ = [
    "Sweep",
    "differences",
    "factor_from_json",
    "factor_json",
    "is_sweep_file",
    "limits_from_json",
    "limits_json",
    "load_sweep",
    "plain",
    "sweep_from_info",
    "sweep_from_vary",
]

_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def _check_paths(sweep: Sweep) -> None:
    """Two factors must not set one path; a path must not run through a missing map by a typo."""
    seen: dict[str, str] = {}
    for factor in sweep.factors:
        for path, _ in factor.targets:
            for other, owner in seen.items():
                if path == other or path.startswith(other + ".") or other.startswith(path + "."):
                    raise SamsimError(
                        f"factor {factor.name} sets {path}, which factor {owner} sets too "
                        f"({other}); each path can be varied by one factor only"
                    )
            seen[path] = factor.name
            _check_walk(sweep.base, path, factor.name)


def _check_walk(base: Mapping[str, Any], path: str, factor: str) -> None:
    current: Any = base
    parts = path.split(".")
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(current, Mapping):
            above = ".".join(parts[:depth])
            raise SamsimError(f"factor {factor}: {path}: {above} is a value, not a map of keys")
        if part not in current:
            near = nearest(part, current)
            if near:
                where = ".".join(parts[:depth]) or "the top level"
                raise SamsimError(
                    f"factor {factor}: {path}: the base scenario has no '{part}' under {where}; "
                    f"did you mean '{near}'?"
                )
            return  # a map that does not exist yet: validation will judge the result
        current = current[part]


def _finish(
    name: str,
    base: dict[str, Any],
    source: str,
    factors: Sequence[Factor],
    design: str,
    samples: int | None,
    replications: int | None,
    seed: int | None,
    overrides: Sequence[str],
    kpis: Sequence[str],
    title: str = "",
    kpi_keys: Sequence[tuple[str, str]] = (),
    limits: Limits | None = None,
) -> Sweep:
    scenario: Scenario = validate(base, source=source)  # an invalid base is the user's to fix
    if replications is not None:
        check_replications(replications, "replications of each point")
    sweep = Sweep(
        name=name,
        base=plain(base),
        factors=tuple(factors),
        design=design,
        samples=samples,
        seed=scenario.run.seed if seed is None else seed,
        replications=scenario.run.replications if replications is None else replications,
        source=source,
        overrides=tuple(overrides),
        kpis=tuple(kpis),
        title=title or scenario.title,
        kpi_keys=tuple(kpi_keys),
        limits=limits or Limits(),
    )
    _check_paths(sweep)
    sweep.design_points()  # raises for a design that cannot be made
    return sweep


def sweep_from_vary(
    scenario: str | Path,
    vary: Sequence[str],
    design: str | None = None,
    samples: int | None = None,
    overrides: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    kpis: Sequence[str] = (),
    limits: Limits | None = None,
) -> Sweep:
    """A sweep of a scenario file over ``vary`` factors, each ``PATH=VALUES`` text.

    Replications and seed default to the scenario's ``run`` settings.

    Raises
    ------
    SweepError
        For a ``vary`` text that cannot be read or that the design cannot
        use (bounds in a grid, a list in a Latin hypercube), or ``samples``
        that do not fit the design, naming the setting.
    """
    base = apply_overrides(resolve(Path(scenario)), overrides)
    factors = [parse_vary(text) for text in vary]
    unfit = unfit_factor(factors, design or "grid")
    if unfit is not None:
        factor, why = unfit
        fixes = [("design", "lhs")] if factor.bounds is not None else []
        if factor.bounds is not None and samples is None:
            fixes.append(("samples", "N"))
        raise SweepError("vary", vary[factors.index(factor)], why, fixes)
    name = str(base.get("name") or Path(scenario).stem)
    return _finish(
        name, base, str(scenario), factors, design or "grid", samples, replications, seed,
        overrides, kpis, limits=limits,
    )  # fmt: skip


def is_sweep_file(path: str | Path) -> bool:
    """Whether a YAML file is a sweep file (a top-level ``sweep:`` key) rather than a scenario."""
    try:
        return "sweep" in read_yaml(Path(path))
    except SamsimError:
        return False


_FILE_KEYS = (
    "name",
    "title",
    "base",
    "design",
    "samples",
    "replications",
    "seed",
    "set",
    "kpis",
    "factors",
)
_FACTOR_KEYS = ("values", "set", "label")


def _unknown(where: str, keys: Sequence[Any], known: Sequence[str]) -> None:
    for key in keys:
        if key not in known:
            hint = suggest(str(key), known, known="known keys")
            raise SamsimError(f"{where}.{key}: unknown key; {hint}")


def _integer(where: str, value: Any, minimum: int, maximum: int | None = None) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise SamsimError(f"{where}: must be a whole number >= {minimum} (got {value!r})")
    if maximum is not None and value > maximum:
        raise SamsimError(f"{where}: must be at most {maximum} (got {value!r})")
    return value


def _samples(where: str, value: Any, limits: Limits) -> int | None:
    samples = _integer(where, value, 1)
    if samples is not None and samples > limits.points:
        raise LimitError([Problem(where, "", too_many_points(samples, limits))], ["points"])
    return samples


def _check_file_design(
    where: str,
    values_at: Mapping[str, str],
    factors: Sequence[Factor],
    design: str,
    samples: Any,
) -> None:
    """The sweep file's factors and samples fit its design, or the key to change."""
    unfit = unfit_factor(factors, design)
    if unfit is not None:
        factor, why = unfit
        fix = "; or write design: lhs and samples: N" if factor.bounds is not None else ""
        raise SamsimError(f"{values_at[factor.name]}: {why}{fix}")
    if design == "grid" and samples is not None:
        raise SamsimError(f"{where}.samples: {SAMPLES_IN_GRID}: remove it, or write design: lhs")
    if design == "lhs" and samples is None:
        raise SamsimError(
            f"{where}.samples: required for design: lhs, the number of points to draw, "
            "e.g. samples: 20"
        )


def load_sweep(
    path: str | Path,
    overrides: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    kpis: Sequence[str] = (),
    limits: Limits | None = None,
) -> Sweep:
    """Read a sweep file; ``overrides``, ``replications`` and ``seed`` override the file's."""
    path = Path(path)
    data = read_yaml(path)
    if set(data) != {"sweep"} or not isinstance(data["sweep"], Mapping):
        raise SamsimError(f"{path}: a sweep file holds one map, sweep:, and nothing beside it")
    spec: Mapping[str, Any] = data["sweep"]
    where = f"{path}: sweep"
    _unknown(where, list(spec), _FILE_KEYS)
    if not isinstance(spec.get("base"), str):
        raise SamsimError(f"{where}.base: required: the scenario file to vary, relative to {path}")
    base_path = path.parent / spec["base"]
    name = str(spec.get("name") or path.stem)
    if not _ID.match(name):
        raise SamsimError(
            f"{where}.name: must be an id of letters, digits, '-' and '_' (got {name!r})"
        )
    design = spec.get("design", "grid")
    if design not in DESIGNS:
        raise SamsimError(f"{where}.design: must be one of {', '.join(DESIGNS)} (got {design!r})")
    sets = spec.get("set") or {}
    if not isinstance(sets, Mapping):
        raise SamsimError(f"{where}.set: must be a map of dotted.path: value")
    base = resolve(base_path)
    for key, value in sets.items():
        base = set_path(base, str(key), value)
    base = apply_overrides(base, overrides)
    factors_spec = spec.get("factors")
    if not isinstance(factors_spec, Mapping) or not factors_spec:
        raise SamsimError(f"{where}.factors: required: a map of factor: values")
    factors = []
    values_at: dict[str, str] = {}  # each factor's values: the key path to name
    for fname, fspec in factors_spec.items():
        fwhere = f"{where}.factors.{fname}"
        values_at[str(fname)] = f"{fwhere}.values" if isinstance(fspec, Mapping) else fwhere
        if isinstance(fspec, Mapping):
            _unknown(fwhere, list(fspec), _FACTOR_KEYS)
            if "values" not in fspec:
                raise SamsimError(f"{fwhere}.values: required, e.g. values: 2:8:1")
            set_paths = fspec.get("set")
            if set_paths is not None and (not isinstance(set_paths, Mapping) or not set_paths):
                raise SamsimError(
                    f'{fwhere}.set: must map paths to expressions, e.g. a.b: "1 - {{value}}"'
                )
            label = fspec.get("label")
            factors.append(make_factor(str(fname), fspec["values"], fwhere, set_paths, label))
        elif isinstance(fspec, str | list):
            factors.append(make_factor(str(fname), fspec, fwhere))
        else:
            raise SamsimError(
                f"{fwhere}: must be values (2,4,6 / 2:8:1 / 0.1..0.5 / a list) or a map"
            )
    _check_file_design(where, values_at, factors, design, spec.get("samples"))
    extra = spec.get("kpis") or []
    if not isinstance(extra, list) or not all(isinstance(k, str) for k in extra):
        raise SamsimError(f"{where}.kpis: must be a list of KPI names")
    return _finish(
        name,
        base,
        str(base_path),
        factors,
        design,
        _samples(f"{where}.samples", spec.get("samples"), limits or Limits()),
        replications
        if replications is not None
        else _integer(f"{where}.replications", spec.get("replications"), 1, MAX_REPLICATIONS),
        seed if seed is not None else _integer(f"{where}.seed", spec.get("seed"), 0),
        [f"{k}={json.dumps(plain(v))}" for k, v in sets.items()] + list(overrides),
        [*extra, *(k for k in kpis if k not in extra)],
        str(spec.get("title") or ""),
        [(k, f"{where}.kpis[{i}]") for i, k in enumerate(extra)],
        limits,
    )
