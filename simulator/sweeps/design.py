"""The design of a sweep: factors, their values, and the points to run.

A *factor* is one thing a sweep varies. Its values are written as text (on
the command line, ``--vary PATH=VALUES``, or in a sweep file):

* a list, ``2,4,6`` (numbers, or words such as ``queue,divert``);
* a range, ``2:12:2`` (start, stop, step; the stop is included when the steps
  land on it; ``2:6`` steps by 1), also as a list item: ``0,4:8``;
* bounds, ``0.1..0.5``, for a Latin hypercube design only.

Values that are all integers stay integers (``2:12:2`` gives ``2, 4, ..., 12``,
never ``4.0``), and integer bounds give integers in a Latin hypercube.

A factor sets one scenario path to its value, or, as a *derived* factor,
several paths to small arithmetic expressions of it
(``groups.kols.entry.hospital_stay: "1 - {value}"``): numbers, ``{value}``,
``+ - * /`` and brackets, evaluated by the parser here (never ``eval``).

The *design* turns factors into points: ``grid`` is the full factorial (the
last factor varies fastest), ``lhs`` a Latin hypercube of ``samples`` points
(:class:`scipy.stats.qmc.LatinHypercube`, McKay, Beckman & Conover 1979)
seeded from the sweep's seed, so that each factor's range is cut into
``samples`` equal strata and every stratum holds exactly one point.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import Problem, SamsimError
from simulator.scenario.limits import LimitError, Limits

__all__ = [
    "DESIGNS",
    "Factor",
    "Value",
    "evaluate",
    "grid_points",
    "lhs_points",
    "make_factor",
    "parse_expression",
    "parse_vary",
    "points",
    "too_many_points",
]

Value = int | float | str | bool
"""One value of a factor."""

DESIGNS = ("grid", "lhs")
MAX_VALUES = 10_000  # a range longer than this is a typo, not a study
LHS_STREAM = (0x5EE9,)  # spawn key of the design's own stream: no replication stream has length 1
RESERVED = ("point", "replication", "replications", "status", "problems")
MAX_DEPTH = 50  # brackets and signs nested deeper than this are a mistake, not a formula
MAX_EXPRESSION = 500  # characters: the evaluator recurses once per operator


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
        """The values as they would be written on the command line."""
        if self.bounds is not None:
            return f"{_show(self.bounds[0])}..{_show(self.bounds[1])}"
        return ",".join(_show(v) for v in self.values)

    def assignments(self, value: Value) -> list[tuple[str, Value]]:
        """The ``(path, value)`` pairs that this factor's ``value`` sets."""
        return [(path, evaluate(parse_expression(expr), value)) for path, expr in self.targets]


