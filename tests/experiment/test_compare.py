"""Comparing scenarios: common random numbers make paired intervals sharp and honest."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import single_unit_dict, write_yaml
from scipy import stats

from simulator import validate
from simulator.analysis.significance import COLUMNS, _paired, paired_differences, significant
from simulator.cli import main
from simulator.experiment.compare import absent_value, compare, differences
from simulator.experiment.simulate import simulate

EXP = {"dist": "exponential", "mean": 1.0}


def loss_unit(beds: int, name: str) -> dict:
    # 4 arrivals a day, mean stay 1 day: offered load 4; Erlang-B(5, 4) = 0.199, B(7, 4) = 0.064.
    return single_unit_dict(beds, 4.0, EXP, "divert", days=200, warmup=10, name=name)


def test_more_beds_divert_fewer_with_an_interval_below_zero() -> None:
    five, seven = validate(loss_unit(5, "five")), validate(loss_unit(7, "seven"))
    comparison = compare(five, [seven], replications=10, seed=11)
    row = comparison.table.set_index("kpi").loc["facility.unit.diversions"]
    assert row["ci_high"] < 0
    assert row["p_value"] < 0.001
    assert list(comparison.table.columns) == [*COLUMNS, "only_in"]
    assert set(comparison.table["only_in"]) == {""}
    assert (comparison.table["scenario"] == "seven").all()


def test_paired_interval_is_narrower_than_the_unpaired_one() -> None:
    """Common random numbers: the same patients arrive in both, so noise cancels."""
    five, seven = validate(loss_unit(5, "five")), validate(loss_unit(7, "seven"))
    n = 10
    base = simulate(five, replications=n, seed=3).replications
    alt = simulate(seven, replications=n, seed=3).replications
    paired = paired_differences(base, alt, "seven").set_index("kpi")
    for kpi in ("facility.unit.admissions", "facility.unit.occupancy_mean"):
        a, b = alt[kpi].to_numpy(float), base[kpi].to_numpy(float)
        # Welch's unpaired interval of the same difference.
        se = math.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)
        dof = se**4 / ((a.var(ddof=1) / n) ** 2 / (n - 1) + (b.var(ddof=1) / n) ** 2 / (n - 1))
        unpaired = 2 * float(stats.t.ppf(0.975, dof)) * se
        width = paired.loc[kpi, "ci_high"] - paired.loc[kpi, "ci_low"]
        assert width < 0.5 * unpaired, f"{kpi}: paired {width:.3g} vs unpaired {unpaired:.3g}"


def test_arrivals_are_common_to_both_scenarios() -> None:
    five, seven = validate(loss_unit(5, "five")), validate(loss_unit(7, "seven"))
    base = simulate(five, replications=3, seed=5).replications
    alt = simulate(seven, replications=3, seed=5).replications
    np.testing.assert_array_equal(base["group.g.episodes"], alt["group.g.episodes"])


def test_paired_differences_by_hand() -> None:
    base = pd.DataFrame({"replication": [0, 1, 2, 3], "k": [1.0, 2.0, 3.0, 4.0]})
    alt = pd.DataFrame({"replication": [0, 1, 2, 3], "k": [2.0, 2.5, 4.0, 5.5]})
    row = paired_differences(base, alt, "x").iloc[0]
    d = np.array([1.0, 0.5, 1.0, 1.5])
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2
    assert row["difference"] == pytest.approx(d.mean())
    assert row["ci_low"] == pytest.approx(d.mean() - half)
    assert row["ci_high"] == pytest.approx(d.mean() + half)
    assert row["p_value"] == pytest.approx(stats.ttest_rel(alt["k"], base["k"]).pvalue)


def test_identical_scenarios_differ_by_exactly_nothing() -> None:
    five = validate(loss_unit(5, "five"))
    same = validate(loss_unit(5, "same"))
    table = compare(five, [same], replications=3, seed=2).table
    assert (table["difference"].fillna(0) == 0).all()
    assert not significant(table).any()


def test_compare_command_writes_each_scenario_and_the_comparison(tmp_path: Path) -> None:
    base = write_yaml(tmp_path / "five.yaml", loss_unit(5, "five"))
    alt = write_yaml(tmp_path / "seven.yaml", loss_unit(7, "seven"))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "compare",
            str(base),
            str(alt),
            "-r",
            "4",
            "--seed",
            "1",
            "--out",
            str(out),
            "--jobs",
            "1",
            "--no-report",
        ],
    )
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    assert folder.parent.name == "compare-five-vs-seven"
    assert (folder / "comparison.csv").is_file()
    for name in ("five", "seven"):
        assert (folder / name / "summary.csv").is_file()
        assert (folder / name / "inputs" / f"1-{name}.yaml").is_file()
    assert "facility.unit.diversions" in result.output  # printed as a significant change
    table = pd.read_csv(folder / "comparison.csv")
    assert list(table.columns) == [*COLUMNS, "only_in"]


def test_compare_refuses_two_scenarios_of_the_same_name(tmp_path: Path) -> None:
    base = write_yaml(tmp_path / "a.yaml", loss_unit(5, "same"))
    alt = write_yaml(tmp_path / "b.yaml", loss_unit(7, "same"))
    result = CliRunner().invoke(
        main, ["compare", str(base), str(alt), "-r", "2", "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 2
    assert "own name" in result.output
    assert "Traceback" not in result.output


def _rows(low: list[float], high: list[float], p: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"ci_low": low, "ci_high": high, "p_value": p})


def test_significant_when_the_interval_excludes_zero() -> None:
    rows = _rows([0.1, -2.0, -0.1, 0.0, -3.0], [0.5, -1.0, 0.2, 0.4, 0.0], [0.01] * 5)
    # Above 0, below 0, across 0, touching 0 from above, touching 0 from below.
    assert significant(rows).tolist() == [True, True, False, False, False]


def test_p_value_decides_only_where_the_interval_is_not_finite() -> None:
    nan = math.nan
    rows = _rows([nan, nan, nan, 0.1], [nan, nan, nan, 0.5], [0.01, 0.2, nan, 0.9])
    assert significant(rows).tolist() == [True, False, False, True]
    no_p = pd.DataFrame({"ci_low": [nan, 0.1], "ci_high": [nan, 0.2]})
    assert significant(no_p).tolist() == [False, True]


def test_paired_interval_and_p_value_agree_on_significance() -> None:
    """The one rule (interval excludes 0) is the paired t-test at 5 %: same verdict."""
    rng = np.random.default_rng(7)
    base = pd.DataFrame({"replication": range(8)})
    alt = pd.DataFrame({"replication": range(8)})
    for i, shift in enumerate(np.linspace(0.0, 1.5, 40)):
        b = rng.normal(10.0, 1.0, 8)
        base[f"k{i}"] = b
        alt[f"k{i}"] = b + shift + rng.normal(0.0, 1.0, 8)
    table = paired_differences(base, alt, "alt")
    verdict = significant(table)
    assert verdict.tolist() == (table["p_value"] < 0.05).tolist()
    assert 0 < verdict.sum() < len(table)  # both verdicts occur


def test_fewer_than_two_pairs_is_never_significant() -> None:
    base = pd.DataFrame({"replication": [0, 1], "k": [1.0, math.nan]})
    alt = pd.DataFrame({"replication": [0, 1], "k": [5.0, 6.0]})
    table = paired_differences(base, alt, "x")
    assert table["difference"].iloc[0] == 4.0
    assert math.isnan(table["ci_low"].iloc[0]) and math.isnan(table["p_value"].iloc[0])
    assert not significant(table).any()


def test_a_constant_difference_is_significant_and_no_difference_is_not() -> None:
    base = pd.DataFrame({"replication": [0, 1, 2], "up": [1.0, 2.0, 3.0], "same": [1.0, 1, 1]})
    alt = pd.DataFrame({"replication": [0, 1, 2], "up": [2.0, 3.0, 4.0], "same": [1.0, 1, 1]})
    table = paired_differences(base, alt, "x").set_index("kpi")
    assert table.loc["up", "p_value"] == 0.0 and table.loc["up", "ci_low"] == 1.0
    assert table.loc["same", "p_value"] == 1.0
    assert significant(table.reset_index()).tolist() == [True, False]


def test_a_facility_in_one_scenario_only_is_kept_as_zero_on_the_other_side() -> None:
    """Gathering two units into one: the closed unit's admissions go to 0, not missing."""
    base = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "facility.a.admissions": [10.0, 12.0, 11.0],
            "facility.a.wait_mean": [0.5, 0.7, 0.6],
            "facility.gone.admissions": [4.0, 5.0, 6.0],
            "facility.gone.wait_mean": [1.0, 2.0, 1.5],
        }
    )
    alt = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "facility.a.admissions": [14.0, 17.0, 17.0],
            "facility.a.wait_mean": [0.4, 0.9, 0.6],
            "facility.new.admissions": [1.0, 1.0, 2.0],
        }
    )
    table = differences(base, alt, "before", "after").set_index("kpi")
    assert list(table.columns) == [*COLUMNS[:1], *COLUMNS[2:], "only_in"]
    assert table.loc["facility.a.admissions", "only_in"] == ""
    gone = table.loc["facility.gone.admissions"]
    assert gone["only_in"] == "before"
    assert gone["base_mean"] == 5.0 and gone["alt_mean"] == 0.0 and gone["difference"] == -5.0
    assert gone["ci_high"] < 0
    new = table.loc["facility.new.admissions"]
    assert new["only_in"] == "after" and new["base_mean"] == 0.0
    assert new["alt_mean"] == pytest.approx(4 / 3)
    # A wait has no value where the facility does not exist: kept, marked, not 0.
    wait = table.loc["facility.gone.wait_mean"]
    assert wait["only_in"] == "before" and math.isnan(wait["difference"])
    assert absent_value("facility.gone.bed_days") == 0.0
    assert math.isnan(absent_value("facility.gone.diversion_share"))


