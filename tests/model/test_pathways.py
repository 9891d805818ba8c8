"""Per-municipality pathways, steps without a bed and outcomes, age bands: exact checks.

Each case is one where theory gives the answer: counts by entry step are
binomial, readmission_30d is the readmission probability, mortality_30d a
sum over the fixed-length paths that die within 30 days, band shares of
episodes are population x rate shares, a LOS by band has the mixture mean.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator import validate
from simulator.errors import ScenarioError
from simulator.measures.kpis import compute_kpis
from simulator.model.engine import Model, run_replication
from simulator.model.pathways import Period
from simulator.model.records import Episode, Stay
from simulator.scenario.schema import Scenario


def _scenario(
    groups: dict[str, Any], municipalities: dict[str, Any] | None = None, days: float = 720
) -> dict[str, Any]:
    return {
        "name": "pathways",
        "run": {"start_date": "2025-01-01", "days": days, "warmup_days": 0, "replications": 1},
        "municipalities": municipalities
        or {"a": {"population": 10000}, "b": {"population": 10000}},
        "facilities": {
            "hospital": {"service": "hospital", "level": "specialist", "beds": 1000},
            "dms": {"service": "dms", "level": "municipal", "beds": 1000},
        },
        "groups": groups,
    }


def _valid(data: dict[str, Any]) -> Scenario:
    return validate(data)


# --- item 3: per municipality --------------------------------------------------------------


def test_entry_and_rate_per_municipality_are_binomial_and_poisson() -> None:
    groups = {
        "kols": {
            "rate_per_1000": 50,
            "entry": {"hospital_stay": 1.0},
            "municipalities": {
                "b": {"rate_per_1000": 100, "entry": {"hospital_stay": 0.3, "dms_stay": 0.7}}
            },
            "steps": {
                "hospital_stay": {
                    "service": "hospital",
                    "los": {"dist": "fixed", "mean": 1},
                    "next": {"home": 1.0},
                },
                "dms_stay": {
                    "facility": "dms",
                    "los": {"dist": "fixed", "mean": 1},
                    "next": {"home": 1.0},
                },
            },
        }
    }
    scenario = _valid(_scenario(groups, days=365))
    record = run_replication(scenario, seed=3, replication=0)
    episodes, stays = record.episodes, record.stays
    m = episodes[:, Episode.MUNICIPALITY]
    n_a, n_b = int((m == 0).sum()), int((m == 1).sum())
    # rates: 10 000 x 50/1000 = 500 a year in a, 1000 in b (Poisson, 4 sd)
    assert abs(n_a - 500) < 4 * math.sqrt(500)
    assert abs(n_b - 1000) < 4 * math.sqrt(1000)
    first = {}
    for row in stays:
        first.setdefault(int(row[Stay.EPISODE]), int(row[Stay.FACILITY]))
    dms = np.array([first[e] == 1 for e in range(len(episodes))])
    assert not dms[m == 0].any()  # a keeps the group's entry
    k = int(dms[m == 1].sum())
    assert stats.binomtest(k, n_b, 0.7).pvalue > 1e-3


def test_unknown_municipality_and_sums_after_override_are_refused() -> None:
    groups = {
        "kols": {
            "rate_per_1000": 5,
            "entry": {"hospital_stay": 1.0},
            "municipalities": {
                "bb": {"entry": {"hospital_stay": 1.0}},
                "a": {"steps": {"hospital_stay": {"next": {"home": 0.5}}}},
            },
            "steps": {
                "hospital_stay": {
                    "service": "hospital",
                    "los": {"dist": "fixed", "mean": 1},
                    "next": {"home": 1.0},
                }
            },
        }
    }
    with pytest.raises(ScenarioError) as caught:
        _valid(_scenario(groups))
    text = str(caught.value)
    assert "groups.kols.municipalities.bb" in text and "'b'" in text  # did you mean
    assert "groups.kols.municipalities.a.steps.hospital_stay.next" in text
    assert "sum to 1" in text


# --- item 6: steps without a bed, 30-day outcomes ---------------------------------------------


def _home_period(p: float, d1: float, d2: float, rate: float = 200) -> dict[str, Any]:
    return {
        "kols": {
            "rate_per_1000": rate,
            "entry": {"hospital_stay": 1.0},
            "steps": {
                "hospital_stay": {
                    "service": "hospital",
                    "los": {"dist": "fixed", "mean": 4},
                    "next": {"death": d1, "at_home": 1 - d1},
                },
                "at_home": {
                    "service": "none",
                    "los": {"dist": "fixed", "mean": 10},
                    "costs": {"per_day": 100, "per_start": 1000},
                    "next": {"death": d2, "hospital_stay": p, "home": 1 - p - d2},
                },
            },
        }
    }


def test_readmission_and_mortality_30d_match_theory() -> None:
    p, d1, d2 = 0.3, 0.1, 0.05
    scenario = _valid(_scenario(_home_period(p, d1, d2)))
    readmissions, deaths = [], []
    for replication in range(4):
        record = run_replication(scenario, seed=11, replication=replication)
        kpis, _ = compute_kpis(record, scenario)
        readmissions.append(kpis["group.kols.readmission_30d"])
        deaths.append(kpis["group.kols.mortality_30d"])
        assert kpis["cost.steps"] > 0
    # Admissions at 0, (4 + 10) = 14, 28; deaths at 4, 14, 18, 28 are within 30 days,
    # the third stay's end (32) is not.
    mortality = d1 + (1 - d1) * (d2 + p * (d1 + (1 - d1) * d2))
    # about 4 x 4 000 episodes: sd of a share ~ 0.004
    assert abs(np.mean(readmissions) - p) < 0.01
    assert abs(np.mean(deaths) - mortality) < 0.01


def test_no_bed_period_is_costed_per_day_and_start() -> None:
    scenario = _valid(_scenario(_home_period(0.0, 0.0, 0.0, rate=20), days=365))
    record = run_replication(scenario, seed=1, replication=0)
    kpis, _ = compute_kpis(record, scenario)
    periods = record.pathways.periods
    start, end = periods[:, Period.START], np.nan_to_num(periods[:, Period.END], nan=365.0)
    assert np.all(np.isnan(periods[:, Period.END]) | np.isclose(end - start, 10))  # fixed 10 days
    expected = 1000 * len(periods) + 100 * np.sum(np.minimum(end, 365.0) - start)
    assert kpis["cost.steps"] == pytest.approx(expected)
    assert kpis["cost.payer.municipality"] >= kpis["cost.steps"]


def test_a_readmission_loop_without_way_out_is_refused() -> None:
    groups = _home_period(0.3, 0.1, 0.05)
    groups["kols"]["steps"]["at_home"]["next"] = {"hospital_stay": 1.0}
    groups["kols"]["steps"]["hospital_stay"]["next"] = {"at_home": 1.0}
    with pytest.raises(ScenarioError, match="can never end"):
        _valid(_scenario(groups))
    groups = _home_period(0.3, 0.1, 0.05)
    groups["kols"]["municipalities"] = {
        "a": {"steps": {"at_home": {"next": {"hospital_stay": 1.0}}}}
    }
    groups["kols"]["steps"]["hospital_stay"]["next"] = {"at_home": 1.0}
    with pytest.raises(ScenarioError, match="municipality 'a'.*can never end"):
        _valid(_scenario(groups))


# --- item 7: age bands ---------------------------------------------------------------------


def _banded(bands: dict[str, Any]) -> dict[str, Any]:
    municipalities = {
        "a": {"population": {"young": 8000, "old": 2000}},
        "b": {"population": {"young": 5000, "old": 5000}},
    }
    groups = {
        "kols": {
            "rate_per_1000": {"young": 10, "old": 60},
            "entry": {"hospital_stay": 1.0},
            "bands": bands,
            "steps": {
                "hospital_stay": {
                    "service": "hospital",
                    "los": {"dist": "fixed", "mean": 2},
                    "next": {"home": 1.0},
                }
            },
        }
    }
    return _scenario(groups, municipalities, days=730)


def test_band_shares_of_episodes_are_population_times_rate() -> None:
    scenario = _valid(_banded({}))
    record = run_replication(scenario, seed=5, replication=0)
    kpis, _ = compute_kpis(record, scenario)
    observed = [kpis["group.kols.band.old.episodes"], kpis["group.kols.band.young.episodes"]]
    # per year: old 2000*.06 + 5000*.06 = 420, young 8000*.01 + 5000*.01 = 130
    expected_share = np.array([420, 130]) / 550
    total = sum(observed)
    assert total == kpis["group.kols.episodes"]
    chi2 = stats.chisquare(observed, expected_share * total)
    assert chi2.pvalue > 1e-3


def test_los_by_band_gives_the_mixture_mean() -> None:
    scenario = _valid(
        _banded({"old": {"steps": {"hospital_stay": {"los": {"dist": "fixed", "mean": 8}}}}})
    )
    record = run_replication(scenario, seed=5, replication=0)
    los = record.stays[:, Stay.LOS]
    share_old = 420 / 550
    mixture = share_old * 8 + (1 - share_old) * 2
    # each stay is 2 or 8: the mean's sd is 6 sqrt(q(1-q)/n)
    sd = 6 * math.sqrt(share_old * (1 - share_old) / len(los))
    assert abs(los.mean() - mixture) < 4 * sd


def test_unknown_band_is_refused_with_did_you_mean() -> None:
    with pytest.raises(ScenarioError, match="groups.kols.bands.olds.*old"):
        _valid(_banded({"olds": {}}))


def test_a_scenario_without_the_new_keys_has_no_new_kpis() -> None:
    scenario = _valid(_banded({}))
    data = scenario.model_dump(mode="json")
    del data["groups"]["kols"]["bands"]
    plain = _valid(data)
    kpis, _ = compute_kpis(run_replication(plain, seed=5, replication=0), plain)
    assert not [k for k in kpis if ".band." in k or k.endswith("_30d") or k == "cost.steps"]


def test_a_municipality_entry_changed_on_a_date_applies_from_the_date_only_there() -> None:
    groups = {
        "kols": {
            "rate_per_1000": 100,
            "entry": {"hospital_stay": 1.0},
            "municipalities": {"b": {"entry": {"hospital_stay": 1.0}}},
            "steps": {
                "hospital_stay": {
                    "service": "hospital",
                    "los": {"dist": "fixed", "mean": 1},
                    "next": {"home": 1.0},
                },
                "dms_stay": {
                    "facility": "dms",
                    "los": {"dist": "fixed", "mean": 1},
                    "next": {"home": 1.0},
                },
            },
        }
    }
    data = _scenario(groups, days=365)
    data["changes"] = [
        {
            "date": "2025-07-01",
            "set": {"groups.kols.municipalities.b.entry": {"hospital_stay": 0.4, "dms_stay": 0.6}},
        }
    ]
    scenario = _valid(data)
    record = run_replication(scenario, seed=2, replication=0)
    stays = record.stays
    at_dms = stays[:, Stay.FACILITY] == 1
    m = stays[:, Stay.MUNICIPALITY]
    date = 181.0  # 2025-07-01
    before = stays[:, Stay.ADMITTED] < date
    assert not at_dms[before].any() and not at_dms[m == 0].any()
    after_b = ~before & (m == 1)
    k, n = int(at_dms[after_b].sum()), int(after_b.sum())
    assert stats.binomtest(k, n, 0.6).pvalue > 1e-3


def test_entry_and_next_by_band_and_municipality_precedence() -> None:
    data = _banded(
        {
            "old": {
                "entry": {"dms_stay": 1.0},
                "steps": {"dms_stay": {"next": {"death": 1.0}}},
            }
        }
    )
    steps = data["groups"]["kols"]["steps"]
    steps["dms_stay"] = {
        "facility": "dms",
        "los": {"dist": "fixed", "mean": 1},
        "next": {"home": 1.0},
    }
    # Municipality b's own next for dms_stay wins over the band's.
    data["groups"]["kols"]["municipalities"] = {
        "b": {"steps": {"dms_stay": {"next": {"home": 1.0}}}}
    }
    scenario = _valid(data)
    record = run_replication(scenario, seed=8, replication=0)
    bands = record.pathways.bands
    old = bands[:, 1] == list(record.pathways.group_bands[0] or ()).index("old")
    episodes = record.episodes[bands[:, 0].astype(int)]
    first = {}
    for row in record.stays:
        first.setdefault(int(row[Stay.EPISODE]), int(row[Stay.FACILITY]))
    at_dms = np.array([first.get(int(e), -1) == 1 for e in bands[:, 0]])
    assert np.array_equal(at_dms, old)  # old patients start at DMS, young in hospital
    ended = ~np.isnan(episodes[:, Episode.END])
    died = episodes[:, Episode.OUTCOME] == 2
    in_a = episodes[:, Episode.MUNICIPALITY] == 0
    assert np.array_equal(died[ended], (old & in_a)[ended])  # the band's next, not in b


def test_band_keys_need_populations_by_the_same_bands() -> None:
    data = _banded({})
    data["municipalities"]["b"]["population"] = 10000
    data["groups"]["kols"]["rate_per_1000"] = 10
    with pytest.raises(ScenarioError, match="groups.kols.bands.*'b' has a total population"):
        _valid(data)


def test_a_step_without_a_bed_takes_no_when_full_and_none_is_no_facility_service() -> None:
    groups = _home_period(0.3, 0.1, 0.05)
    groups["kols"]["steps"]["at_home"]["when_full"] = "queue"
    data = _scenario(groups)
    data["facilities"]["dms"]["service"] = "none"
    with pytest.raises(ScenarioError) as caught:
        _valid(data)
    text = str(caught.value)
    assert "groups.kols.steps.at_home.when_full" in text and "never full" in text
    assert "facilities.dms.service" in text and "reserved" in text


def test_a_step_without_a_bed_refuses_max_stay() -> None:
    groups = _home_period(0.3, 0.1, 0.05)
    groups["kols"]["steps"]["at_home"]["max_stay"] = {"days": 3, "then": "hospital_stay"}
    with pytest.raises(ScenarioError, match="at_home.max_stay"):
        _valid(_scenario(groups))


def test_an_override_in_one_municipality_leaves_the_others_numbers_unchanged() -> None:
    groups = {
        "kols": {
            "rate_per_1000": 80,
            "entry": {"hospital_stay": 0.5, "dms_stay": 0.5},
            "steps": {
                "hospital_stay": {
                    "service": "hospital",
                    "los": {"dist": "exponential", "mean": 3},
                    "next": {"home": 1.0},
                },
                "dms_stay": {
                    "facility": "dms",
                    "los": {"dist": "exponential", "mean": 2},
                    "next": {"home": 1.0},
                },
            },
        }
    }
    plain = _valid(_scenario(groups, days=200))
    groups["kols"]["municipalities"] = {"b": {"entry": {"hospital_stay": 1.0}}}
    changed = _valid(_scenario(groups, days=200))
    t0, m0, _, e0, _ = Model(plain, 4, 0).arrivals()
    t1, m1, _, e1, _ = Model(changed, 4, 0).arrivals()
    assert np.array_equal(t0, t1) and np.array_equal(m0, m1)  # arrivals unchanged
    assert np.array_equal(e0[m0 == 0], e1[m1 == 0])  # a's entries unchanged
    assert set(e1[m1 == 1].tolist()) == {0}  # b's all start in hospital
