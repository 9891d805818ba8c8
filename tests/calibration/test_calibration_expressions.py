"""The KPI expressions of a targets file: what they accept, what they refuse, their values."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.calibration.expressions import ExpressionError, parse


def test_a_single_kpi_name_needs_no_backquotes() -> None:
    expression = parse("facility.unn-tromso-med.occupancy_mean")
    assert expression.single_kpi == "facility.unn-tromso-med.occupancy_mean"
    assert expression.kpis == ("facility.unn-tromso-med.occupancy_mean",)
    assert parse("`facility.a-b.bed_days`").single_kpi == "facility.a-b.bed_days"


def test_names_with_dashes_are_not_subtraction() -> None:
    expression = parse("`facility.a-b.bed_days` - `facility.c.bed_days`")
    values = {"facility.a-b.bed_days": np.array([10.0, 20.0]), "facility.c.bed_days": 4.0}
    assert expression.kpis == ("facility.a-b.bed_days", "facility.c.bed_days")
    assert expression.single_kpi is None
    np.testing.assert_allclose(expression.evaluate(values), [6.0, 16.0])


def test_per_1000_form_with_scenario_values() -> None:
    expression = parse("1000 * `group.kols.episodes.per_year` / population")
    assert expression.scenario_names == ("population",)
    got = expression.evaluate(
        {"group.kols.episodes.per_year": np.array([5.0, 7.0]), "population": 500}
    )
    np.testing.assert_allclose(got, [10.0, 14.0])


def test_backquoted_names_may_hold_a_plus_but_bare_ones_may_not() -> None:
    """An age band such as 80+ is part of a KPI name between backquotes; without them
    a + is still addition."""
    expression = parse(
        "1000 * (`band.75-79.hospital_admissions.per_year` + `band.80+.hospital_admissions"
        ".per_year`) / (`band.75-79.population` + `band.80+.population`)"
    )
    assert expression.kpis == (
        "band.75-79.hospital_admissions.per_year",
        "band.80+.hospital_admissions.per_year",
        "band.75-79.population",
        "band.80+.population",
    )
    got = expression.evaluate(
        {
            "band.75-79.hospital_admissions.per_year": 30.0,
            "band.80+.hospital_admissions.per_year": np.array([70.0, 90.0]),
            "band.75-79.population": 100.0,
            "band.80+.population": 100.0,
        }
    )
    np.testing.assert_allclose(got, [500.0, 600.0])
    with pytest.raises(ExpressionError, match="backquotes"):  # not read as one name
        parse("facility.a.admissions+facility.b.admissions")


def test_precedence_brackets_and_unary_minus() -> None:
    expression = parse("-(`a.x` + 2) * 3 / `b.y` + 1.5")
    got = expression.evaluate({"a.x": np.array([1.0]), "b.y": np.array([9.0])})
    np.testing.assert_allclose(got, [-(1 + 2) * 3 / 9 + 1.5])


def test_scenario_paths_are_backquoted_with_a_prefix() -> None:
    expression = parse("`facility.u.admissions` / `scenario.municipalities.m.population`")
    assert expression.kpis == ("facility.u.admissions",)
    assert expression.scenario_names == ("scenario.municipalities.m.population",)


def test_division_by_zero_gives_nan_or_infinity_not_an_error() -> None:
    got = parse("`a.x` / `b.y`").evaluate(
        {"a.x": np.array([0.0, 1.0]), "b.y": np.array([0.0, 0.0])}
    )
    assert np.isnan(got[0]) and np.isinf(got[1])


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("__import__('os')", "a call"),
        ("abs(`a.x`)", "a call"),
        ("`a.x`.real", "an attribute"),
        ("facility.x.occupancy_mean + 1", "an attribute"),
        ("`a.x` ** 2", "**"),
        ("`a.x` // 2", "FloorDiv"),
        ("`a.x` % 2", "Mod"),
        ("`a.x` < 2", "a comparison"),
        ("`a.x` if 1 else 2", "IfExp"),
        ("[1][0]", "a subscript"),
        ("'text'", "only numbers and names"),
        ("True", "only numbers and names"),
        ("~`a.x`", "unary operator"),
        ("not 1", "unary operator"),
        ("beds", "bare name 'beds'"),
        ("`a.x", "not closed"),
        ("`a x` + 1", "not a name"),
        ("", "is empty"),
        ("`a.x` +", "is not an expression"),
        ("lambda: 1", "a lambda"),
    ],
)
def test_anything_else_is_refused(text: str, says: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert says in str(caught.value)
