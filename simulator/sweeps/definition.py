"""What a sweep is: a base scenario, factors, a design, a seed and replications.

A :class:`Sweep` is an immutable value built from the command line
(:func:`sweep_from_vary`) or from a sweep file (:func:`load_sweep`), and
stored in ``sweep.json`` (:meth:`Sweep.definition`) so that a sweep can be
resumed and a resumed sweep can be checked against the one given
(:func:`differences`).

Each point's scenario is the base scenario map with the point's values set
at the factors' paths (overlay rules: :func:`simulator.scenario.loading.deep_merge`),
validated again from that merged map (:meth:`Sweep.point_data`); a point
that does not validate is recorded with its problems, never patched up.

A sweep file is YAML with one top-level key, ``sweep:`` (which no scenario
has, so the two are never confused); see ``docs/sweeps.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from simulator.errors import Problem, SamsimError
from simulator.scenario.limits import MAX_REPLICATIONS, LimitError, Limits, check_replications
from simulator.scenario.loading import apply_overrides, deep_merge, read_yaml, resolve
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate
from simulator.sweeps.design import (
    DESIGNS,
    Factor,
    Value,
    make_factor,
    parse_vary,
    points,
    too_many_points,
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

KEY_SUFFIXES = ("diversion_share", "occupancy_mean", "utilisation")
KEY_COSTS = ("cost.total", "cost.payer.municipality", "cost.payer.health_trust")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def plain(data: Any) -> Any:
    """``data`` as JSON data: dates as ISO text, map keys as text, tuples as lists."""
    if isinstance(data, Mapping):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [plain(v) for v in data]
    if isinstance(data, dt.date):  # datetime is a date too
        return data.isoformat()
    return data


def set_path(data: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``data`` with ``value`` at the dotted ``path`` (the ``--set`` merge rules)."""
    patch: Any = value
    for part in reversed(path.split(".")):
        patch = {part: patch}
    return deep_merge(data, patch)


