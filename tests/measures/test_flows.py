"""Patient flows: every episode of the collection period follows one path, and flows add up."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from simulator import validate
from simulator.measures.flows import MAX_STAYS, flow_counts, flow_table
from simulator.model.engine import run_replication
from simulator.model.records import Episode

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402


@pytest.fixture(scope="module")
def record():  # type: ignore[no-untyped-def]
    return run_replication(validate(minimal_scenario()), 7, 0)


def test_every_episode_of_the_period_enters_and_leaves_once(record) -> None:  # type: ignore[no-untyped-def]
    counts = flow_counts(record)
    arrival = record.episodes[:, Episode.ARRIVAL]
    episodes = int(((arrival >= record.warmup) & (arrival < record.horizon)).sum())
    assert episodes > 0
    assert sum(n for (s, _), n in counts.items() if s.startswith("municipality:")) == episodes
    assert sum(n for (_, t), n in counts.items() if t.startswith("end:")) == episodes
    into, out = Counter[str](), Counter[str]()
    for (s, t), n in counts.items():
        out[s] += n
        into[t] += n
    for node in into:  # what flows into a group or stay flows out of it again
        if not node.startswith("end:"):
            assert into[node] == out[node], node


def test_nodes_name_municipalities_groups_stays_and_endings(record) -> None:  # type: ignore[no-untyped-def]
    nodes = {n for edge in flow_counts(record) for n in edge}
    kinds = {n.split(":")[0] for n in nodes}
    assert {"municipality", "group", "stay1", "end"} <= kinds
    assert kinds <= {"municipality", "group", "end"} | {f"stay{k}" for k in range(1, MAX_STAYS + 1)}
    facilities = {n.split(":", 1)[1] for n in nodes if n.startswith("stay")}
    assert facilities <= set(record.facilities)
    assert {n for n in nodes if n.startswith("end:")} <= {
        "end:home",
        "end:death",
        "end:elsewhere",
        "end:open",
    }


def test_flow_table_gives_volumes_per_year_with_intervals() -> None:
    counts = [{("a", "b"): 10, ("b", "c"): 4}, {("a", "b"): 20}]
    table = flow_table(counts, days=730.0).set_index(["source", "target"])
    assert table.loc[("a", "b"), "total"] == 15
    assert table.loc[("a", "b"), "per_year"] == pytest.approx(7.5)
    assert table.loc[("b", "c"), "per_year"] == pytest.approx(1.0)  # missing counts as 0
    assert (table["ci_low"] >= 0).all()
    assert (table["ci_low"] <= table["per_year"]).all()
    assert (table["per_year"] <= table["ci_high"]).all()
    assert np.all(table["n"] == 2)
    assert flow_table([], days=365.0).empty
