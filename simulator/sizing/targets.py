"""What a sizing asks for: a target ``KPI<VALUE``, a range of beds and the facility to size.

:func:`parse_target` reads the target against the KPIs a scenario reports
(:func:`kpi_names`), :func:`parse_range` reads ``FROM:TO``, and
:func:`check_facility` refuses a facility the scenario does not have or
whose ``schedule`` would override the bed count being sized. Every mistake is
a :class:`SizingError` (exit code 2) that says what to write instead: the
nearest KPI name or facility id, the four comparisons, the range syntax.
:func:`with_beds` gives the scenario at one bed count, validated again.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.errors import OptionError
from simulator.measures.years import replication_kpis
from simulator.model.records import BLOCK_COLUMNS, STAY_COLUMNS, ReplicationRecord
from simulator.scenario.limits import Limits
from simulator.scenario.schema import MAX_BEDS, Scenario
from simulator.scenario.validation import validate
from simulator.text.labels import kpi_unit
from simulator.text.suggest import did_you_mean, suggest

__all__ = [
    "OPERATORS",
    "RangeLimitError",
    "SizingError",
    "Target",
    "check_facility",
    "default_range",
    "kpi_names",
    "parse_range",
    "parse_target",
    "with_beds",
]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
"""The comparisons a target may use."""

_SECTIONS = ("facility", "group", "municipality", "cost")
_TARGET = re.compile(r"^\s*(?P<kpi>[^<>=!\s]+)\s*(?P<op>[<>=!]+)\s*(?P<value>.*?)\s*$")


class SizingError(OptionError):
    """A sizing request that cannot be run as given: bad target, range, facility or confidence.

    ``option`` is the parameter of :func:`simulator.sizing.search.size_facility`
    that is wrong: ``facility``, ``target``, ``bed_range`` or ``confidence``.
    """


class RangeLimitError(SizingError):
    """A bed range longer than :attr:`simulator.scenario.limits.Limits.bed_counts`."""

    limits = ("bed_counts",)
    """The limit passed (as :class:`~simulator.scenario.limits.LimitError` names them)."""


@dataclass(frozen=True)
class Target:
    """A KPI, a comparison and a value: ``facility.x.diversion_share < 0.05``."""

    kpi: str
    operator: str
    value: float

    def __str__(self) -> str:
        return f"{self.kpi} {self.operator} {self.value:g}"

    @property
    def lower_is_better(self) -> bool:
        """True for ``<`` and ``<=``: the interval's upper end is the unfavourable one."""
        return self.operator in ("<", "<=")

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the target; an undefined (nan) value does not."""
        return math.isfinite(value) and OPERATORS[self.operator](value, self.value)

    def judge(self, mean: float, low: float, high: float, confidence: str) -> bool:
        """Whether a KPI with this mean and 95 % interval meets the target."""
        if confidence == "mean":
            return self.met(mean)
        return self.met(high if self.lower_is_better else low)


def kpi_names(scenario: Scenario) -> list[str]:
    """Every KPI name a replication of ``scenario`` reports, in the order it reports them.

    Taken from :func:`simulator.measures.years.replication_kpis` applied to an empty
    replication, so the list cannot drift from the KPIs actually computed.
    """
    empty = ReplicationRecord(
        replication=0,
        seed=0,
        horizon=1.0,
        warmup=0.0,
        facilities=tuple(scenario.facilities),
        groups=tuple(scenario.groups),
        municipalities=tuple(scenario.municipalities),
        episodes=np.empty((0, 5)),
        stays=np.empty((0, len(STAY_COLUMNS))),
        diversions=np.empty((0, 4)),
        blocks=np.empty((0, len(BLOCK_COLUMNS))),
        occupancy=tuple(np.array([[0.0, 0, 0, f.beds, 0]]) for f in scenario.facilities.values()),
        events=0,
    )
    with np.errstate(all="ignore"):
        kpis, _ = replication_kpis(empty, scenario)
    return list(kpis)


def check_facility(scenario: Scenario, facility: str) -> None:
    """Refuse a facility that is not in the scenario, or whose schedule would override beds."""
    if facility not in scenario.facilities:
        hint = suggest(facility, scenario.facilities, known="facilities")
        raise SizingError(
            "facility", facility, f"no such facility in scenario '{scenario.name}'; {hint}"
        )
    schedule = scenario.facilities[facility].schedule
    if schedule:
        raise SizingError(
            "facility",
            facility,
            f"facilities.{facility} has a schedule of {len(schedule)} capacity change(s), "
            "which would override the bed count being sized; size it without them (the "
            f"override facilities.{facility}.schedule=[]), or size it in a scenario for the "
            "period after the change",
            overrides=(f"facilities.{facility}.schedule=[]",),
        )


def parse_target(text: str, scenario: Scenario, facility: str) -> Target:
    """Read ``KPI<VALUE`` (also ``<=``, ``>``, ``>=``) against the KPIs of ``scenario``.

    ``KPI`` is a full KPI name (``group.kols.wait_p90``) or a facility KPI's
    last part (``diversion_share``), meaning ``facility.<facility>.<part>``.
    ``VALUE`` is a number, or a percentage such as ``5%``.

    Raises
    ------
    SizingError
        Naming what is wrong: no operator, an operator other than the four,
        an unknown KPI (with the nearest known name), a value that is not a
        number, or a share outside 0..1.
    """
    where = repr(text)
    found = _TARGET.match(text)
    if not found or not found["value"]:
        raise SizingError(
            "target",
            where,
            "must look like KPI<VALUE, e.g. 'diversion_share<0.05' or 'wait_p90<=2'; "
            "quote it on the command line (the shell reads < and > as redirections)",
        )
    op = found["op"]
    if op not in OPERATORS:
        fixed = {"=<": "<=", "=>": ">=", "<<": "<", ">>": ">"}.get(op)
        hint = f"did you mean '{fixed}'?" if fixed else "use <, <=, > or >="
        raise SizingError(
            "target", where, f"the comparison must be <, <=, > or >= (got {op!r}); {hint}"
        )
    kpi = _resolve_kpi(found["kpi"], scenario, facility, where)
    value = _parse_value(found["value"], where)
    if kpi_unit(kpi) == "share" and not 0 <= value <= 1:
        raise SizingError(
            "target",
            where,
            f"{kpi} is a share between 0 and 1 (got {value:g}); "
            f"write {value / 100:g} or {value:g}%",
        )
    return Target(kpi, op, value)


def _resolve_kpi(name: str, scenario: Scenario, facility: str, where: str) -> str:
    names = kpi_names(scenario)
    known = set(names)
    if name in known:
        return name
    short = f"facility.{facility}.{name}"
    if short in known:
        return short
    prefix = f"facility.{facility}."
    suffixes = [k.removeprefix(prefix) for k in names if k.startswith(prefix)]
    if "." in name:
        hint = did_you_mean(name, names) or (
            "a full name is e.g. " + (names[0] if names else "facility.<id>.diversion_share")
        )
        raise _unknown(where, name, hint)
    near = did_you_mean(name, suffixes)
    if near:
        raise _unknown(where, name, near)
    for section in _SECTIONS[1:]:
        matches = [k for k in names if k.startswith(section + ".") and k.endswith("." + name)]
        if matches:
            raise _unknown(
                where,
                name,
                f"{name} is a {section} KPI, not a facility one: write its full name, "
                f"e.g. '{matches[0]}'",
            )
    raise _unknown(where, name, "facility KPIs: " + ", ".join(suffixes))


def _unknown(where: str, name: str, hint: str) -> SizingError:
    return SizingError("target", where, f"unknown KPI '{name}'; {hint}")


def _parse_value(raw: str, where: str) -> float:
    text = raw.strip()
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    try:
        value = float(text) * scale
    except ValueError:
        raise SizingError(
            "target",
            where,
            f"the value after the comparison must be a number, e.g. 0.05 or 5% (got {raw!r})",
        ) from None
    if not math.isfinite(value):
        raise SizingError("target", where, f"the value must be a finite number (got {raw!r})")
    return value


def parse_range(text: str, limits: Limits | None = None) -> tuple[int, int]:
    """Read ``FROM:TO`` (whole bed counts, ``0 <= FROM < TO``) into ``(FROM, TO)``.

    At most ``limits.bed_counts`` counts, and no more beds than a facility may have.
    """
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        lo, hi = int(parts[0]), int(parts[1])
    except ValueError:
        raise SizingError(
            "bed_range", text, "must look like FROM:TO with whole bed counts, e.g. 4:14"
        ) from None
    if lo < 0:
        raise SizingError("bed_range", text, f"bed counts must be >= 0 (got {lo})")
    if lo >= hi:
        raise SizingError(
            "bed_range", text, f"FROM must be below TO, e.g. {min(lo, hi)}:{max(lo, hi) + 1}"
        )
    if hi > MAX_BEDS:
        raise SizingError("bed_range", text, f"a facility has at most {MAX_BEDS} beds (got {hi})")
    limits = limits or Limits()
    if hi - lo + 1 > limits.bed_counts:
        raise RangeLimitError(
            "bed_range",
            text,
            f"{hi - lo + 1} bed counts, more than the limit of {limits.bed_counts}; narrow the "
            "range around the beds you expect, or raise the limit of bed counts",
        )
    return lo, hi


def default_range(scenario: Scenario, facility: str) -> tuple[int, int]:
    """1 to 30 beds, or to twice the facility's current beds where that is more."""
    return 1, max(30, 2 * scenario.facilities[facility].beds)


def with_beds(scenario: Scenario, facility: str, beds: int) -> Scenario:
    """The scenario with ``facilities.<facility>.beds = beds``, validated again."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    data["facilities"][facility]["beds"] = beds
    return validate(data, source=f"{scenario.name} with facilities.{facility}.beds={beds}")
