"""Suggestions for a mistyped name: "did you mean 'beds'?" or the list of known names.

Every message that refuses an unknown key, id, KPI or option value ends with
the same kind of hint, so it is built in one place. The nearest name is found
with :func:`difflib.get_close_matches` (Ratcliff/Obershelp similarity).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean", "nearest", "suggest"]

CUTOFF = 0.6
"""Similarity (0..1) a known name needs to be suggested; difflib's own default."""


def nearest(word: str, choices: Iterable[str], *, cutoff: float = CUTOFF) -> str | None:
    """The known name closest to ``word``, or None when none is similar enough.

    Parameters
    ----------
    word
        The name the user wrote.
    choices
        The names that exist.
    cutoff
        Similarity (0..1) a name needs to count as close.
    """
    match = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=cutoff)
    return match[0] if match else None


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = CUTOFF) -> str | None:
    """``"did you mean 'x'?"`` for the nearest known name, or None when none is close."""
    near = nearest(word, choices, cutoff=cutoff)
    return f"did you mean '{near}'?" if near is not None else None


def suggest(
    word: str, choices: Iterable[str], *, known: str = "known", cutoff: float = CUTOFF
) -> str:
    """A hint for an unknown name: ``"did you mean 'x'?"``, else ``"known: a, b, c"``.

    Parameters
    ----------
    word
        The name the user wrote.
    choices
        The names that exist, listed in this order when none is close.
    known
        What to call the list, e.g. ``"known keys"`` or ``"facilities"``.
    cutoff
        Similarity (0..1) a name needs to be suggested.

    Examples
    --------
    >>> suggest("bedz", ["beds", "schedule"])
    "did you mean 'beds'?"
    >>> suggest("xyz", ["beds", "schedule"], known="known keys")
    'known keys: beds, schedule'
    """
    names = [str(c) for c in choices]
    return did_you_mean(word, names, cutoff=cutoff) or f"{known}: " + ", ".join(names)
