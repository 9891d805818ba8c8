"""The ``calibrate`` command: fit free scenario values to observed figures, or check them."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from simulator.cli.base import (
    BUG,
    experiment_exits,
    jobs_option,
    lang_option,
    main,
    out_option,
    quiet_option,
    replications_type,
    report_failures,
    scenario_limits_options,
    scheduler_option,
    set_option,
    user_errors,
)
from simulator.cli.output import (
    input_names,
    interrupted,
    not_written,
    prepare_out,
    progress_display,
)
from simulator.errors import SamsimError
from simulator.store.folders import ResultsFolderError

if TYPE_CHECKING:
    import pandas as pd

# Repeated here (decision 36: the library loads pandas and SciPy);
# tests/calibration/test_calibrate_cli.py holds it equal to simulator.calibration.fit's.
MAX_EVALUATIONS = 40
OUTSIDE = 1
"""Exit code of a check that finds a target outside its tolerance."""


def gof_text(table: pd.DataFrame, lang: str = "en") -> str:
    """The goodness-of-fit table for the terminal, one line per target."""
    from simulator.text.numbers import format_trimmed

    def num(value: object) -> str:
        return format_trimmed(float(str(value)), lang, 3)

    header = ("target", "observed", "tolerance", "simulated (95 % interval)", "ratio", "", "")
    rows = [header]
    for row in table.itertuples(index=False):
        low, high = float(str(row.observed_low)), float(str(row.observed_high))
        if math.isinf(low):
            observed = "≤ " + num(high)
        elif math.isinf(high):
            observed = "≥ " + num(low)
        elif low != high:
            observed = f"{num(low)}–{num(high)}"
        else:
            observed = num(row.observed)
        rows.append(
            (
                str(row.target),
                observed,
                "±" + num(row.tolerance),
                f"{num(row.simulated)} ({num(row.ci_low)}–{num(row.ci_high)})",
                num(row.ratio),
                "inside" if row.inside else "OUTSIDE",
                "fitted" if row.fitted else "held out",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


@main.command()
@click.argument("file", metavar="SCENARIO")
@click.option(
    "--targets",
    "-t",
    "targets_file",
    metavar="TARGETS.yaml",
    type=click.Path(dir_okay=False),
    help="The observed figures and the free values (see docs/calibration.md). Without it, "
    "SCENARIO may be a targets file that names its scenario (scenario: key).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Only run the scenario and print the goodness of fit; exit 1 if a target is "
    "outside its tolerance. Writes nothing.",
)
@click.option(
    "--replications",
    "-r",
    type=replications_type,
    help="Replications per run [default: the scenario's run.replications].",
)
@click.option(
    "--seed",
    "-s",
    type=click.IntRange(min=0),
    help="Root seed, the same for every run (common random numbers) [default: run.seed].",
)
@click.option(
    "--max-evaluations",
    type=click.IntRange(min=1, max=10_000),
    default=MAX_EVALUATIONS,
    show_default=True,
    help="Runs the search may make after the start.",
)
@set_option
@out_option
@jobs_option
@scheduler_option
@lang_option
@quiet_option
@scenario_limits_options
@user_errors
def calibrate(
    file: str,
    targets_file: str | None,
    check_only: bool,
    replications: int | None,
    seed: int | None,
    max_evaluations: int,
    overrides: tuple[str, ...],
    out: str,
    jobs: int | None,
    scheduler: str | None,
    lang: str,
    quiet: bool,
    max_episodes: float,
    max_steps: float,
) -> None:
    """Fit free scenario values so the simulated KPIs meet observed figures.

    Starts from Little's law where it applies, then searches with the same
    seed for every run (common random numbers). Writes a calibrated overlay
    that extends SCENARIO, the goodness of fit of every target (fitted and
    held out) as a table and a plot. With --check, only runs and judges.
    """
    from simulator.calibration.fit import calibrate as fit_values
    from simulator.calibration.fit import check
    from simulator.calibration.result import FOLDER_PREFIX, OVERLAY, write_calibration
    from simulator.calibration.targets import is_targets_file, load_targets
    from simulator.experiment.executors import default_jobs
    from simulator.experiment.options import RunOptions
    from simulator.scenario.limits import Limits, check_limits
    from simulator.scenario.loading import load_scenario, scenario_files

    if targets_file is None:
        if not is_targets_file(file):
            raise SamsimError(
                f"{file}: give the targets file with --targets TARGETS.yaml, or name a "
                "targets file (one with a targets: map and a scenario: key) instead"
            )
        targets = load_targets(file)
        if targets.scenario_path is None:
            raise SamsimError(
                f"{file}: scenario: required when the targets file is given alone; add "
                "'scenario: FILE.yaml' (relative to the targets file), or give the scenario "
                "and the targets file as SCENARIO --targets TARGETS.yaml"
            )
        scenario_file = targets.scenario_path
    else:
        targets = load_targets(targets_file)
        scenario_file = Path(file)
    limits = Limits(episodes=max_episodes, steps=max_steps)
    scenario = check_limits(load_scenario(scenario_file, overrides), limits, str(scenario_file))
    # Checked here, naming the file; the fit checks its upper bounds against ``limits``.
    unchecked = RunOptions(limits=None)
    inputs = scenario_files(scenario_file)
    if not check_only:
        prepare_out(
            out,
            [f"{FOLDER_PREFIX}{scenario.name}", OVERLAY, *input_names(inputs)],
        )
    n = replications or scenario.run.replications
    runs = 1 if check_only else max_evaluations + 2
    what = "check" if check_only else "calibrate"
    with (
        experiment_exits("no run is kept; nothing was written"),
        progress_display(
            quiet,
            f"{what} {scenario.name}: replications",
            n * runs,
            f"{what} {scenario.name}: running {n} replications per run"
            + ("" if check_only else f", at most {runs} runs"),
            follow_total=True,
        ) as progress,
    ):
        if check_only:
            fit = check(
                scenario,
                targets,
                options=unchecked,
                replications=n,
                seed=seed,
                jobs=jobs or default_jobs(),
                scheduler=scheduler,
                progress=progress,
            )
        else:
            fit = fit_values(
                scenario,
                targets,
                options=unchecked,
                replications=n,
                seed=seed,
                jobs=jobs or default_jobs(),
                scheduler=scheduler,
                progress=progress,
                max_evaluations=max_evaluations,
                limits=limits,
            )
    if not quiet or check_only:
        click.echo(gof_text(fit.table, lang))
    if check_only:
        report_failures(fit.failures)
        if fit.failures:
            sys.exit(BUG)
        if not fit.all_inside:
            outside = int((~fit.table["inside"].astype(bool)).sum())
            click.echo(f"{outside} target(s) outside their tolerance", err=True)
            sys.exit(OUTSIDE)
        return
    if not quiet:
        for path, value in fit.fitted.items():
            click.echo(
                f"{path} = {value:.6g} (start {fit.start[path]:.6g}, {fit.start_method[path]})"
            )
        if not fit.converged:
            click.echo(f"note: the search stopped before converging: {fit.message}", err=True)

    def draw(folder: Path) -> None:
        from simulator.plots.calibration import write_calibration_figures

        write_calibration_figures(folder, lang)

    try:
        folder = write_calibration(
            fit, out, scenario_file, inputs=inputs, overrides=overrides, draw=draw
        )
    except ResultsFolderError as exc:
        raise not_written(exc, fit.seed) from None
    except KeyboardInterrupt:
        interrupted("stopped while writing the results and plots; nothing half-written is kept")
    report_failures(fit.failures)
    click.echo(folder)
    if fit.failures:
        sys.exit(BUG)
