"""Values at dotted paths of a scenario map, as a targets file names them.

A free value (``parameters:``) and a ``scenario.`` name in a target's
expression are dotted paths into the scenario, as ``--set`` writes them
(``groups.kols.rate_per_1000``). These functions find what is there, or say
what is wrong with a suggestion of the keys that are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.text.suggest import suggest

__all__ = ["numbers_at", "scenario_number", "scenario_value", "value_at"]


def value_at(data: Mapping[str, Any], path: str) -> tuple[Any, str | None]:
    """The value at a dotted path of a scenario map, or None and what is wrong."""
    current: Any = data
    parts = path.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(current, Mapping) or part not in current:
            above = ".".join(parts[:depth]) or "the top level"
            known = list(current) if isinstance(current, Mapping) else []
            hint = suggest(part, known, known="keys there") if known else "it is not a map"
            return None, f"the scenario has no '{part}' under {above}; {hint}"
        current = current[part]
    return current, None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numbers_at(value: Any) -> bool:
    """Whether ``value`` is a number or a map whose every leaf is a number."""
    if isinstance(value, Mapping):
        return bool(value) and all(numbers_at(v) for v in value.values())
    return _is_number(value)


def scenario_number(data: Mapping[str, Any], path: str) -> tuple[float | None, str | None]:
    """The number at a dotted path of a scenario map, or None and what is wrong."""
    current, wrong = value_at(data, path)
    if wrong:
        return None, wrong
    if isinstance(current, Mapping) and numbers_at(current):
        keys = ", ".join(str(k) for k in current)
        return None, (
            f"is a map of numbers ({keys}), not one number: name one of them "
            f"({path}.{next(iter(current))}), or add 'scale: true' to fit one factor on all"
        )
    if not _is_number(current):
        return None, "is not a number in the scenario"
    return float(current), None


def scenario_value(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a scenario map (checked to exist before)."""
    return value_at(data, path)[0]
