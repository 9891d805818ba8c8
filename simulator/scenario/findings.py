"""What the scenario checks find: one finding's shape and the checks several of them make.

A finding is ``(key path, what is wrong, the value given or None, how to fix it or None)``;
:func:`simulator.scenario.checks.check` turns them into one message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from simulator.errors import show_value
from simulator.text.suggest import suggest

__all__ = ["Finding", "TOLERANCE", "sum_to_one", "unknown_id"]

Finding = tuple[str, str, str | None, str | None]
TOLERANCE = 1e-9
"""How far probabilities may sum from 1."""


def sum_to_one(path: str, probabilities: Mapping[str, float]) -> Iterator[Finding]:
    """A finding if ``probabilities`` do not add up to 1."""
    total = sum(probabilities.values())
    if abs(total - 1.0) > TOLERANCE:
        yield (
            path,
            "probabilities must sum to 1",
            f"sum {total:.6g}",
            "adjust the values so that they add up to exactly 1",
        )


def unknown_id(path: str, kind: str, name: str, known: list[str]) -> Finding:
    """``name`` is no known ``kind`` id: the nearest known one as the fix."""
    return (
        path,
        f"no {kind} with this id",
        show_value(name),
        suggest(name, known, known="known ids"),
    )
