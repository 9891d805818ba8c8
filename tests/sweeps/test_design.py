"""Sweep designs (:mod:`simulator.sweeps.design`): VALUES parsing, expressions, grid and LHS."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from simulator.errors import SamsimError
from simulator.sweeps.design import (
    Factor,
    evaluate,
    grid_points,
    lhs_points,
    make_factor,
    parse_expression,
    parse_vary,
    points,
)
from simulator.sweeps.errors import SweepError


def values(text: str) -> tuple[object, ...]:
    return parse_vary(f"a.b={text}").values


# --- VALUES ------------------------------------------------------------------------------


def test_a_list_of_integers_stays_integers() -> None:
    factor = parse_vary("facilities.x.beds=2,4,6")
    assert factor.name == "facilities.x.beds"
    assert factor.values == (2, 4, 6)
    assert all(type(v) is int for v in factor.values)
    assert factor.integer


def test_a_list_of_numbers_words_and_flags() -> None:
    assert values("0.1, 0.25") == (0.1, 0.25)
    assert not parse_vary("a=0.1,2").integer
    assert values("queue,divert") == ("queue", "divert")
    assert values("true,false") == (True, False)
    assert not parse_vary("a=true,false").integer  # a flag is not a number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2:12:2", (2, 4, 6, 8, 10, 12)),  # the stop is included when a step lands on it
        ("2:11:2", (2, 4, 6, 8, 10)),  # ... and left out when none does
        ("2:6", (2, 3, 4, 5, 6)),  # step 1
        ("12:2:-5", (12, 7, 2)),
        ("0.1:0.5:0.1", (0.1, 0.2, 0.3, 0.4, 0.5)),  # no 0.30000000000000004, no lost 0.5
        ("0,4:6", (0, 4, 5, 6)),  # a range as a list item
        ("7", (7,)),
    ],
)
def test_ranges(text: str, expected: tuple[object, ...]) -> None:
    assert values(text) == expected
    assert [type(v) for v in values(text)] == [type(v) for v in expected]


def test_integer_ranges_never_give_floats() -> None:
    assert all(type(v) is int for v in values("2:12:2"))
    assert all(type(v) is float for v in values("2:3:0.5"))


def test_bounds() -> None:
    factor = parse_vary("a=0.1..0.5")
    assert factor.bounds == (0.1, 0.5) and factor.values == () and not factor.integer
    assert parse_vary("a=2..12").integer
    assert factor.spec == "0.1..0.5"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("beds", "must look like dotted.path=VALUES"),
        ("a=", "no values given"),
        ("a=1,,2", "a list item is empty"),
        ("a=1:5:0", "the step must lead from start to stop"),
        ("a=5:1:1", "the step must lead from start to stop"),
        ("a=1:x", "not a number"),
        ("a=1:2:3:4", "a range is start:stop:step"),
        ("a=0.5..0.1", "need low < high"),
        ("a=1..x", "not a number"),
        ("a=2,2", "a value is given twice"),
        ("a=0:100000", "more than"),
        ("point=1,2", "is a column of the results"),
        ("a..b=1,2", "needs a name or a dotted.path"),
    ],
)
def test_bad_values_are_user_errors(text: str, fragment: str) -> None:
    """Named by the setting and the text as given, never by a command-line flag."""
    with pytest.raises(SweepError) as caught:
        parse_vary(text)
    assert (caught.value.option, caught.value.value) == ("vary", text)
    assert str(caught.value).startswith(f"vary {text}: ")
    assert fragment in caught.value.message
    assert "--" not in str(caught.value)


def test_a_yaml_list_from_a_sweep_file() -> None:
    factor = make_factor("share", [0.2, 0.35], "sweep.factors.share")
    assert factor.values == (0.2, 0.35)
    with pytest.raises(SamsimError, match="every value must be a number or a word"):
        make_factor("share", [[1]], "sweep.factors.share")


# --- expressions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("{value}", 0.35, 0.35),
        ("{value}", 4, 4),
        ("{value}", "queue", "queue"),  # unchanged, any type
        ("1 - {value}", 0.35, 0.65),
        ("1 - {value}", 0.7, 0.3),  # tidied: not 0.30000000000000004
        ("{value} * 2", 3, 6),
        ("{value} / 2", 4, 2),  # exact division of integers stays an integer
        ("{value} / 2", 3, 1.5),
        ("1 + 2 * {value}", 3, 7),  # precedence
        ("(1 + {value}) * 2", 3, 8),
        ("-{value} + 10", 3, 7),
        ("2.5e1 - {value}", 5, 20.0),
    ],
)
def test_expressions(expression: str, value: object, expected: object) -> None:
    result = evaluate(parse_expression(expression), value)  # type: ignore[arg-type]
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "expression", ["{value} +", "import os", "{val}", "(1 + {value}", "1 2", "", "{value} ** 2"]
)
def test_bad_expressions_are_user_errors(expression: str) -> None:
    with pytest.raises(SamsimError):
        parse_expression(expression)


def test_division_by_zero_and_words_are_user_errors() -> None:
    with pytest.raises(SamsimError, match="division by zero"):
        evaluate(parse_expression("1 / {value}"), 0)
    with pytest.raises(SamsimError, match="arithmetic needs numbers"):
        make_factor("x", "queue,divert", "sweep.factors.x", {"a.b": "1 - {value}"})


def test_a_derived_factor_sets_every_path() -> None:
    factor = make_factor(
        "share",
        "0.2,0.5",
        "sweep.factors.share",
        {
            "groups.kols.entry.kohd_stay": "{value}",
            "groups.kols.entry.hospital_stay": "1 - {value}",
        },
    )
    assert factor.assignments(0.2) == [
        ("groups.kols.entry.kohd_stay", 0.2),
        ("groups.kols.entry.hospital_stay", 0.8),
    ]
    assert Factor("a.b", (1,)).targets == (("a.b", "{value}"),)


# --- designs -----------------------------------------------------------------------------


def test_grid_is_the_full_factorial_last_factor_fastest() -> None:
    found = grid_points([parse_vary("a=1,2,3"), parse_vary("b=x,y")])
    assert len(found) == 6
    assert found[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}]
    assert len(points([parse_vary("a=1:4"), parse_vary("b=1:3"), parse_vary("c=0,1")])) == 24


@pytest.mark.parametrize(
    ("factors", "design", "samples", "expected", "fixes"),
    [
        (
            ["a=0.1..0.5"],
            "grid",
            None,
            "factor a=0.1..0.5: bounds low..high are for a Latin hypercube design; "
            "a grid needs a list (2,4,6) or a range (2:12:2)",
            None,
        ),
        (
            ["a=1,2"],
            "lhs",
            4,
            "factor a=1,2: a Latin hypercube design needs bounds low..high for every factor, "
            "e.g. 0.1..0.5 or 2..12",
            None,
        ),
        (
            ["a=0.1..0.5"],
            "lhs",
            None,
            "design lhs: needs samples, the number of points to draw",
            (("samples", "N"),),
        ),
        (
            ["a=1,2"],
            "grid",
            4,
            "samples 4: samples are drawn by a Latin hypercube design only; "
            "a grid runs every combination",
            (("design", "lhs"),),
        ),
        (["a=1,2"], "cube", None, "design 'cube': must be one of grid, lhs", ()),
        (["a=0.1..0.5"], "lhs", 0, "samples 0: a Latin hypercube needs at least 1 sample", ()),
        (
            ["a=1,2", "a=3"],
            "grid",
            None,
            "the factor a is given twice; give each factor once",
            None,
        ),
        (
            [],
            "grid",
            None,
            "a sweep needs at least one factor: a scenario path and its values, e.g. beds=2,4,6",
            None,
        ),
    ],
)
def test_grid_and_lhs_need_their_kind_of_values(
    factors: list[str],
    design: str,
    samples: int | None,
    expected: str,
    fixes: tuple[tuple[str, str], ...] | None,
) -> None:
    """The library names its settings, never a flag; a SweepError says which would fix it."""
    parsed = [parse_vary(text) for text in factors]
    with pytest.raises(SamsimError) as caught:
        if samples == 0:
            lhs_points(parsed, samples, seed=1)
        else:
            points(parsed, design, samples)
    assert str(caught.value) == expected
    assert "--" not in str(caught.value)
    if fixes is None:
        assert not isinstance(caught.value, SweepError)
    else:
        assert isinstance(caught.value, SweepError) and caught.value.fixes == fixes


def strata(found: list[dict[str, object]], name: str, low: float, high: float) -> list[int]:
    n = len(found)
    return sorted(math.floor((float(p[name]) - low) / (high - low) * n) for p in found)  # type: ignore[arg-type]


def test_lhs_hits_every_stratum_once_per_factor() -> None:
    factors = [parse_vary("a=0.1..0.5"), parse_vary("b=10..20.5"), parse_vary("c=-1.0..1.0")]
    for n in (1, 7, 20):
        found = lhs_points(factors, n, seed=3)
        assert len(found) == n
        for name, low, high in (("a", 0.1, 0.5), ("b", 10, 20.5), ("c", -1, 1)):
            assert strata(found, name, low, high) == list(range(n)), (name, n)
            assert all(low <= float(p[name]) <= high for p in found)  # type: ignore[arg-type]


def test_lhs_is_seeded_from_the_sweep_seed() -> None:
    factors = [parse_vary("a=0.1..0.5"), parse_vary("b=0..1")]
    assert lhs_points(factors, 8, seed=1) == lhs_points(factors, 8, seed=1)
    assert lhs_points(factors, 8, seed=1) != lhs_points(factors, 8, seed=2)


def test_lhs_integer_bounds_give_integers_evenly() -> None:
    found = lhs_points([parse_vary("beds=2..6")], 10, seed=5)
    beds = [p["beds"] for p in found]
    assert all(type(b) is int for b in beds)
    # Ten strata over five integers: each integer holds exactly two strata.
    assert Counter(beds) == {2: 2, 3: 2, 4: 2, 5: 2, 6: 2}