def test_compare_keeps_a_facility_that_only_the_alternative_has() -> None:
    base = validate(loss_unit(5, "one-unit"))
    data = loss_unit(5, "two-units")
    data["facilities"]["extra"] = {"service": "unit", "level": "municipal", "beds": 3}
    comparison = compare(base, [validate(data)], replications=3, seed=2)
    table = comparison.table.set_index("kpi")
    row = table.loc["facility.extra.beds_mean"]
    assert row["only_in"] == "two-units"
    assert row["base_mean"] == 0.0 and row["alt_mean"] == 3.0
    assert table.loc["cost.facility.extra", "only_in"] == "two-units"
    assert table.loc["facility.unit.admissions", "only_in"] == ""


@pytest.mark.parametrize("replications", [1, 2, 5, 12])
def test_paired_differences_of_many_kpis_equal_each_kpi_alone(replications: int) -> None:
    """The one-pass comparison gives each KPI's row to the last bit, nan pairs included."""
    rng = np.random.default_rng(replications)
    base = pd.DataFrame({"replication": range(replications)})
    alt = pd.DataFrame({"replication": range(replications)})
    for i in range(60):
        scale = [0.0, 1.0, 1e6][i % 3]
        b = rng.normal(5.0, 1.0, replications) * scale
        base[f"k{i}"] = b
        alt[f"k{i}"] = b + [0.0, 0.3][i % 2] * rng.normal(1.0, 1.0, replications) * scale
    base.loc[0, "k7"] = math.nan
    alt.loc[replications - 1, "k8"] = math.inf
    together = paired_differences(base, alt, "x")
    columns = ["base_mean", "alt_mean", "difference", "ci_low", "ci_high", "p_value"]
    for _, row in together.iterrows():
        kpi = row["kpi"]
        alone = _paired(base[kpi].to_numpy(dtype=float), alt[kpi].to_numpy(dtype=float))
        for column, expected in zip(columns, alone, strict=True):
            got = row[column]
            assert got == expected or (math.isnan(got) and math.isnan(expected)), (kpi, column)
    if replications > 1:  # an unchanged KPI: no difference, p = 1
        assert together.set_index("kpi").loc["k0", "p_value"] == 1.0


def test_a_year_only_one_period_covers_is_marked_but_not_zero() -> None:
    base = pd.DataFrame(
        {"replication": [0, 1], "year.2027.cost.total": [5.0, 6.0], "cost.total": [5.0, 6.0]}
    )
    alt = pd.DataFrame(
        {
            "replication": [0, 1],
            "year.2027.cost.total": [4.0, 5.0],
            "year.2028.cost.total": [3.0, 3.0],
            "year.2028.facility.x.admissions": [1.0, 1.0],
            "cost.total": [7.0, 8.0],
        }
    )
    table = differences(base, alt, "a", "b").set_index("kpi")
    assert table.loc["year.2028.cost.total", "only_in"] == "b"
    assert math.isnan(table.loc["year.2028.cost.total", "base_mean"])
    assert math.isnan(table.loc["year.2028.facility.x.admissions", "difference"])
    assert table.loc["year.2027.cost.total", "difference"] == -1.0
