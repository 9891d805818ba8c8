"""Reading scenario files: overlay merge rules, ``extends``, ``--set`` and ``samsim show``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers import minimal_scenario, write_yaml

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.scenario.loading import (
    apply_overrides,
    deep_merge,
    load_scenario,
    parse_override,
    read_yaml,
    resolve,
)
from simulator.scenario.validation import validate
from simulator.scenario.yamlio import dump

# --- deep_merge ----------------------------------------------------------------------


def test_maps_merge_key_by_key_at_every_depth() -> None:
    base = {"a": {"b": {"c": 1, "d": 2}, "e": 3}, "f": 4}
    overlay = {"a": {"b": {"c": 10}}, "g": 5}
    assert deep_merge(base, overlay) == {"a": {"b": {"c": 10, "d": 2}, "e": 3}, "f": 4, "g": 5}


def test_lists_replace() -> None:
    base = {"serves": ["a", "b", "c"], "schedule": [{"date": 1, "beds": 2}]}
    overlay = {"serves": ["d"], "schedule": [{"beds": 5}]}
    assert deep_merge(base, overlay) == {"serves": ["d"], "schedule": [{"beds": 5}]}


def test_scalars_replace_and_change_kind() -> None:
    base = {"population": {"0-66": 10, "67+": 5}, "beds": 4}
    assert deep_merge(base, {"population": 15, "beds": 6}) == {"population": 15, "beds": 6}
    # a map replaces a scalar, too
    assert deep_merge({"x": 1}, {"x": {"y": 2}}) == {"x": {"y": 2}}


def test_null_removes_a_key() -> None:
    base = {"a": {"b": 1, "c": 2}, "d": 3}
    assert deep_merge(base, {"a": {"b": None}, "d": None}) == {"a": {"c": 2}}
    # removing a key that is not there is no error
    assert deep_merge(base, {"zzz": None}) == base


def test_merge_leaves_its_inputs_alone() -> None:
    base = {"a": {"b": 1}}
    overlay = {"a": {"c": 2}}
    deep_merge(base, overlay)
    assert base == {"a": {"b": 1}}
    assert overlay == {"a": {"c": 2}}


def test_empty_map_in_overlay_keeps_the_base() -> None:
    assert deep_merge({"a": {"b": 1}}, {"a": {}}) == {"a": {"b": 1}}


# --- extends -------------------------------------------------------------------------


def overlay_tree(tmp_path: Path) -> Path:
    """base.yaml and alternatives/close.yaml, which extends ../base.yaml."""
    write_yaml(tmp_path / "base.yaml", minimal_scenario())
    return write_yaml(
        tmp_path / "alternatives" / "close.yaml",
        {
            "extends": "../base.yaml",
            "name": "close-nursing-home",
            "title": "Fewer nursing-home beds",
            "municipalities": {"south": {"growth_per_year": None, "population": 4100}},
            "facilities": {
                "nursing-home": {"beds": 3, "schedule": [{"date": "2026-01-01", "beds": 0}]},
                "hospital": {"serves": ["north", "south"]},
            },
        },
    )


def test_extends_is_relative_to_the_overlay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay = overlay_tree(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not where either file is
    data = resolve(overlay)
    assert "extends" not in data
    assert data["name"] == "close-nursing-home"
    nh = data["facilities"]["nursing-home"]
    assert nh["beds"] == 3
    assert nh["schedule"] == [{"date": "2026-01-01", "beds": 0}]  # replaced, not appended
    assert nh["service"] == "nursing_home"  # kept from the base
    assert data["facilities"]["hospital"]["serves"] == ["north", "south"]
    assert data["facilities"]["hospital"]["beds"] == 10
    assert "growth_per_year" not in data["municipalities"]["south"]
    assert data["municipalities"]["south"]["population"] == 4100
    assert data["groups"] == minimal_scenario()["groups"]


def test_extends_chain(tmp_path: Path) -> None:
    write_yaml(tmp_path / "base.yaml", minimal_scenario())
    write_yaml(tmp_path / "a" / "one.yaml", {"extends": "../base.yaml", "name": "one"})
    two = write_yaml(
        tmp_path / "a" / "b" / "two.yaml",
        {"extends": "../one.yaml", "run": {"replications": 7}},
    )
    scenario = load_scenario(two)
    assert scenario.name == "one"
    assert scenario.title == "one"  # the default follows the merged name
    assert scenario.run.replications == 7
    assert scenario.run.days == 365


def test_overlay_is_validated_after_merging(tmp_path: Path) -> None:
    write_yaml(tmp_path / "base.yaml", minimal_scenario())
    bad = write_yaml(
        tmp_path / "bad.yaml", {"extends": "base.yaml", "facilities": {"hospital": {"beds": -1}}}
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert [p.path for p in info.value.problems] == ["facilities.hospital.beds"]
    assert info.value.problems[0].source == str(bad)


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: c.yaml\n")
    (tmp_path / "c.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="a.yaml -> b.yaml -> c.yaml -> a.yaml"):
        resolve(tmp_path / "a.yaml")


def test_the_same_base_twice_is_no_cycle(tmp_path: Path) -> None:
    """A diamond is impossible with one ``extends``, but reusing a base in a chain is fine."""
    write_yaml(tmp_path / "base.yaml", minimal_scenario())
    write_yaml(tmp_path / "one.yaml", {"extends": "base.yaml", "name": "one"})
    write_yaml(tmp_path / "two.yaml", {"extends": "base.yaml", "name": "two"})
    assert load_scenario(tmp_path / "one.yaml").name == "one"
    assert load_scenario(tmp_path / "two.yaml").name == "two"


def test_read_yaml_keeps_dates_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("run: {start_date: 2025-01-01, days: 365, cv: 0.5}\nname: '007'\n")
    data = read_yaml(path)
    assert str(data["run"]["start_date"]) == "2025-01-01"
    assert data["run"]["days"] == 365 and isinstance(data["run"]["days"], int)
    assert data["name"] == "007"


# --- --set ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("facilities.hospital.beds=6", ["facilities", "hospital", "beds"], 6),
        ("run.days=365.5", ["run", "days"], 365.5),
        ("title=Ny tittel", ["title"], "Ny tittel"),
        ("facilities.x.serves=[a, b]", ["facilities", "x", "serves"], ["a", "b"]),
        ("groups.g.entry={a: 0.5, b: 0.5}", ["groups", "g", "entry"], {"a": 0.5, "b": 0.5}),
        ("municipalities.m.growth_per_year=null", ["municipalities", "m", "growth_per_year"], None),
        ("name='007'", ["name"], "007"),
        ("run.start_date=2026-01-01", ["run", "start_date"], "2026-01-01"),
        ("description=a=b", ["description"], "a=b"),  # only the first '=' splits
        (" run.seed = 3", ["run", "seed"], 3),
        ("facilities.dms-senja-kohd.beds=0", ["facilities", "dms-senja-kohd", "beds"], 0),
    ],
)
def test_parse_override(text: str, path: list[str], value: Any) -> None:
    parts, parsed = parse_override(text)
    assert parts == path
    if path == ["run", "start_date"]:
        assert str(parsed) == value
    else:
        assert parsed == value
        assert type(parsed) is type(value)


def test_set_ints_stay_ints() -> None:
    data = apply_overrides(minimal_scenario(), ["facilities.hospital.beds=12"])
    assert data["facilities"]["hospital"]["beds"] == 12
    assert isinstance(data["facilities"]["hospital"]["beds"], int)


def test_set_merges_like_an_overlay() -> None:
    data = apply_overrides(
        minimal_scenario(),
        [
            "facilities.hospital.costs.per_admission=500",
            "municipalities.south.growth_per_year=null",
            "facilities.hospital.serves=[south, north]",
            "facilities.new-unit={service: kohd, level: municipal, beds: 1}",
        ],
    )
    hospital = data["facilities"]["hospital"]
    assert hospital["costs"] == {"per_bed_day": 12000, "per_admission": 500}
    assert hospital["serves"] == ["south", "north"]
    assert "growth_per_year" not in data["municipalities"]["south"]
    assert data["facilities"]["new-unit"]["beds"] == 1
    validate(data)


def test_set_applies_in_order() -> None:
    data = apply_overrides(minimal_scenario(), ["run.seed=1", "run.seed=2"])
    assert data["run"]["seed"] == 2


def test_set_after_extends(tmp_path: Path) -> None:
    overlay = overlay_tree(tmp_path)
    scenario = load_scenario(overlay, ["facilities.nursing-home.beds=9"])
    assert scenario.facilities["nursing-home"].beds == 9


def test_set_does_not_change_the_input() -> None:
    base = minimal_scenario()
    apply_overrides(base, ["facilities.hospital.beds=1"])
    assert base == minimal_scenario()


# --- samsim show ---------------------------------------------------------------------


def show(*args: str) -> str:
    result = CliRunner().invoke(main, ["show", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_prints_the_merged_overlay(tmp_path: Path) -> None:
    overlay = overlay_tree(tmp_path)
    printed = yaml.safe_load(show(str(overlay)))
    assert "extends" not in printed
    assert printed["name"] == "close-nursing-home"
    assert printed["title"] == "Fewer nursing-home beds"
    assert printed["facilities"]["nursing-home"]["beds"] == 3
    assert printed["facilities"]["hospital"]["serves"] == ["north", "south"]
    assert printed["facilities"]["hospital"]["costs"]["payer"] == "health_trust"
    assert printed["municipalities"]["south"]["growth_per_year"] == 0
    assert printed["run"]["replications"] == 2
    # defaults are written out, so the printed file says everything
    assert printed["groups"]["kols"]["steps"]["hospital_stay"]["wait_in"] == "home"


def test_show_round_trip_gives_an_equal_scenario(tmp_path: Path) -> None:
    overlay = overlay_tree(tmp_path)
    original = load_scenario(overlay, ["run.seed=42"])
    printed = tmp_path / "printed.yaml"
    printed.write_text(show(str(overlay), "--set", "run.seed=42"), encoding="utf-8")
    reloaded = load_scenario(printed)
    assert reloaded == original
    # equal down to the JSON text (0 and 0.0 compare equal but hash differently)
    assert json.dumps(reloaded.model_dump(mode="json")) == json.dumps(
        original.model_dump(mode="json")
    )
    # and printing it again changes nothing
    assert show(str(printed)) == printed.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(printed)])
    assert result.exit_code == 0, result.output


def test_show_round_trip_with_every_kind_of_value(tmp_path: Path) -> None:
    data = minimal_scenario()
    north = data["municipalities"]["north"]
    north["population"] = {"0-66": 8000, "67+": 2000}
    north["projection"] = {2030: {"0-66": 7900, "67+": 2300}}
    north["population_year"] = 2024
    data["municipalities"]["south"] = {
        "name": "Sør",
        "population": {"0-66": 3000, "67+": 1000},
        "growth_per_year": -0.01,
    }
    group = data["groups"]["kols"]
    group["rate_per_1000"] = {"0-66": 1.5, "67+": 20}
    group["seasonality"] = {"amplitude": 0.3, "peak_day_of_year": 20}
    group["weekday"] = [1.1, 1, 1, 1, 1, 0.9, 0.9]
    group["steps"]["readmission"]["delay"] = {"dist": "empirical", "values": [3, 10, 40]}
    group["steps"]["hospital_stay"]["when_full"] = "queue"
    data["description"] = "Første linje.\nAndre linje: med kolon."
    data["costs"]["transport"] = {"per_trip": 1500, "per_minute": 40}
    path = write_yaml(tmp_path / "full.yaml", data)
    original = load_scenario(path)
    printed = tmp_path / "printed.yaml"
    printed.write_text(show(str(path)), encoding="utf-8")
    assert load_scenario(printed) == original


def test_a_mistake_in_the_base_names_the_base_file(tmp_path: Path) -> None:
    """The planner is sent to the file that holds the key, not to the overlay."""
    data = minimal_scenario()
    data["facilities"]["hospital"]["beds"] = -1
    base = write_yaml(tmp_path / "base.yaml", data)
    overlay = write_yaml(
        tmp_path / "alt.yaml",
        {"extends": "base.yaml", "name": "alt", "facilities": {"hospital": {"bedz": 3}}},
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(overlay)
    sources = {p.path: p.source for p in info.value.problems}
    assert sources == {
        "facilities.hospital.beds": str(base),
        "facilities.hospital.bedz": str(overlay),
    }


def test_a_mistake_made_by_an_override_names_the_override(tmp_path: Path) -> None:
    """The library's source is ``override``; only the command line calls it ``--set``."""
    path = write_yaml(tmp_path / "s.yaml", minimal_scenario())
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, ["facilities.hospital.beds=-3"])
    assert [(p.source, p.path) for p in info.value.problems] == [
        ("override", "facilities.hospital.beds")
    ]
    assert str(info.value).startswith("override: facilities.hospital.beds: ")
    assert "--set" not in str(info.value)
    for bad in ("beds", "facilities..beds=3", "facilities.hospital.beds=["):
        with pytest.raises(ScenarioError) as info:
            load_scenario(path, [bad])
        assert {p.source for p in info.value.problems} == {"override"}, bad


