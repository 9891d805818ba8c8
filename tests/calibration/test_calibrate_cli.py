"""``samsim calibrate`` through click's ``CliRunner``: exit codes, the folder, the overlay."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import targets_dict, unit_scenario
from helpers import write_yaml

from simulator.calibration import evaluation, fit
from simulator.cli import calibrate_commands, main
from simulator.experiment.simulate import simulate
from simulator.scenario.loading import load_scenario


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["calibrate", *args, "-j", "1"])


def test_the_cli_repeats_the_library_default() -> None:
    assert calibrate_commands.MAX_EVALUATIONS == fit.MAX_EVALUATIONS


def test_check_exits_1_when_a_target_is_outside(files: tuple[Path, Path]) -> None:
    _, targets = files
    result = invoke(str(targets), "--check")  # the targets file names its scenario
    assert result.exit_code == 1, result.output
    assert "OUTSIDE" in result.stdout and "held out" in result.stdout
    assert "2 target(s) outside their tolerance" in result.stderr


def test_check_exits_0_when_every_target_is_inside(tmp_path: Path) -> None:
    scenario = write_yaml(tmp_path / "unit.yaml", unit_scenario(arrivals=4.0))
    targets = write_yaml(tmp_path / "targets.yaml", targets_dict())
    result = invoke(
        str(scenario), "--targets", str(targets), "--check", "--out", str(tmp_path / "r")
    )
    assert result.exit_code == 0, result.output
    assert "OUTSIDE" not in result.stdout and result.stdout.count("inside") == 2
    assert not (tmp_path / "r").exists()  # a check writes nothing


def test_calibrate_writes_an_overlay_that_reproduces_the_fit(files: tuple[Path, Path]) -> None:
    scenario_file, targets = files
    out = scenario_file.parent / "results"
    result = invoke(
        str(scenario_file),
        "--targets",
        str(targets),
        "--out",
        str(out),
        "-q",
        "--max-evaluations",
        "8",
        "--set",
        "description=calibrated",
    )
    assert result.exit_code == 0, result.output
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert folder.parent == out / "calibrate-single-unit"
    names = {p.name for p in folder.iterdir()}
    assert {"calibrated.yaml", "goodness_of_fit.csv", "goodness_of_fit.png", "evaluations.csv",
            "manifest.json", "scenario.yaml", "inputs"} <= names  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "calibration"
    assert manifest["held_out_targets"] == ["admissions-per-1000"]
    fitted = manifest["parameters"]["groups.g.rate_per_1000"]["fitted"]
    overlay_text = (folder / "calibrated.yaml").read_text()
    overlay = yaml.safe_load(overlay_text)
    assert overlay["groups"]["g"]["rate_per_1000"] == fitted
    assert "# fitted to: occupancy (20," in overlay_text
    assert 'description: "calibrated"  # given as an override\n' in overlay_text
    # the overlay extends the input and, run with the same seed, gives the fitted KPIs
    calibrated = load_scenario(folder / "calibrated.yaml")
    assert calibrated.groups["g"].rate_per_1000 == fitted
    assert calibrated.municipalities == load_scenario(scenario_file).municipalities
    table = pd.read_csv(folder / "goodness_of_fit.csv").set_index("target")
    again = simulate(calibrated, replications=int(table["n"].iloc[0]), seed=manifest["seed"])
    assert again.replications["facility.unit.occupancy_mean"].mean() == pytest.approx(
        table.loc["occupancy", "simulated"], rel=1e-12
    )
    # and the check of the calibrated overlay passes
    check = invoke(str(folder / "calibrated.yaml"), "--targets", str(targets), "--check")
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"targets": {"occupancy": {"kpi": "x.y", "observed": 1, "tolerance": 1, "sorce": "a"}}},
         "targets.occupancy.sorce: unknown key; did you mean 'source'?"),
        ({"targets": {"occupancy": {"kpi": "x.y", "observed": 1, "tolerance": 1}}},
         "targets.occupancy.source: required key is missing"),
        ({"targets": {"occupancy": {"kpi": "x.y", "observed": 1, "source": "a"}}},
         "targets.occupancy.tolerance: required for a single observed value"),
        ({"targets": {"occupancy": {"kpi": "x.y", "observed": [3, 1], "source": "a"}}},
         "targets.occupancy.observed: the range must be [low, high]"),
        ({"targets": {"occupancy": {"kpi": "x.y", "observed": 1, "tolerance": "5 pct",
                                    "source": "a"}}},
         "targets.occupancy.tolerance: must be a number or a share such as '5%'"),
        ({"targets": {"occupancy": {"kpi": "`x.y` ** 2", "observed": 1, "tolerance": 1,
                                    "source": "a"}}},
         "targets.occupancy.kpi: uses ** (write the product out)"),
        ({"parameters": {"groups.g.rate_per_1000": {"bounds": [5, 1]}}},
         "parameters.groups.g.rate_per_1000.bounds: must be [low, high] with low < high"),
        ({"parameters": {"groups.g.rate_per_1000": {"bounds": [1, 5], "start": 9}}},
         "parameters.groups.g.rate_per_1000.start: must lie within the bounds"),
        ({"parameters": {"rate": {"bounds": [1, 5]}}},
         "parameters.rate: must be a scenario path with dots, as an override writes it"),
        ({"targts": {}}, "targts: unknown key; did you mean 'targets'?"),
    ],
)  # fmt: skip
def test_a_bad_targets_file_exits_2_naming_file_and_key(
    files: tuple[Path, Path], change: dict[str, object], says: str
) -> None:
    scenario_file, targets = files
    write_yaml(targets, targets_dict(**change))
    result = invoke(str(scenario_file), "--targets", str(targets))
    assert result.exit_code == 2, result.output
    assert f"{targets}: {says}" in result.stderr
    assert "Traceback" not in result.output


def test_a_scenario_without_targets_is_refused(files: tuple[Path, Path]) -> None:
    scenario_file, _ = files
    result = invoke(str(scenario_file), "--check")
    assert result.exit_code == 2
    assert "--targets TARGETS.yaml" in result.stderr


def test_a_file_that_is_not_a_targets_file(files: tuple[Path, Path]) -> None:
    scenario_file, _ = files
    result = invoke(str(scenario_file), "--targets", str(scenario_file), "--check")
    assert result.exit_code == 2
    assert "is not a targets file: it needs a top-level targets: map" in result.stderr


def test_ctrl_c_exits_130_and_writes_nothing(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario_file, targets = files

    def stop(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluation, "simulate", stop)
    out = scenario_file.parent / "results"
    result = invoke(str(scenario_file), "--targets", str(targets), "--out", str(out))
    assert result.exit_code == 130
    assert "interrupted: no run is kept; nothing was written" in result.stderr
    assert list(out.rglob("*.yaml")) == []


def test_the_overlay_of_a_scale_parameter_sets_every_band(tmp_path: Path) -> None:
    data = unit_scenario()
    data["municipalities"]["m"]["population"] = {"0-66": 800, "67+": 200}
    data["groups"]["g"]["rate_per_1000"] = {"0-66": 600.0, "67+": 1980.0}
    scenario = write_yaml(tmp_path / "unit.yaml", data)
    targets = targets_dict(
        parameters={"groups.g.rate_per_1000": {"bounds": [0.5, 3], "scale": True}}
    )
    write_yaml(tmp_path / "targets.yaml", targets)
    out = tmp_path / "results"
    result = invoke(
        str(scenario), "--targets", str(tmp_path / "targets.yaml"), "--out", str(out), "-q",
        "--max-evaluations", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = Path(result.stdout.strip().splitlines()[-1])
    factor = json.loads((folder / "manifest.json").read_text())["parameters"][
        "groups.g.rate_per_1000"
    ]["fitted"]
    text = (folder / "calibrated.yaml").read_text()
    assert f"'67+': {1980.0 * factor!r}  # as given x {factor:.6g}" in text
    calibrated = load_scenario(folder / "calibrated.yaml")
    assert dict(calibrated.groups["g"].rate_per_1000) == {  # type: ignore[call-overload]
        "0-66": 600.0 * factor,
        "67+": 1980.0 * factor,
    }


def test_upper_bounds_beyond_the_limits_are_refused_before_running(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario_file, targets = files

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing may run")

    monkeypatch.setattr(evaluation, "simulate", never)
    write_yaml(targets, targets_dict(parameters={"groups.g.rate_per_1000": {"bounds": [1, 5e5]}}))
    out = str(scenario_file.parent / "r")
    result = invoke(
        str(scenario_file), "--targets", str(targets), "--out", out, "--max-episodes", "100000"
    )
    assert result.exit_code == 2, result.output
    assert "every free value at its upper bound" in result.stderr
    assert "--max-episodes N" in result.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("targets: [1, 2]\n", "targets: must be a map of target id to kpi, observed"),
        ("targets:\n  a: 3\n", "targets.a: must be a map with kpi, observed, tolerance and source"),
        ("targets:\n  a b: {kpi: a.b, observed: 1, tolerance: 1, source: s}\n",
         "targets.a b: a target id holds letters"),
        ("targets: {a: {kpi: a.b, observed: 1, tolerance: 1, source: s}}\nparameters: {a.b: 5}\n",
         "parameters.a.b: must be a map with bounds"),
        ("targets: {a: {kpi: a.b, observed: [null, null], source: s}}\n",
         "targets.a.observed: a range needs at least one end"),
        ("targets: {a: {kpi: a.b, observed: 1, tolerance: -1, source: s}}\n",
         "targets.a.tolerance: must be a number >= 0"),
        ("targets: {a: {kpi: a.b, observed: 1, tolerance: 1, source: s}\n", "YAML"),
    ],
)  # fmt: skip
def test_a_targets_file_of_the_wrong_shape_exits_2(
    files: tuple[Path, Path], text: str, says: str
) -> None:
    scenario_file, targets = files
    targets.write_text(text, encoding="utf-8")
    result = invoke(str(scenario_file), "--targets", str(targets), "--check")
    assert result.exit_code == 2, result.output
    assert str(targets) in result.stderr and says in result.stderr
