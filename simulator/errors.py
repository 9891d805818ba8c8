"""The package's exception root and the problem records that validation produces.

Every mistake a user can make in a scenario file or on the command line is
raised as a :class:`SamsimError`; the command line turns it into exit code 2
and one clear message. Anything else that escapes is a bug (exit code 1).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OptionError", "Problem", "SamsimError", "ScenarioError"]


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


class OptionError(SamsimError):
    """A bad value for one parameter of a library call, such as ``facility`` or ``scheduler``.

    The message names the parameter as the library knows it
    (``facility unitt: no such facility ...``). Library messages never name
    command-line flags: the command line maps :attr:`option` to its flag and
    writes ``--facility unitt: no such facility ...``.

    Attributes
    ----------
    option
        The parameter's name in the library (``facility``, ``target``,
        ``bed_range``, ``confidence``, ``scheduler``).
    value
        The value as given, as it is shown after the option.
    message
        What is wrong and how to fix it, without the option and value.
    overrides
        Scenario overrides (``path=value``, as :func:`simulator.load_scenario`
        takes them) that would fix it, if any; the command line shows them as
        ``--set``.
    """

    def __init__(
        self, option: str, value: str, message: str, overrides: tuple[str, ...] = ()
    ) -> None:
        self.option = option
        self.value = value
        self.message = message
        self.overrides = overrides
        super().__init__(f"{option} {value}: {message}")


class ScenarioError(SamsimError):
    """A scenario could not be read or is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
