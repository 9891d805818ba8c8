"""Changes on a date in the scenario: the dated states, ramps, and problems that name the change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import minimal_scenario

from simulator.errors import ScenarioError
from simulator.scenario.changes import dated_states, ramp_dates
from simulator.scenario.loading import load_scenario, scenario_yaml
from simulator.scenario.validation import validate


def _with(changes: list[dict[str, Any]]) -> dict[str, Any]:
    data = minimal_scenario()
    data["changes"] = changes
    return data


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        validate(data, source="region.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_scenario_without_changes_is_its_only_state() -> None:
    scenario = validate(minimal_scenario())
    (state,) = dated_states(scenario)
    assert state.date is None and state.scenario is scenario


def test_changes_apply_in_date_order_and_each_state_keeps_the_earlier_ones() -> None:
    scenario = validate(
        _with(
            [
                {"date": "2025-09-01", "set": {"facilities.hospital.beds": 14}},
                {"date": "2025-03-01", "set": {"groups.kols.rate_per_1000": 7}},
            ]
        )
    )
    states = dated_states(scenario)
    assert [s.date for s in states] == [None, dt.date(2025, 3, 1), dt.date(2025, 9, 1)]
    assert [s.scenario.groups["kols"].rate_per_1000 for s in states] == [5.0, 7.0, 7.0]
    assert [s.scenario.facilities["hospital"].beds for s in states] == [10, 10, 14]
    assert all(s.scenario.changes == [] for s in states)


def test_a_ramp_is_monthly_steps_holding_the_mean_of_each_month() -> None:
    assert ramp_dates(dt.date(2026, 1, 15), dt.date(2026, 4, 1)) == [
        dt.date(2026, 1, 15),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
    ]
    scenario = validate(
        _with(
            [
                {
                    "date": "2026-01-01",
                    "until": "2028-01-01",
                    "set": {"groups.kols.entry": {"kohd_stay": 0.5, "hospital_stay": 0.5}},
                }
            ]
        )
    )
    states = dated_states(scenario)[1:]
    assert len(states) == 25  # 24 months and the final value
    start = dt.date(2026, 1, 1)
    span = (dt.date(2028, 1, 1) - start).days
    for here, after in zip(states, states[1:], strict=False):
        assert here.date is not None and after.date is not None
        middle = (here.date - start).days + (after.date - here.date).days / 2
        share = here.scenario.groups["kols"].entry["kohd_stay"]
        assert share == pytest.approx(0.4 + 0.1 * middle / span, rel=1e-12)
        assert sum(here.scenario.groups["kols"].entry.values()) == pytest.approx(1.0)
    assert states[-1].scenario.groups["kols"].entry == {"kohd_stay": 0.5, "hospital_stay": 0.5}


def test_beds_ramp_in_whole_beds() -> None:
    scenario = validate(
        _with(
            [{"date": "2025-01-01", "until": "2025-05-01", "set": {"facilities.hospital.beds": 18}}]
        )
    )
    beds = [s.scenario.facilities["hospital"].beds for s in dated_states(scenario)]
    assert beds == [10, 11, 13, 15, 17, 18]


@pytest.mark.parametrize(
    ("sets", "path", "words"),
    [
        (
            {"facilities.kohd-north.serves": ["nowhere"]},
            "changes[0].set.facilities.kohd-north.serves",
            "from 2025-05-01, facilities.kohd-north.serves[0]: no municipality",
        ),
        (
            {"groups.kols.entry.kohd_stay": 0.5},
            "changes[0].set.groups.kols.entry.kohd_stay",
            "from 2025-05-01, groups.kols.entry: probabilities must sum to 1",
        ),
        (
            {"facilities.hopsital.beds": 3},
            "changes[0].set.facilities.hopsital.beds",
            "has no key 'hopsital'",
        ),
        ({"run.days": 3}, "changes[0].set.run.days", "may set keys under"),
        (
            {"groups.kols.steps.new": {"service": "kohd"}},
            "changes[0].set.groups.kols.steps.new",
            "adds or removes",
        ),
        (
            {"facilities.hospital.beds": -1},
            "changes[0].set.facilities.hospital.beds",
            "must be >= 0",
        ),
    ],
)
def test_a_state_that_is_not_valid_names_the_change_the_date_and_the_key(
    sets: dict[str, Any], path: str, words: str
) -> None:
    problems = _problems(_with([{"date": "2025-05-01", "set": sets}]))
    assert any(p.startswith(f"region.yaml: {path}: ") and words in p for p in problems), problems


def test_a_ramp_of_text_and_a_ramp_ending_before_it_starts_are_refused() -> None:
    text = _problems(
        _with([{"date": "2025-05-01", "until": "2025-09-01", "set": {"groups.kols.name": "X"}}])
    )
    assert any("numbers, or maps of numbers, only" in p for p in text), text
    backwards = _problems(
        _with(
            [{"date": "2025-05-01", "until": "2025-04-01", "set": {"groups.kols.rate_per_1000": 1}}]
        )
    )
    assert any("changes[0].until: must be after date" in p for p in backwards), backwards


def test_a_change_read_from_a_file_names_the_file_and_round_trips(tmp_path: Path) -> None:
    data = _with([{"date": "2025-05-01", "set": {"facilities.hospital.beds": -3}}])
    path = tmp_path / "region.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value.problems[0]).startswith(
        f"{path}: changes[0].set.facilities.hospital.beds: from 2025-05-01"
    )
    data["changes"][0]["set"]["facilities.hospital.beds"] = 3
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    scenario = load_scenario(path)
    again = tmp_path / "again.yaml"
    again.write_text(scenario_yaml(scenario), encoding="utf-8")
    assert load_scenario(again) == scenario


def test_the_episode_limit_counts_each_state_over_its_days() -> None:
    from helpers import single_unit_dict

    from simulator.scenario.limits import expected_episodes

    data = single_unit_dict(5, 4.0, {"dist": "exponential", "mean": 1.0}, "queue", 200, 10)
    assert expected_episodes(validate(data)) == pytest.approx(4.0 * 210, rel=1e-9)
    data["changes"] = [{"date": "2025-04-11", "set": {"groups.g.rate_per_1000": 8.0 * 365}}]
    assert expected_episodes(validate(data)) == pytest.approx(4.0 * 110 + 8.0 * 100, rel=1e-9)


def test_from_and_to_are_read_as_a_ramp() -> None:
    ramp = {"groups.kols.rate_per_1000": 9}
    written = validate(_with([{"from": "2025-02-01", "to": "2025-06-01", "set": ramp}]))
    same = validate(_with([{"date": "2025-02-01", "until": "2025-06-01", "set": ramp}]))
    assert written == same
    assert written.changes[0].until == dt.date(2025, 6, 1)
