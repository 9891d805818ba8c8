"""Commands about scenario files: validate, show, schema."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from simulator.cli.base import (
    INPUT_ERROR,
    error_text,
    limit_hint,
    main,
    max_points_option,
    problem_text,
    scenario_limits_options,
    set_option,
    user_errors,
)
from simulator.errors import SamsimError

# The library is imported inside each command, when it runs (decision 36).
if TYPE_CHECKING:
    from simulator.scenario.limits import Limits
    from simulator.scenario.schema import Scenario


def overview(scenario: Scenario) -> str:
    """One line on what a scenario holds: places, beds, groups, expected demand."""
    from simulator.scenario.limits import episodes_per_year

    beds = sum(f.beds for f in scenario.facilities.values())
    episodes = episodes_per_year(scenario)  # closed form: constant memory, any horizon
    return (
        f"{len(scenario.municipalities)} municipalities, "
        f"{len(scenario.facilities)} facilities ({beds} beds at start), "
        f"{len(scenario.groups)} groups, ~{episodes:,.0f} episodes/year"
    )


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="SCENARIO...")
@set_option
@scenario_limits_options
@max_points_option
def validate(
    files: tuple[str, ...],
    overrides: tuple[str, ...],
    max_episodes: float,
    max_steps: float,
    max_points: int,
) -> None:
    """Check scenario files (and sweep files, point by point) without running them.

    --set changes every file's scenario as it would change a run of it.
    """
    from simulator.calibration.targets import is_targets_file
    from simulator.scenario.limits import Limits, check_limits
    from simulator.scenario.loading import read_scenario
    from simulator.sweeps.definition import is_sweep_file

    limits = Limits(episodes=max_episodes, steps=max_steps, points=max_points)
    failed = 0
    for path in files:
        if is_sweep_file(path):
            failed += validate_sweep(path, overrides, limits)
            continue
        if is_targets_file(path):  # a calibration targets file beside the scenarios
            failed += validate_targets(path)
            continue
        try:
            loaded = read_scenario(path, overrides)
            scenario = check_limits(loaded.scenario, limits, path)
        except SamsimError as exc:
            failed += 1
            click.echo(f"invalid {path}", err=False)
            click.echo(error_text(exc) + limit_hint(exc), err=True)
            continue
        click.echo(f"ok      {path}: {overview(scenario)}")
        for caution in loaded.warnings:  # valid, but probably not meant
            click.echo(f"warning: {problem_text(caution)}", err=True)
    if failed:
        sys.exit(INPUT_ERROR)


def validate_sweep(path: str, overrides: Sequence[str] = (), limits: Limits | None = None) -> int:
    """Check a sweep file and every point's scenario; 1 if it cannot run, else 0."""
    from simulator.sweeps.runner import load_sweep, prepare_points

    try:
        sweep = load_sweep(path, overrides, limits=limits)
    except SamsimError as exc:
        click.echo(f"invalid {path}", err=False)
        click.echo(error_text(exc) + limit_hint(exc), err=True)
        return 1
    points = prepare_points(sweep)
    invalid = [p for p in points if p.scenario is None]
    factors = " × ".join(f.name for f in sweep.factors)
    line = f"sweep of {len(points)} points ({sweep.design}: {factors}) over {sweep.source}"
    if invalid:
        line += f"; {len(invalid)} invalid point(s) would be skipped"
    click.echo(f"{'invalid' if len(invalid) == len(points) else 'ok     '} {path}: {line}")
    for point in invalid:
        click.echo("\n".join(point.problems), err=True)
    return 1 if len(invalid) == len(points) else 0


def validate_targets(path: str) -> int:
    """Check a calibration targets file and the scenario it names; 1 if it is wrong, else 0."""
    from simulator.calibration.targets import check_against, load_targets
    from simulator.scenario.loading import load_scenario

    try:
        loaded = load_targets(path)
        if loaded.scenario_path is not None:
            check_against(loaded, load_scenario(loaded.scenario_path))
    except SamsimError as exc:
        click.echo(f"invalid {path}", err=False)
        click.echo(error_text(exc), err=True)
        return 1
    count = len(loaded.spec.targets)
    click.echo(f"ok      {path}: targets file, {count} targets, {len(loaded.fitted())} fitted")
    return 0


@main.command()
@click.argument("file", metavar="SCENARIO")
@set_option
@user_errors
def show(file: str, overrides: tuple[str, ...]) -> None:
    """Print the resolved scenario (overlays and --set applied) as YAML."""
    from simulator.scenario.loading import load_scenario, scenario_yaml

    scenario = load_scenario(file, overrides)
    click.echo(scenario_yaml(scenario), nl=False)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from simulator.scenario.reference import editor_schema

    click.echo(json.dumps(editor_schema(), indent=2, ensure_ascii=False))