def test_a_cross_field_mistake_names_the_overlay_that_made_it(tmp_path: Path) -> None:
    write_yaml(tmp_path / "base.yaml", minimal_scenario())
    overlay = write_yaml(
        tmp_path / "alt.yaml",
        {"extends": "base.yaml", "groups": {"kols": {"entry": {"kohd_stay": 0.5}}}},
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(overlay)
    assert [(p.source, p.path) for p in info.value.problems] == [
        (str(overlay), "groups.kols.entry")
    ]


# --- written YAML reads back the same in YAML 1.1 and 1.2 --------------------------------


def test_show_quotes_text_that_either_yaml_would_read_as_a_number(tmp_path: Path) -> None:
    data = minimal_scenario()
    data["title"] = "1e3"  # a number to YAML 1.2, text to YAML 1.1
    data["description"] = "0o17"
    data["municipalities"]["north"]["name"] = "yes"  # a yes/no value to YAML 1.1 only
    data["municipalities"]["south"]["name"] = "010"
    path = tmp_path / "texts.yaml"
    path.write_text(dump(data), encoding="utf-8")
    text = show(str(path))
    for value in ("1e3", "0o17", "yes", "010"):
        assert f"'{value}'" in text
    printed = yaml.safe_load(text)  # a YAML 1.1 reader, as other tools use
    assert printed["title"] == "1e3" and printed["description"] == "0o17"
    assert printed["municipalities"]["north"]["name"] == "yes"
    again = tmp_path / "again.yaml"
    again.write_text(text, encoding="utf-8")
    assert load_scenario(again) == load_scenario(path)
