"""What every ``samsim`` command shares: the group, exit codes, common options.

Exit codes: 0 done, 2 the user's input is wrong (one message per problem, no
traceback), 1 a bug.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from simulator.errors import SamsimError
from simulator.experiment.executors import Failure

__all__ = ["BUG", "INPUT_ERROR", "main", "user_errors"]

F = TypeVar("F", bound=Callable[..., Any])
INPUT_ERROR = 2
BUG = 1


def user_errors(func: F) -> F:
    """Turn a :class:`SamsimError` into its message on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SamsimError as exc:
            click.echo(str(exc), err=True)
            sys.exit(INPUT_ERROR)

    return wrapper  # type: ignore[return-value]


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes for replications [default: all cores]. Results do not depend on it.",
)

out_option = click.option(
    "--out",
    default="results",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder to write results under.",
)

seed_option = click.option(
    "--seed", "-s", type=click.IntRange(min=0), help="Root seed [default: the scenario's run.seed]."
)

scheduler_option = click.option(
    "--scheduler",
    envvar="SAMSIM_SCHEDULER",
    metavar="ADDRESS",
    help="Run replications on a Dask cluster, e.g. tcp://host:8786 (or set "
    "SAMSIM_SCHEDULER); needs samsim[dask]. Results are the same as on this machine.",
)

lang_option = click.option(
    "--lang",
    type=click.Choice(["en", "nb"]),
    default="en",
    show_default=True,
    help="Language of plots and report: English or Norwegian (bokmål).",
)
report_option = click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="Draw the plots and write report.html into the results folder.",
)

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change one value of the scenario, e.g. facilities.dms-senja-kohd.beds=6 (repeatable).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="samsim", prog_name="samsim")
def main() -> None:
    """samsim: simulate task transfer between municipalities and hospitals."""


def ensure_folder(out: str) -> None:
    """Create the ``--out`` folder before simulating, so a bad path fails at once (exit 2)."""
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SamsimError(
            f"--out {out}: cannot create the results folder ({exc.strerror or exc})"
        ) from None


def report_failures(failures: Sequence[Failure]) -> None:
    """Say which replications failed, with their tracebacks, on stderr."""
    for failure in failures:
        click.echo(f"replication failed: {failure}\n{failure.traceback}", err=True)
    if failures:
        click.echo(
            f"{len(failures)} replication(s) failed; the others' results were written "
            "and the manifest lists the failures. This is a bug: please report it.",
            err=True,
        )
