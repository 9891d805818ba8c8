"""Factors: the things a sweep varies, read from their values as text or a YAML list.

A factor's values are written as text (``PATH=VALUES`` in a sweep's
``vary`` settings, or ``path: VALUES`` in a sweep file):

* a list, ``2,4,6`` (numbers, or words such as ``queue,divert``);
* a range, ``2:12:2`` (start, stop, step; the stop is included when the steps
  land on it; ``2:6`` steps by 1), also as a list item: ``0,4:8``;
* bounds, ``0.1..0.5``, for a Latin hypercube design only.

Values that are all integers stay integers (``2:12:2`` gives ``2, 4, ..., 12``,
never ``4.0``), and integer bounds give integers in a Latin hypercube.

A factor sets one scenario path to its value, or, as a *derived* factor,
several paths to small arithmetic expressions of it
(:mod:`simulator.sweeps.expressions`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import SamsimError
from simulator.sweeps.errors import SweepError
from simulator.sweeps.expressions import (
    Value,
    error_at,
    evaluate,
    parse_expression,
    read_number,
    tidy,
)

__all__ = ["Factor", "make_factor", "parse_vary"]

MAX_VALUES = 10_000  # a range longer than this is a typo, not a study
RESERVED = ("point", "replication", "replications", "status", "problems")


@dataclass(frozen=True)
class Factor:
    """One thing a sweep varies.

    Attributes
    ----------
    name
        The column name in the results: the scenario path it sets (for a
        plain factor), or a name of the sweep file's choosing (derived).
    values
        The values of a list or range (grid designs).
    bounds
        ``(low, high)`` for a Latin hypercube design.
    integer
        Whether every value (or both bounds) is an integer.
    set
        ``(path, expression)`` pairs; empty for a plain factor, which sets
        the path ``name`` to the value.
    label
        How plots name the factor; defaults to a label built from the path.
    """

    name: str
    values: tuple[Value, ...] = ()
    bounds: tuple[float, float] | None = None
    integer: bool = False
    set: tuple[tuple[str, str], ...] = ()
    label: str | None = None

    @property
    def targets(self) -> tuple[tuple[str, str], ...]:
        """The paths this factor sets and the expression of each."""
        return self.set or ((self.name, "{value}"),)

    @property
    def spec(self) -> str:
        """The values as text, as ``vary`` or a sweep file would give them."""
        if self.bounds is not None:
            return f"{_show(self.bounds[0])}..{_show(self.bounds[1])}"
        return ",".join(_show(v) for v in self.values)

    def assignments(self, value: Value) -> list[tuple[str, Value]]:
        """The ``(path, value)`` pairs that this factor's ``value`` sets."""
        return [(path, evaluate(parse_expression(expr), value)) for path, expr in self.targets]


def _show(value: Value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _scalar(text: str, where: str = "") -> Value:
    """One list item: an integer, a number, true/false, or a word (never inf or nan)."""
    try:
        return read_number(text, where)
    except SamsimError:
        try:
            float(text)
        except ValueError:
            pass
        else:  # inf, nan: a number that no scenario key can hold
            raise error_at(where, "must be a finite number", text) from None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text.strip("'\"")


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _range(text: str, where: str) -> tuple[Value, ...]:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (2, 3) or not all(parts):
        raise error_at(where, "a range is start:stop:step", text, "e.g. 2:12:2")
    start, stop, *rest = (read_number(p, where) for p in parts)
    step = rest[0] if rest else 1
    if step == 0 or (stop - start) * step < 0:
        raise error_at(
            where, "the step must lead from start to stop", text, "e.g. 2:12:2 or 12:2:-2"
        )
    span = (stop - start) / step
    count = math.floor(span + 1e-9 * max(1.0, abs(span))) + 1
    if count > MAX_VALUES:
        raise error_at(where, f"the range has {count} values, more than {MAX_VALUES}", text)
    if all(_is_int(x) for x in (start, stop, step)):
        return tuple(int(start + i * step) for i in range(count))
    return tuple(tidy(start + i * step) for i in range(count))


def make_factor(
    name: str,
    spec: str | Sequence[Any],
    where: str,
    set_paths: Mapping[str, str] | None = None,
    label: str | None = None,
) -> Factor:
    """A factor from its values as text (list, range or bounds) or as a YAML list.

    Raises
    ------
    SamsimError
        Naming ``where`` (the sweep file's key; none for :func:`parse_vary`) and what
        is wrong.
    """
    if not name or any(not part for part in name.split(".")):
        raise error_at(where, "the factor needs a name or a dotted.path", name)
    if name in RESERVED:
        raise error_at(where, f"'{name}' is a column of the results", name, "choose another name")
    targets = tuple((str(k), str(v)) for k, v in (set_paths or {}).items())
    for path, expr in targets:
        if not path or any(not part for part in path.split(".")):
            raise error_at(where, "a path in set: has an empty part", path)
        parse_expression(expr, f"{where}: set: {path}")
    values: tuple[Value, ...] = ()
    bounds: tuple[float, float] | None = None
    if isinstance(spec, str):
        text = spec.strip()
        if not text:
            raise error_at(where, "no values given", spec, "e.g. 2,4,6 or 2:12:2 or 0.1..0.5")
        if ".." in text:
            low_text, _, high_text = text.partition("..")
            low, high = read_number(low_text.strip(), where), read_number(high_text.strip(), where)
            if not low < high:
                raise error_at(where, "bounds low..high need low < high", text)
            bounds = (low, high)
        else:  # a list whose items may be ranges: 2,4,6 or 2:12:2 or 0,5:8
            items = [item.strip() for item in text.split(",")]
            if not all(items):
                raise error_at(where, "a list item is empty", text, "e.g. 2,4,6")
            for item in items:
                values += _range(item, where) if ":" in item else (_scalar(item, where),)
    else:
        values = tuple(spec)
        if not values:
            raise error_at(where, "no values given", list(spec))
        for value in values:
            if not isinstance(value, int | float | str | bool):
                raise error_at(where, "every value must be a number or a word", value)
            if isinstance(value, float) and not math.isfinite(value):
                raise error_at(where, "must be a finite number", value)
    if len(set(values)) != len(values):
        raise error_at(where, "a value is given twice", spec)
    integer = all(_is_int(b) for b in bounds) if bounds else all(_is_int(v) for v in values)
    factor = Factor(name, values, bounds, integer, targets, label)
    if not integer:
        needs_number = [e for _, e in factor.targets if e.strip() != "{value}"]
        words = [v for v in values if not isinstance(v, int | float) or isinstance(v, bool)]
        if needs_number and words:
            raise error_at(where, "arithmetic needs numbers", words[0], f"in {needs_number[0]!r}")
    return factor


def parse_vary(text: str) -> Factor:
    """A factor from ``PATH=VALUES`` text, one of a sweep's ``vary`` settings.

    Raises
    ------
    SweepError
        Of the setting ``vary``, naming the text and what is wrong with it.
    """
    if "=" not in text:
        raise SweepError("vary", text, "must look like dotted.path=VALUES, e.g. beds=2,4,6")
    path, _, spec = text.partition("=")
    try:
        return make_factor(path.strip(), spec, "")
    except SamsimError as exc:
        raise SweepError("vary", text, str(exc)) from None
