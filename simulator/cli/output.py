"""What the simulating commands print and how they end: progress, results folder, Ctrl-C.

Standard output holds the results: the tables, then the results folder as
the last line (scripts capture it). Progress, warnings and errors go to
standard error. With ``--quiet`` standard output holds only the results
folder, and standard error only warnings and errors. The progress bar is
drawn only on a terminal; elsewhere (a log file, a pipe, CI) a bar cannot
redraw itself, so one line says what runs instead.

Before anything is simulated, :func:`prepare_out` proves the ``--out``
folder writable and the names to be written short enough, so hours of
simulation are never lost to a folder that cannot take them. A write that
fails afterwards (full disk) is exit 2 with how to get the same results again.

Ctrl-C exits 130 (128 + SIGINT, as a shell reports it) and says what was kept.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from simulator.errors import SamsimError
from simulator.store.folders import ResultsFolderError, check_writable, stale_staging

__all__ = [
    "INTERRUPTED",
    "finite_share",
    "input_names",
    "interrupted",
    "not_written",
    "prepare_out",
    "progress_display",
    "write_report_or_say",
    "write_workbook_or_say",
]

INTERRUPTED = 130
"""Exit code after Ctrl-C: 128 + SIGINT, as a shell reports a command it stopped."""


def prepare_out(out: str, names: Iterable[str] = ()) -> Path:
    """Check ``--out`` before simulating, so a folder that cannot take results fails at once.

    The folder is created and written to, and ``names`` (the folders and files
    the results will be written as) are checked against the file system's
    name limit. Staging folders older than a day under it are mentioned (they
    are left by killed writes; a concurrent run may own a younger one, so none
    is removed).
    """
    try:
        folder = check_writable(Path(out), names)
    except ResultsFolderError as exc:
        raise SamsimError(f"--out: {exc}") from None
    stale = stale_staging(folder)
    if stale:
        click.echo(
            f"warning: {len(stale)} unfinished results folder(s) older than a day under {out}, "
            f"left by writes that were killed (oldest: {stale[0]}); they hold no usable "
            "results: remove them (rm -r) once no samsim run writes there",
            err=True,
        )
    return folder


def input_names(files: Sequence[Path]) -> list[str]:
    """The names the scenario files get in a results folder's ``inputs/`` (for name checks)."""
    return [f"{i}-{Path(f).name}" for i, f in enumerate(files, start=1)]


def not_written(exc: ResultsFolderError, seed: int) -> SamsimError:
    """A failed write as a user error: what happened, and how to get the same results again."""
    return SamsimError(
        f"--out: {exc}\nThe simulation finished but its results are not saved: free some "
        f"space or give --out a writable folder, and run again with --seed {seed} for the "
        "same results."
    )


def interrupted(kept: str) -> NoReturn:
    """Say what an interruption (Ctrl-C) left, on stderr, and exit 130."""
    click.echo(f"\ninterrupted: {kept}", err=True)
    sys.exit(INTERRUPTED)


def write_report_or_say(folder: Path, lang: str) -> None:
    """Draw the plots and report into a written folder.

    On Ctrl-C or a failed write the results stay saved: the folder is printed
    (as the last line of standard output, as always) with how to draw the
    report later.
    """
    try:
        # Imported here: matplotlib takes a while to load, and most commands never draw.
        from simulator.report import write_report

        write_report(folder, lang=lang)
    except KeyboardInterrupt:
        click.echo(folder)
        interrupted(
            f"the results are saved in {folder}, without report.html; "
            f"draw it with: samsim report {folder}"
        )
    except OSError as exc:
        click.echo(folder)
        raise SamsimError(
            f"{folder}: the results are saved, but the report could not be written "
            f"({exc.strerror or exc}); free some space, then draw it with: samsim report {folder}"
        ) from None


def write_workbook_or_say(folder: Path, lang: str) -> None:
    """Write ``results.xlsx`` into a written folder that gets no report (``--no-report``)."""
    try:
        from simulator.store.xlsx import write_workbooks

        write_workbooks(folder, lang)
    except KeyboardInterrupt:
        click.echo(folder)
        interrupted(
            f"the results are saved in {folder}, without results.xlsx; "
            f"write it with: samsim report {folder}"
        )
    except OSError as exc:
        click.echo(folder)
        raise SamsimError(
            f"{folder}: the results are saved, but results.xlsx could not be written "
            f"({exc.strerror or exc}); free some space, then write it with: samsim report {folder}"
        ) from None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress_display(
    quiet: bool, label: str, length: int, plan: str, follow_total: bool = False
) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback for the library: a bar on a terminal, else one line, or nothing.

    Parameters
    ----------
    quiet
        Show nothing.
    label
        The bar's label, e.g. ``baseline: replications``.
    length
        The bar's length.
    plan
        Written instead, as one line, where standard error is not a terminal,
        e.g. ``baseline: running 20 replications``.
    follow_total
        The callback's total replaces the bar's length (it grows as work is added).
    """
    if quiet:
        yield None
    elif not _stderr_is_terminal():
        click.echo(plan, err=True)
        yield None
    else:
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:

            def update(done: int, total: int) -> None:
                if follow_total:
                    bar.length = total
                bar.update(1)

            yield update


def finite_share(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Refuse nan, which passes every range check, for a share such as ``--precision``."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"must be a number above 0 and below 1, got {value}")
    return value
