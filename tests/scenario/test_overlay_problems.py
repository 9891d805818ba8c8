"""Problems made by merging: unknown ids in overlays and ``--set``, removed ids, broken sums.

Each goes through the command line and must name the layer to fix (the
overlay file or ``--set``), the key path, and what to write instead; a sum
broken by merging names both files and the keys each gave.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from helpers import minimal_scenario, write_yaml
from test_validation_errors import Case, assert_problem, problem_line

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.scenario.loading import load_scenario


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write_yaml(tmp_path / "base.yaml", minimal_scenario())


def overlay(base: Path, data: dict[str, object], name: str = "alt.yaml") -> Path:
    return write_yaml(base.parent / name, {"extends": "base.yaml", **data})


SET_CASES = [
    Case(
        "facility-typo",
        "facilities.hospitl.beds=7",
        "facilities.hospitl",
        "no facility with this id in the scenario it changes",
        "did you mean 'hospital'?",
        got="'hospitl'",
    ),
    Case(
        "facility-far-from-all",
        "facilities.dms-senja.beds=7",
        "facilities.dms-senja",
        "no facility with this id",
        "known facility ids: kohd-north, hospital, nursing-home",
    ),
    Case(
        "municipality-typo-valid-entry",  # population alone would make a valid municipality
        "municipalities.nort.population=7",
        "municipalities.nort",
        "no municipality with this id",
        "did you mean 'north'?",
    ),
    Case(
        "municipality-typo",
        "municipalities.sout.growth_per_year=0.02",
        "municipalities.sout",
        "no municipality with this id",
        "to add a new municipality, give the whole entry: municipalities.sout={population",
    ),
    Case(
        "group-typo",
        "groups.kol.rate_per_1000=3",
        "groups.kol",
        "no group with this id",
        "did you mean 'kols'?",
    ),
    Case(
        "step-typo",
        "groups.kols.steps.kohd_sty.los.mean=3",
        "groups.kols.steps.kohd_sty",
        "no step with this id of this group",
        "did you mean 'kohd_stay'?",
    ),
]


@pytest.mark.parametrize("case", SET_CASES, ids=[c.id for c in SET_CASES])
def test_unknown_id_in_set(base: Path, case: Case) -> None:
    assert isinstance(case.change, str)
    result = invoke("show", str(base), "--set", case.change)
    assert_problem(result, "--set", case)
    assert "required key is missing" not in result.output
    assert f"{base}:" not in result.output  # the base file is not what to fix


def test_set_may_add_a_whole_entry(base: Path) -> None:
    result = invoke(
        "show", str(base), "--set", "facilities.new-unit={service: kohd, level: municipal, beds: 1}"
    )
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output)["facilities"]["new-unit"]["beds"] == 1


def test_unknown_facility_in_an_overlay(base: Path) -> None:
    alt = overlay(base, {"facilities": {"hospitl": {"beds": 3}}})
    result = invoke("validate", str(alt))
    assert_problem(
        result,
        str(alt),
        Case(
            "x",
            "",
            "facilities.hospitl",
            "no facility with this id",
            "did you mean 'hospital'?; to add a new facility, give all its required keys "
            "(missing: service, level, costs)",
        ),
    )
    assert "required key is missing" not in result.output


def test_unknown_municipality_in_an_overlay(base: Path) -> None:
    alt = overlay(base, {"municipalities": {"sout": {"growth_per_year": 0.02}}})
    result = invoke("validate", str(alt))
    assert_problem(
        result,
        str(alt),
        Case("x", "", "municipalities.sout", "no municipality with this id", "'south'"),
    )


def test_an_overlay_may_add_a_whole_facility(base: Path) -> None:
    new = {"service": "kohd", "level": "municipal", "beds": 1}
    alt = overlay(base, {"facilities": {"kohd-south": new}})
    assert load_scenario(alt).facilities["kohd-south"].beds == 1


def test_a_removed_facility_still_named_in_travel_times(base: Path) -> None:
    alt = overlay(base, {"facilities": {"kohd-north": None}})
    result = invoke("validate", str(alt))
    line = problem_line(
        result.output,
        str(alt),
        "municipalities.north.travel_minutes.kohd-north",
        f"{alt} removes facility 'kohd-north' (facilities.kohd-north: null), "
        f"but {base} still names it here",
    )
    assert (
        "write municipalities.north.travel_minutes.kohd-north: null in " + str(alt) + " too"
    ) in line
    assert result.exit_code == 2


def test_a_removed_facility_still_served(base: Path) -> None:
    data = minimal_scenario()
    data["facilities"]["hospital"]["serves"] = ["north", "south"]
    write_yaml(base, data)
    alt = overlay(base, {"municipalities": {"south": None}})
    result = invoke("validate", str(alt))
    line = problem_line(
        result.output, str(alt), "facilities.hospital.serves[1]", "removes municipality 'south'"
    )
    assert "give facilities.hospital.serves without it" in line


def test_a_sum_broken_by_an_overlay_names_both_files(base: Path) -> None:
    alt = overlay(base, {"groups": {"kols": {"entry": {"kohd_stay": 0.5}}}})
    result = invoke("validate", str(alt))
    line = problem_line(
        result.output,
        str(alt),
        "groups.kols.entry",
        f"probabilities must sum to 1, after merging (kohd_stay: 0.5 from {alt}; "
        f"hospital_stay: 0.6 from {base})",
    )
    assert "(got sum 1.1)" in line
    assert f"write all of entry in {alt}" in line


def test_a_next_broken_across_three_files(base: Path) -> None:
    middle = overlay(base, {"name": "middle"}, name="middle.yaml")
    top = write_yaml(
        base.parent / "top.yaml",
        {
            "extends": "middle.yaml",
            "groups": {"kols": {"steps": {"short_term": {"next": {"death": 0.1}}}}},
        },
    )
    result = invoke("validate", str(top))
    line = problem_line(
        result.output,
        str(top),
        "groups.kols.steps.short_term.next",
        f"(home: 1.0 from {base}; death: 0.1 from {top})",
    )
    assert str(middle) not in line


def test_a_sum_broken_by_set(base: Path) -> None:
    result = invoke("show", str(base), "--set", "groups.kols.entry.kohd_stay=0.9")
    line = problem_line(
        result.output,
        "--set",
        "groups.kols.entry",
        f"after merging (kohd_stay: 0.9 from an override; hospital_stay: 0.6 from {base})",
    )
    assert (
        "an override of one key keeps the others: set the whole map, "
        "e.g. groups.kols.entry={kohd_stay: ..., hospital_stay: ...}"
    ) in line


def test_a_sum_broken_by_an_override_in_the_library(base: Path) -> None:
    """The same problem from :func:`load_scenario`: the override, never the flag."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, ["groups.kols.entry.kohd_stay=0.9"])
    (problem,) = info.value.problems
    assert problem.source == "override"
    assert f"(kohd_stay: 0.9 from an override; hospital_stay: 0.6 from {base})" in problem.message
    assert problem.hint is not None
    assert problem.hint.startswith("an override of one key keeps the others")
    assert "--" not in str(problem)


