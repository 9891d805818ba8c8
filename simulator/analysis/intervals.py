"""Statistics over replications: means with 95 % t-intervals, and daily occupancy bands.

Computed once, here, from the per-replication tables. A KPI that is
undefined in a replication (``nan``: no admissions, no open beds) is left out
of that KPI's mean; ``n`` says how many replications it rests on.

The Student-t quantile is :func:`t_quantile`, SciPy's ``special.stdtrit``
(what ``scipy.stats.t.ppf`` computes, to the last bit) imported when first
needed: ``scipy.stats`` takes most of a second to import, in every process
that imports it (decision 36).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

__all__ = [
    "daily_bands",
    "occupancy_distribution",
    "summarise",
    "t_interval",
    "t_quantile",
    "wait_distribution",
]

CONFIDENCE = 0.95


@functools.lru_cache(maxsize=4096)
def t_quantile(probability: float, df: int) -> float:
    """The ``probability`` quantile of Student's t with ``df`` degrees of freedom.

    Equal, bit for bit, to ``scipy.stats.t.ppf(probability, df)``; ``nan`` for
    ``df < 1``.
    """
    from scipy.special import stdtrit  # here, and light: scipy.stats is not

    return float(stdtrit(df, probability))


def t_interval(
    values: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float, float, float, int]:
    """Mean, standard deviation and Student-t interval of the finite values."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan, 1
    sd = float(x.std(ddof=1))
    half = t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, n


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI: ``kpi, mean, std, ci_low, ci_high, n``.

    Vectorised over KPIs (the national scenario has some 10 000): the KPIs
    finite in every replication share one t quantile and one pass of numpy,
    and each row equals :func:`t_interval` of its column to the last bit:
    each KPI's values are reduced as one contiguous row, so numpy sums them
    pairwise as it sums one column alone. A KPI undefined in some
    replication is summarised on its own.
    """
    kpis = [str(c) for c in replications.columns if c != "replication"]
    values = np.ascontiguousarray(
        replications[kpis].to_numpy(dtype=float).reshape(len(replications), len(kpis)).T
    )
    size, runs = values.shape
    finite = np.isfinite(values).all(axis=1)
    mean, sd, low, high = (np.full(size, math.nan) for _ in range(4))
    count = np.full(size, runs, dtype=np.int64)
    whole = values[finite]
    if runs >= 1:
        mean[finite] = whole.mean(axis=1)
    if runs >= 2:
        spread = whole.std(axis=1, ddof=1)
        half = t_quantile(0.5 + CONFIDENCE / 2, runs - 1) * spread / math.sqrt(runs)
        sd[finite] = spread
        low[finite] = mean[finite] - half
        high[finite] = mean[finite] + half
    for i in np.flatnonzero(~finite):
        mean[i], sd[i], low[i], high[i], count[i] = t_interval(values[i])
    return pd.DataFrame(
        {"kpi": kpis, "mean": mean, "std": sd, "ci_low": low, "ci_high": high, "n": count}
    )


def daily_bands(
    daily: np.ndarray, capacity: np.ndarray, dates: list[str], facilities: tuple[str, ...]
) -> pd.DataFrame:
    """Daily occupancy per facility over replications: mean, 5th and 95th percentile.

    ``daily`` and ``capacity`` have shape (replications, facilities, days).
    One table built at once, facility after facility (not one per facility:
    a national scenario has hundreds).
    """
    mean = daily.mean(axis=0)
    p05 = np.quantile(daily, 0.05, axis=0)
    p95 = np.quantile(daily, 0.95, axis=0)
    beds = capacity.mean(axis=0)
    days = len(dates)
    return pd.DataFrame(
        {
            "day": np.tile(np.asarray(dates, dtype=object), len(facilities)),
            "facility": np.repeat(np.asarray(facilities, dtype=object), days),
            "mean": mean.reshape(-1),
            "p05": p05.reshape(-1),
            "p95": p95.reshape(-1),
            "beds": beds.reshape(-1),
        }
    )


def occupancy_distribution(
    shares: list[list[np.ndarray]], facilities: tuple[str, ...]
) -> pd.DataFrame:
    """Share of the open time at each number of occupied beds, mean over replications.

    ``shares[r][f]`` is replication ``r``'s distribution for facility ``f``.
    """
    means = []
    for f in range(len(facilities)):
        per_rep = [rep[f] for rep in shares]
        width = max(len(x) for x in per_rep)
        padded = np.zeros((len(per_rep), width))
        for r, x in enumerate(per_rep):
            padded[r, : len(x)] = x
        means.append(padded.mean(0))
    widths = [len(m) for m in means]
    return pd.DataFrame(
        {
            "facility": np.repeat(np.asarray(facilities, dtype=object), widths),
            "occupied": np.concatenate([np.arange(w) for w in widths] or [np.arange(0)]),
            "share": np.concatenate(means or [np.zeros(0)]),
        }
    )


def wait_distribution(
    quantiles: np.ndarray, probabilities: np.ndarray, groups: tuple[str, ...]
) -> pd.DataFrame:
    """Per group, the wait (days) at each probability, mean over replications.

    ``quantiles`` has shape (replications, groups, probabilities); a group
    with no admissions in a replication is left out of that mean.
    """
    if not groups:  # a scenario without groups (allowed: fixed costs only)
        return pd.DataFrame({"group": [], "probability": [], "wait_days": []})
    means = []
    for g in range(len(groups)):
        values = quantiles[:, g, :]
        finite = np.isfinite(values).all(axis=1)
        means.append(
            values[finite].mean(axis=0) if finite.any() else np.full(len(probabilities), np.nan)
        )
    return pd.DataFrame(
        {
            "group": np.repeat(np.asarray(groups, dtype=object), len(probabilities)),
            "probability": np.tile(np.asarray(probabilities, dtype=float), len(groups)),
            "wait_days": np.concatenate(means),
        }
    )
