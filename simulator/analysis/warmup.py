"""Warm-up detection with MSER-5 (White, 1997; White, Cobb & Spratt, 2000).

The Marginal Standard Error Rule picks the truncation point ``d`` of an
output series that minimises

    MSER(d) = sum_{i > d} (z_i - mean(z_{d+1..n}))^2 / (n - d)^2,

computed on batch means of 5 observations (MSER-5), with ``d`` searched over
the first half of the series only (beyond that the estimate is unstable).
samsim applies it to each facility's daily mean occupancy from the start of
the simulation, averaged over replications. Strong seasonality can make
MSER-5 cut more than the initial transient; the report says so beside the
warning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["BATCH", "mser5", "warmup_table"]

BATCH = 5
MIN_BEDS = 1.0
"""Facilities using fewer beds than this on average are not judged."""


def mser5(series: NDArray[np.float64]) -> int:
    """The warm-up, in observations (days), that MSER-5 finds in ``series``."""
    y = np.asarray(series, dtype=float)
    y = y[np.isfinite(y)]
    batches = len(y) // BATCH
    if batches < 4:
        return 0
    z = y[: batches * BATCH].reshape(batches, BATCH).mean(axis=1)
    # Suffix sums give every MSER(d) in one pass.
    tail_count = np.arange(batches, 0, -1, dtype=float)  # n - d for d = 0..batches-1
    tail_sum = np.cumsum(z[::-1])[::-1]
    tail_sq = np.cumsum((z**2)[::-1])[::-1]
    sse = tail_sq - tail_sum**2 / tail_count
    statistic = sse / tail_count**2
    half = batches // 2
    best = int(np.argmin(statistic[: half + 1]))
    return best * BATCH


def warmup_table(
    daily_from_start: NDArray[np.float64], facilities: tuple[str, ...], warmup_days: float
) -> pd.DataFrame:
    """MSER-5 per facility on the replication-mean daily occupancy from the start.

    ``daily_from_start`` has shape (replications, facilities, days). Only
    facilities that use at least :data:`MIN_BEDS` beds on average are judged
    (``judged``): in a nearly empty unit the daily series is mostly noise and
    MSER-5's truncation point falls anywhere in the first half.
    """
    mean = daily_from_start.mean(axis=0)
    judged = [bool(np.nanmean(row) >= MIN_BEDS) for row in mean]
    detected = [mser5(row) if ok else 0 for row, ok in zip(mean, judged, strict=True)]
    return pd.DataFrame(
        {
            "facility": list(facilities),
            "detected_days": detected,
            "warmup_days": warmup_days,
            "judged": judged,
            "enough": [d <= warmup_days for d in detected],
        }
    )
