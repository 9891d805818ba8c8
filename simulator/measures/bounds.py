"""The range each KPI can take, so that an interval over replications stays inside it.

A t-interval is symmetric about the mean: for a share near 0 or a wait that
is mostly 0 it can reach below 0, which no replication can. Every KPI is
at least 0 except the figures net of payments between payers (each payer's
net cost, a municipality's own bill ``cost.municipality.<id>.paid`` and the
payments per episode it receives), and shares
(``*_share``, ``share_time_full``) are at most 1. Utilisation is not a
share here: with corridor patients the beds used can exceed the beds open.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["SHARES", "UNBOUNDED", "UNBOUNDED_SUFFIXES", "kpi_bounds"]

SHARES = frozenset({"diversion_share", "share_time_full", "municipal_share", "bed_day_share"})
"""Last parts of the KPI names that are shares (0 to 1)."""

UNBOUNDED = frozenset({"cost.payer.health_trust", "cost.payer.municipality"})
"""KPIs that can be negative (without a ``year.<yyyy>.`` prefix or rate suffix): net
costs, after payments between payers."""

UNBOUNDED_SUFFIXES = frozenset({"paid", "episode_payments"})
"""Last parts of KPI names that can be negative: a municipality's own bill net of the
payments it receives (``cost.municipality.<id>.paid``), and those payments, net."""

_RATES = (".per_year", ".per_1000")


def _base(kpi: str) -> str:
    if kpi.startswith("year."):
        kpi = kpi.split(".", 2)[2]
    for suffix in _RATES:
        if kpi.endswith(suffix):
            return kpi.removesuffix(suffix)
    return kpi


def kpi_bounds(kpis: Sequence[str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lowest and highest value of each KPI: ``(low, high)`` arrays, ``-inf``/``inf`` for none."""
    low = np.zeros(len(kpis))
    high = np.full(len(kpis), math.inf)
    for i, kpi in enumerate(kpis):
        base = _base(kpi)
        if base in UNBOUNDED or base.rsplit(".", 1)[-1] in UNBOUNDED_SUFFIXES:
            low[i] = -math.inf
        elif base.rsplit(".", 1)[-1] in SHARES:
            high[i] = 1.0
    return low, high
