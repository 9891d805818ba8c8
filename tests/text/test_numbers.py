"""One number formatter for terminal, report and plots (simulator/text/numbers.py)."""

from __future__ import annotations

import math

import pytest

from simulator.text import labels
from simulator.text.numbers import (
    NBSP,
    format_as_given,
    format_difference,
    format_interval,
    format_kpi,
    format_number,
    format_share,
    format_trimmed,
    kpi_decimals,
)


def test_thousands_decimals_and_minus_by_language() -> None:
    assert format_number(1234567.891, "en", 1) == f"1{NBSP}234{NBSP}567.9"
    assert format_number(1234567.891, "nb", 1) == f"1{NBSP}234{NBSP}567,9"
    assert format_number(-2.5, "nb", 1) == "−2,5"
    assert format_number(2.5, "en", 1, sign=True) == "+2.5"
    assert format_number(-0.0, "en", 1, sign=True) == "+0.0"  # never "-0"
    assert format_number(math.nan) == format_number(math.inf) == "–"


def test_shares_get_a_second_decimal_below_one_percent() -> None:
    assert format_share(0.274) == f"27.4{NBSP}%"
    assert format_share(0.274, "nb") == f"27,4{NBSP}%"
    assert format_share(0.0045) == f"0.45{NBSP}%"
    assert format_share(0.0) == f"0.0{NBSP}%"
    assert format_share(0.5, decimals=0) == f"50{NBSP}%"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (7.0, "beds", "7"),
        (7.25, "beds", "7.25"),
        (12.25, "days", "12.2"),
        (3.5, "patients", "3.5"),
        (190.4, "patients", "190"),
        (1234567.4, "nok", f"1{NBSP}234{NBSP}567"),
        (0.188, "share", f"18.8{NBSP}%"),
        (math.nan, "beds", "–"),
    ],
)
def test_a_kpi_value_gets_the_decimals_of_its_unit(value: float, unit: str, text: str) -> None:
    assert format_kpi(value, unit) == text


def test_kpi_decimals_rules() -> None:
    assert [kpi_decimals(v, "beds") for v in (3.0, 3.5, 12.5)] == [0, 2, 1]
    assert [kpi_decimals(v, "count") for v in (3.0, 3.5, 12.5)] == [0, 1, 0]
    assert kpi_decimals(12.5, "nok") == 0


def test_floor_keeps_a_non_negative_kpi_at_zero_but_not_money() -> None:
    assert format_kpi(-0.02, "share", floor=True) == f"0.0{NBSP}%"
    assert format_kpi(-5.0, "nok", floor=True) == "−5"


def test_differences_are_signed_and_shares_are_in_points() -> None:
    assert format_difference(-0.137, "share") == f"−13.7{NBSP}pp"
    assert format_difference(-0.137, "share", "nb", points="p.p.") == f"−13,7{NBSP}p.p."
    assert format_difference(2.0, "beds") == "+2"


def test_intervals() -> None:
    assert format_interval(0.1, 0.2, "share") == f"10.0{NBSP}% – 20.0{NBSP}%"
    assert format_interval(-0.01, 0.2, "share", floor=True).startswith(f"0.0{NBSP}%")
    assert format_interval(-0.2, -0.1, "share", difference=True) == (
        f"−20.0{NBSP}pp – −10.0{NBSP}pp"
    )
    assert format_interval(math.nan, 1.0, "beds") == ""


def test_labels_reexports_the_same_functions() -> None:
    assert labels.format_number is format_number
    assert labels.format_share is format_share


def test_values_as_given_and_trimmed_tick_labels() -> None:
    assert format_as_given(0.05) == "0.05"
    assert format_as_given(0.05, "nb") == "0,05"
    assert format_as_given(-1.5, "nb") == "−1,5"
    assert format_as_given(12.0) == "12"
    assert [format_trimmed(v) for v in (0.5, 12.0, -0.001, 0.125)] == ["0.5", "12", "0", "0.12"]
    assert format_trimmed(2.5, "nb") == "2,5"
    assert format_trimmed(12345.0) == f"12{NBSP}345"
