"""Statistics over replications: means with 95 % t-intervals, and daily occupancy bands.

Computed once, here, from the per-replication tables. A KPI that is
undefined in a replication (``nan``: no admissions, no open beds) is left out
of that KPI's mean; ``n`` says how many replications it rests on.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "daily_bands",
    "occupancy_distribution",
    "summarise",
    "t_interval",
    "wait_distribution",
]

CONFIDENCE = 0.95


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
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, n


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI: ``kpi, mean, std, ci_low, ci_high, n``."""
    rows = []
    for kpi in replications.columns:
        if kpi == "replication":
            continue
        mean, sd, low, high, n = t_interval(replications[kpi].to_numpy(dtype=float))
        rows.append((kpi, mean, sd, low, high, n))
    return pd.DataFrame(rows, columns=["kpi", "mean", "std", "ci_low", "ci_high", "n"])


def daily_bands(
    daily: np.ndarray, capacity: np.ndarray, dates: list[str], facilities: tuple[str, ...]
) -> pd.DataFrame:
    """Daily occupancy per facility over replications: mean, 5th and 95th percentile.

    ``daily`` and ``capacity`` have shape (replications, facilities, days).
    """
    mean = daily.mean(axis=0)
    p05 = np.quantile(daily, 0.05, axis=0)
    p95 = np.quantile(daily, 0.95, axis=0)
    beds = capacity.mean(axis=0)
    frames = [
        pd.DataFrame(
            {
                "day": dates,
                "facility": fid,
                "mean": mean[i],
                "p05": p05[i],
                "p95": p95[i],
                "beds": beds[i],
            }
        )
        for i, fid in enumerate(facilities)
    ]
    return pd.concat(frames, ignore_index=True)


def occupancy_distribution(
    shares: list[list[np.ndarray]], facilities: tuple[str, ...]
) -> pd.DataFrame:
    """Share of time at each number of occupied beds, mean over replications.

    ``shares[r][f]`` is replication ``r``'s distribution for facility ``f``.
    """
    frames = []
    for f, fid in enumerate(facilities):
        per_rep = [rep[f] for rep in shares]
        width = max(len(x) for x in per_rep)
        padded = np.array([np.pad(x, (0, width - len(x))) for x in per_rep])
        frames.append(
            pd.DataFrame({"facility": fid, "occupied": np.arange(width), "share": padded.mean(0)})
        )
    return pd.concat(frames, ignore_index=True)


def wait_distribution(
    quantiles: np.ndarray, probabilities: np.ndarray, groups: tuple[str, ...]
) -> pd.DataFrame:
    """Per group, the wait (days) at each probability, mean over replications.

    ``quantiles`` has shape (replications, groups, probabilities); a group
    with no admissions in a replication is left out of that mean.
    """
    frames = []
    for g, gid in enumerate(groups):
        values = quantiles[:, g, :]
        finite = np.isfinite(values).all(axis=1)
        mean = values[finite].mean(axis=0) if finite.any() else np.full(len(probabilities), np.nan)
        frames.append(pd.DataFrame({"group": gid, "probability": probabilities, "wait_days": mean}))
    if not frames:  # a scenario without groups (allowed: fixed costs only)
        return pd.DataFrame({"group": [], "probability": [], "wait_days": []})
    return pd.concat(frames, ignore_index=True)
