"""The ``sweep`` command: one scenario at many points of a design, resumable.

Progress goes to standard error, one line per point (``--quiet``: only
warnings); the per-point table goes to standard output (not with
``--quiet``), and the sweep folder is its last line. Exit codes: 0 done
(invalid points are reported and recorded, the others ran), 2 the user's
input is wrong, 1 a replication failed (a bug), 130 interrupted (Ctrl-C):
every finished point is saved, and the message says how to resume.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from simulator.cli.base import (
    BUG,
    DESIGNS,
    ensure_folder,
    jobs_option,
    lang_option,
    main,
    max_points_option,
    out_option,
    replications_type,
    scenario_limits_options,
    scheduler_option,
    seed_option,
    set_option,
    user_errors,
)
from simulator.cli.output import INTERRUPTED
from simulator.errors import SamsimError

# The rest of the library is imported inside the functions, when a sweep runs
# (decision 36): running one loads pandas and SimPy.
if TYPE_CHECKING:
    import pandas as pd

    from simulator.scenario.limits import Limits
    from simulator.sweeps.errors import SweepError
    from simulator.sweeps.runner import Sweep, SweepEvent

TABLE_KPIS = 4  # key KPIs shown in the terminal; sweep.csv has them all

SWEEP_FLAGS = {
    "vary": "--vary",
    "design": "--design",
    "samples": "--samples",
    "replications": "--replications",
    "kpis": "--kpi",
    "folder": "--resume",
}
"""The flag of each sweep setting a :class:`~simulator.sweeps.errors.SweepError` names."""


def sweep_error_text(exc: SweepError) -> str:
    """A sweep setting's error as the command line says it: its flag, and flags that fix it.

    The library says ``vary beds=1..3: bounds low..high are for a Latin
    hypercube design; ...``; the command line says ``--vary beds=1..3: ...``
    and adds ``on the command line: --design lhs --samples N``.
    """
    from simulator.sweeps.errors import SweepMismatch

    flag = SWEEP_FLAGS.get(exc.option)
    if flag is None:
        return str(exc)
    if isinstance(exc, SweepMismatch):
        return (
            f"{flag} {exc.value}: the sweep there is not the one given:\n  "
            + "\n  ".join(exc.differences)
            + "\nresume with --resume alone to continue it as it was, or leave out --resume "
            "to start a new sweep"
        )
    text = f"{flag} {exc.value}: {exc.message}"
    if exc.fixes:
        text += "\non the command line: " + " ".join(
            f"{SWEEP_FLAGS[option]} {value}" for option, value in exc.fixes
        )
    return text


@main.command()
@click.argument("file", metavar="[SCENARIO|SWEEPFILE]", required=False)
@click.option(
    "--vary",
    multiple=True,
    metavar="PATH=VALUES",
    help="A factor: a scenario path and its values, as a list (2,4,6), a range (2:12:2, "
    "stop included) or, for --design lhs, bounds (0.1..0.5). Repeatable.",
)
@click.option(
    "--design",
    type=click.Choice(DESIGNS),
    help="grid: every combination of the values [default]; lhs: a Latin hypercube of "
    "--samples points within the bounds.",
)
@click.option("--samples", type=click.IntRange(min=1), help="Points of a --design lhs.")
@click.option("--replications", "-r", type=replications_type, help="Replications of every point.")
@seed_option
@set_option
@click.option(
    "--kpi",
    "kpis",
    multiple=True,
    metavar="KPI",
    help="Also report and plot this KPI, e.g. group.kols.municipal_share (repeatable).",
)
@out_option
@click.option(
    "--resume",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Continue the sweep in this folder: run only what is missing. With --replications, "
    "add replications to every point.",
)
@jobs_option
@scheduler_option
@click.option(
    "--plots/--no-plots",
    default=True,
    show_default=True,
    help="Draw the plots into the sweep folder.",
)
@lang_option
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print only the sweep folder (warnings and errors still go to stderr).",
)
@max_points_option
@scenario_limits_options
@user_errors
def sweep(
    file: str | None,
    vary: tuple[str, ...],
    design: str | None,
    samples: int | None,
    replications: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    kpis: tuple[str, ...],
    out: str,
    resume: str | None,
    jobs: int | None,
    scheduler: str | None,
    plots: bool,
    lang: str,
    quiet: bool,
    max_points: int,
    max_episodes: float,
    max_steps: float,
) -> None:
    """Run a scenario at many points: every combination of --vary values, or a Latin
    hypercube; or run a sweep file (a YAML file with a top-level sweep: key).

    \b
    samsim sweep baseline.yaml --vary facilities.dms-senja-kohd.beds=3:8:1
    samsim sweep scenarios/midt-troms/sweep-kohd-kols.yaml --replications 10
    samsim sweep --resume results/sweep-kohd-kols/20250301T101500Z-seed1

    Every point shares the seed (common random numbers). Results go to
    OUT/sweep-<name>/<run id>; each point is saved the moment it ends, and after
    an interruption --resume runs only what is missing.
    """
    from simulator.scenario.limits import Limits
    from simulator.sweeps.errors import SweepError
    from simulator.sweeps.runner import start_sweep
    from simulator.sweeps.store import read_sweep

    folder: Path | None = None
    limits = Limits(episodes=max_episodes, steps=max_steps, points=max_points)
    try:
        if resume is not None:
            folder = Path(resume)
            expected = _expected(file, folder, vary, design, samples, overrides, seed, kpis, limits)
            _run(folder, replications, jobs, scheduler, quiet, expected, kpis)
        else:
            definition = _definition(
                file, vary, design, samples, overrides, replications, seed, kpis, limits
            )
            ensure_folder(out)
            folder = start_sweep(definition, out)
            _run(folder, None, jobs, scheduler, quiet)
    except SweepError as exc:  # named by its setting: name the flag
        raise SamsimError(sweep_error_text(exc)) from None
    except KeyboardInterrupt:
        click.echo("\ninterrupted: nothing half-written is kept.", err=True)
        if folder is not None and (folder / "sweep.json").exists():
            click.echo(
                f"Every point that finished is saved in {folder}.\n"
                f"Continue with: samsim sweep --resume {folder}",
                err=True,
            )
        sys.exit(INTERRUPTED)
    if plots:
        # Imported here: matplotlib takes a while to load.
        from simulator.plots.sweep import write_sweep_figures
        from simulator.report import write_report

        write_report(folder, lang, write_sweep_figures(folder, lang))
    result = read_sweep(folder)
    if not quiet:
        click.echo(point_table(result.table, [f["name"] for f in result.factors], result.key_kpis))
    failed = result.table["problems"].str.contains("replication .* failed", regex=True)
    click.echo(folder)
    if failed.any():
        click.echo(
            f"{int(failed.sum())} point(s) had failed replications (see sweep.csv, problems); "
            "this is a bug: please report it.",
            err=True,
        )
        sys.exit(BUG)


def _definition(
    file: str | None,
    vary: Sequence[str],
    design: str | None,
    samples: int | None,
    overrides: Sequence[str],
    replications: int | None,
    seed: int | None,
    kpis: Sequence[str],
    limits: Limits | None = None,
) -> Sweep:
    """The sweep the arguments describe: a sweep file, or a scenario and --vary."""
    from simulator.scenario.loading import read_yaml
    from simulator.sweeps.runner import is_sweep_file, load_sweep, sweep_from_vary

    if file is None:
        raise SamsimError(
            "give a SCENARIO with --vary PATH=VALUES, a SWEEPFILE, or --resume DIR "
            "(see samsim sweep --help)"
        )
    if is_sweep_file(file):
        if vary or design or samples:
            raise SamsimError(
                f"{file} is a sweep file: its factors and design are in the file; "
                "leave out --vary, --design and --samples"
            )
        return load_sweep(file, overrides, replications, seed, kpis, limits)
    if not vary:
        read_yaml(Path(file))  # a file that cannot be read (a sweep file too) says why first
        raise SamsimError(
            f"{file}: a sweep needs at least one --vary PATH=VALUES, e.g. "
            "--vary facilities.dms-senja-kohd.beds=3:8:1 (or give a sweep file)"
        )
    return sweep_from_vary(file, vary, design, samples, overrides, replications, seed, kpis, limits)


def _expected(
    file: str | None,
    folder: Path,
    vary: Sequence[str],
    design: str | None,
    samples: int | None,
    overrides: Sequence[str],
    seed: int | None,
    kpis: Sequence[str],
    limits: Limits | None = None,
) -> Sweep | None:
    """What --resume must find in the folder: the sweep given beside it, if any."""
    if file is not None:
        return _definition(file, vary, design, samples, overrides, None, seed, kpis, limits)
    if vary or design or samples or overrides:
        raise SamsimError(
            f"--resume {folder}: continues the sweep defined in its sweep.json; --vary, "
            "--design, --samples and --set go with a SCENARIO (and must match it)"
        )
    if seed is None:
        return None
    from simulator.sweeps.runner import stored_sweep

    return replace(stored_sweep(folder), seed=seed)


def _run(
    folder: Path,
    replications: int | None,
    jobs: int | None,
    scheduler: str | None,
    quiet: bool,
    expected: Sweep | None = None,
    kpis: Sequence[str] = (),
) -> None:
    from simulator.experiment.executors import default_jobs
    from simulator.sweeps.runner import resume_sweep

    report = Reporter(quiet)
    resume_sweep(
        folder,
        replications=replications,
        jobs=jobs or default_jobs(),
        scheduler=scheduler,
        progress=report,
        expected=expected,
        kpis=kpis,
    )


class Reporter:
    """Progress lines on standard error; warnings even when quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.stored = 0
        self.points = 0
        self.finished = 0

    def say(self, text: str, warning: bool = False) -> None:
        if warning or not self.quiet:
            click.echo(text, err=True)

    def __call__(self, event: SweepEvent) -> None:
        values = ", ".join(f"{k}={v}" for k, v in event.values.items())
        if event.kind == "invalid":
            problems = "\n  ".join(event.message.splitlines())
            self.say(f"point {event.point} ({values}): invalid, not run:\n  {problems}", True)
        elif event.kind == "damaged":
            self.say(f"point {event.point}: its point file is damaged ({event.message}); "
                     "running the point again", True)  # fmt: skip
        elif event.kind == "stored":
            self.stored += 1
        elif event.kind == "partial":
            self.say(f"point {event.point}: {event.done} of {event.total} replications stored; "
                     "running the rest")  # fmt: skip
        elif event.kind == "start":
            self.points = event.done
            if self.stored:
                self.say(f"{self.stored} point(s) already complete in the folder")
            self.say(f"running {event.total} replication(s) of {event.done} point(s)")
        elif event.kind == "failure":
            self.say(f"replication failed at point {event.point}: {event.message}", True)
        elif event.kind == "point":
            self.finished += 1
            self.say(f"point {event.point} done ({self.finished}/{self.points}): {values}")


