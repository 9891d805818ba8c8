"""Expressions of a factor's value: numbers, ``{value}``, ``+ - * /`` and brackets.

A derived factor sets several scenario paths to small arithmetic expressions
of its value (``groups.kols.entry.hospital_stay: "1 - {value}"``). They are
parsed here into a small tree and evaluated by :func:`evaluate`, never by
``eval``; depth and length are bounded, since parser and evaluator recurse.
"""

from __future__ import annotations

import math
import re
from typing import Any

from simulator.errors import SamsimError

__all__ = ["Expression", "Value", "error_at", "evaluate", "parse_expression", "read_number", "tidy"]

Value = int | float | str | bool
"""One value of a factor."""

MAX_DEPTH = 50  # brackets and signs nested deeper than this are a mistake, not a formula
MAX_EXPRESSION = 500  # characters: the evaluator recurses once per operator


def error_at(where: str, message: str, got: object = None, hint: str | None = None) -> SamsimError:
    """A user error: ``where: message (got ...); hint`` (without ``where: `` when it is empty)."""
    text = f"{where}: {message}" if where else message
    if got is not None:
        text += f" (got {got!r})"
    if hint:
        text += f"; {hint}"
    return SamsimError(text)


def tidy(value: float) -> float:
    """A float rounded to 12 significant digits: ``1 - 0.7`` gives 0.3, not 0.30000000000000004."""
    return float(f"{value:.12g}")


def read_number(text: str, where: str) -> int | float:
    """``text`` as an integer if it is one, else as a finite float; a user error otherwise."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise error_at(where, "not a number", text) from None
    if not math.isfinite(value):
        raise error_at(where, "must be a finite number", text)
    return value


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
        raise error_at(where, f"the expression is longer than {MAX_EXPRESSION} characters", None)
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise error_at(
                where,
                f"cannot read the expression at '{stripped[position:].strip()}'",
                text,
                'use numbers, {value}, + - * / and brackets, e.g. "1 - {value}"',
            )
        number, value, operator = match.groups()
        tokens.append(("num", number) if number else ("value", "") if value else ("op", operator))
        position = match.end()
    if not tokens:
        raise error_at(where, "the expression is empty", text, 'e.g. "{value}"')
    _check_depth(tokens, where, text)
    tree, rest = _sum(tokens, where, text)
    if rest:
        raise error_at(where, f"unexpected '{rest[0][1]}' in the expression", text)
    return tree


def _check_depth(tokens: list[tuple[str, str]], where: str, text: str) -> None:
    """Refuse nesting the recursive parser (and evaluator) could not follow."""
    depth = signs = 0
    for kind, token in tokens:
        depth += (token == "(") - (token == ")") if kind == "op" else 0
        signs = signs + 1 if (kind, token) == ("op", "-") else 0
        if depth > MAX_DEPTH or signs > MAX_DEPTH:
            raise error_at(
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
        raise error_at(where, "the expression ends too early", text)
    kind, token = tokens[0]
    if (kind, token) == ("op", "-"):
        operand, rest = _unary(tokens[1:], where, text)
        return ("neg", operand), rest
    if kind == "num":
        return ("num", read_number(token, where)), tokens[1:]
    if kind == "value":
        return ("value",), tokens[1:]
    if token == "(":
        inner, rest = _sum(tokens[1:], where, text)
        if not rest or rest[0] != ("op", ")"):
            raise error_at(where, "a bracket is not closed", text)
        return inner, rest[1:]
    raise error_at(where, f"unexpected '{token}' in the expression", text)


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
