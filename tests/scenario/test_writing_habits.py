"""Habits from Excel, Norwegian number formats and YAML 1.1, through ``samsim validate``.

Each case is the minimal scenario written as YAML text with one line changed
the way a planner would write it: a decimal comma, a date ``01.01.2026``, a
share ``40%``, a kommunenummer ``0301``, ``beds: 010``, ``beds: true``, an id
with ø. Each must give exit code 2 and a line naming the file and the key
path and saying what to write instead. Numbers follow YAML 1.2
(docs/decisions.md): a leading zero is refused, ``1:30`` and ``yes`` are text.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from helpers import minimal_scenario, write_yaml
from pydantic import BaseModel
from test_validation_errors import Case, assert_problem, problem_line

from simulator.cli import main
from simulator.scenario.hints import WHOLE_NUMBER_KEYS
from simulator.scenario.loading import read_scenario
from simulator.scenario.schema import Scenario

SP = "groups.kols.steps"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def minimal_text() -> str:
    return yaml.safe_dump(minimal_scenario(), sort_keys=False)


def edited(old: str, new: str) -> str:
    """The minimal scenario as YAML text with the first ``old`` replaced by ``new``."""
    text = minimal_text()
    assert old in text, old
    return text.replace(old, new, 1)


KOHD_LOS = "      kohd_stay:\n        service: kohd\n        los:\n          dist: lognormal\n          mean: 2.4\n          cv: 0.6\n"  # noqa: E501
DELAY = "        delay:\n          dist: exponential\n          mean: 20\n"
KOHD_UNIT = (
    "  kohd-north:\n    service: kohd\n    level: municipal\n    beds: 2\n    when_full: divert\n"  # noqa: E501
)

CASES = [
    Case(
        "beds-octal",
        edited("beds: 10\n", "beds: 010\n"),
        "facilities.hospital.beds",
        "line 25, column 11: the number 010 starts with 0, which YAML 1.1 reads as an octal",
        "write 10 for a number",
    ),
    Case(
        "travel-octal",
        edited("hospital: 90", "hospital: 045"),
        "municipalities.north.travel_minutes.hospital",
        "the number 045 starts with 0",
        "write 45",
    ),
    Case(
        "beds-true",
        edited("beds: 10\n", "beds: true\n"),
        "facilities.hospital.beds",
        "must be a number or text, not true/false",
        "write a number (true is not 1 bed)",
        got="true",
    ),
    Case(
        "beds-yes-is-text",
        edited("beds: 10\n", "beds: yes\n"),
        "facilities.hospital.beds",
        "must be a valid integer",
        got="'yes'",
    ),
    Case(
        "days-sexagesimal",
        edited("days: 365", "days: 1:30"),
        "run.days",
        "must be a valid number",
        "1:30 is not read as a time",
        got="'1:30'",
    ),
    Case(
        "kommunenummer-leading-zero",
        edited("  north:\n", "  0301:\n"),
        "municipalities.0301",
        "the key 0301 starts with 0",
        "quote an id such as a kommunenummer: '0301'",
    ),
    Case(
        "kommunenummer-as-number",
        edited("  south:\n", "  1931:\n"),
        "municipalities.1931",
        "the key must be a valid string",
        "quote the id: '1931'",
    ),
    Case(
        "name-binary",
        edited("name: minimal", "name: !!binary bWluaW1hbA=="),
        "name",
        "the tag !!binary is not allowed in a scenario",
        "remove the tag",
    ),
    Case(
        "local-tag",
        edited("beds: 10\n", "beds: !beds 10\n"),
        "facilities.hospital.beds",
        "the tag !beds is not allowed",
    ),
    Case(
        "start-date-compact",
        edited("start_date: '2025-01-01'", "start_date: 20250101"),
        "run.start_date",
        "must be a valid date, written YYYY-MM-DD",
        "write 2025-01-01",
        got="20250101",
    ),
    Case(
        "start-date-norwegian",
        edited("start_date: '2025-01-01'", "start_date: 01.01.2026"),
        "run.start_date",
        "must be a valid date",
        "write 2026-01-01",
        got="'01.01.2026'",
    ),
    Case(
        "schedule-date-norwegian",
        edited("date: '2025-06-01'", "date: 1.6.2025"),
        "facilities.nursing-home.schedule[0].date",
        "must be a valid date",
        "write 2025-06-01",
    ),
    Case(
        "impossible-norwegian-date",
        edited("start_date: '2025-01-01'", "start_date: 30.02.2025"),
        "run.start_date",
        "must be a valid date",
        "write dates as YYYY-MM-DD",
    ),
    Case(
        "decimal-comma",
        edited("mean: 2.4", "mean: 2,4"),
        f"{SP}.kohd_stay.los.mean",
        "must be a valid number",
        "write 2.4: YAML needs a decimal point, not a comma",
        got="'2,4'",
    ),
    Case(
        "decimal-comma-in-whole-number",
        edited("beds: 10\n", "beds: 6,5\n"),
        "facilities.hospital.beds",
        "must be a valid integer",
        "this key takes a whole number, e.g. 6, not a decimal such as 6,5",
        got="'6,5'",
    ),
    Case(
        "decimal-comma-of-zero-in-whole-number",
        edited("beds: 10\n", "beds: 6,0\n"),
        "facilities.hospital.beds",
        "must be a valid integer",
        "write 6: this key takes a whole number",
    ),
    Case(
        "percent-in-whole-number",
        edited("beds: 10\n", "beds: 40%\n"),
        "facilities.hospital.beds",
        "must be a valid integer",
        "this key takes a whole number, not a share",
    ),
    Case(
        "decimal-comma-in-flow-map",
        edited(
            KOHD_LOS,
            "      kohd_stay:\n        service: kohd\n"
            "        los: {dist: lognormal, mean: 3,58, cv: 0.6}\n",
        ),
        f"{SP}.kohd_stay.los.mean",
        "in a flow map {...} a comma separates entries, so mean: 3,58 became mean: 3 and a "
        "key 58 of its own, with no value",
        "write 3.58: YAML needs a decimal point, not a comma",
    ),
    Case(
        "decimal-comma-in-whole-number-in-flow-map",
        edited(KOHD_UNIT, "  kohd-north: {service: kohd, level: municipal, beds: 6,5}\n"),
        "facilities.kohd-north.beds",
        "so beds: 6,5 became beds: 6 and a key 5 of its own, with no value",
        "this key takes a whole number, e.g. 6, not a decimal such as 6,5",
    ),
    Case(
        "decimal-comma-with-leading-zero-in-list",
        edited("rate_per_1000: 5.0", "weekday: [1,05, 1, 1, 1, 1, 1, 1]\n    rate_per_1000: 5.0"),
        "groups.kols.weekday",
        "1,05 is read as two values",
        "write 1.05",
    ),
    Case(
        "decimal-commas-make-too-many-items",
        edited(
            "rate_per_1000: 5.0", "weekday: [1,1, 1, 1, 1, 1, 0,9, 0,9]\n    rate_per_1000: 5.0"
        ),
        "groups.kols.weekday",
        "line 38: 1,1, 0,9, 0,9 are read as separate numbers, which looks like decimal commas",
        "write 1.1, 0.9, 0.9",
    ),
    Case(
        "text-read-as-a-number",
        edited("name: minimal", "name: minimal\ntitle: 1e3"),
        "title",
        "must be a valid string",
        "put text in quotes; unquoted, YAML reads it as the number 1000.0",
    ),
    Case(
        "percent",
        edited("kohd_stay: 0.4", "kohd_stay: 40%"),
        "groups.kols.entry.kohd_stay",
        "must be a valid number",
        "write a share as a number: 40% is 0.4",
    ),
    Case(
        "thousands-with-spaces",
        edited("population: 10000", "population: 10 000"),
        "municipalities.north.population",
        "must be a valid number",
        "write 10000, without spaces",
    ),
    Case(
        "id-with-o-slash",
        edited("  south:\n", "  sørreisa:\n"),
        "municipalities.sørreisa",
        "the key must be an id of letters, digits, '-' and '_'",
        "write 'sorreisa'",
    ),
    Case(
        "id-with-ae-and-aa",
        edited("  kohd-north:\n    service", "  dms-bærum-å:\n    service"),
        "facilities.dms-bærum-å",
        "must be an id",
        "write 'dms-baerum-aa'",
    ),
    Case(
        "name-too-long",
        edited("name: minimal", "name: " + "x" * 300),
        "name",
        "is 300 characters long; a name may have at most 100",
        "keep it short and put the long text in title",
    ),
]


def test_case_ids_are_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("style", ["block", "flow"])
def test_a_decimal_comma_in_beds_is_never_told_to_write_a_decimal(
    tmp_path: Path, style: str
) -> None:
    """``beds: 6,5`` is text to YAML, ``{beds: 6,5}`` two entries; beds takes neither 6.5."""
    written = {
        "block": "  kohd-north:\n    service: kohd\n    level: municipal\n    beds: 6,5\n",
        "flow": "  kohd-north: {service: kohd, level: municipal, beds: 6,5, when_full: divert}\n",
    }[style]
    path = tmp_path / f"{style}.yaml"
    path.write_text(edited(KOHD_UNIT, written))
    result = invoke("validate", str(path))
    line = problem_line(result.output, str(path), "facilities.kohd-north.beds", "6,5")
    assert result.exit_code == 2
    assert "6.5" not in line
    assert line.endswith("; this key takes a whole number, e.g. 6, not a decimal such as 6,5")
    assert ("a comma separates entries" in line) == (style == "flow")
    assert ("must be a valid integer" in line) == (style == "block")


def test_the_whole_number_keys_are_the_schemas() -> None:
    """Reading a file tells a whole-number key by its name: the names must be the schema's."""
    whole, decimal = leaf_kinds(Scenario)
    assert whole == WHOLE_NUMBER_KEYS
    assert not whole & decimal  # no name is a whole number in one place, a decimal in another


