"""The package's exception root and the problem records that validation produces.

Every mistake a user can make in a scenario file or on the command line is
raised as a :class:`SamsimError`; the command line turns it into exit code 2
and one clear message. Anything else that escapes is a bug (exit code 1).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "SamsimError", "ScenarioError"]


def show_value(value: object, limit: int = 60) -> str:
    """A short, readable rendering of a value for an error message."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where, what, the offending value and a hint.

    Rendered as ``FILE: key.path: what is wrong (got VALUE); hint``.
    """

    source: str
    path: str
    message: str
    got: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        parts = [self.source]
        if self.path:
            parts.append(self.path)
        text = ": ".join(parts) + ": " + self.message
        if self.got is not None:
            text += f" (got {self.got})"
        if self.hint:
            text += f"; {self.hint}"
        return text


class SamsimError(Exception):
    """Root of every error caused by the user's input rather than by a bug."""


class ScenarioError(SamsimError):
    """A scenario could not be read or is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
