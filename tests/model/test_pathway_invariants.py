"""Invariants on random scenarios using per-municipality and per-band pathways and
steps without a bed (test tier: invariants).

Hypothesis builds small valid scenarios: two municipalities with populations by
band, one group with a hospital step, a period at home (``service: none``)
that may readmit, optional overrides of ``entry``, ``next``, ``los`` and step
costs by municipality and band. Whatever the numbers: no patient holds a bed
during a period at home, a readmission follows its discharge, the band counts
add up to the group's, shares are shares, costs add up by payer and by
municipality, and the same seed gives the same replication.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.measures.kpis import compute_kpis
from simulator.model.engine import run_replication
from simulator.model.pathways import Banded, Discharge, Period
from simulator.model.records import Episode, Stay
from simulator.scenario.validation import validate

BANDS = ("young", "old")


def _split(p: float) -> dict[str, float]:
    return {"home": round(1 - p, 6), "at_home": round(p, 6)}


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    readmit = draw(st.floats(0, 0.6))
    die = draw(st.floats(0, 0.3))
    to_home = draw(st.floats(0, 1))
    period_next = {"hospital_stay": readmit, "death": die, "home": 1 - readmit - die}
    period_next = {k: round(v, 6) for k, v in period_next.items()}
    period_next["home"] = round(1 - period_next["hospital_stay"] - period_next["death"], 6)
    mean = draw(st.floats(0.5, 15))
    group: dict[str, Any] = {
        "rate_per_1000": {"young": draw(st.floats(1, 30)), "old": draw(st.floats(1, 80))},
        "entry": {"hospital_stay": 1.0},
        "steps": {
            "hospital_stay": {
                "service": "hospital",
                "los": {"dist": draw(st.sampled_from(["exponential", "fixed"])), "mean": mean},
                "next": _split(to_home),
            },
            "at_home": {
                "service": "none",
                "los": {"dist": "fixed", "mean": draw(st.floats(1, 40))},
                "costs": {"per_day": draw(st.floats(0, 500)), "per_start": 100},
                "next": period_next,
            },
        },
    }
    if draw(st.booleans()):
        group["municipalities"] = {
            "b": {
                "rate_per_1000": draw(st.floats(1, 60)),
                "steps": {"hospital_stay": {"next": _split(draw(st.floats(0, 1)))}},
            }
        }
    if draw(st.booleans()):
        group["bands"] = {
            "old": {
                "steps": {
                    "hospital_stay": {
                        "los": {"dist": "gamma", "mean": draw(st.floats(0.5, 20)), "cv": 0.7}
                    },
                    "at_home": {"costs": {"per_day": 50, "payer": "health_trust"}},
                }
            }
        }
    else:
        group["bands"] = {}
    return {
        "name": "random-pathways",
        "run": {
            "start_date": "2025-01-01",
            "days": draw(st.sampled_from([40, 90])),
            "warmup_days": draw(st.sampled_from([0, 5])),
            "replications": 1,
        },
        "municipalities": {
            "a": {"population": {"young": 3000, "old": draw(st.floats(0, 2000))}},
            "b": {"population": {"young": 1000, "old": 1000}},
        },
        "facilities": {
            "hospital": {
                "service": "hospital",
                "level": "specialist",
                "beds": draw(st.integers(0, 6)),
                "when_full": draw(st.sampled_from(["queue", "overflow", "divert"])),
                "costs": {"per_bed_day": 1000},
            }
        },
        "groups": {"kols": group},
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(), seed=st.integers(0, 2**16))
def test_pathway_invariants(data: dict[str, Any], seed: int) -> None:
    scenario = validate(data)
    record = run_replication(scenario, seed, 0)
    again = run_replication(scenario, seed, 0)
    assert np.array_equal(record.episodes, again.episodes, equal_nan=True)
    assert np.array_equal(record.pathways.periods, again.pathways.periods, equal_nan=True)

    stays, periods = record.stays, record.pathways.periods
    # No bed held during a period at home: every stay of the episode is left by then.
    for row in periods:
        mine = stays[stays[:, Stay.EPISODE] == row[Period.EPISODE]]
        before = mine[mine[:, Stay.ADMITTED] <= row[Period.START]]
        assert np.all(before[:, Stay.LEFT] <= row[Period.START])
        later = mine[mine[:, Stay.ADMITTED] > row[Period.START]]
        if len(later):
            assert not math.isnan(row[Period.END])
            assert np.all(later[:, Stay.REQUESTED] >= row[Period.END])
    d = record.pathways.discharges
    readmitted = d[~np.isnan(d[:, Discharge.READMITTED])]
    assert np.all(readmitted[:, Discharge.READMITTED] >= readmitted[:, Discharge.TIME])

    kpis, _ = compute_kpis(record, scenario)
    for name in ("group.kols.readmission_30d", "group.kols.mortality_30d"):
        value = kpis[name]
        assert math.isnan(value) or 0 <= value <= 1
    bands = [kpis[f"group.kols.band.{b}.episodes"] for b in BANDS]
    assert sum(bands) == kpis["group.kols.episodes"]
    assert len(record.pathways.bands) == len(record.episodes)
    assert set(record.pathways.bands[:, Banded.BAND]) <= {0.0, 1.0}
    bands_of_group = record.pathways.group_bands[0]
    assert bands_of_group is not None and sorted(bands_of_group) == sorted(BANDS)
    old = record.pathways.bands[:, Banded.BAND] == bands_of_group.index("old")
    population_a_old = data["municipalities"]["a"]["population"]["old"]
    if population_a_old == 0:
        from_a = (
            record.episodes[record.pathways.bands[:, Banded.EPISODE].astype(int)][
                :, Episode.MUNICIPALITY
            ]
            == 0
        )
        assert not (old & from_a).any()
    total = kpis["cost.total"]
    assert math.isclose(
        kpis["cost.payer.municipality"]
        - kpis["cost.blocked_payments"]
        + kpis["cost.payer.health_trust"]
        + kpis["cost.blocked_payments"],
        total,
        rel_tol=1e-9,
        abs_tol=1e-6,
    )
    municipal = sum(kpis[f"municipality.{m}.cost"] for m in ("a", "b"))
    assert math.isclose(municipal, total, rel_tol=1e-9, abs_tol=1e-6)
    caused = sum(kpis[f"cost.municipality.{m}.caused"] for m in ("a", "b"))
    assert math.isclose(caused, total, rel_tol=1e-9, abs_tol=1e-6)
    paid = sum(kpis[f"cost.municipality.{m}.paid"] for m in ("a", "b"))
    assert math.isclose(paid, kpis["cost.payer.municipality"], rel_tol=1e-9, abs_tol=1e-6)
    assert kpis.get("cost.steps", 0.0) >= 0
