"""How the command line words the library's errors: flags where the library names settings."""

from __future__ import annotations

from simulator.cli.base import error_text, problem_text
from simulator.errors import OptionError, Problem, ScenarioError
from simulator.scenario.limits import LimitError
from simulator.scenario.provenance import OVERRIDE


def test_an_overrides_problem_is_told_as_the_set_flag() -> None:
    problem = Problem(OVERRIDE, "run.seed", "must be >= 0", "-1", "e.g. run.seed=42")
    assert str(problem) == "override: run.seed: must be >= 0 (got -1); e.g. run.seed=42"
    assert problem_text(problem) == "--set: run.seed: must be >= 0 (got -1); e.g. run.seed=42"


def test_a_files_problem_keeps_its_file() -> None:
    problem = Problem("alt.yaml", "facilities.x.beds", "must be >= 0", "-2")
    assert problem_text(problem) == str(problem)


def test_every_problem_of_a_scenario_error_is_told_so() -> None:
    problems = [
        Problem(OVERRIDE, "facilities.x.beds", "must be >= 0", "-2"),
        Problem("base.yaml", "name", "required key is missing"),
    ]
    for exc in (ScenarioError(problems), LimitError(problems, ["episodes"])):
        assert error_text(exc) == (
            "--set: facilities.x.beds: must be >= 0 (got -2)\n"
            "base.yaml: name: required key is missing"
        )


def test_an_option_errors_overrides_are_shown_as_set_flags() -> None:
    exc = OptionError("facility", "unit", "has no beds", ("facilities.unit.beds=2", "run.days=9"))
    assert error_text(exc) == (
        "--facility unit: has no beds\non the command line: "
        "--set facilities.unit.beds=2 --set run.days=9"
    )