@dataclass(frozen=True)
class Sweep:
    """A sweep's definition.

    Attributes
    ----------
    name
        Names the folder ``OUT/sweep-<name>/``.
    base
        The resolved base scenario as JSON data, ``--set`` already applied.
    factors, design, samples
        What varies and how points are chosen (:mod:`simulator.sweeps.design`).
    seed, replications
        Shared by every point: replication ``r`` of every point uses the
        streams of ``(seed, r)`` (common random numbers).
    source
        Where the base came from, for messages.
    overrides
        The ``--set`` (and sweep file ``set:``) changes in ``base``, for the record.
    kpis
        KPIs to report and plot beside the key KPIs.
    kpi_keys
        ``(kpi, where)`` for the KPIs a sweep file names, ``where`` being the
        file and key (``sweep.kpis[0]``), so that a wrong name points there.
    limits
        What every point's scenario and the design are checked against
        (:mod:`simulator.scenario.limits`); stored in ``sweep.json``.
    """

    name: str
    base: Mapping[str, Any]
    factors: tuple[Factor, ...]
    design: str = "grid"
    samples: int | None = None
    seed: int = 0
    replications: int = 10
    source: str = "<scenario>"
    overrides: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()
    title: str = ""
    kpi_keys: tuple[tuple[str, str], ...] = ()
    limits: Limits = field(default_factory=Limits)

    @property
    def base_hash(self) -> str:
        """SHA-256 of the base scenario's canonical JSON."""
        text = json.dumps(self.base, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def design_points(self) -> list[dict[str, Value]]:
        """The values of every point, in point order."""
        return points(self.factors, self.design, self.samples, self.seed, self.limits.points)

    def point_data(self, values: Mapping[str, Value]) -> dict[str, Any]:
        """The scenario map of the point with these values (not yet validated)."""
        data = dict(self.base)
        for factor in self.factors:
            for path, value in factor.assignments(values[factor.name]):
                data = set_path(data, path, value)
        return data

    def key_kpis(self) -> list[str]:
        """Diversion share, occupancy and utilisation of each facility a factor sets, the
        total and payer costs, then :attr:`kpis`."""
        facilities: dict[str, None] = {}
        for factor in self.factors:
            for path, _ in factor.targets:
                parts = path.split(".")
                if parts[0] == "facilities" and len(parts) > 2:
                    facilities[parts[1]] = None
        chosen = [f"facility.{f}.{s}" for f in facilities for s in KEY_SUFFIXES]
        chosen += [k for k in (*KEY_COSTS, *self.kpis) if k not in chosen]
        return list(dict.fromkeys(chosen))

    def definition(self) -> dict[str, Any]:
        """What identifies the sweep: base (hash), factors, design, samples, seed."""
        return {
            "base": {
                "source": self.source,
                "hash": self.base_hash,
                "overrides": list(self.overrides),
            },
            "factors": [factor_json(f) for f in self.factors],
            "design": self.design,
            "samples": self.samples,
            "seed": self.seed,
        }


def limits_json(limits: Limits) -> dict[str, Any]:
    """The limits as stored in ``sweep.json``."""
    return asdict(limits)


def limits_from_json(data: Mapping[str, Any]) -> Limits:
    """The limits stored by :func:`limits_json` (defaults for those not stored)."""
    known = {f.name for f in fields(Limits)}
    try:
        return Limits(**{k: v for k, v in data.items() if k in known})
    except (TypeError, ValueError) as exc:
        raise SamsimError(f"sweep.json: limits: cannot be read ({exc})") from None


def factor_json(factor: Factor) -> dict[str, Any]:
    """A factor as stored in ``sweep.json``."""
    data: dict[str, Any] = {"name": factor.name}
    if factor.bounds is not None:
        data["bounds"] = list(factor.bounds)
    else:
        data["values"] = list(factor.values)
    data["integer"] = factor.integer
    if factor.set:
        data["set"] = dict(factor.set)
    if factor.label:
        data["label"] = factor.label
    return data


def factor_from_json(data: Mapping[str, Any]) -> Factor:
    """The factor stored by :func:`factor_json`."""
    bounds = data.get("bounds")
    return Factor(
        name=str(data["name"]),
        values=tuple(data.get("values") or ()),
        bounds=(bounds[0], bounds[1]) if bounds else None,
        integer=bool(data.get("integer")),
        set=tuple((str(k), str(v)) for k, v in (data.get("set") or {}).items()),
        label=data.get("label"),
    )


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
    """A sweep of a scenario file over ``--vary PATH=VALUES`` factors.

    Replications and seed default to the scenario's ``run`` settings.
    """
    base = apply_overrides(resolve(Path(scenario)), overrides)
    factors = [parse_vary(text) for text in vary]
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
    for fname, fspec in factors_spec.items():
        fwhere = f"{where}.factors.{fname}"
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


def sweep_from_info(info: Mapping[str, Any]) -> Sweep:
    """The sweep stored in a ``sweep.json``."""
    definition = info["definition"]
    return Sweep(
        name=str(info["name"]),
        base=info["base_scenario"],
        factors=tuple(factor_from_json(f) for f in definition["factors"]),
        design=str(definition["design"]),
        samples=definition.get("samples"),
        seed=int(definition["seed"]),
        replications=int(info["replications"]),
        source=str(definition["base"].get("source", "")),
        overrides=tuple(definition["base"].get("overrides", ())),
        kpis=tuple(info.get("kpis", ())),
        title=str(info.get("title", "")),
        limits=limits_from_json(info.get("limits") or {}),
    )


def differences(stored: Sweep, given: Sweep) -> list[str]:
    """How ``given`` differs from the sweep ``stored`` in a folder, one line each."""
    found = []
    if stored.base_hash != given.base_hash:
        found.append(
            f"base scenario: {stored.source} (hash {stored.base_hash[:12]}) in the folder, "
            f"{given.source} (hash {given.base_hash[:12]}) now: the scenario or --set differs"
        )
    old = {f.name: f for f in stored.factors}
    new = {f.name: f for f in given.factors}
    if list(old) != list(new):
        found.append(f"factors: {', '.join(old)} in the folder, {', '.join(new)} now")
    for name in old.keys() & new.keys():
        a, b = factor_json(old[name]), factor_json(new[name])
        a.pop("label", None)
        b.pop("label", None)
        if a != b:
            found.append(f"factor {name}: {old[name].spec} in the folder, {new[name].spec} now")
    for key in ("design", "samples", "seed"):
        if getattr(stored, key) != getattr(given, key):
            found.append(f"{key}: {getattr(stored, key)} in the folder, {getattr(given, key)} now")
    return found
