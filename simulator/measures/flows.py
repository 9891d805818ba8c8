"""Patient flows of one replication: how episodes move from home through the beds and out.

Every episode that starts in the collection period is followed along one
path of nodes: its municipality, its group, the facility of each of its
stays in the order it was admitted, and how the episode ended. A node is
``"<kind>:<id>"``:

``municipality:<id>``, ``group:<id>``
    where the patient lives and which patient group the episode belongs to;
``stay1:<facility>`` ... ``stay<MAX_STAYS>:<facility>``
    the first, second, ... stay of the episode (stays after the
    :data:`MAX_STAYS`-th are not drawn as columns of their own: the path goes
    from the last drawn stay to the ending);
``end:<outcome>``
    ``home``, ``death``, ``elsewhere`` (every option was full: the patient
    left the modelled services, e.g. for another level or region) or
    ``open`` (still in care when the collection period ends).

:func:`flow_counts` counts each edge (consecutive pair of nodes) of one
replication; :func:`flow_table` turns the counts of every replication into
volumes per year with a 95 % interval. The edges of one column of nodes add
up to the episodes: municipality → group counts every episode once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.model.records import Episode, Outcome, ReplicationRecord, Stay

__all__ = ["FLOW_COLUMNS", "MAX_STAYS", "OUTCOME_NODES", "flow_counts", "flow_table"]

MAX_STAYS = 3
"""Stays drawn as columns of their own; later stays join the path's ending."""

OUTCOME_NODES: dict[int, str] = {
    Outcome.OPEN: "end:open",
    Outcome.HOME: "end:home",
    Outcome.DEATH: "end:death",
    Outcome.DIVERTED: "end:elsewhere",
}
FLOW_COLUMNS = ("source", "target", "per_year", "ci_low", "ci_high", "total", "n")
"""Columns of ``flows.csv``: an edge, its mean volume per year with a 95 % interval,
its mean count over the whole collection period and the replications."""

DAYS_PER_YEAR = 365.0


def _node_names(record: ReplicationRecord) -> list[str]:
    """Every node's name; a node's integer code indexes this list (see :func:`flow_counts`)."""
    names = [f"municipality:{m}" for m in record.municipalities]
    names += [f"group:{g}" for g in record.groups]
    for k in range(MAX_STAYS):
        names += [f"stay{k + 1}:{f}" for f in record.facilities]
    names += [OUTCOME_NODES[o] for o in sorted(OUTCOME_NODES)]
    return names


def flow_counts(record: ReplicationRecord) -> dict[tuple[str, str], int]:
    """Episodes along each edge of the flow, for episodes starting in the collection period.

    Nodes are integer codes while counting (municipalities, then groups, then
    each stay column's facilities, then the endings), so the cost is a few
    array passes over the episodes and stays; names are given to the edges
    found only.
    """
    start, end = record.warmup, record.horizon
    n_m, n_g, n_f = len(record.municipalities), len(record.groups), len(record.facilities)
    stay0, end0 = n_m + n_g, n_m + n_g + MAX_STAYS * n_f
    episodes = record.episodes
    arrival = episodes[:, Episode.ARRIVAL]
    inside = (arrival >= start) & (arrival < end)
    ids = np.flatnonzero(inside)
    ep_group = n_m + episodes[ids, Episode.GROUP].astype(np.int64)
    sources = [episodes[ids, Episode.MUNICIPALITY].astype(np.int64)]
    targets = [ep_group]

    stays = record.stays
    stay_episode = stays[:, Stay.EPISODE].astype(np.int64)
    keep = np.isfinite(stays[:, Stay.ADMITTED])
    if len(stays):
        keep &= inside[stay_episode]
    stays, stay_episode = stays[keep], stay_episode[keep]
    order = np.lexsort((stays[:, Stay.ADMITTED], stay_episode))
    stays, stay_episode = stays[order], stay_episode[order]
    first = np.r_[True, stay_episode[1:] != stay_episode[:-1]] if len(stays) else np.zeros(0, bool)
    position = np.arange(len(stays))
    step = position - np.maximum.accumulate(np.where(first, position, 0))
    drawn = step < MAX_STAYS
    node = stay0 + np.minimum(step, MAX_STAYS - 1) * n_f + stays[:, Stay.FACILITY].astype(np.int64)
    # group -> first stay
    sources.append(n_m + stays[first, Stay.GROUP].astype(np.int64))
    targets.append(node[first])
    # stay k -> stay k + 1
    follows = ~first & drawn
    sources.append(node[np.flatnonzero(follows) - 1])
    targets.append(node[follows])
    # last drawn node (a stay, or the group when there was none) -> ending
    last_node = np.full(len(episodes), -1, dtype=np.int64)
    last_node[ids] = ep_group
    last_node[stay_episode[drawn]] = node[drawn]  # in time order: the last one stays
    outcome = episodes[ids, Episode.OUTCOME].astype(np.int64)
    known = np.isin(outcome, list(OUTCOME_NODES))
    sources.append(last_node[ids])
    targets.append(end0 + np.where(known, outcome, Outcome.OPEN))

    size = end0 + len(OUTCOME_NODES)
    edges = np.concatenate(sources) * size + np.concatenate(targets)
    found, counts = np.unique(edges, return_counts=True)
    names = _node_names(record)
    return {
        (names[e // size], names[e % size]): int(n)
        for e, n in zip(found.tolist(), counts.tolist(), strict=True)
    }


def flow_table(counts: Sequence[dict[tuple[str, str], int]], days: float) -> pd.DataFrame:
    """The edges of every replication's counts as volumes per year (:data:`FLOW_COLUMNS`).

    An edge missing from a replication counts 0 there. ``days`` is the length of
    the collection period.
    """
    edges = sorted({edge for c in counts for edge in c})
    if not edges or not counts:
        return pd.DataFrame(columns=list(FLOW_COLUMNS))
    values = np.array([[c.get(e, 0) for c in counts] for e in edges], dtype=float)
    n = values.shape[1]
    years = days / DAYS_PER_YEAR if days > 0 else math.nan
    mean = values.mean(axis=1)
    if n > 1:
        # scipy.stats.t.ppf to the bit; imported here, as every worker imports this module
        from scipy.special import stdtrit

        half = stdtrit(n - 1, 0.975) * values.std(axis=1, ddof=1) / math.sqrt(n)
    else:
        half = np.full(len(edges), np.nan)
    return pd.DataFrame(
        {
            "source": [e[0] for e in edges],
            "target": [e[1] for e in edges],
            "per_year": mean / years,
            "ci_low": np.maximum(mean - half, 0.0) / years,
            "ci_high": (mean + half) / years,
            "total": mean,
            "n": n,
        }
    )
