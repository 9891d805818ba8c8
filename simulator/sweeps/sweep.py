"""A sweep as a value: a base scenario, factors, a design, a seed and replications.

A :class:`Sweep` is immutable; it is built from the command line or a sweep
file (:mod:`simulator.sweeps.definition`) and stored in ``sweep.json``
(:meth:`Sweep.definition`, :func:`factor_json`, :func:`limits_json`), from
which :func:`sweep_from_info` builds it again, so that a sweep can be resumed
and a resumed sweep can be checked against the one given
(:func:`differences`).

Each point's scenario is the base scenario map with the point's values set
at the factors' paths (overlay rules: :func:`simulator.scenario.loading.deep_merge`),
validated again from that merged map (:meth:`Sweep.point_data`); a point
that does not validate is recorded with its problems, never patched up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from simulator.errors import SamsimError
from simulator.scenario.limits import Limits
from simulator.scenario.loading import deep_merge
from simulator.sweeps.design import Factor, Value, points

__all__ = [
    "Sweep",
    "differences",
    "factor_from_json",
    "factor_json",
    "limits_from_json",
    "limits_json",
    "plain",
    "set_path",
    "sweep_from_info",
]

KEY_SUFFIXES = ("diversion_share", "occupancy_mean", "utilisation")
KEY_COSTS = ("cost.total", "cost.payer.municipality", "cost.payer.health_trust")


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
    """``data`` with ``value`` at the dotted ``path`` (the merge rules of a scenario override)."""
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
        The resolved base scenario as JSON data, its overrides already applied.
    factors, design, samples
        What varies and how points are chosen (:mod:`simulator.sweeps.design`).
    seed, replications
        Shared by every point: replication ``r`` of every point uses the
        streams of ``(seed, r)`` (common random numbers).
    source
        Where the base came from, for messages.
    overrides
        The overrides (``path=value``, and a sweep file's ``set:``) in ``base``, for the
        record.
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
            f"{given.source} (hash {given.base_hash[:12]}) now: "
            "the scenario or a value set on it differs"
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
