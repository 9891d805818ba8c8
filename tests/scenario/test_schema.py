"""The schema: defaults as the format promises, immutability, ``samsim schema``, ``--version``."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pydantic
import pytest
from click.testing import CliRunner
from helpers import minimal_scenario

import simulator
from simulator.cli import main
from simulator.scenario.schema import DivertTo, Scenario
from simulator.scenario.validation import validate


def bare() -> dict[str, Any]:
    """Only the required keys (shared/scenario-format.md, "Required keys")."""
    return {
        "name": "bare",
        "run": {"start_date": "2025-01-01", "days": 100},
        "municipalities": {"m": {"population": 1000}},
        "facilities": {
            "h": {"service": "hospital", "level": "specialist", "beds": 5},
            "k": {"service": "kohd", "level": "municipal", "beds": 2},
        },
        "groups": {
            "g": {
                "rate_per_1000": 2.0,
                "entry": {"s": 1.0},
                "steps": {
                    "s": {
                        "service": "hospital",
                        "los": {"dist": "fixed", "mean": 1},
                        "next": {"home": 1.0},
                    }
                },
            }
        },
    }


def bare_scenario() -> Scenario:
    return validate(bare())


def test_top_level_defaults() -> None:
    s = bare_scenario()
    assert s.title == "bare"  # title = name
    assert s.description == ""
    assert s.costs.blocked_day_rate == 0
    assert s.costs.transport.per_trip == 0
    assert s.costs.transport.per_minute == 0
    assert s.costs.transport.payer == "health_trust"


def test_run_defaults() -> None:
    run = bare_scenario().run
    assert run.start_date == dt.date(2025, 1, 1)
    assert run.warmup_days == 0
    assert run.replications == 10
    assert run.seed == 0


def test_municipality_defaults() -> None:
    m = bare_scenario().municipalities["m"]
    assert m.name == "m"  # name = id
    assert m.growth_per_year == 0
    assert m.projection is None
    assert m.population_year is None
    assert m.travel_minutes == {}


def test_facility_defaults() -> None:
    s = bare_scenario()
    h, k = s.facilities["h"], s.facilities["k"]
    assert h.name == "h"
    assert h.serves is None  # everyone
    assert h.when_full == "queue"
    assert h.schedule == []
    assert (h.costs.per_bed_year, h.costs.per_bed_day, h.costs.per_admission) == (0, 0, 0)
    assert h.costs.payer == "health_trust"  # specialist level
    assert k.costs.payer == "municipality"  # municipal level


def test_payer_follows_level_when_costs_are_given_without_payer() -> None:
    data = minimal_scenario()
    s = validate(data)
    assert s.facilities["hospital"].costs.per_bed_day == 12000
    assert s.facilities["hospital"].costs.payer == "health_trust"
    data["facilities"]["hospital"]["costs"]["payer"] = "municipality"
    assert validate(data).facilities["hospital"].costs.payer == "municipality"


def test_group_and_step_defaults() -> None:
    g = bare_scenario().groups["g"]
    assert g.name == "g"
    assert g.seasonality is None
    assert g.weekday is None  # flat
    assert g.priority == 0
    step = g.steps["s"]
    assert step.wait_in == "home"
    assert step.delay is None
    assert step.when_full is None  # the facility's decides
    assert step.facility is None


def test_seasonality_peak_default() -> None:
    data = minimal_scenario()
    data["groups"]["kols"]["seasonality"] = {"amplitude": 0.2}
    assert validate(data).groups["kols"].seasonality.peak_day_of_year == 1  # type: ignore[union-attr]


def test_given_names_are_kept() -> None:
    data = minimal_scenario()
    data["title"] = "Tittel"
    data["municipalities"]["north"]["name"] = "Nord"
    s = validate(data)
    assert s.title == "Tittel"
    assert s.municipalities["north"].name == "Nord"
    assert s.municipalities["south"].name == "south"


def test_when_full_forms() -> None:
    s = validate(minimal_scenario())
    steps = s.groups["kols"].steps
    assert steps["kohd_stay"].when_full == DivertTo(divert_to="hospital_stay")
    assert s.facilities["kohd-north"].when_full == "divert"
    assert s.facilities["hospital"].when_full == "overflow"


def test_numbers_are_floats_even_when_written_as_ints() -> None:
    s = validate(minimal_scenario())
    assert isinstance(s.run.days, float)
    assert isinstance(s.facilities["hospital"].costs.per_bed_year, float)  # a default
    assert isinstance(s.municipalities["north"].growth_per_year, float)  # a default
    assert isinstance(s.facilities["hospital"].beds, int)


def test_file_order_is_kept() -> None:
    s = validate(minimal_scenario())
    assert list(s.facilities) == ["kohd-north", "hospital", "nursing-home"]
    assert list(s.groups["kols"].steps) == [
        "kohd_stay",
        "hospital_stay",
        "short_term",
        "readmission",
    ]


# --- immutability ------------------------------------------------------------------


def test_scenario_is_frozen() -> None:
    s = validate(minimal_scenario())
    with pytest.raises(pydantic.ValidationError):
        s.name = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        s.facilities["hospital"].beds = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        s.run.days = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        s.groups["kols"].steps["kohd_stay"].los.mean = 1  # type: ignore[misc]


def test_equal_files_give_equal_and_hashable_parts() -> None:
    one, two = validate(minimal_scenario()), validate(minimal_scenario())
    assert one == two
    assert hash(one.run) == hash(two.run)
    assert one != validate({**minimal_scenario(), "name": "other"})


def test_validation_does_not_change_the_input() -> None:
    data = minimal_scenario()
    validate(data)
    assert data == minimal_scenario()


# --- samsim schema --------------------------------------------------------------------


def schema_output() -> dict[str, Any]:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert isinstance(parsed, dict)
    return parsed


def test_schema_is_json_with_the_format_keys() -> None:
    schema = schema_output()
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert {
        "name",
        "title",
        "description",
        "run",
        "municipalities",
        "facilities",
        "groups",
        "costs",
        "extends",
    } <= set(schema["properties"])
    definitions = schema["$defs"]
    assert {"start_date", "days", "warmup_days", "replications", "seed"} <= set(
        definitions["Run"]["properties"]
    )
    assert {"service", "level", "beds", "serves", "when_full", "schedule", "costs"} <= set(
        definitions["Facility"]["properties"]
    )
    assert {"los", "delay", "when_full", "wait_in", "next", "service", "facility"} <= set(
        definitions["Step"]["properties"]
    )
    for model in ("Run", "Facility", "Step", "Group", "Municipality", "Lognormal"):
        assert definitions[model]["additionalProperties"] is False
    assert definitions["Facility"]["properties"]["beds"]["minimum"] == 0


def test_schema_requires_what_the_format_requires() -> None:
    """A file may leave out every key the format gives a default, also derived ones."""
    schema = schema_output()
    d = schema["$defs"]
    assert set(schema["required"]) == {"name", "run", "municipalities", "facilities"}
    assert set(d["Run"]["required"]) == {"start_date", "days"}
    assert set(d["Municipality"]["required"]) == {"population"}
    assert set(d["Facility"]["required"]) == {"service", "level", "beds"}
    assert "required" not in d["FacilityCosts"]
    assert set(d["Group"]["required"]) == {"rate_per_1000", "entry", "steps"}
    assert set(d["Step"]["required"]) == {"los", "next"}
    assert set(d["Lognormal"]["required"]) == {"dist", "mean", "cv"}
    assert set(d["Gamma"]["required"]) == {"dist", "mean", "cv"}
    assert set(d["Exponential"]["required"]) == {"dist", "mean"}


def test_schema_describes_keys_for_hover_text() -> None:
    d = schema_output()["$defs"]
    assert "Beds open at the start" in d["Facility"]["properties"]["beds"]["description"]
    assert "Default: = the id" in d["Municipality"]["properties"]["name"]["description"]


def test_schema_does_not_change_the_models() -> None:
    before = Scenario.model_json_schema()
    schema_output()
    assert Scenario.model_json_schema() == before


# --- samsim --version and the package surface ------------------------------------------


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("samsim, version ")
    assert simulator.__version__ in result.output


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "show", "schema"):
        assert command in result.output


def test_public_api() -> None:
    assert {
        "Problem",
        "SamsimError",
        "Scenario",
        "ScenarioError",
        "load_scenario",
        "validate",
    } <= set(simulator.__all__)
    for name in simulator.__all__:
        assert hasattr(simulator, name)


# --- finite numbers everywhere (issue 9) ------------------------------------------------


def _number_paths(data: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path to a number (not a bool) in plain scenario data."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _number_paths(v, (*prefix, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _number_paths(v, (*prefix, i))]
    if isinstance(data, int | float) and not isinstance(data, bool):
        return [prefix]
    return []


def _every_number() -> dict[str, Any]:
    """The minimal scenario with every optional numeric key given too."""
    data = minimal_scenario()
    data["municipalities"]["north"]["population_year"] = 2024
    data["municipalities"]["south"]["population"] = {"0-66": 3000, "67+": 1000}
    del data["municipalities"]["south"]["growth_per_year"]  # a projection instead
    data["municipalities"]["south"]["projection"] = {2030: {"0-66": 3100, "67+": 1200}}
    data["municipalities"]["north"]["population"] = {"0-66": 8000, "67+": 2000}
    group = data["groups"]["kols"]
    group.update(
        rate_per_1000={"0-66": 2.0, "67+": 20.0},
        seasonality={"amplitude": 0.3, "peak_day_of_year": 20},
        weekday=[1, 1, 1, 1, 1, 0.5, 0.5],
        priority=1,
    )
    group["steps"]["short_term"]["los"] = {"dist": "empirical", "values": [3, 20, 40]}
    data["facilities"]["hospital"]["costs"].update(per_bed_year=1e6, per_admission=100)
    data["costs"]["transport"] = {"per_trip": 1500, "per_minute": 40}
    return data


def _put(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]  # type: ignore[index]
    data[path[-1]] = value  # type: ignore[index]


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


PATHS = _number_paths(_every_number())


def test_the_every_number_scenario_is_valid() -> None:
    validate(_every_number())
    assert len(PATHS) > 40


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
@pytest.mark.parametrize("path", PATHS, ids=_dotted)
def test_no_number_may_be_infinite_or_nan(path: tuple[str | int, ...], value: float) -> None:
    data = _every_number()
    _put(data, path, value)
    with pytest.raises(simulator.SamsimError) as caught:
        validate(data, "x.yaml")
    assert f"x.yaml: {_dotted(path)}: " in str(caught.value)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("run.days", 36526, "must be <= 36525"),
        ("run.replications", 10_001, "must be <= 10000"),
        ("municipalities.north.population", 1.1e9, "must be <= 1e+09"),
        ("groups.kols.rate_per_1000", 2e6, "must be <= 1e+06"),
        ("facilities.hospital.beds", 10_001, "must be <= 10000"),
        ("groups.kols.steps.kohd_stay.los.cv", 11, "must be <= 10"),
        ("groups.kols.steps.kohd_stay.los.mean", 40_000, "must be <= 36525"),
        ("facilities.hospital.costs.per_bed_day", 1e13, "must be <= 1e+12"),
        ("municipalities.north.travel_minutes.hospital", 20_000, "must be <= 10080"),
        ("municipalities.south.growth_per_year", 1.5, "must be <= 1"),
        ("municipalities.south.population_year", 10_000, "must be <= 9999"),
    ],
)
def test_numbers_that_would_blow_up_memory_or_time_are_bounded(
    path: str, value: float, message: str
) -> None:
    data = minimal_scenario()
    _put(data, tuple(path.split(".")), value)
    with pytest.raises(simulator.SamsimError, match=re.escape(f"x.yaml: {path}: {message}")):
        validate(data, "x.yaml")
