"""The ``size`` command: the smallest bed count of a facility that meets a target."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.base import (
    BUG,
    experiment_exits,
    jobs_option,
    lang_option,
    main,
    max_range_option,
    quiet_option,
    replications_type,
    report_failures,
    scenario_limits_options,
    scheduler_option,
    set_option,
    user_errors,
)
from simulator.cli.display import sizing_summary
from simulator.cli.output import (
    input_names,
    interrupted,
    not_written,
    prepare_out,
    progress_display,
)
from simulator.store.folders import ResultsFolderError

# The library is imported inside the command, when it runs (decision 36): sizing
# loads pandas and SimPy. Its two settings the options show are repeated here, and
# tests/cli/test_cli_imports.py holds them equal to simulator.sizing.search's.
SCAN_LIMIT = 12
CONFIDENCES = ("mean", "interval")


@main.command()
@click.argument("file", metavar="SCENARIO")
@click.option("--facility", "-f", required=True, metavar="ID", help="The facility to size.")
@click.option(
    "--target",
    "-t",
    "target_text_",
    required=True,
    metavar="'KPI<VALUE'",
    help="What the size must achieve, e.g. 'diversion_share<0.05' (or 5%), 'wait_p90<=2', "
    "'group.kols.wait_p90<2'. A short name means facility.ID.<name>; the comparison is "
    "<, <=, > or >=. Quote it: the shell reads < and > as redirections.",
)
@click.option(
    "--range",
    "bed_range",
    metavar="FROM:TO",
    help=f"Bed counts to try [default: 1:30, or up to twice the current beds]. Up to "
    f"{SCAN_LIMIT} counts are all run; a longer range is bisected.",
)
@click.option(
    "--confidence",
    type=click.Choice(CONFIDENCES),
    default="mean",
    show_default=True,
    help="mean: the mean over replications must meet the target; interval: its whole 95 % "
    "interval must (the cautious choice).",
)
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(min=2, max=replications_type.max),
    help="Replications per bed count.",
)
@click.option(
    "--seed", "-s", type=click.IntRange(min=0), help="Root seed, the same for every bed count."
)
@set_option
@click.option(
    "--out",
    default="results",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder to write results under.",
)
@jobs_option
@scheduler_option
@lang_option
@quiet_option
@max_range_option
@scenario_limits_options
@user_errors
def size(
    file: str,
    facility: str,
    target_text_: str,
    bed_range: str | None,
    confidence: str,
    replications: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    out: str,
    jobs: int | None,
    scheduler: str | None,
    lang: str,
    quiet: bool,
    max_bed_counts: int,
    max_episodes: float,
    max_steps: float,
) -> None:
    """Find the smallest number of beds for a facility that meets a target.

    Every bed count is run with the same seed (common random numbers). Also
    reports, from one run with unlimited beds, the probability of finding the
    unit full at each bed count beside Erlang's formula (Monks et al. 2016).
    """
    from simulator.experiment.executors import default_jobs
    from simulator.experiment.options import RunOptions
    from simulator.scenario.limits import Limits, check_limits
    from simulator.scenario.loading import load_scenario, scenario_files
    from simulator.scenario.schema import MAX_BEDS
    from simulator.sizing.search import (
        check_facility,
        default_range,
        parse_range,
        parse_target,
        size_facility,
    )

    limits = Limits(episodes=max_episodes, steps=max_steps, bed_counts=max_bed_counts)
    scenario = check_limits(load_scenario(file, overrides), limits, file)
    check_facility(scenario, facility)
    target = parse_target(target_text_, scenario, facility)
    if not bed_range:  # up to twice the beds: within the limits like a given range
        low, high = default_range(scenario, facility)
        bed_range = f"{low}:{min(high, MAX_BEDS)}"
    counts = parse_range(bed_range, limits)
    inputs = scenario_files(file)
    prepare_out(out, [f"size-{scenario.name}-{facility}", *input_names(inputs)])
    n = replications or scenario.run.replications
    with (
        experiment_exits("no replication is kept; nothing was written"),
        progress_display(
            quiet,
            f"size {facility}: replications",
            n,
            f"size {facility}: running {n} replications of each bed count tried",
            follow_total=True,
        ) as progress,
    ):
        result = size_facility(
            scenario,
            facility,
            target,
            bed_range=counts,
            options=RunOptions(limits=None),  # checked above, naming the file
            replications=n,
            seed=seed,
            jobs=jobs or default_jobs(),
            scheduler=scheduler,
            progress=progress,
            confidence=confidence,
        )
    if not quiet:
        click.echo(sizing_summary(result, lang))

    def draw(folder: Path) -> None:
        from simulator.plots.sizing import write_sizing_figures
        from simulator.report import write_report

        write_report(folder, lang, write_sizing_figures(folder, lang))

    try:
        folder = result.write(out, inputs, draw=draw)
    except ResultsFolderError as exc:
        raise not_written(exc, result.seed) from None
    except KeyboardInterrupt:
        interrupted("stopped while writing the results and plots; nothing half-written is kept")
    report_failures(result.failures)
    click.echo(folder)
    if result.failures:
        sys.exit(BUG)
