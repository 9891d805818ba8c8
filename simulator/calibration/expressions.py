"""A target's KPI expression: ``+ - * /`` over KPI names, scenario values and numbers.

An observed figure is often not one KPI but a form of some: a ratio of two
KPIs, or a count per 1 000 inhabitants. A target writes it as a small
expression, read here with :mod:`ast` and restricted to numbers, names, the
four operators, unary minus and brackets; anything else (a call, an
attribute, ``**``, a comparison, a subscript) is refused. Nothing is ever
evaluated by Python: :meth:`Expression.evaluate` walks the checked tree.

Names. A KPI name holds dots and dashes (``facility.unn-tromso-med.occupancy_mean``),
which Python's grammar would read as attributes and subtraction, so names are
written between backquotes::

    `facility.unit.bed_days` / `facility.unit.admissions`
    1000 * `group.kols.episodes.per_year` / population
    1000 * `band.80+.hospital_admissions.per_year` / `band.80+.population`

A backquoted name is a KPI, or with the prefix ``scenario.`` a number in the
resolved scenario (``scenario.municipalities.north.population``). Bare names
are the scenario values of :data:`SCENARIO_VALUES`. An expression that is a
single KPI name may leave out the backquotes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from simulator.errors import SamsimError

__all__ = ["SCENARIO_PREFIX", "SCENARIO_VALUES", "Expression", "ExpressionError", "parse"]

SCENARIO_VALUES = {
    "population": "the scenario's inhabitants at the start (all municipalities)",
    "days": "the days measured (run.days, after warm-up)",
    "years": "the years measured (days measured / 365)",
}
"""The bare names an expression may use, and what each means."""

SCENARIO_PREFIX = "scenario."
"""A backquoted name with this prefix is a number at that path of the resolved scenario."""

_BACKQUOTED = re.compile(r"`([^`]*)`")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# Between backquotes a name may also hold '+' (an age band such as 80+).
_QUOTED_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+\-]*$")
_PLACEHOLDER = "_kpi{}_"
_OPERATORS: dict[type[ast.operator], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
}
_REFUSED = {
    ast.Call: "a call",
    ast.Attribute: "an attribute (write a KPI name between backquotes: `a.b`)",
    ast.Pow: "** (write the product out)",
    ast.Subscript: "a subscript",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.Lambda: "a lambda",
}


class ExpressionError(SamsimError):
    """An expression that cannot be read; the message says what to change."""


@dataclass(frozen=True)
class Expression:
    """A checked expression and the names it uses.

    Attributes
    ----------
    text
        As written.
    kpis
        The KPI names, in order of first use.
    scenario_names
        The bare names and ``scenario.`` paths it uses.
    """

    text: str
    tree: ast.expr
    names: Mapping[str, str]  # placeholder or bare name -> the name it stands for
    kpis: tuple[str, ...]
    scenario_names: tuple[str, ...]

    @property
    def single_kpi(self) -> str | None:
        """The KPI name when the expression is just one KPI, else None."""
        if isinstance(self.tree, ast.Name) and len(self.kpis) == 1:
            return self.kpis[0]
        return None

    def evaluate(self, values: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """The expression's value for each replication.

        ``values`` maps every name the expression uses (KPI names, bare names,
        ``scenario.`` paths) to a number or an array (one value per replication).
        A division by zero gives nan or infinity, as in the KPIs.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self._walk(self.tree, values), dtype=float)

    def _walk(self, node: ast.expr, values: Mapping[str, np.ndarray | float]) -> np.ndarray:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int | float)  # parse() let nothing else through
            return np.asarray(float(node.value))
        if isinstance(node, ast.Name):
            return np.asarray(values[self.names[node.id]], dtype=float)
        if isinstance(node, ast.UnaryOp):
            inner = self._walk(node.operand, values)
            return -inner if isinstance(node.op, ast.USub) else inner
        assert isinstance(node, ast.BinOp)  # parse() let nothing else through
        operator = _OPERATORS[type(node.op)]
        return operator(self._walk(node.left, values), self._walk(node.right, values))


def parse(text: str) -> Expression:
    """Read and check an expression.

    Raises
    ------
    ExpressionError
        For anything but numbers, names, ``+ - * /``, unary minus and brackets;
        for an unclosed backquote or an unknown bare name.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("is empty; write a KPI name, e.g. `facility.x.occupancy_mean`")
    stripped = text.strip()
    if "`" not in stripped and "." in stripped and _NAME.match(stripped):
        stripped = f"`{stripped}`"  # one KPI name, backquotes left out
    if stripped.count("`") % 2:
        raise ExpressionError("has a backquote that is not closed; write names as `a.b-c`")
    names: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if not _QUOTED_NAME.match(name):
            raise ExpressionError(
                f"`{name}` is not a name: names hold letters, digits, '_', '.', '-' and '+'"
            )
        placeholder = _PLACEHOLDER.format(len(names))
        names[placeholder] = name
        return f" {placeholder} "

    source = _BACKQUOTED.sub(replace, stripped)
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        raise ExpressionError(
            "is not an expression of + - * / over names and numbers; "
            "write KPI names between backquotes, e.g. `facility.x.bed_days` / 365"
        ) from None
    for node in ast.walk(tree):
        _check(node, names)
    kpis: list[str] = []
    scenario_names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            name = names.setdefault(node.id, node.id)
            if node.id in SCENARIO_VALUES or name.startswith(SCENARIO_PREFIX):
                target = scenario_names
            else:
                target = kpis
            if name not in target:
                target.append(name)
    # ast.walk is breadth first: list the names in the order they are written
    order = {name: stripped.find(name) for name in (*kpis, *scenario_names)}
    kpis.sort(key=order.__getitem__)
    scenario_names.sort(key=order.__getitem__)
    return Expression(text, tree, names, tuple(kpis), tuple(scenario_names))


def _check(node: ast.AST, names: Mapping[str, str]) -> None:
    if isinstance(node, ast.Expression | ast.operator | ast.unaryop | ast.expr_context):
        if isinstance(node, ast.operator) and type(node) not in _OPERATORS:
            shown = _REFUSED.get(type(node), f"the operator {type(node).__name__}")
            raise ExpressionError(f"uses {shown}; only + - * / are allowed")
        if isinstance(node, ast.unaryop) and not isinstance(node, ast.USub | ast.UAdd):
            raise ExpressionError("uses a unary operator other than -; only + - * / are allowed")
        return
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"uses {node.value!r}; only numbers and names are allowed")
        return
    if isinstance(node, ast.Name):
        if node.id not in names and node.id not in SCENARIO_VALUES:
            known = ", ".join(SCENARIO_VALUES)
            raise ExpressionError(
                f"uses the bare name {node.id!r}; write a KPI name between backquotes "
                f"(`{node.id}`), or use one of the scenario values {known}"
            )
        return
    shown = _REFUSED.get(type(node), type(node).__name__)
    raise ExpressionError(f"uses {shown}; only numbers, names and + - * / are allowed")
