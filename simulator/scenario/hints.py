"""What to write instead: hints for values a planner writes the Norwegian or the Excel way.

A decimal comma (``6,2``), a percentage (``90%``), a date written
``01.01.2026`` or ``20250101``, a kommunenummer read as a number, an id with
æ, ø or å, ``true`` where a number belongs: each is a valid habit somewhere,
and each fails validation with a message that says what the format wants
instead. :mod:`simulator.scenario.validation` adds these hints to its problems.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "MAX_NAME_CHARS",
    "WHOLE_NUMBER_KEYS",
    "booleans",
    "date_hint",
    "id_hint",
    "number_hint",
]

MAX_NAME_CHARS = 100
"""Longest scenario name: it names result folders, and file systems stop at 255 bytes."""

WHOLE_NUMBER_KEYS = frozenset(
    {
        "beds",
        "initial_patients",
        "patients",
        "population_year",
        "price_year",
        "priority",
        "replications",
        "seed",
    }
)
"""The scenario keys that take a whole number, wherever they stand (no key of
that name takes a decimal). Reading a file knows a key by its name only, before
the schema sees it; ``tests/scenario/test_writing_habits.py`` holds this set
equal to the schema's."""

_DECIMAL_COMMA = re.compile(r"^\s*([-+]?\d+),(\d+)\s*$")
_PERCENT = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*%\s*$")
_CLOCK = re.compile(r"^\s*(\d+):([0-5]\d)(?::([0-5]\d))?\s*$")
_SPACED = re.compile(r"^\s*\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?\s*$")
_DOTTED_DATE = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NORWEGIAN = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "Æ": "Ae", "Ø": "O", "Å": "Aa"})


def number_hint(value: object, whole: bool = False) -> str | None:
    """What to write for text that was meant as a number.

    ``whole`` is for a key that takes a whole number (``beds``, ``population``):
    the hint then never suggests a decimal or a share the key would refuse.
    """
    if not isinstance(value, str):
        return None
    if match := _DECIMAL_COMMA.match(value):
        if whole:
            return _whole_hint(match[1], match[2])
        return f"write {match[1]}.{match[2]}: YAML needs a decimal point, not a comma"
    if match := _PERCENT.match(value):
        if whole:
            return "this key takes a whole number, not a share or a percentage"
        share = float(match[1].replace(",", ".")) / 100
        return f"write a share as a number: {value.strip()} is {share:g}"
    if match := _CLOCK.match(value):
        kind = "whole number" if whole else "number"
        example = "e.g. 2" if whole else "days are counted in days, e.g. 1.5"
        return f"write a plain {kind}: {value.strip()} is not read as a time ({example})"
    if _SPACED.match(value):
        plain = re.sub(r"[ \u00a0\u202f]", "", value.strip()).replace(",", ".")
        if whole and "." in plain:
            return f"write a whole number without spaces, e.g. {plain.partition('.')[0]}"
        return f"write {plain}, without spaces between the digits"
    return None


def _whole_hint(integer: str, fraction: str) -> str:
    """The hint for a decimal comma where a whole number belongs: never "write 6.5"."""
    if not fraction.strip("0"):
        return f"write {int(integer)}: this key takes a whole number, written without a comma"
    decimal = f"{integer},{fraction}"
    return f"this key takes a whole number, e.g. {int(integer)}, not a decimal such as {decimal}"


def date_hint(value: object) -> str:
    """What to write for a date the format cannot read."""
    text = str(value).strip()
    match = _DOTTED_DATE.match(text) or (
        _COMPACT_DATE.match(text) if isinstance(value, int | str) else None
    )
    if match:
        day, month, year = (
            (match[1], match[2], match[3]) if match.re is _DOTTED_DATE else match.groups()[::-1]
        )
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            return "write dates as YYYY-MM-DD, e.g. 2026-01-01"
        return f"write {date.isoformat()}"
    return "write dates as YYYY-MM-DD, e.g. 2026-01-01"


def id_hint(value: object) -> str | None:
    """What to write for an id with letters or signs that ids cannot hold."""
    if not isinstance(value, str):
        return None
    suggestion = re.sub(r"[^A-Za-z0-9_-]+", "-", value.strip().translate(_NORWEGIAN)).strip("-")
    why = "ids name result columns and folders, so they keep to a-z, 0-9, '-' and '_'"
    if suggestion and suggestion != value:
        return f"write '{suggestion}'; {why}; the display name (name:) may hold any text"
    return why


def booleans(data: Any, path: str = "") -> Iterator[tuple[str, bool]]:
    """Every ``true``/``false`` in a scenario map: no key of the format takes one."""
    if isinstance(data, bool):
        yield path, data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from booleans(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from booleans(value, f"{path}[{i}]")
