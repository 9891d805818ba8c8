"""``samsim size`` and :mod:`simulator.sizing.search` against queueing theory, and through the CLI.

The issue's check: sizing a unit with Poisson arrivals of 4 a day and
exponential stays of 1 day (offered load a = 4) lands on the bed count that
Erlang's formulas give for the target. Targets are chosen well between two
neighbouring bed counts' theoretical values, and the runs long enough, that
the simulated answer is certain (the tests assert it is), not a coin flip.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from helpers import single_unit_dict, write_yaml

from simulator import RunOptions, simulate, validate
from simulator.analysis import erlang
from simulator.cli import main
from simulator.scenario.schema import Scenario
from simulator.sizing.search import (
    SizingError,
    Target,
    _choose,
    check_facility,
    facility_rule,
    kpi_names,
    parse_range,
    parse_target,
    size_facility,
    unconstrained_curve,
    with_beds,
)

EXPONENTIAL = {"dist": "exponential", "mean": 1.0}
A = 4.0  # offered load: 4 arrivals a day x 1 day


def unit(when_full: str, days: float = 730, warmup: float = 20, beds: int = 5) -> Scenario:
    return validate(single_unit_dict(beds, A, EXPONENTIAL, when_full, days, warmup))


def smallest(formula: Any, target: float) -> int:
    return next(c for c in range(1, 100) if formula(c) < target)


# --- theory -----------------------------------------------------------------------------


def test_erlang_values_of_the_issue() -> None:
    # The issue quotes B(7, 4) = 0.0639; the recursion and the truncated Poisson give 0.0627.
    assert erlang.erlang_b(7, A) == pytest.approx(0.06275, abs=5e-5)
    assert erlang.erlang_b(8, A) == pytest.approx(0.03042, abs=5e-5)
    assert smallest(lambda c: erlang.erlang_b(c, A), 0.05) == 8
    assert smallest(lambda c: erlang.erlang_b(c, A), 0.045) == 8


def test_loss_unit_is_sized_as_erlang_b_says() -> None:
    target = 0.045  # B(7, 4) = 0.063 and B(8, 4) = 0.030: far on either side
    result = size_facility(
        unit("divert"),
        "unit",
        f"diversion_share<{target}",
        bed_range=(5, 11),
        replications=10,
        seed=11,
    )
    assert result.method == "scan"
    assert result.chosen == smallest(lambda c: erlang.erlang_b(c, A), target) == 8
    assert result.below == 7
    assert result.certain, result.notes
    rows = result.table.set_index("beds")
    assert bool(rows.loc[8, "meets"]) and not bool(rows.loc[7, "meets"])
    assert rows.loc[8, "ci_high"] < target < rows.loc[7, "ci_low"]
    for c in (7, 8):  # the simulated share turned away is Erlang-B, within 4 standard errors
        se = (rows.loc[c, "ci_high"] - rows.loc[c, "ci_low"]) / 2 / 2.262
        assert abs(rows.loc[c, "mean"] - erlang.erlang_b(c, A)) < 4 * se
    # Common random numbers: every bed count is run with the seed given, so one bed more
    # lowers the share with a paired interval entirely below 0.
    scenario = unit("divert")
    for c in (5, 11):
        alone = simulate(with_beds(scenario, "unit", c), replications=10, seed=11).replications
        mine = result.values[result.values["beds"] == c]
        assert mine["value"].tolist() == alone["facility.unit.diversion_share"].tolist()
    assert (rows["change_ci_high"].dropna() < 0).all()
    # The theory column is Erlang-B at the offered load the unconstrained run measured.
    assert result.curve is not None and result.curve.theory == "erlang_b"
    a = result.curve.offered_load
    assert rows.loc[8, "p_full_theory"] == pytest.approx(erlang.erlang_b(8, a))


def test_bisection_finds_the_same_size_and_shows_both_neighbours() -> None:
    result = size_facility(
        unit("divert", days=365),
        "unit",
        "facility.unit.diversion_share<0.045",
        bed_range=(1, 30),
        options=RunOptions(replications=5, seed=12),
        unconstrained=False,
    )
    run = result.table[result.table["n"] > 0]
    assert result.method == "bisection"
    assert result.chosen == 8
    assert {7, 8, 9} <= set(run["beds"]) and len(run) < 12
    assert result.table["p_full_unconstrained"].isna().all()


def test_queue_unit_is_sized_as_erlang_c_says() -> None:
    def wait_mean(c: int) -> float:  # M/M/c, mean stay 1: C(c, a) / (c - a)
        return erlang.erlang_c(c, A) / (c - A) if c > A else math.inf

    target = 0.08  # W(6) = 0.142, W(7) = 0.043
    result = size_facility(
        unit("queue", warmup=30),
        "unit",
        f"wait_mean<{target}",
        bed_range=(5, 9),
        replications=12,
        seed=13,
    )
    assert result.chosen == smallest(wait_mean, target) == 7
    assert result.certain, result.notes
    rows = result.table.set_index("beds")
    for c in (6, 7):
        se = (rows.loc[c, "ci_high"] - rows.loc[c, "ci_low"]) / 2 / 2.201
        assert abs(rows.loc[c, "mean"] - wait_mean(c)) < 4 * se
    assert result.curve is not None and result.curve.theory == "erlang_c"
    assert math.isfinite(rows.loc[5, "p_full_theory"])  # Erlang-C exists: a < 5 beds
    assert rows.loc[7, "p_full_theory"] == pytest.approx(
        erlang.erlang_c(7, result.curve.offered_load)
    )


def test_unconstrained_curve_is_the_poisson_tail() -> None:
    curve = unconstrained_curve(unit("divert"), "unit", bed_range=(1, 12), replications=20, seed=14)
    assert curve.beds >= 10 * 12 + 50
    assert curve.offered_load == pytest.approx(A, abs=0.15)
    assert curve.occupancy["occupied"].max() < curve.beds  # never full
    tail = np.array([erlang.poisson_at_least(c, A) for c in range(1, 13)])
    measured = curve.table["p_full_unconstrained"].to_numpy()
    # Time-average over 20 x 730 days with stays of 1 day: standard errors below 0.006.
    assert np.abs(measured - tail).max() < 0.025
    # It overstates the loss probability, which the theory column holds.
    loss = curve.table["p_full_theory"].to_numpy()
    assert (measured[loss > 1e-3] > loss[loss > 1e-3]).all()


# --- the rules, without simulating --------------------------------------------------------


def test_target_judges_mean_or_the_unfavourable_end() -> None:
    below = Target("x", "<", 0.05)
    assert below.judge(0.04, 0.03, 0.06, "mean")
    assert not below.judge(0.04, 0.03, 0.06, "interval")
    assert not below.judge(math.nan, math.nan, math.nan, "mean")
    above = Target("x", ">=", 0.5)
    assert above.judge(0.55, 0.52, 0.58, "interval")
    assert not above.judge(0.55, 0.45, 0.65, "interval")


def test_choice_is_the_count_from_which_every_larger_count_meets() -> None:
    assert _choose({5: False, 6: False, 7: True, 8: True}) == 7
    assert _choose({5: True, 6: False, 7: True, 8: True}) == 7  # noise at 5 is not claimed
    assert _choose({5: True, 6: True, 7: False}) is None


def test_kpi_names_are_those_a_replication_reports() -> None:
    scenario = unit("divert", days=10, warmup=0)
    reported = simulate(scenario, replications=1, seed=1).replications.columns.drop("replication")
    assert kpi_names(scenario) == list(reported)


def test_target_forms() -> None:
    scenario = unit("divert", days=10, warmup=0)
    assert parse_target("diversion_share<5%", scenario, "unit") == Target(
        "facility.unit.diversion_share", "<", 0.05
    )
    assert parse_target(" group.g.wait_p90 <= 2 ", scenario, "unit") == Target(
        "group.g.wait_p90", "<=", 2.0
    )
    assert parse_target("admissions>=100", scenario, "unit").operator == ">="
    assert parse_range("4:14") == (4, 14)
    assert facility_rule(scenario, "unit") == "divert"  # the step says divert, not the unit
    with pytest.raises(SizingError, match="FROM must be below TO"):
        parse_range("5:5")


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    data = single_unit_dict(5, A, EXPONENTIAL, "divert", 120, 10)
    return write_yaml(tmp_path / "scenarios" / "single.yaml", data)


def size(scenario: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["size", str(scenario), "--jobs", "1", *args])


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        (["-t", "diversion_shar<0.05"], ["unknown KPI 'diversion_shar'", "'diversion_share'"]),
        (["-t", "group.gg.wait_p90<2"], ["unknown KPI 'group.gg.wait_p90'", "'group.g.wait_p90'"]),
        (["-t", "municipal_share>0.5"], ["group KPI", "group.g.municipal_share"]),
        (["-t", "diversion_share=0.05"], ["must be <, <=, > or >=", "got '='"]),
        (["-t", "diversion_share=<0.05"], ["did you mean '<='?"]),
        (["-t", "diversion_share"], ["must look like KPI<VALUE", "quote it"]),
        (["-t", "diversion_share<"], ["must look like KPI<VALUE"]),
        (["-t", "diversion_share<5"], ["share between 0 and 1", "write 0.05 or 5%"]),
        (["-t", "wait_p90<two"], ["must be a number"]),
        (["-t", "diversion_share<0.05", "--range", "5-11"], ["must look like FROM:TO"]),
        (["-t", "diversion_share<0.05", "--range", "11:5"], ["FROM must be below TO"]),
        (["-t", "diversion_share<0.05", "--facility", "unitt"], ["no such facility", "'unit'"]),
    ],
)
def test_bad_requests_are_user_errors(
    scenario_file: Path, tmp_path: Path, options: list[str], fragments: list[str]
) -> None:
    args = ["--facility", "unit", *options] if "--facility" not in options else options
    result = size(scenario_file, *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_schedule_is_refused_with_the_way_out(tmp_path: Path) -> None:
    data = single_unit_dict(5, A, EXPONENTIAL, "divert", 30, 5)
    data["facilities"]["unit"]["schedule"] = [{"date": "2025-01-15", "beds": 3}]
    path = write_yaml(tmp_path / "scheduled.yaml", data)
    out = str(tmp_path / "out")
    refused = size(path, "-f", "unit", "-t", "diversion_share<0.1", "--range", "3:4", "--out", out)
    assert refused.exit_code == 2
    assert "has a schedule" in refused.stderr
    assert "--set facilities.unit.schedule=[]" in refused.stderr
    accepted = size(
        path,
        *("-f", "unit", "-t", "diversion_share<0.1", "--range", "3:4", "-r", "2"),
        *("--set", "facilities.unit.schedule=[]", "--out", out),
    )
    assert accepted.exit_code == 0, accepted.output


def test_the_folder_holds_table_plot_and_manifest(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("-f", "unit", "-t", "diversion_share<0.1", "--range", "5:8", "-r", "3", "-s", "5")
    first = size(scenario_file, *args, "--out", str(out), "--lang", "nb")
    assert first.exit_code == 0, first.output
    folder = Path(first.stdout.rstrip("\n").splitlines()[-1])
    assert folder.parent == out / "size-single-unit-unit"
    for name in ("size.csv", "replications.csv", "scenario.yaml", "manifest.json"):
        assert (folder / name).is_file(), name
    assert (folder / "plots" / "size.png").stat().st_size > 0
    assert (folder / "plots" / "size.svg").is_file()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "sizing" and manifest["seed"] == 5
    assert manifest["target"] == {
        "kpi": "facility.unit.diversion_share",
        "operator": "<",
        "value": 0.1,
    }
    assert "minste antall senger" in first.stdout.lower()
    second = size(scenario_file, *args, "--out", str(out))
    assert second.exit_code == 0
    assert Path(second.stdout.rstrip("\n").splitlines()[-1]) != folder  # never overwritten


def test_library_errors_name_parameters_and_the_cli_names_flags(tmp_path: Path) -> None:
    """The library speaks of its parameters; only the command line names --flags."""
    with pytest.raises(SizingError) as caught:
        parse_range("5-11")
    assert caught.value.option == "bed_range" and caught.value.value == "5-11"
    assert str(caught.value).startswith("bed_range 5-11: must look like FROM:TO")
    assert "--" not in str(caught.value)
    with pytest.raises(SizingError, match=r"^facility unitt: no such facility") as caught:
        check_facility(unit("divert"), "unitt")
    assert "--" not in str(caught.value)
    path = write_yaml(tmp_path / "s.yaml", single_unit_dict(5, A, EXPONENTIAL, "divert", 120, 10))
    result = size(path, "--facility", "unitt", "-t", "diversion_share<0.05")
    assert result.exit_code == 2
    assert result.stderr.startswith("--facility unitt: no such facility")
