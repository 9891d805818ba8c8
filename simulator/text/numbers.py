"""Numbers for people: a KPI value, a share, a difference or an interval, in English or Norwegian.

One set of rules for the terminal, the report and the plots:

- English writes ``12 345.6``, Norwegian (``nb``) ``12 345,6``: a
  non-breaking space between thousands, a decimal point or comma, and a true
  minus sign (``−``).
- A share is a percentage with one decimal (``27.4 %``), two below 1 %
  (``0.45 %``) so that a small probability does not read as 0.
- A KPI value gets as many decimals as its unit needs (:func:`kpi_decimals`):
  none for NOK, none for a whole count of beds or days, one or two otherwise.
- A difference carries its sign; a difference of shares is in percentage
  points.
- Not a number (nan, infinite) is ``–``.
- A value the user wrote (a target, a factor level) is shown as written
  (:func:`format_as_given`); a tick label drops trailing zeros
  (:func:`format_trimmed`).
"""

from __future__ import annotations

import math

__all__ = [
    "MINUS",
    "NBSP",
    "NOT_A_NUMBER",
    "format_as_given",
    "format_difference",
    "format_interval",
    "format_kpi",
    "format_number",
    "format_share",
    "format_trimmed",
    "kpi_decimals",
    "share_decimals",
]

NBSP = "\u00a0"
"""Between thousands and before a unit: a line never breaks inside a number."""

MINUS = "−"
"""The minus sign (U+2212), wider than a hyphen and aligned with ``+``."""

NOT_A_NUMBER = "–"
"""What a nan or infinite value is shown as."""

_COUNTS = ("patients", "episodes", "bed_days", "day_count", "count", "minutes")


def format_number(value: float, lang: str = "en", decimals: int = 0, sign: bool = False) -> str:
    """``12 345.6`` (en) or ``12 345,6`` (nb): a non-breaking space between thousands.

    ``sign`` writes ``+`` before a positive value; a negative one always has ``−``.
    """
    if not math.isfinite(value):
        return NOT_A_NUMBER
    if value == 0:
        value = 0.0  # no "-0"
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    text = text.replace(",", NBSP)
    if lang == "nb":
        text = text.replace(".", ",")
    return text.replace("-", MINUS)


def _localised(text: str, lang: str) -> str:
    """A plain ``%``-formatted number with the language's decimal mark and a true minus."""
    return text.replace(".", "," if lang == "nb" else ".").replace("-", MINUS)


def format_as_given(value: float, lang: str = "en") -> str:
    """A value as the user wrote it (``%g``: ``0.05``, ``12``, ``1e-06``), in ``lang``."""
    if not math.isfinite(value):
        return NOT_A_NUMBER
    return _localised(f"{value:g}", lang)


def format_trimmed(value: float, lang: str = "en", decimals: int = 2) -> str:
    """At most ``decimals`` decimals, trailing zeros dropped (tick labels: ``0.5``, ``12``).

    From 1 000 on, a whole number with thousand separators.
    """
    if not math.isfinite(value):
        return NOT_A_NUMBER
    if abs(value) >= 1000:
        return format_number(value, lang, 0)
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return _localised(text, lang)


def share_decimals(value: float) -> int:
    """Decimals of a share in percent: 1, or 2 below 1 % so that it does not read as 0."""
    return 2 if 0 < abs(value) < 0.01 else 1


def format_share(
    value: float, lang: str = "en", decimals: int | None = None, sign: bool = False
) -> str:
    """A share as a percentage: ``27.4 %`` (en) or ``27,4 %`` (nb).

    ``decimals`` defaults to :func:`share_decimals`.
    """
    if not math.isfinite(value):
        return NOT_A_NUMBER
    places = share_decimals(value) if decimals is None else decimals
    return format_number(100 * value, lang, places, sign) + NBSP + "%"


def kpi_decimals(value: float, unit: str) -> int:
    """How many decimals a KPI value in ``unit`` is shown with (shares: :func:`share_decimals`).

    Beds and days: none when whole, two below 10, else one. Counts, bed-days
    and minutes: one below 10 when not whole, else none. NOK: none.
    """
    if unit == "share":
        return share_decimals(value)
    if unit in ("beds", "days"):
        if value == round(value):
            return 0
        return 2 if abs(value) < 10 else 1
    if unit in _COUNTS:
        return 1 if 0 < abs(value) < 10 and value != round(value) else 0
    return 0


def format_kpi(
    value: float, unit: str, lang: str = "en", sign: bool = False, floor: bool = False
) -> str:
    """A KPI value: shares in %, NOK and counts with thousand separators.

    ``floor`` shows a value below 0 as 0 unless the unit is NOK: a KPI that
    cannot be negative (a t-interval of a share near 0 reaches below it).
    """
    if not math.isfinite(value):
        return NOT_A_NUMBER
    if floor and unit != "nok":
        value = max(value, 0.0)
    if unit == "share":
        return format_share(value, lang, sign=sign)
    return format_number(value, lang, kpi_decimals(value, unit), sign)


def format_difference(value: float, unit: str, lang: str = "en", points: str = "pp") -> str:
    """A signed difference of a KPI; a difference of shares in percentage points (``points``)."""
    if unit == "share" and math.isfinite(value):
        return format_number(100 * value, lang, share_decimals(value), sign=True) + NBSP + points
    return format_kpi(value, unit, lang, sign=True)


def format_interval(
    low: float,
    high: float,
    unit: str,
    lang: str = "en",
    *,
    difference: bool = False,
    floor: bool = False,
    points: str = "pp",
) -> str:
    """A 95 % interval ``low – high``; ``""`` when an end is not finite.

    Each end as :func:`format_kpi` (``floor``: a KPI that cannot be
    negative starts at 0), or for the interval of a ``difference`` as
    :func:`format_difference` (signed; shares in percentage points).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if difference:
        ends = [format_difference(x, unit, lang, points) for x in (low, high)]
    else:
        ends = [format_kpi(x, unit, lang, floor=floor) for x in (low, high)]
    return " – ".join(ends)
