"""Money: prices indexed by year, the blocked-day rate by year, cost-sharing keys, payments
per episode and prices that change on a date -- each against an exact sum of the record.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from helpers import minimal_scenario

from simulator.errors import ScenarioError
from simulator.measures.kpis import compute_kpis
from simulator.measures.paths import clipped_durations
from simulator.model.engine import run_replication
from simulator.model.records import Block, Stay
from simulator.scenario.validation import validate

START = dt.date(2025, 1, 1)


def _t(date: dt.date, warmup: float = 0.0) -> float:
    return warmup + float((date - START).days)


def _years(first: int, last: int, warmup: float = 0.0) -> list[tuple[int, float, float]]:
    return [
        (y, _t(dt.date(y, 1, 1), warmup), _t(dt.date(y + 1, 1, 1), warmup))
        for y in range(first, last + 1)
    ]


def _two_facilities(**costs: Any) -> dict[str, Any]:
    """Two municipalities, a municipal unit and a hospital, three years from 2025."""
    return {
        "name": "money",
        "run": {"start_date": "2025-01-01", "days": 3 * 365 + 1, "warmup_days": 0},
        "municipalities": {
            "a": {"population": 3000, "travel_minutes": {"unit": 20, "hospital": 60}},
            "b": {"population": 1000, "travel_minutes": {"unit": 40, "hospital": 90}},
        },
        "facilities": {
            "unit": {
                "service": "unit",
                "level": "municipal",
                "beds": 200,
                "when_full": "overflow",
                "costs": {"per_bed_day": 4000, "per_bed_year": 100_000, "per_admission": 500},
            },
            "hospital": {
                "service": "hospital",
                "level": "specialist",
                "beds": 200,
                "when_full": "overflow",
                "costs": {"per_bed_day": 10_000},
            },
        },
        "groups": {
            "g": {
                "rate_per_1000": 1.0 * 365 / 4,  # 1 a day in all
                "entry": {"unit_stay": 0.5, "hospital_stay": 0.5},
                "steps": {
                    "unit_stay": {
                        "service": "unit",
                        "los": {"dist": "exponential", "mean": 3.0},
                        "next": {"home": 1.0},
                    },
                    "hospital_stay": {
                        "service": "hospital",
                        "los": {"dist": "exponential", "mean": 4.0},
                        "next": {"home": 1.0},
                    },
                },
            }
        },
        "costs": {"transport": {"per_trip": 100, "per_minute": 10}, **costs},
    }


def _run(data: dict[str, Any], seed: int = 5) -> tuple[Any, dict[str, float]]:
    scenario = validate(copy.deepcopy(data))
    record = run_replication(scenario, seed, 0)
    return record, compute_kpis(record, scenario)[0]


def test_bed_days_admissions_and_trips_are_priced_with_each_years_index() -> None:
    rate = 0.04
    record, kpis = _run(_two_facilities(index_per_year=rate))
    _, plain = _run(_two_facilities())
    stays = record.stays
    unit = stays[stays[:, Stay.FACILITY] == 0]
    expected_days = expected_admissions = expected_trips = 0.0
    end = record.horizon
    for year, a, b in _years(2025, 2028):
        index = (1 + rate) ** (year - 2025)
        days = clipped_durations(unit[:, Stay.ADMITTED], unit[:, Stay.LEFT], a, min(b, end))
        expected_days += 4000 * index * days.sum()
        admitted = (unit[:, Stay.ADMITTED] >= a) & (unit[:, Stay.ADMITTED] < min(b, end))
        expected_admissions += 500 * index * admitted.sum()
        every = (stays[:, Stay.ADMITTED] >= a) & (stays[:, Stay.ADMITTED] < min(b, end))
        minutes = stays[every, Stay.TRAVEL_MINUTES]
        expected_trips += index * (100 * every.sum() + 10 * minutes.sum())
        # A bed open all year costs per_bed_year x the index (365 or 366 days alike).
    fixed = sum(
        100_000 * 200 * (1 + rate) ** (y - 2025) * (min(b, end) - a) / (b - a)
        for y, a, b in _years(2025, 2028)
        if a < end
    )
    assert kpis["cost.facility.unit"] == pytest.approx(
        expected_days + expected_admissions + fixed, rel=1e-9
    )
    assert kpis["cost.transport"] == pytest.approx(expected_trips, rel=1e-9)
    # The index raises every cost, and the unindexed first year equals the plain run's prices.
    assert kpis["cost.total"] > plain["cost.total"]
    assert plain["cost.facility.hospital"] < kpis["cost.facility.hospital"]


def test_a_price_index_table_and_the_blocked_day_rate_by_year() -> None:
    data = _two_facilities(
        price_index={2025: 1.0, 2026: 1.1},  # 2027 and 2028 take 2026's 1.1
        blocked_day_rate=5000,
        blocked_day_rate_by_year={2026: 6000},
    )
    # Blocking: hospital patients wait in their bed for the unit (one bed).
    data["facilities"]["unit"]["beds"] = 1
    data["facilities"]["unit"]["when_full"] = "queue"
    steps = data["groups"]["g"]["steps"]
    steps["hospital_stay"]["next"] = {"home": 0.5, "unit_after": 0.5}
    steps["unit_after"] = {
        "service": "unit",
        "wait_in": "previous_bed",
        "los": {"dist": "exponential", "mean": 1.0},
        "next": {"home": 1.0},
    }
    data["groups"]["g"]["entry"] = {"hospital_stay": 1.0, "unit_stay": 0.0}
    record, kpis = _run(data)
    blocks = record.blocks
    assert len(blocks) > 0
    expected = 0.0
    for year, a, b in _years(2025, 2028):
        days = clipped_durations(
            blocks[:, Block.START], blocks[:, Block.END], a, min(b, record.horizon)
        ).sum()
        rate = {2025: 5000, 2026: 6000}.get(year, 5000 * 1.1)
        expected += rate * days
    assert kpis["cost.blocked_payments"] == pytest.approx(expected, rel=1e-9)
    hospital = record.stays[record.stays[:, Stay.FACILITY] == 1]
    priced = 0.0
    for year, a, b in _years(2025, 2028):
        index = 1.0 if year == 2025 else 1.1
        days = clipped_durations(
            hospital[:, Stay.ADMITTED], hospital[:, Stay.LEFT], a, min(b, record.horizon)
        )
        priced += 10_000 * index * days.sum()
    assert kpis["cost.facility.hospital"] == pytest.approx(priced, rel=1e-9)
    # The payments move money between payers only.
    assert kpis["cost.payer.municipality"] + kpis["cost.payer.health_trust"] == pytest.approx(
        kpis["cost.total"], rel=1e-12
    )


@pytest.mark.parametrize(
    ("sharing", "shares"),
    [("population", (0.75, 0.25)), ({"a": 0.4, "b": 0.6}, (0.4, 0.6))],
)
def test_cost_sharing_keys_split_the_facilitys_cost_exactly(
    sharing: Any, shares: tuple[float, float]
) -> None:
    data = _two_facilities()
    data["facilities"]["hospital"]["costs"] = {}
    data["costs"] = {}
    data["facilities"]["unit"]["costs"]["sharing"] = sharing
    _, kpis = _run(data)
    total = kpis["cost.facility.unit"]
    assert total > 0
    a, b = kpis["municipality.a.cost"], kpis["municipality.b.cost"]
    assert a + b == pytest.approx(total, rel=1e-12)
    assert a == pytest.approx(shares[0] * total, rel=1e-12)
    assert b == pytest.approx(shares[1] * total, rel=1e-12)


def test_payments_per_episode_appear_once_for_each_payer_and_never_in_the_total() -> None:
    amount = 20_000
    record, kpis = _run(_two_facilities(payments={"g": {"per_episode": amount}}))
    _, plain = _run(_two_facilities())
    stays = record.stays
    municipal = stays[(stays[:, Stay.FACILITY] == 0)]
    episodes = np.unique(municipal[:, Stay.EPISODE])
    by_m = np.zeros(2)
    for e in episodes:
        m = int(municipal[municipal[:, Stay.EPISODE] == e][0, Stay.MUNICIPALITY])
        by_m[m] += amount
    assert kpis["cost.episode_payments"] == pytest.approx(by_m.sum(), rel=1e-12)
    assert kpis["municipality.a.episode_payments"] == pytest.approx(by_m[0], rel=1e-12)
    assert kpis["municipality.b.episode_payments"] == pytest.approx(by_m[1], rel=1e-12)
    # Same run: the payments cancel in the total and move between the payers.
    assert kpis["cost.total"] == pytest.approx(plain["cost.total"], rel=1e-12)
    assert kpis["cost.payer.municipality"] == pytest.approx(
        plain["cost.payer.municipality"] - by_m.sum(), rel=1e-12
    )
    assert kpis["cost.payer.health_trust"] == pytest.approx(
        plain["cost.payer.health_trust"] + by_m.sum(), rel=1e-12
    )
    assert kpis["municipality.a.cost"] == pytest.approx(plain["municipality.a.cost"], rel=1e-12)


def test_a_price_changed_on_a_date_applies_from_that_date() -> None:
    data = _two_facilities()
    data["changes"] = [
        {"date": "2026-01-01", "set": {"facilities.hospital.costs.per_bed_day": 12_000}}
    ]
    record, kpis = _run(data)
    hospital = record.stays[record.stays[:, Stay.FACILITY] == 1]
    cut = _t(dt.date(2026, 1, 1))
    before = clipped_durations(hospital[:, Stay.ADMITTED], hospital[:, Stay.LEFT], 0, cut).sum()
    after = clipped_durations(
        hospital[:, Stay.ADMITTED], hospital[:, Stay.LEFT], cut, record.horizon
    ).sum()
    assert kpis["cost.facility.hospital"] == pytest.approx(
        10_000 * before + 12_000 * after, rel=1e-9
    )


@pytest.mark.parametrize(
    ("patch", "path", "words"),
    [
        (
            {"facilities": {"hospital": {"costs": {"sharing": "population"}}}},
            "facilities.hospital.costs.sharing",
            "health trust",
        ),
        (
            {"facilities": {"unit": {"costs": {"sharing": {"a": 0.5, "b": 0.4}}}}},
            "facilities.unit.costs.sharing",
            "sum to 1",
        ),
        (
            {"facilities": {"unit": {"costs": {"sharing": {"a": 0.5, "x": 0.5}}}}},
            "facilities.unit.costs.sharing.x",
            "no municipality",
        ),
        ({"costs": {"payments": {"copd": {"per_episode": 1}}}}, "costs.payments.copd", "no group"),
        (
            {"costs": {"index_per_year": 0.02, "price_index": {2025: 1}}},
            "costs.price_index",
            "either",
        ),
    ],
)
def test_money_mistakes_name_the_key(patch: dict[str, Any], path: str, words: str) -> None:
    from simulator.scenario.provenance import deep_merge

    data = deep_merge(_two_facilities(), patch)
    with pytest.raises(ScenarioError) as caught:
        validate(data, source="money.yaml")
    problems = [p for p in caught.value.problems if p.path == path]
    assert problems, caught.value.problems
    assert words in str(problems[0])


def test_the_minimal_scenario_costs_do_not_change_without_the_new_keys() -> None:
    data = minimal_scenario()
    scenario = validate(data)
    record = run_replication(scenario, 1, 0)
    kpis = compute_kpis(record, scenario)[0]
    # Same record, an index of 0 written out: still the plain computation, to the bit.
    data["costs"] = {"index_per_year": 0}
    again = compute_kpis(record, validate(data))[0]
    assert {k: v for k, v in kpis.items() if k.startswith("cost")} == {
        k: v for k, v in again.items() if k.startswith("cost")
    }
    assert not math.isnan(kpis["cost.total"])


# --- invariants on random scenarios with prices, keys and payments ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.floats(-0.05, 0.1),
    sharing=st.sampled_from(["use", "population", "fixed"]),
    payment=st.floats(0, 50_000),
    paid_by=st.sampled_from(["health_trust", "municipality"]),
    by_year=st.dictionaries(st.integers(2024, 2029), st.floats(0, 10_000), max_size=3),
    price_change=st.one_of(st.none(), st.integers(1, 1000)),
    seed=st.integers(0, 5),
)
def test_costs_add_up_with_any_prices_keys_and_payments(
    index: float,
    sharing: str,
    payment: float,
    paid_by: str,
    by_year: dict[int, float],
    price_change: int | None,
    seed: int,
) -> None:
    data = _two_facilities(
        index_per_year=index,
        blocked_day_rate=4000,
        blocked_day_rate_by_year=by_year,
        payments={"g": {"per_episode": payment, "paid_by": paid_by}},
    )
    data["run"]["days"] = 400
    data["facilities"]["unit"]["costs"]["sharing"] = (
        {"a": 0.3, "b": 0.7} if sharing == "fixed" else sharing
    )
    if price_change is not None:
        date = (dt.date(2025, 1, 1) + dt.timedelta(days=price_change)).isoformat()
        data["changes"] = [{"date": date, "set": {"facilities.unit.costs.per_bed_day": 7000}}]
    record, kpis = _run(data, seed)
    total = kpis["cost.total"]
    assert kpis["cost.payer.municipality"] + kpis["cost.payer.health_trust"] == pytest.approx(
        total, rel=1e-9
    )
    assert kpis["cost.gross.municipality"] + kpis["cost.gross.health_trust"] == pytest.approx(
        total, rel=1e-9
    )
    facilities = kpis["cost.facility.unit"] + kpis["cost.facility.hospital"]
    assert facilities + kpis["cost.transport"] == pytest.approx(total, rel=1e-9)
    assert kpis["municipality.a.cost"] + kpis["municipality.b.cost"] == pytest.approx(
        total, rel=1e-9
    )
    received = kpis["municipality.a.episode_payments"] + kpis["municipality.b.episode_payments"]
    assert abs(received) == pytest.approx(kpis["cost.episode_payments"], rel=1e-9, abs=1e-6)
    assert all(v >= 0 for k, v in kpis.items() if k.startswith("cost.facility."))


def test_priced_costs_of_the_years_add_up_to_the_period() -> None:
    from simulator.measures.years import replication_kpis

    data = _two_facilities(
        index_per_year=0.05, payments={"g": {"per_episode": 1000}}, blocked_day_rate=100
    )
    data["changes"] = [{"date": "2026-07-01", "set": {"facilities.unit.costs.per_bed_day": 9000}}]
    scenario = validate(data)
    kpis = replication_kpis(run_replication(scenario, 1, 0), scenario)[0]
    for key in ("cost.total", "cost.episode_payments", "cost.payer.municipality"):
        years = [k for k in kpis if k.startswith("year.") and k.endswith("." + key)]
        assert len(years) == 4  # 2025-2028
        assert sum(kpis[k] for k in years) == pytest.approx(kpis[key], rel=1e-12)