def _show(value: Value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _error(where: str, message: str, got: object = None, hint: str | None = None) -> SamsimError:
    text = f"{where}: {message}"
    if got is not None:
        text += f" (got {got!r})"
    if hint:
        text += f"; {hint}"
    return SamsimError(text)


def tidy(value: float) -> float:
    """A float rounded to 12 significant digits: ``1 - 0.7`` gives 0.3, not 0.30000000000000004."""
    return float(f"{value:.12g}")


def _number(text: str, where: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise _error(where, "not a number", text) from None
    if not math.isfinite(value):
        raise _error(where, "must be a finite number", text)
    return value


def _scalar(text: str, where: str = "") -> Value:
    """One list item: an integer, a number, true/false, or a word (never inf or nan)."""
    try:
        return _number(text, where)
    except SamsimError:
        try:
            float(text)
        except ValueError:
            pass
        else:  # inf, nan: a number that no scenario key can hold
            raise _error(where, "must be a finite number", text) from None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text.strip("'\"")


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _range(text: str, where: str) -> tuple[Value, ...]:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (2, 3) or not all(parts):
        raise _error(where, "a range is start:stop:step", text, "e.g. 2:12:2")
    start, stop, *rest = (_number(p, where) for p in parts)
    step = rest[0] if rest else 1
    if step == 0 or (stop - start) * step < 0:
        raise _error(where, "the step must lead from start to stop", text, "e.g. 2:12:2 or 12:2:-2")
    span = (stop - start) / step
    count = math.floor(span + 1e-9 * max(1.0, abs(span))) + 1
    if count > MAX_VALUES:
        raise _error(where, f"the range has {count} values, more than {MAX_VALUES}", text)
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
        Naming ``where`` (``--vary beds=...`` or the sweep file's key) and what is wrong.
    """
    if not name or any(not part for part in name.split(".")):
        raise _error(where, "the factor needs a name or a dotted.path", name)
    if name in RESERVED:
        raise _error(where, f"'{name}' is a column of the results", name, "choose another name")
    targets = tuple((str(k), str(v)) for k, v in (set_paths or {}).items())
    for path, expr in targets:
        if not path or any(not part for part in path.split(".")):
            raise _error(where, "a path in set: has an empty part", path)
        parse_expression(expr, f"{where}: set: {path}")
    values: tuple[Value, ...] = ()
    bounds: tuple[float, float] | None = None
    if isinstance(spec, str):
        text = spec.strip()
        if not text:
            raise _error(where, "no values given", spec, "e.g. 2,4,6 or 2:12:2 or 0.1..0.5")
        if ".." in text:
            low_text, _, high_text = text.partition("..")
            low, high = _number(low_text.strip(), where), _number(high_text.strip(), where)
            if not low < high:
                raise _error(where, "bounds low..high need low < high", text)
            bounds = (low, high)
        else:  # a list whose items may be ranges: 2,4,6 or 2:12:2 or 0,5:8
            items = [item.strip() for item in text.split(",")]
            if not all(items):
                raise _error(where, "a list item is empty", text, "e.g. 2,4,6")
            for item in items:
                values += _range(item, where) if ":" in item else (_scalar(item, where),)
    else:
        values = tuple(spec)
        if not values:
            raise _error(where, "no values given", list(spec))
        for value in values:
            if not isinstance(value, int | float | str | bool):
                raise _error(where, "every value must be a number or a word", value)
            if isinstance(value, float) and not math.isfinite(value):
                raise _error(where, "must be a finite number", value)
    if len(set(values)) != len(values):
        raise _error(where, "a value is given twice", spec)
    integer = all(_is_int(b) for b in bounds) if bounds else all(_is_int(v) for v in values)
    factor = Factor(name, values, bounds, integer, targets, label)
    if not integer:
        needs_number = [e for _, e in factor.targets if e.strip() != "{value}"]
        words = [v for v in values if not isinstance(v, int | float) or isinstance(v, bool)]
        if needs_number and words:
            raise _error(where, "arithmetic needs numbers", words[0], f"in {needs_number[0]!r}")
    return factor


def parse_vary(text: str) -> Factor:
    """A factor from ``--vary PATH=VALUES``."""
    where = f"--vary {text}"
    if "=" not in text:
        raise _error(where, "must look like dotted.path=VALUES", None, "e.g. --vary beds=2,4,6")
    path, _, spec = text.partition("=")
    return make_factor(path.strip(), spec, where)


# --- expressions: numbers, {value}, + - * / and brackets -------------------------------

_TOKEN = re.compile(
    r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(\{value\})|([-+*/()]))"
)
Expression = tuple[Any, ...]


def parse_expression(text: str, where: str = "expression") -> Expression:
    """Parse an expression of ``{value}`` into a small tree (a nested tuple).

    Grammar: ``sum := product (("+"|"-") product)*``, ``product := unary
    (("*"|"/") unary)*``, ``unary := "-" unary | atom``, ``atom := number |
    {value} | "(" sum ")"``.
    """
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = text.rstrip()
    if len(stripped) > MAX_EXPRESSION:
        raise _error(where, f"the expression is longer than {MAX_EXPRESSION} characters", None)
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise _error(
                where,
                f"cannot read the expression at '{stripped[position:].strip()}'",
                text,
                'use numbers, {value}, + - * / and brackets, e.g. "1 - {value}"',
            )
        number, value, operator = match.groups()
        tokens.append(("num", number) if number else ("value", "") if value else ("op", operator))
        position = match.end()
    if not tokens:
        raise _error(where, "the expression is empty", text, 'e.g. "{value}"')
    _check_depth(tokens, where, text)
    tree, rest = _sum(tokens, where, text)
    if rest:
        raise _error(where, f"unexpected '{rest[0][1]}' in the expression", text)
    return tree


def _check_depth(tokens: list[tuple[str, str]], where: str, text: str) -> None:
    """Refuse nesting the recursive parser (and evaluator) could not follow."""
    depth = signs = 0
    for kind, token in tokens:
        depth += (token == "(") - (token == ")") if kind == "op" else 0
        signs = signs + 1 if (kind, token) == ("op", "-") else 0
        if depth > MAX_DEPTH or signs > MAX_DEPTH:
            raise _error(
                where,
                f"the expression nests brackets or signs more than {MAX_DEPTH} deep",
                text if len(text) <= 60 else text[:57] + "...",
                'write it more simply, e.g. "1 - {value}"',
            )


def _sum(tokens: list[tuple[str, str]], where: str, text: str) -> tuple[Expression, list[Any]]:
    left, tokens = _product(tokens, where, text)
    while tokens and tokens[0] in (("op", "+"), ("op", "-")):
        operator = tokens[0][1]
        right, tokens = _product(tokens[1:], where, text)
        left = (operator, left, right)
    return left, tokens


def _product(tokens: list[tuple[str, str]], where: str, text: str) -> tuple[Expression, list[Any]]:
    left, tokens = _unary(tokens, where, text)
    while tokens and tokens[0] in (("op", "*"), ("op", "/")):
        operator = tokens[0][1]
        right, tokens = _unary(tokens[1:], where, text)
        left = (operator, left, right)
    return left, tokens


def _unary(tokens: list[tuple[str, str]], where: str, text: str) -> tuple[Expression, list[Any]]:
    if not tokens:
        raise _error(where, "the expression ends too early", text)
    kind, token = tokens[0]
    if (kind, token) == ("op", "-"):
        operand, rest = _unary(tokens[1:], where, text)
        return ("neg", operand), rest
    if kind == "num":
        return ("num", _number(token, where)), tokens[1:]
    if kind == "value":
        return ("value",), tokens[1:]
    if token == "(":
        inner, rest = _sum(tokens[1:], where, text)
        if not rest or rest[0] != ("op", ")"):
            raise _error(where, "a bracket is not closed", text)
        return inner, rest[1:]
    raise _error(where, f"unexpected '{token}' in the expression", text)


def evaluate(tree: Expression, value: Value) -> Value:
    """The expression's value for ``value``; ``{value}`` alone gives ``value`` unchanged.

    Integers stay integers through ``+ - *`` and through an exact ``/``.

    Raises
    ------
    SamsimError
        On division by zero, or arithmetic on a word.
    """
    if tree == ("value",):
        return value
    result = _evaluate(tree, value)
    return result if isinstance(result, int) else tidy(result)


def _evaluate(tree: Expression, value: Value) -> int | float:
    kind = tree[0]
    if kind == "num":
        number: int | float = tree[1]
        return number
    if kind == "value":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SamsimError(f"cannot compute with the value {value!r}: it is not a number")
        return value
    if kind == "neg":
        return -_evaluate(tree[1], value)
    left, right = _evaluate(tree[1], value), _evaluate(tree[2], value)
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    if right == 0:
        raise SamsimError(f"division by zero for the value {value!r}")
    if isinstance(left, int) and isinstance(right, int) and left % right == 0:
        return left // right
    return left / right


# --- designs ------------------------------------------------------------------------------


def grid_points(factors: Sequence[Factor]) -> list[dict[str, Value]]:
    """Every combination of the factors' values; the last factor varies fastest."""
    for factor in factors:
        if factor.bounds is not None:
            raise SamsimError(
                f"--vary {factor.name}={factor.spec}: bounds low..high are for --design lhs; "
                "a grid needs a list (2,4,6) or a range (2:12:2)"
            )
    names = [f.name for f in factors]
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(f.values for f in factors))
    ]


def lhs_points(factors: Sequence[Factor], samples: int, seed: int) -> list[dict[str, Value]]:
    """A Latin hypercube of ``samples`` points over the factors' bounds.

    Each factor's range is cut into ``samples`` equal strata with one point in
    each. Integer factors take ``low + floor(u · (high − low + 1))`` — a value
    drawn over ``[low − ½, high + ½)`` and rounded — so every integer from
    ``low`` to ``high`` is equally likely. Other values are rounded to 6
    significant digits where that keeps them in their stratum.
    """
    for factor in factors:
        if factor.bounds is None:
            raise SamsimError(
                f"--vary {factor.name}={factor.spec}: --design lhs needs bounds low..high for "
                "every factor, e.g. 0.1..0.5 or 2..12"
            )
    if samples < 1:
        raise SamsimError("--design lhs needs --samples N (N at least 1)")
    from scipy.stats import qmc  # here: scipy.stats takes a second to import

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=LHS_STREAM))
    unit = qmc.LatinHypercube(d=len(factors), rng=rng).random(samples)
    found: list[dict[str, Value]] = []
    for row in unit:
        point: dict[str, Value] = {}
        for factor, u in zip(factors, row, strict=True):
            assert factor.bounds is not None
            low, high = factor.bounds
            if factor.integer:
                point[factor.name] = int(min(low + math.floor(u * (high - low + 1)), high))
                continue
            exact = low + float(u) * (high - low)
            rounded = float(f"{exact:.6g}")
            stratum = math.floor(float(u) * samples)
            same = math.floor((rounded - low) / (high - low) * samples) == stratum
            point[factor.name] = rounded if same and low <= rounded <= high else exact
        found.append(point)
    return found


