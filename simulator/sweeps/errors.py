"""The error of a sweep setting, named as the library knows it (decision 31).

A sweep is given as settings (``vary``, ``design``, ``samples``,
``replications``, ``kpis``, the ``folder`` to resume). A wrong one is named
by its setting, ``vary beds=1..3: bounds low..high are for a Latin hypercube
design; ...``, never by a command-line flag: the command line names the flag
instead (``--vary beds=1..3: ...``) and shows :attr:`SweepError.fixes` as
flags. A mistake in a sweep *file* names the file and its key path and is a
plain :class:`~simulator.errors.SamsimError`.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.errors import OptionError

__all__ = ["SweepError", "SweepMismatch"]


class SweepError(OptionError):
    """A wrong value of one sweep setting, and the settings that would fix it.

    Attributes
    ----------
    option
        The setting: ``vary``, ``design``, ``samples``, ``replications``,
        ``kpis`` or ``folder`` (the folder to resume).
    value
        The value as given (one ``PATH=VALUES`` text for ``vary``).
    message
        What is wrong and how to fix it, in the library's words.
    fixes
        ``(setting, value)`` pairs that would fix it, e.g.
        ``(("design", "lhs"), ("samples", "N"))``; the command line shows
        them as flags.
    """

    def __init__(
        self, option: str, value: str, message: str, fixes: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(option, value, message)
        self.fixes = tuple(fixes)


class SweepMismatch(SweepError):
    """A folder to resume that holds another sweep than the one expected.

    Attributes
    ----------
    differences
        How the sweep expected differs from the stored one, one line each
        (:func:`simulator.sweeps.sweep.differences`).
    """

    def __init__(self, folder: str, differences: Sequence[str]) -> None:
        self.differences = tuple(differences)
        super().__init__(
            "folder",
            folder,
            "the sweep there is not the one expected:\n  "
            + "\n  ".join(self.differences)
            + "\ncontinue it as it was (without an expected sweep), or start a new sweep",
        )