def test_a_facility_removed_by_an_override_still_named(base: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, ["facilities.kohd-north=null"])
    path = "municipalities.north.travel_minutes.kohd-north"
    (problem,) = [p for p in info.value.problems if p.path == path]
    assert problem.source == "override"
    assert problem.message == (
        "an override removes facility 'kohd-north' (facilities.kohd-north=null), "
        f"but {base} still names it here"
    )
    assert problem.hint == f"remove it with {path}=null in an override too, or keep the facility"
    result = invoke("validate", str(base), "--set", "facilities.kohd-north=null")
    assert problem_line(result.output, "--set", path, "an override removes facility")


def test_a_sum_wrong_in_one_file_is_not_called_a_merge(base: Path) -> None:
    alt = overlay(base, {"groups": {"kols": {"entry": {"kohd_stay": 0.5, "hospital_stay": 0.6}}}})
    with pytest.raises(ScenarioError) as info:
        load_scenario(alt)
    (problem,) = info.value.problems
    assert problem.source == str(alt)
    assert "after merging" not in problem.message


def test_a_key_left_over_from_the_base_names_the_overlay(base: Path) -> None:
    """The base's ``mean`` stays beside the overlay's empirical ``values``."""
    empirical = {"dist": "empirical", "values": [2, 3]}
    steps = {"readmission": {"delay": empirical}}
    alt = overlay(base, {"groups": {"kols": {"steps": steps}}})
    path = "groups.kols.steps.readmission.delay.mean"
    result = invoke("validate", str(alt))
    line = problem_line(
        result.output, str(alt), path, f"unknown key, left over from {base} beside the keys"
    )
    assert f"remove it in {alt} with {path}: null" in line
    result = invoke(
        "show", str(base), "--set", f"{path[: -len('.mean')]}={{dist: empirical, values: [2]}}"
    )
    line = problem_line(
        result.output, "--set", path, f"left over from {base} beside the keys an override gives"
    )
    assert f"remove it with {path}=null" in line


def test_a_key_left_over_from_an_earlier_override(base: Path) -> None:
    path = "groups.kols.steps.readmission.delay"
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, [f"{path}.mean=3", f"{path}={{dist: empirical, values: [2]}}"])
    (problem,) = info.value.problems
    assert (problem.source, problem.path) == ("override", f"{path}.mean")
    assert problem.message == (
        "unknown key, left over from an earlier override beside the keys an override gives"
    )
    assert problem.hint == f"remove it with {path}.mean=null"
