"""Validation of background loads, patients in beds at the start, diversion maps and limits:
each mistake is refused with the key path, what is wrong and how to fix it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from helpers import minimal_scenario, single_unit_dict

from simulator import validate
from simulator.errors import ScenarioError
from simulator.scenario.checks import reachable_steps
from simulator.scenario.limits import (
    LimitError,
    Limits,
    check_limits,
    expected_background,
    expected_episodes,
)
from simulator.scenario.loading import scenario_yaml

EXPONENTIAL = {"dist": "exponential", "mean": 2.0}
KOHD = "groups.kols.steps.kohd_stay"


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        validate(data)
    return str(caught.value)


def test_a_valid_scenario_with_every_key_validates() -> None:
    data = minimal_scenario()
    data["facilities"]["hospital"]["background"] = {
        "admissions_per_year": 2000,
        "los": EXPONENTIAL,
        "seasonality": {"amplitude": 0.2, "peak_day_of_year": 15},
        "priority": 1,
        "initial_patients": 4,
    }
    data["facilities"]["hospital"]["initial_occupancy"] = {"patients": 6, "los": EXPONENTIAL}
    steps = data["groups"]["kols"]["steps"]
    steps["kohd_stay"]["when_full"] = {"divert_to": {"hospital_stay": 0.25, "home": 0.75}}
    steps["kohd_stay"]["max_stay"] = {"days": 3, "then": "hospital_stay"}
    steps["hospital_stay"]["max_wait"] = {"days": 2, "then": "death"}
    scenario = validate(data)
    assert scenario.facilities["hospital"].background is not None
    assert "hospital_stay" in reachable_steps(scenario.groups["kols"])


def test_a_step_reached_only_by_a_map_or_a_limit_is_checked_for_candidates() -> None:
    data = minimal_scenario()
    steps = data["groups"]["kols"]["steps"]
    steps["rehab"] = {"service": "rehab", "los": EXPONENTIAL, "next": {"home": 1.0}}
    steps["kohd_stay"]["max_stay"] = {"days": 3, "then": "rehab"}
    assert "no facility gives this service" in refused(data)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            {"when_full": {"divert_to": {"hospital_stay": 0.3, "hme": 0.7}}},
            f"{KOHD}.when_full.divert_to.hme",
            "did you mean 'home'",
        ),
        (
            {"when_full": {"divert_to": {"hospital_stay": 0.3, "home": 0.6}}},
            f"{KOHD}.when_full.divert_to",
            "sum to 1",
        ),
        ({"max_stay": {"days": 3, "then": "kohd_stay"}}, f"{KOHD}.max_stay.then", "move on"),
        ({"max_wait": {"days": 3, "then": "nowhere"}}, f"{KOHD}.max_wait.then", "no step"),
        ({"max_stay": {"days": 0, "then": "home"}}, f"{KOHD}.max_stay.days", "must be > 0"),
    ],
)
def test_step_mistakes_name_the_key(change: dict[str, Any], path: str, words: str) -> None:
    data = minimal_scenario()
    data["groups"]["kols"]["steps"]["kohd_stay"].update(change)
    message = refused(data)
    assert path in message and words in message, message


def test_a_map_that_can_only_divert_again_is_refused() -> None:
    data = minimal_scenario()
    steps = data["groups"]["kols"]["steps"]
    steps["kohd_stay"]["when_full"] = {"divert_to": {"hospital_stay": 1.0, "home": 0.0}}
    steps["hospital_stay"]["when_full"] = {"divert_to": {"kohd_stay": 1.0}}
    message = refused(data)
    assert "can only divert again" in message and "give home a probability" in message


def test_patients_at_the_start_must_fit_in_the_beds_open_then() -> None:
    data = minimal_scenario()
    data["facilities"]["kohd-north"]["initial_occupancy"] = {"patients": 3, "los": EXPONENTIAL}
    message = refused(data)
    assert "facilities.kohd-north.initial_occupancy.patients" in message
    assert "2 beds" in message
    # A schedule entry before the start counts: the nursing home opens 6 beds in June.
    data = minimal_scenario()
    data["run"]["start_date"] = "2025-07-01"
    data["facilities"]["nursing-home"]["background"] = {
        "admissions_per_year": 10,
        "los": EXPONENTIAL,
        "initial_patients": 6,
    }
    validate(data)


def test_background_admissions_count_towards_the_episode_limit() -> None:
    data = single_unit_dict(5, 0.0, EXPONENTIAL, "queue", 3650, 0)
    data["facilities"]["unit"]["background"] = {
        "admissions_per_year": 1_000_000,
        "los": EXPONENTIAL,
    }
    scenario = validate(data)
    assert expected_background(scenario) == pytest.approx(10_000_000)
    assert expected_episodes(scenario) == 0  # episodes are the region's
    with pytest.raises(LimitError, match="background.admissions_per_year"):
        check_limits(scenario, Limits())


def test_the_new_keys_survive_the_stored_scenario_yaml() -> None:
    """What a results folder stores as scenario.yaml loads back as the same scenario."""
    data = minimal_scenario()
    data["facilities"]["hospital"]["background"] = {
        "admissions_per_year": 800,
        "los": {"dist": "lognormal", "mean": 4.0, "cv": 0.8},
        "seasonality": {"amplitude": 0.3},
    }
    data["facilities"]["hospital"]["initial_occupancy"] = {"patients": 5, "los": EXPONENTIAL}
    steps = data["groups"]["kols"]["steps"]
    steps["kohd_stay"]["when_full"] = {"divert_to": {"hospital_stay": 0.25, "home": 0.75}}
    steps["kohd_stay"]["max_stay"] = {"days": 3, "then": "hospital_stay"}
    steps["hospital_stay"]["max_wait"] = {"days": 2, "then": "home"}
    scenario = validate(data)
    again = validate(yaml.safe_load(scenario_yaml(scenario)))
    assert again == scenario
