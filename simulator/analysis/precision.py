"""How many replications a result needs: the half-width of its 95 % interval.

For a KPI with sample standard deviation ``s`` over replications, ``n``
replications give a 95 % half-width of ``t(0.975, n-1) s / sqrt(n)``. The
advice is the smallest ``n`` whose half-width is within a relative precision
of the mean (default 5 %), found by trying ``n`` upward so that the t
quantile is the right one (the sequential procedure in Law, *Simulation
Modeling and Analysis*, section 9.4.1, with ``s`` from the replications run).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from simulator.analysis.intervals import t_quantile

__all__ = ["COST_KPIS", "DEFAULT_PRECISION", "advice", "key_kpis", "replications_needed"]

DEFAULT_PRECISION = 0.05
LIMIT = 100_000


def replications_needed(values: Iterable[float], precision: float) -> int | None:
    """Replications for a half-width within ``precision`` x |mean|; None if undefined."""
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2 or x.mean() == 0:
        return None
    sd = float(x.std(ddof=1))
    target = precision * abs(float(x.mean()))
    if sd == 0:
        return 2
    # The t quantile is at most 12.7 (n = 2), so n stays below this start for the z bound.
    n = max(2, math.ceil((1.959963984540054 * sd / target) ** 2))
    while n < LIMIT and t_quantile(0.975, n - 1) * sd / math.sqrt(n) > target:
        n += 1
    return n


COST_KPIS = ("cost.total", "cost.gross.municipality", "cost.gross.health_trust")
"""The costs the advice is about: the total and each payer's own (gross) costs. Not the net
payer figures: the health trust's is its costs less the blocked-day payments it receives,
which can be near zero or negative, and a precision relative to such a mean means nothing."""


def key_kpis(replications: pd.DataFrame) -> list[str]:
    """The KPIs the advice is about: :data:`COST_KPIS`, and mean occupancy of facilities
    that use at least one bed on average (smaller ones need hundreds of replications for a
    relative precision that means little in beds)."""
    chosen = [k for k in COST_KPIS if k in replications]
    chosen += [
        column
        for column in replications.columns
        if column.startswith("facility.")
        and column.endswith(".occupancy_mean")
        and replications[column].mean() >= 1.0
    ]
    return [k for k in chosen if replications[k].abs().mean() > 0]


def advice(replications: pd.DataFrame, precision: float = DEFAULT_PRECISION) -> pd.DataFrame:
    """For each key KPI: mean, current relative half-width, and replications needed."""
    rows = []
    n = len(replications)
    for kpi in key_kpis(replications):
        x = replications[kpi].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        mean = float(x.mean())
        half = (
            t_quantile(0.975, len(x) - 1) * float(x.std(ddof=1)) / math.sqrt(len(x))
            if len(x) > 1
            else math.nan
        )
        rows.append(
            {
                "kpi": kpi,
                "mean": mean,
                "relative_half_width": half / abs(mean) if mean else math.nan,
                "replications": n,
                "needed": replications_needed(x, precision),
            }
        )
    return pd.DataFrame(
        rows, columns=["kpi", "mean", "relative_half_width", "replications", "needed"]
    )