def leaf_kinds(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    """The field names of ``model`` and the models within that hold an int, and a float."""
    whole: set[str] = set()
    decimal: set[str] = set()
    todo, seen = [model], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            kinds = set(leaves(info.annotation, todo))
            if int in kinds:
                whole.add(info.alias or name)
            if float in kinds:
                decimal.add(info.alias or name)
    return whole, decimal


def leaves(kind: Any, models: list[type[BaseModel]]) -> Iterator[Any]:
    """The plain types a field's own value can be; models (also in lists, maps) go to ``models``."""
    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        yield from leaves(typing.get_args(kind)[0], models)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(kind):
            yield from leaves(arg, models)
    elif origin is not None:  # a list or a map: its items are not the key's own value
        for arg in typing.get_args(kind):
            for inner in leaves(arg, models):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    models.append(inner)
    elif isinstance(kind, type) and issubclass(kind, BaseModel):
        models.append(kind)
    else:
        yield kind


def test_decimal_commas_beside_the_problem_they_cause(tmp_path: Path) -> None:
    (case,) = [c for c in CASES if c.id == "decimal-commas-make-too-many-items"]
    assert isinstance(case.change, str)
    path = tmp_path / "weekday.yaml"
    path.write_text(case.change)
    result = invoke("validate", str(path))
    assert_problem(result, str(path), Case("x", "", case.path, "must have at most 7 items, not 10"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_habit(tmp_path: Path, case: Case) -> None:
    assert isinstance(case.change, str)
    path = tmp_path / f"{case.id}.yaml"
    path.write_text(case.change, encoding="utf-8")
    result = invoke("validate", str(path))
    assert_problem(result, str(path), case)


SET_CASES = [
    Case(
        "set-impossible-date",
        "run.start_date=2025-02-29",
        "run.start_date",
        "not a valid date: 2025-02-29",
        "write dates as YYYY-MM-DD",
    ),
    Case(
        "set-month-13",
        "run.start_date=2025-13-01",
        "run.start_date",
        "not a valid date: 2025-13-01",
        "YYYY-MM-DD",
    ),
    Case("set-compact-date", "run.start_date=20250101", "run.start_date", "", "write 2025-01-01"),
    Case("set-true", "facilities.hospital.beds=true", "facilities.hospital.beds", "not true/false"),
    Case("set-octal", "facilities.hospital.beds=010", "facilities.hospital.beds", "starts with 0"),
    Case(
        "set-decimal-comma",
        f"{SP}.kohd_stay.los.mean=2,4",
        f"{SP}.kohd_stay.los.mean",
        "must be a valid number",
        "write 2.4",
    ),
    Case(
        "set-decimal-comma-in-whole-number",
        "facilities.hospital.beds=6,5",
        "facilities.hospital.beds",
        "must be a valid integer",
        "this key takes a whole number, e.g. 6",
    ),
    Case(
        "set-decimal-comma-in-map",
        f"{SP}.kohd_stay.los={{dist: lognormal, mean: 3,58, cv: 0.5}}",
        f"{SP}.kohd_stay.los.mean",
        "so mean: 3,58 became mean: 3 and a key 58 of its own",
        "write 3.58",
    ),
    Case("set-tag", "name=!!binary bWluaW1hbA==", "name", "the tag !!binary is not allowed"),
    Case("set-long-name", "name=" + "n" * 300, "name", "is 300 characters long"),
]


@pytest.mark.parametrize("case", SET_CASES, ids=[c.id for c in SET_CASES])
def test_habit_in_set(tmp_path: Path, case: Case) -> None:
    path = write_yaml(tmp_path / "ok.yaml", minimal_scenario())
    assert isinstance(case.change, str)
    result = invoke("show", str(path), "--set", case.change)
    assert_problem(result, "--set", case)
    assert "line 1, column 1" not in result.output  # a --set value is one short line


# --- what YAML 1.2 reads differently, on purpose -----------------------------------


def show(path: Path) -> dict[str, object]:
    result = invoke("show", str(path))
    assert result.exit_code == 0, result.output
    data: dict[str, object] = yaml.safe_load(result.output)
    return data


def test_merge_key_with_an_override(tmp_path: Path) -> None:
    """``<<: *unit`` then ``beds: 3`` is the standard YAML merge, not a repeated key."""
    text = edited(
        "  kohd-north:\n    service: kohd\n    level: municipal\n    beds: 2\n"
        "    when_full: divert\n",
        "  kohd-north: &unit\n    service: kohd\n    level: municipal\n    beds: 2\n"
        "    when_full: divert\n  kohd-south:\n    <<: *unit\n    beds: 3\n",
    )
    path = tmp_path / "merge.yaml"
    path.write_text(text)
    facilities = show(path)["facilities"]
    assert isinstance(facilities, dict)
    assert facilities["kohd-north"]["beds"] == 2
    assert facilities["kohd-south"]["beds"] == 3
    assert facilities["kohd-south"]["when_full"] == "divert"


def test_a_key_twice_beside_a_merge_is_still_refused(tmp_path: Path) -> None:
    text = edited("  kohd-north:\n", "  kohd-north: &unit\n") + "x: {<<: *unit, beds: 3, beds: 4}\n"
    path = tmp_path / "twice.yaml"
    path.write_text(text)
    result = invoke("validate", str(path))
    assert_problem(result, str(path), Case("x", "", "", "the key 'beds' is given twice"))


def test_yaml_12_numbers_and_words(tmp_path: Path) -> None:
    """``no`` and ``on`` are text, ``1e3`` is a number, ``0o17`` is octal on purpose."""
    text = edited("name: minimal", "name: 'no'\ntitle: on")
    text = text.replace("population: 10000", "population: 1e4").replace(
        "beds: 10\n", "beds: 0o12\n"
    )
    path = tmp_path / "words.yaml"
    path.write_text(text)
    data = show(path)
    assert data["name"] == "no" and data["title"] == "on"
    assert data["municipalities"]["north"]["population"] == 10000  # type: ignore[index]
    assert data["facilities"]["hospital"]["beds"] == 10  # type: ignore[index]


def test_quoted_kommunenummer_is_an_id(tmp_path: Path) -> None:
    text = edited("  south:\n", "  '0301':\n    name: Oslo\n")
    path = tmp_path / "oslo.yaml"
    path.write_text(text)
    assert "0301" in show(path)["municipalities"]  # type: ignore[operator]


# --- warnings: valid, probably not meant ---------------------------------------------


def warnings_of(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("warning: ")]


def test_decimal_commas_that_parse_as_a_list_warn(tmp_path: Path) -> None:
    text = edited(DELAY, "        delay: {dist: empirical, values: [2,5, 3,1, 10,5]}\n")
    path = tmp_path / "commas.yaml"
    path.write_text(text)
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    (line,) = [w for w in warnings_of(result) if "separate numbers" in w]
    assert line.startswith(f"warning: {path}: {SP}.readmission.delay.values: line ")
    assert "2,5, 3,1, 10,5 are read as separate numbers" in line
    assert "write 2.5, 3.1, 10.5" in line


def test_zeros_in_an_empirical_list_warn(tmp_path: Path) -> None:
    text = edited(DELAY, "        delay: {dist: empirical, values: [2,0, 3,5]}\n")
    path = tmp_path / "zeros.yaml"
    path.write_text(text)
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    found = [w for w in warnings_of(result) if ".delay.values" in w]
    assert len(found) == 2, found  # the commas seen on the line, and the zero
    assert any("1 of 4 values are 0 days" in w and "write 2.0, 3.5" in w for w in found)


def test_a_plain_list_without_spaces_does_not_warn(tmp_path: Path) -> None:
    text = edited(DELAY, "        delay: {dist: empirical, values: [2,5,3,1]}\n")
    path = tmp_path / "plain.yaml"
    path.write_text(text)
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert not [w for w in warnings_of(result) if "delay" in w]


def test_missing_travel_minutes_warn(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "travel.yaml", minimal_scenario())
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    found = warnings_of(result)
    assert f"warning: {path}: municipalities.north.travel_minutes: no travel time to " in (
        found[0] if found else ""
    )
    assert "nursing-home, which serves north" in found[0]
    assert "counts as 0 minutes" in found[0] and "add the road minutes" in found[0]
    south = [w for w in found if "municipalities.south.travel_minutes" in w]
    assert south and "kohd-north, hospital, nursing-home, which serve south" in south[0]


def test_complete_travel_minutes_do_not_warn(tmp_path: Path) -> None:
    data = minimal_scenario()
    for municipality in data["municipalities"].values():
        municipality["travel_minutes"] = {f: 30 for f in data["facilities"]}
    result = invoke("validate", str(write_yaml(tmp_path / "ok.yaml", data)))
    assert result.exit_code == 0
    assert warnings_of(result) == []


def test_only_facilities_that_serve_the_municipality_need_a_time(tmp_path: Path) -> None:
    data = minimal_scenario()
    data["facilities"]["kohd-far"] = {"service": "kohd", "level": "municipal", "beds": 1}
    data["facilities"]["kohd-far"]["serves"] = ["north"]
    data["facilities"]["rehab"] = {"service": "rehab", "level": "specialist", "beds": 1}
    data["municipalities"]["north"]["travel_minutes"] = {f: 30 for f in data["facilities"]}
    south = {f: 30 for f in data["facilities"] if f not in ("kohd-far", "rehab")}
    data["municipalities"]["south"]["travel_minutes"] = south  # kohd-far: serves north only
    del data["municipalities"]["north"]["travel_minutes"]["rehab"]  # no step uses rehab
    result = invoke("validate", str(write_yaml(tmp_path / "ok.yaml", data)))
    assert result.exit_code == 0
    assert warnings_of(result) == []


def test_run_prints_the_warnings(tmp_path: Path) -> None:
    data = minimal_scenario()
    data["run"].update(days=20, warmup_days=0, replications=2)
    path = write_yaml(tmp_path / "short.yaml", data)
    result = invoke(
        "run", str(path), "--out", str(tmp_path / "results"), "--no-report", "-q", "-j", "1",
        "--set", "municipalities.north.travel_minutes={hospital: 30}",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"warning: {path}: municipalities.south.travel_minutes:" in result.output
    assert "warning: --set: municipalities.north.travel_minutes: no travel time" in result.output


def test_a_warning_about_an_override(tmp_path: Path) -> None:
    """The library names the override; ``samsim validate`` names ``--set``."""
    path = write_yaml(tmp_path / "ok.yaml", minimal_scenario())
    changes = [
        f"{SP}.readmission.delay={{dist: empirical, values: [2,5, 3,1], mean: null}}",
        "municipalities.north.travel_minutes={hospital: 30}",
    ]
    found = {(w.source, w.path) for w in read_scenario(path, changes).warnings}
    assert {
        ("override", f"{SP}.readmission.delay.values"),
        ("override", "municipalities.north.travel_minutes"),
        (str(path), "municipalities.south.travel_minutes"),
    } == found
    result = invoke("validate", str(path), "--set", changes[0], "--set", changes[1])
    assert result.exit_code == 0, result.output
    lines = warnings_of(result)
    assert f"warning: --set: {SP}.readmission.delay.values: line 1: 2,5, 3,1 are read" in lines[0]
    assert lines[1].startswith("warning: --set: municipalities.north.travel_minutes: ")
    assert lines[2].startswith(f"warning: {path}: municipalities.south.travel_minutes: ")
    assert "override" not in "\n".join(lines)


@pytest.mark.parametrize("text", ["6,5", "6,0", "40%", "1 000,5", "1:30"])
def test_a_whole_number_key_is_never_told_to_write_a_decimal(text: str) -> None:
    """``beds: 6,5`` once got "write 6.5", which ``beds`` refuses in turn."""
    from simulator.scenario.hints import number_hint

    hint = number_hint(text, whole=True)
    assert hint is not None and "whole number" in hint
    assert not re.search(r"\d\.\d", hint), hint  # no decimal suggested
    assert number_hint(text) != hint  # a key of decimals keeps its own hint
