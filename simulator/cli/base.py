"""What every ``samsim`` command shares: the group, exit codes, common options.

Exit codes: 0 done, 2 the user's input is wrong (one message per problem, no
traceback), 1 a bug.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from simulator.errors import OptionError, Problem, SamsimError, ScenarioError

if TYPE_CHECKING:
    from simulator.experiment.replication import Failure

__all__ = ["BUG", "INPUT_ERROR", "main", "user_errors"]

F = TypeVar("F", bound=Callable[..., Any])
INPUT_ERROR = 2
BUG = 1

# The library's bounds the options show, repeated here: importing them would load
# pydantic and numpy for every `samsim --help` (decision 36).
# tests/cli/test_cli_imports.py holds them equal to the library's.
MAX_REPLICATIONS = 10_000
"""The most replications a run may have (:data:`simulator.scenario.schema.MAX_REPLICATIONS`)."""
LIMIT_DEFAULTS = {"episodes": 5_000_000, "steps": 1_000, "points": 10_000, "bed_counts": 10_000}
"""The defaults of :class:`simulator.scenario.limits.Limits`."""
DESIGNS = ("grid", "lhs")
"""The sweep designs (:data:`simulator.sweeps.design.DESIGNS`)."""


OPTION_FLAGS = {
    "facility": "--facility",
    "target": "--target",
    "bed_range": "--range",
    "confidence": "--confidence",
    "scheduler": "--scheduler",
}
"""The command-line option of each library parameter an :class:`OptionError` names."""


SET_FLAG = "--set"
"""The option that gives a scenario override (``path=value``) on the command line."""


def problem_text(problem: Problem) -> str:
    """A scenario problem as the command line says it: an override's is the ``--set``'s.

    The library names the source of a mistake in an override ``override``
    (:data:`simulator.scenario.provenance.OVERRIDE`); the command line, where
    the override was given with ``--set``, says ``--set: run.seed: ...``.
    """
    # Imported here: a problem means the scenario stage is loaded already (decision 36).
    from simulator.scenario.provenance import OVERRIDE

    if problem.source == OVERRIDE:
        problem = dataclasses.replace(problem, source=SET_FLAG)
    return str(problem)


def error_text(exc: SamsimError) -> str:
    """A user error's message; where it names a library parameter, the option instead.

    The library says ``scheduler tcp://x:8786: cannot reach ...``; the command
    line says ``--scheduler tcp://x:8786: cannot reach ...``. A scenario's
    problems are each told by :func:`problem_text`.
    """
    if isinstance(exc, ScenarioError):
        return "\n".join(problem_text(p) for p in exc.problems)
    if not isinstance(exc, OptionError):
        return str(exc)
    text = str(exc)
    if exc.option in OPTION_FLAGS:
        text = f"{OPTION_FLAGS[exc.option]} {exc.value}: {exc.message}"
    if exc.overrides:
        text += "\non the command line: " + " ".join(f"{SET_FLAG} {o}" for o in exc.overrides)
    return text


def user_errors(func: F) -> F:
    """Turn a :class:`SamsimError` into its message on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SamsimError as exc:
            click.echo(error_text(exc) + limit_hint(exc), err=True)
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

# --- limits (simulator.scenario.limits): how a user raises one --------------------------

LIMIT_OPTIONS = {
    "episodes": "--max-episodes",
    "steps": "--max-steps",
    "points": "--max-points",
    "bed_counts": "--max-range",
}
"""The option that raises each limit of :class:`~simulator.scenario.limits.Limits`."""


def limit_hint(exc: BaseException) -> str:
    """For an error that names limits: which option raises each, as a last line."""
    flags = [LIMIT_OPTIONS[n] for n in getattr(exc, "limits", ()) if n in LIMIT_OPTIONS]
    if not flags:
        return ""
    return "\nif you truly need more, raise the limit with " + " and ".join(
        f"{flag} N" for flag in flags
    )


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value != value:  # NaN passes a FloatRange
        raise click.BadParameter("must be a number", ctx, param)
    return value


def _limit(name: str, help_text: str, whole: bool = False) -> Callable[[F], F]:
    default = LIMIT_DEFAULTS[name]
    kind = click.IntRange(min=1) if whole else click.FloatRange(min=1)
    return click.option(
        LIMIT_OPTIONS[name],
        f"max_{name}",
        type=kind,
        default=default,
        show_default=f"{default:,}".replace(",", " "),
        callback=None if whole else _finite,
        help=help_text,
    )


max_episodes_option = _limit(
    "episodes", "Refuse a scenario that expects more episodes per replication (warm-up included)."
)
max_steps_option = _limit(
    "steps", "Refuse a pathway whose episodes take more steps (stays) than this on average."
)
max_points_option = _limit("points", "Refuse a sweep of more points than this.", whole=True)
max_range_option = _limit(
    "bed_counts", "Refuse a --range of more bed counts than this.", whole=True
)


def scenario_limits_options(func: F) -> F:
    """``--max-episodes`` and ``--max-steps``: the limits every scenario is checked against."""
    return max_episodes_option(max_steps_option(func))


replications_type = click.IntRange(min=1, max=MAX_REPLICATIONS)
"""Replications given on the command line: 1 to the most a run may have."""

quiet_option = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print only the results folder (warnings and errors still go to stderr).",
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
    """Check the ``--out`` folder before simulating, so a bad path fails at once (exit 2).

    See :func:`simulator.cli.output.prepare_out`.
    """
    from simulator.cli.output import prepare_out

    prepare_out(out)


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


@contextmanager
def experiment_exits(kept: str) -> Iterator[None]:
    """Turn failed replications into exit 1 and Ctrl-C into exit 130, saying ``kept``."""
    from simulator.cli.output import interrupted
    from simulator.experiment.simulate import ExperimentFailed

    try:
        yield
    except ExperimentFailed as exc:
        report_failures(exc.failures)
        sys.exit(BUG)
    except KeyboardInterrupt:
        interrupted(kept)
