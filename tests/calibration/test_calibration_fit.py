"""Fitting: a known arrival rate recovered from an occupancy target, start and search."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import MEAN_STAY, TRUE_ARRIVALS, TRUE_OCCUPANCY, targets_dict, unit_scenario
from helpers import write_yaml

from simulator.calibration.fit import CalibrationError, Fit, calibrate, check, with_values
from simulator.calibration.targets import TargetsError, load_targets
from simulator.experiment.options import RunOptions
from simulator.experiment.simulate import simulate
from simulator.scenario.limits import LimitError, Limits
from simulator.scenario.loading import load_scenario
from simulator.scenario.validation import validate

TRUE_RATE = TRUE_ARRIVALS * 365


@pytest.fixture(scope="module")
def rate_fit(tmp_path_factory: pytest.TempPathFactory) -> Fit:
    """The arrival rate fitted to the occupancy of the unit with 40 % too few arrivals."""
    folder = tmp_path_factory.mktemp("rate")
    write_yaml(folder / "unit.yaml", unit_scenario())
    write_yaml(folder / "targets.yaml", targets_dict())
    return calibrate(
        load_scenario(folder / "unit.yaml"), load_targets(folder / "targets.yaml"), jobs=1
    )


def test_the_arrival_rate_is_recovered_from_an_occupancy_target(rate_fit: Fit) -> None:
    fit, scenario = rate_fit, rate_fit.scenario
    rate = fit.fitted["groups.g.rate_per_1000"]
    assert abs(rate / TRUE_RATE - 1) < 0.05  # the target's own tolerance
    assert scenario.groups["g"].rate_per_1000 == pytest.approx(0.6 * TRUE_RATE)  # not mutated
    table = fit.table.set_index("target")
    assert table.loc["occupancy", "inside"] and table.loc["occupancy", "fitted"]
    # the held-out target is reported, marked, and also met (the model generalises)
    assert not table.loc["admissions-per-1000", "fitted"]
    assert table.loc["admissions-per-1000", "inside"]
    assert table.loc["occupancy", "ci_low"] < table.loc["occupancy", "simulated"]
    assert table.loc["occupancy", "simulated"] < table.loc["occupancy", "ci_high"]
    assert table.loc["occupancy", "ratio"] == pytest.approx(
        table.loc["occupancy", "simulated"] / TRUE_OCCUPANCY
    )


def test_littles_law_gives_the_start_on_an_mmc_unit(rate_fit: Fit) -> None:
    fit = rate_fit
    path = "groups.g.rate_per_1000"
    assert fit.start_method == {path: "littles_law"}
    # the pilot run (the scenario as given) scaled by observed / simulated occupancy
    pilot = fit.evaluations.iloc[0]
    assert math.isnan(pilot[path])
    expected = 0.6 * TRUE_RATE * TRUE_OCCUPANCY / pilot["target.occupancy"]
    assert fit.start[path] == pytest.approx(expected, rel=1e-12)
    assert abs(fit.start[path] / TRUE_RATE - 1) < 0.05
    # the search starts there, and never ends worse than its start
    assert fit.evaluations.iloc[1][path] == pytest.approx(fit.start[path], rel=1e-9)
    assert fit.evaluations["objective"].iloc[1:].min() <= fit.evaluations.iloc[1]["objective"]


def test_common_random_numbers_make_each_evaluation_repeatable(rate_fit: Fit) -> None:
    fit = rate_fit
    again = simulate(fit.calibrated, replications=fit.replications, seed=fit.seed, jobs=1)
    occupancy = again.replications["facility.unit.occupancy_mean"].to_numpy()
    assert fit.table.set_index("target").loc["occupancy", "simulated"] == pytest.approx(
        float(np.mean(occupancy)), rel=1e-12
    )


def test_the_search_fits_a_value_without_an_analytic_start(tmp_path: Path) -> None:
    # The mean stay is free: no Little's law start for it, so the search does the work.
    data = unit_scenario(arrivals=TRUE_ARRIVALS)
    data["groups"]["g"]["steps"]["stay"]["los"]["mean"] = 3.0
    write_yaml(tmp_path / "unit.yaml", data)
    targets = targets_dict(parameters={"groups.g.steps.stay.los.mean": {"bounds": [1, 12]}})
    write_yaml(tmp_path / "targets.yaml", targets)
    fit = calibrate(
        load_scenario(tmp_path / "unit.yaml"), load_targets(tmp_path / "targets.yaml"), jobs=1
    )
    assert fit.start_method == {"groups.g.steps.stay.los.mean": "scenario"}
    assert abs(fit.fitted["groups.g.steps.stay.los.mean"] / MEAN_STAY - 1) < 0.05
    assert fit.all_inside


def test_check_runs_once_and_judges(files: tuple[Path, Path]) -> None:
    scenario_file, targets_file = files
    fit = check(load_scenario(scenario_file), load_targets(targets_file), jobs=1)
    assert len(fit.evaluations) == 1 and fit.fitted == {}
    # 40 % too few arrivals: both targets are outside, about 0.6 of the observed
    assert not fit.table["inside"].any()
    assert fit.table["ratio"].to_numpy() == pytest.approx([0.6, 0.6], abs=0.06)


def test_an_unknown_kpi_is_refused_with_the_nearest_name(tmp_path: Path) -> None:
    write_yaml(tmp_path / "unit.yaml", unit_scenario())
    targets = targets_dict()
    targets["targets"]["occupancy"]["kpi"] = "facility.unit.occupancy_men"
    write_yaml(tmp_path / "targets.yaml", targets)
    with pytest.raises(TargetsError) as caught:
        check(
            load_scenario(tmp_path / "unit.yaml"), load_targets(tmp_path / "targets.yaml"), jobs=1
        )
    text = str(caught.value)
    assert "targets.yaml: targets.occupancy.kpi: no KPI 'facility.unit.occupancy_men'" in text
    assert "did you mean 'facility.unit.occupancy_mean'?" in text


def test_a_parameter_path_the_scenario_lacks_is_refused(tmp_path: Path) -> None:
    write_yaml(tmp_path / "unit.yaml", unit_scenario())
    write_yaml(
        tmp_path / "targets.yaml",
        targets_dict(parameters={"groups.g.rate_per_100": {"bounds": [1, 2]}}),
    )
    with pytest.raises(TargetsError, match="parameters.groups.g.rate_per_100: .*'rate_per_1000'"):
        calibrate(load_scenario(tmp_path / "unit.yaml"), load_targets(tmp_path / "targets.yaml"))


def test_bounds_the_scenario_refuses_are_a_user_error() -> None:
    scenario = validate(unit_scenario(), source="unit.yaml")
    with pytest.raises(CalibrationError, match="narrow the parameters' bounds"):
        with_values(scenario, {"groups.g.rate_per_1000": -5.0}, "targets.yaml")


def test_nothing_to_fit_is_refused(tmp_path: Path) -> None:
    write_yaml(tmp_path / "unit.yaml", unit_scenario())
    write_yaml(tmp_path / "targets.yaml", targets_dict(parameters={}))
    with pytest.raises(TargetsError, match="nothing to fit"):
        calibrate(load_scenario(tmp_path / "unit.yaml"), load_targets(tmp_path / "targets.yaml"))


def test_a_scale_parameter_fits_one_factor_on_rates_by_age_band(tmp_path: Path) -> None:
    data = unit_scenario()
    data["municipalities"]["m"]["population"] = {"0-66": 800, "67+": 200}
    # truth 4 arrivals a day: (800 * 1000 + 200 * 3300) / 1000 = 1460 a year; given 0.6 of it
    data["groups"]["g"]["rate_per_1000"] = {"0-66": 0.6 * 1000.0, "67+": 0.6 * 3300.0}
    write_yaml(tmp_path / "unit.yaml", data)
    targets = targets_dict(
        parameters={"groups.g.rate_per_1000": {"bounds": [0.5, 3], "scale": True}}
    )
    del targets["targets"]["admissions-per-1000"]
    write_yaml(tmp_path / "targets.yaml", targets)
    fit = calibrate(
        load_scenario(tmp_path / "unit.yaml"), load_targets(tmp_path / "targets.yaml"), jobs=1
    )
    factor = fit.fitted["groups.g.rate_per_1000"]
    assert fit.start_method == {"groups.g.rate_per_1000": "littles_law"}
    assert abs(factor * 0.6 - 1) < 0.05
    rates = fit.calibrated.groups["g"].rate_per_1000
    assert fit.assignments["groups.g.rate_per_1000"] == {
        "0-66": 0.6 * 1000.0 * factor,
        "67+": 0.6 * 3300.0 * factor,
    }
    assert dict(rates) == fit.assignments["groups.g.rate_per_1000"]  # type: ignore[call-overload]


def test_a_map_is_refused_without_scale_with_the_fix(tmp_path: Path) -> None:
    data = unit_scenario()
    data["municipalities"]["m"]["population"] = {"0-66": 800, "67+": 200}
    data["groups"]["g"]["rate_per_1000"] = {"0-66": 1000.0, "67+": 5000.0}
    write_yaml(tmp_path / "unit.yaml", data)
    write_yaml(tmp_path / "targets.yaml", targets_dict())
    with pytest.raises(TargetsError) as caught:
        calibrate(load_scenario(tmp_path / "unit.yaml"), load_targets(tmp_path / "targets.yaml"))
    text = str(caught.value)
    assert "parameters.groups.g.rate_per_1000: is a map of numbers (0-66, 67+)" in text
    assert "groups.g.rate_per_1000.0-66" in text and "add 'scale: true'" in text


def test_every_evaluation_honours_the_limits_given(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.calibration.evaluation as evaluation

    seen: list[object] = []
    real = evaluation.simulate

    def spy(scenario: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["options"].limits)
        return real(scenario, **kwargs)

    monkeypatch.setattr(evaluation, "simulate", spy)
    scenario, targets = load_scenario(files[0]), load_targets(files[1])
    strict = RunOptions(limits=Limits(episodes=10))  # the unit expects some 1 300 episodes
    with pytest.raises(LimitError):  # the options' limits, when calibrate is given none
        calibrate(scenario, targets, options=strict, jobs=1, max_evaluations=2)
    seen.clear()
    given = Limits(episodes=100_000)
    fit = calibrate(scenario, targets, options=strict, jobs=1, max_evaluations=2, limits=given)
    assert len(fit.evaluations) >= 2 and seen and all(limits is given for limits in seen)