def _cell(mean: float, low: float, high: float, kpi: str) -> str:
    if not math.isfinite(mean):
        return "-"
    share = kpi.endswith(("_share", ".utilisation"))
    scale, unit = (100.0, " %") if share else (1e-6, " M") if kpi.startswith("cost.") else (1, "")
    digits = 1 if share or kpi.startswith("cost.") else 2
    text = f"{mean * scale:,.{digits}f}".replace(",", " ")
    if math.isfinite(low) and math.isfinite(high) and high > low:
        text += f" ±{(high - low) / 2 * scale:,.{digits}f}".replace(",", " ")
    return text + unit


def point_table(table: pd.DataFrame, factors: Sequence[str], key_kpis: Sequence[str]) -> str:
    """One line per point: values, status and the first key KPIs (mean ± 95 % half-width)."""
    shown = list(key_kpis[:TABLE_KPIS])
    last = [f.rsplit(".", 1)[-1] for f in factors]
    names = last if len(set(last)) == len(last) else list(factors)
    kpi_names = [".".join(k.split(".")[-2:]) if k.startswith("facility.") else k for k in shown]
    header = ["point", *names, "status", *kpi_names]
    rows = [header]
    for _, row in table.iterrows():
        cells = [str(row["point"]), *(str(row[f]) for f in factors), str(row["status"])]
        for kpi in shown:
            mean, low, high = (float(row[c]) for c in (kpi, f"{kpi}.ci_low", f"{kpi}.ci_high"))
            cells.append(_cell(mean, low, high, kpi))
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("(mean ±95 % half-width; % = share, M = million NOK; all KPIs in sweep.csv)")
    return "\n".join(lines)
