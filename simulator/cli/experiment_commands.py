"""Commands that run experiments and present them: run, compare, report.

What they print and how they end (``--quiet``, progress, exit codes, Ctrl-C)
is described in :mod:`simulator.cli.output`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from simulator.cli.base import (
    BUG,
    MAX_REPLICATIONS,
    experiment_exits,
    jobs_option,
    lang_option,
    main,
    out_option,
    problem_text,
    quiet_option,
    replications_type,
    report_failures,
    report_option,
    scenario_limits_options,
    scheduler_option,
    seed_option,
    set_option,
    user_errors,
)
from simulator.cli.display import comparison_table, main_table
from simulator.cli.output import (
    finite_share,
    input_names,
    interrupted,
    not_written,
    prepare_out,
    progress_display,
    write_report_or_say,
    write_workbook_or_say,
)
from simulator.errors import SamsimError, ScenarioError
from simulator.store.folders import ResultsFolderError

# The library is imported inside each command, when it runs: `samsim --help` and a
# command that fails on its arguments never load pandas, SciPy or SimPy (decision 36).
if TYPE_CHECKING:
    from simulator.experiment.simulate import Results
    from simulator.scenario.schema import Scenario


@main.command()
@click.argument("file", metavar="SCENARIO")
@click.option("--replications", "-r", type=replications_type, help="Number of replications.")
@seed_option
@set_option
@out_option
@jobs_option
@scheduler_option
@click.option(
    "--precision",
    type=click.FloatRange(min=0, min_open=True, max=1, max_open=True),
    callback=finite_share,
    help="Keep adding replications until every key KPI's 95 % half-width is within this "
    "share of its mean, e.g. 0.05. Starts with --replications (or the scenario's), at "
    "most --max-replications.",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=2, max=MAX_REPLICATIONS),
    default=200,
    show_default=True,
    help="The most replications --precision may run.",
)
@report_option
@lang_option
@quiet_option
@scenario_limits_options
@user_errors
def run(
    file: str,
    replications: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    out: str,
    jobs: int | None,
    scheduler: str | None,
    precision: float | None,
    max_replications: int,
    report: bool,
    lang: str,
    quiet: bool,
    max_episodes: float,
    max_steps: float,
) -> None:
    """Simulate a scenario and write its results folder, plots and report."""
    from simulator.scenario.limits import Limits, check_limits
    from simulator.scenario.loading import read_scenario, scenario_files

    limits = Limits(episodes=max_episodes, steps=max_steps)
    loaded = read_scenario(file, overrides)
    scenario = check_limits(loaded.scenario, limits, file)
    for caution in loaded.warnings:  # valid, but probably not meant
        click.echo(f"warning: {problem_text(caution)}", err=True)
    inputs = scenario_files(file)
    first = first_replications(scenario, replications, precision, max_replications)
    prepare_out(out, [scenario.name, *input_names(inputs)])
    with experiment_exits("no replication is kept; nothing was written"):
        results = run_with_progress(
            scenario, first, seed, jobs, quiet, precision, max_replications, scheduler
        )
    if not quiet:
        click.echo(main_table(scenario, results.summary))
    for warning in results.warnings:
        click.echo(f"warning: {warning}", err=True)
    folder = save(lambda: results.write(out, inputs, overrides), results.seed)
    if report:
        write_report_or_say(folder, lang)
    else:
        write_workbook_or_say(folder, lang)
    report_failures(results.failures)
    click.echo(folder)
    if results.failures:
        sys.exit(BUG)


def first_replications(
    scenario: Scenario, replications: int | None, precision: float | None, maximum: int
) -> int | None:
    """The replications to start with: with ``--precision``, never more than the maximum.

    The scenario's ``run.replications`` is lowered to ``--max-replications``;
    a ``--replications`` above it is refused, as the two contradict each other.
    """
    if precision is None:
        return replications
    if replications is not None and replications > maximum:
        raise SamsimError(
            f"--replications {replications} is more than --max-replications {maximum}: "
            "--precision starts with --replications and stops at the maximum; lower "
            "--replications or raise --max-replications"
        )
    return min(replications or scenario.run.replications, maximum)


def save(write: Callable[[], str | Path], seed: int) -> Path:
    """Write a results folder; a failed write is exit 2 saying how to get the results again."""
    try:
        return Path(write())
    except ResultsFolderError as exc:
        raise not_written(exc, seed) from None
    except KeyboardInterrupt:
        interrupted("stopped while writing the results; nothing half-written is kept")


def run_with_progress(
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    jobs: int | None,
    quiet: bool,
    precision: float | None = None,
    max_replications: int = 200,
    scheduler: str | None = None,
) -> Results:
    """:func:`simulate` with progress on stderr unless ``quiet`` (:mod:`simulator.cli.output`).

    ``scenario`` has been checked against the limits given (naming its file,
    before the results folder was made), so ``simulate`` does not check again.
    """
    from simulator.experiment.executors import default_jobs
    from simulator.experiment.options import RunOptions
    from simulator.experiment.simulate import simulate

    total = replications or scenario.run.replications
    plan = f"{scenario.name}: running {total} replications"
    if precision:
        plan += f", more (up to {max_replications}) until within ±{100 * precision:g} %"
    with progress_display(
        quiet,
        f"{scenario.name}: replications",
        max_replications if precision else total,
        plan,
        follow_total=False,
    ) as progress:
        return simulate(
            scenario,
            options=RunOptions(limits=None),
            replications=replications,
            seed=seed,
            jobs=jobs or default_jobs(),
            scheduler=scheduler,
            precision=precision,
            max_replications=max_replications,
            progress=progress,
        )


@main.command()
@click.argument("base", metavar="BASE")
@click.argument("alternatives", nargs=-1, required=True, metavar="ALT...")
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(min=2, max=MAX_REPLICATIONS),
    help="Replications of each.",
)
@seed_option
@set_option
@out_option
@jobs_option
@scheduler_option
@click.option(
    "--allow-different-periods",
    is_flag=True,
    help="Compare scenarios whose collection periods (run.start_date, run.days) differ; "
    "the output and the report then say so.",
)
@report_option
@lang_option
@quiet_option
@scenario_limits_options
@user_errors
def compare(
    base: str,
    alternatives: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    out: str,
    jobs: int | None,
    scheduler: str | None,
    allow_different_periods: bool,
    report: bool,
    lang: str,
    quiet: bool,
    max_episodes: float,
    max_steps: float,
) -> None:
    """Run scenarios with common random numbers and report paired differences.

    Every scenario uses the same seed, so replication r of each sees the same
    patients; the 95 % interval of (ALT - BASE) is the paired-t interval.
    --set applies to every scenario. Scenarios must collect over the same
    period (run.start_date and run.days) unless --allow-different-periods.
    """
    from simulator.experiment.compare import check_periods
    from simulator.experiment.compare import compare as run_comparison
    from simulator.experiment.executors import default_jobs
    from simulator.experiment.options import RunOptions
    from simulator.scenario.limits import Limits, check_limits
    from simulator.scenario.loading import load_scenario, scenario_files

    limits = Limits(episodes=max_episodes, steps=max_steps)
    base_scenario = check_limits(load_scenario(base, overrides), limits, base)
    alt_scenarios = [
        check_limits(load_scenario(path, overrides), limits, path) for path in alternatives
    ]
    problems = check_periods(base_scenario, alt_scenarios)
    if problems and not allow_different_periods:
        raise SamsimError(
            f"{ScenarioError(problems)}\nto compare them anyway, add --allow-different-periods "
            "(the output and the report then say so)"
        )
    inputs = [scenario_files(f) for f in (base, *alternatives)]
    scenarios = [base_scenario, *alt_scenarios]
    prepare_out(out, [s.name for s in scenarios] + [n for f in inputs for n in input_names(f)])
    n = replications or base_scenario.run.replications
    with (
        experiment_exits("no replication is kept; nothing was written"),
        progress_display(
            quiet,
            "compare: replications",
            n * len(scenarios),
            f"compare: running {n} replications of {len(scenarios)} scenarios",
        ) as progress,
    ):
        comparison = run_comparison(
            base_scenario,
            alt_scenarios,
            options=RunOptions(limits=None),  # checked above, naming each file
            replications=n,
            seed=seed,
            jobs=jobs or default_jobs(),
            scheduler=scheduler,
            progress=progress,
            allow_different_periods=allow_different_periods,
        )
    for problem in problems:
        click.echo(
            f"warning: compared over different periods: {problem.message} ({problem.got}); "
            "the report says so too",
            err=True,
        )
    if not quiet:
        click.echo(comparison_table(comparison.table))
    folder = save(lambda: comparison.write(out, inputs, overrides), comparison.base.seed)
    if report:
        write_report_or_say(folder, lang)
    else:
        write_workbook_or_say(folder, lang)
    failures = [f for r in (comparison.base, *comparison.alternatives) for f in r.failures]
    report_failures(failures)
    click.echo(folder)
    if failures:
        sys.exit(BUG)


@main.command()
@click.argument("folders", nargs=-1, required=True, metavar="RESULTS...")
@lang_option
@click.option("--svg", is_flag=True, help="Also write every plot as SVG beside its PNG.")
@user_errors
def report(folders: tuple[str, ...], lang: str, svg: bool) -> None:
    """Redraw the plots and rewrite report.html and results.xlsx from saved results folders.

    Any kind of folder: a run, a comparison, a sweep, a sizing or a calibration. A folder
    that is not whole (a staging folder, a manifest that does not parse, a
    table missing, cut short or changed since it was written; a sweep that has
    not finished) is refused with exit code 2, and its report is left as it
    was. Every folder is checked before any report is drawn.
    """
    from simulator.store.readers import check_folder

    paths = [Path(folder) for folder in folders]
    for path in paths:
        if (path / "sweep.json").is_file():
            from simulator.sweeps.store import read_sweep

            read_sweep(path)  # a sweep that has not finished is refused, saying so
        elif _kind(path) == "sizing":
            if not (path / "size.csv").is_file():
                raise SamsimError(f"{path}: a sizing folder without size.csv; it is not whole")
        elif _kind(path) == "calibration":
            if not (path / "goodness_of_fit.csv").is_file():
                raise SamsimError(
                    f"{path}: a calibration folder without goodness_of_fit.csv; it is not whole"
                )
        else:
            check_folder(path)
    from simulator.report import write_report

    for path in paths:
        try:
            click.echo(write_report(path, lang=lang, svg=svg))
        except KeyboardInterrupt:
            interrupted(
                f"report.html in {path} is whole, the old one or the new (it is replaced in "
                f"one step); draw it again with: samsim report {path}"
            )
        except OSError as exc:
            raise SamsimError(
                f"{path}: cannot write the report ({exc.strerror or exc}); report.html there "
                "is the old one, whole; free some space and run samsim report again"
            ) from None


def _kind(folder: Path) -> str | None:
    """The ``kind`` a folder's manifest declares, if any."""
    try:
        kind = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None