def too_many_points(count: float, limits: Limits) -> str:
    """What to say about a design of ``count`` points, more than the limit."""
    shown = f"{count:,}".replace(",", " ") if count < 1e15 else f"{count:.3g}"
    limit = f"{limits.points:,}".replace(",", " ")
    return (
        f"{shown} points, more than the limit of {limit} points"
        + "; every point is a full run: use fewer values or samples (a Latin hypercube "
        "covers many factors with few points), or raise the limit of points"
    )


def points(
    factors: Sequence[Factor],
    design: str = "grid",
    samples: int | None = None,
    seed: int = 0,
    max_points: int | None = None,
) -> list[dict[str, Value]]:
    """The points of a design, each a map from factor name to value.

    Raises
    ------
    LimitError
        Before anything is allocated, for more than ``max_points`` points
        (default: :class:`~simulator.scenario.limits.Limits`).
    """
    limits = Limits() if max_points is None else Limits(points=max_points)
    if design not in DESIGNS:
        raise SamsimError(f"--design must be one of {', '.join(DESIGNS)} (got {design!r})")
    if not factors:
        raise SamsimError("a sweep needs at least one factor: --vary PATH=VALUES")
    names = [f.name for f in factors]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SamsimError(f"the factor {twice[0]} is given twice; give each factor once")
    if design == "grid":
        if samples is not None:
            raise SamsimError("--samples is for --design lhs; a grid runs every combination")
        count = math.prod(len(f.values) for f in factors)
        if count > limits.points:
            sizes = " x ".join(str(len(f.values)) for f in factors)
            text = f"a grid of {sizes} values has " + too_many_points(count, limits)
            raise LimitError([Problem("the sweep", "", text)], ["points"])
        return grid_points(factors)
    if samples is None:
        raise SamsimError("--design lhs needs --samples N: the number of points to draw")
    if samples > limits.points:
        text = "a Latin hypercube of " + too_many_points(samples, limits)
        raise LimitError([Problem("the sweep", "", text)], ["points"])
    return lhs_points(factors, samples, seed)
