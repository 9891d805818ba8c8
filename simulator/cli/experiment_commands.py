"""Commands that run experiments and present them: run, compare, report."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from simulator.cli.base import (
    BUG,
    ensure_folder,
    jobs_option,
    lang_option,
    main,
    out_option,
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
from simulator.errors import SamsimError
from simulator.experiment.compare import compare as run_comparison
from simulator.experiment.executors import default_jobs
from simulator.experiment.simulate import ExperimentFailed, Results, simulate
from simulator.scenario.limits import MAX_REPLICATIONS, Limits, check_limits
from simulator.scenario.loading import load_scenario, read_scenario, scenario_files
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
    type=click.FloatRange(min=0, min_open=True, max=1),
    help="Keep adding replications until every key KPI's 95 % half-width is within this "
    "share of its mean, e.g. 0.05.",
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
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
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
    limits = Limits(episodes=max_episodes, steps=max_steps)
    loaded = read_scenario(file, overrides)
    scenario = check_limits(loaded.scenario, limits, file)
    for caution in loaded.warnings:  # valid, but probably not meant
        click.echo(f"warning: {caution}", err=True)
    ensure_folder(out)
    try:
        results = run_with_progress(
            scenario, replications, seed, jobs, quiet, precision, max_replications, scheduler
        )
    except ExperimentFailed as exc:
        report_failures(exc.failures)
        sys.exit(BUG)
    click.echo(main_table(scenario, results.summary))
    for warning in results.warnings:
        click.echo(f"warning: {warning}", err=True)
    folder = results.write(out, scenario_files(file))
    if report:
        write_report_for(folder, lang)
    report_failures(results.failures)
    click.echo(folder)
    if results.failures:
        sys.exit(BUG)


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
    """:func:`simulate` with a progress bar on stderr unless ``quiet``."""

    def go(progress: Callable[[int, int], None] | None) -> Results:
        return simulate(
            scenario,
            replications=replications,
            seed=seed,
            jobs=jobs or default_jobs(),
            scheduler=scheduler,
            precision=precision,
            max_replications=max_replications,
            progress=progress,
        )

    if quiet:
        return go(None)
    total = replications or scenario.run.replications
    with click.progressbar(
        length=max_replications if precision else total,
        label=f"{scenario.name}: replications",
        file=sys.stderr,
    ) as bar:
        return go(lambda done, n: bar.update(1))


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
@report_option
@lang_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
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
    report: bool,
    lang: str,
    quiet: bool,
    max_episodes: float,
    max_steps: float,
) -> None:
    """Run scenarios with common random numbers and report paired differences.

    Every scenario uses the same seed, so replication r of each sees the same
    patients; the 95 % interval of (ALT - BASE) is the paired-t interval.
    --set applies to every scenario.
    """
    limits = Limits(episodes=max_episodes, steps=max_steps)
    base_scenario = check_limits(load_scenario(base, overrides), limits, base)
    alt_scenarios = [
        check_limits(load_scenario(path, overrides), limits, path) for path in alternatives
    ]
    ensure_folder(out)
    n = replications or base_scenario.run.replications
    total = n * (1 + len(alt_scenarios))
    workers = jobs or default_jobs()
    try:
        if quiet:
            comparison = run_comparison(
                base_scenario,
                alt_scenarios,
                replications=n,
                seed=seed,
                jobs=workers,
                scheduler=scheduler,
            )
        else:
            with click.progressbar(
                length=total, label="compare: replications", file=sys.stderr
            ) as bar:
                comparison = run_comparison(
                    base_scenario,
                    alt_scenarios,
                    replications=n,
                    seed=seed,
                    jobs=workers,
                    scheduler=scheduler,
                    progress=lambda done, k: bar.update(1),
                )
    except ExperimentFailed as exc:
        report_failures(exc.failures)
        sys.exit(BUG)
    click.echo(comparison_table(comparison.table))
    folder = comparison.write(out, [scenario_files(f) for f in (base, *alternatives)])
    if report:
        write_report_for(folder, lang)
    failures = [f for r in (comparison.base, *comparison.alternatives) for f in r.failures]
    report_failures(failures)
    click.echo(folder)
    if failures:
        sys.exit(BUG)


def write_report_for(folder: Path | str, lang: str) -> Path:
    """Draw the plots and write report.html into a results folder."""
    # Imported here: matplotlib takes a while to load, and most commands never draw.
    from simulator.report import write_report

    return write_report(Path(folder), lang=lang)


@main.command()
@click.argument("folders", nargs=-1, required=True, metavar="RESULTS...")
@lang_option
@user_errors
def report(folders: tuple[str, ...], lang: str) -> None:
    """Redraw the plots and rewrite report.html from saved results folders."""
    for folder in folders:
        path = Path(folder)
        if (path / "sweep.json").is_file() or _kind(path) == "sizing":
            raise SamsimError(
                f"{folder}: a sweep or sizing folder; its plots are already in {folder}/plots "
                "(samsim report draws run and compare folders)"
            )
        if not (path / "manifest.json").is_file():
            raise SamsimError(
                f"{folder}: not a samsim results folder (no manifest.json); name a folder "
                "that `samsim run` or `samsim compare` printed"
            )
        click.echo(write_report_for(path, lang))


def _kind(folder: Path) -> str | None:
    """The ``kind`` a folder's manifest declares, if any."""
    try:
        kind = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None
