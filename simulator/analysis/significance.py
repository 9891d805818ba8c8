"""Paired differences between two scenarios, and when a difference is significant.

With common random numbers, replication ``r`` of each scenario uses the same
random streams, so the difference alternative − base is measured per
replication and its 95 % interval is the paired-t interval of those
differences (Law, *Simulation Modeling and Analysis*, section 10.2.1).

One rule decides significance everywhere (terminal, report, forest plot):
a difference is significant when its 95 % interval excludes 0. For the
paired-t interval this is the same as ``p_value < 0.05``; the p-value only
decides where the interval is not finite (a table from elsewhere).

The t quantile is :func:`simulator.analysis.intervals.t_quantile` and the
tail probability SciPy's ``special.stdtr`` (what ``scipy.stats.t.sf``
computes, to the bit), imported when first needed: ``scipy.stats`` takes
most of a second to import (decision 36).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.analysis.intervals import t_quantile

__all__ = ["COLUMNS", "LEVEL", "paired_differences", "significant"]

COLUMNS = ["scenario", "kpi", "base_mean", "alt_mean", "difference", "ci_low", "ci_high", "p_value"]
"""The columns of a comparison table (``comparison.csv``)."""

LEVEL = 0.05
"""Significance level: 95 % intervals, p below 0.05."""


def _t_tail(t: np.ndarray | float, df: int) -> np.ndarray:
    """P(T > t) for Student's t with ``df`` degrees of freedom, as ``scipy.stats.t.sf``."""
    from scipy.special import stdtr  # here, and light: scipy.stats is not

    result: np.ndarray = stdtr(df, -np.asarray(t, dtype=float))
    return result


def paired_differences(base: pd.DataFrame, alt: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Paired-t comparison of every KPI the two replication tables share.

    Parameters
    ----------
    base, alt
        Replication tables (``replication`` and one column per KPI).
    scenario
        The alternative's name, written in the ``scenario`` column.

    Returns
    -------
    pandas.DataFrame
        One row per KPI with :data:`COLUMNS`. Rows are matched by
        ``replication``; a KPI undefined (nan) in either member of a pair
        leaves that pair out. With fewer than two pairs the interval and
        p-value are nan; with identical differences the interval is the
        difference itself and p is 1 (no change) or 0. The KPIs defined in
        every pair are compared in one pass of array operations (a national
        scenario has tens of thousands), each row equal to comparing that KPI
        alone; the others one by one.
    """
    merged = base.merge(alt, on="replication", suffixes=("@base", "@alt"))
    kpis = [c for c in base.columns if c != "replication" and c in alt.columns]
    # One contiguous row per KPI, so that numpy reduces each row as it would the KPI alone.
    b_all = np.ascontiguousarray(
        merged[[f"{k}@base" for k in kpis]].to_numpy(dtype=float).reshape(len(merged), -1).T
    )
    a_all = np.ascontiguousarray(
        merged[[f"{k}@alt" for k in kpis]].to_numpy(dtype=float).reshape(len(merged), -1).T
    )
    size, runs = b_all.shape
    whole = (np.isfinite(a_all) & np.isfinite(b_all)).all(axis=1)
    base_mean, alt_mean, mean, low, high, p = (np.full(size, math.nan) for _ in range(6))
    if runs >= 1:
        d = a_all[whole] - b_all[whole]
        base_mean[whole] = b_all[whole].mean(axis=1)
        alt_mean[whole] = a_all[whole].mean(axis=1)
        mean[whole] = d.mean(axis=1)
    if runs >= 2:
        sd = d.std(axis=1, ddof=1)
        m = mean[whole]
        se = sd / math.sqrt(runs)
        half = t_quantile(1 - LEVEL / 2, runs - 1) * se
        with np.errstate(divide="ignore", invalid="ignore"):
            p_whole = 2 * _t_tail(np.abs(m) / se, runs - 1)
        constant = sd == 0
        low[whole] = np.where(constant, m, m - half)
        high[whole] = np.where(constant, m, m + half)
        p[whole] = np.where(constant, np.where(m == 0, 1.0, 0.0), p_whole)
    for i in np.flatnonzero(~whole):
        base_mean[i], alt_mean[i], mean[i], low[i], high[i], p[i] = _paired(b_all[i], a_all[i])
    return pd.DataFrame(
        {
            "scenario": scenario,
            "kpi": kpis,
            "base_mean": base_mean,
            "alt_mean": alt_mean,
            "difference": mean,
            "ci_low": low,
            "ci_high": high,
            "p_value": p,
        },
        columns=COLUMNS,
    )


def _paired(b: np.ndarray, a: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """Base mean, alternative mean, mean difference, interval and p of one KPI's pairs."""
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    n = len(d)
    base_mean = float(b[ok].mean()) if n else math.nan
    alt_mean = float(a[ok].mean()) if n else math.nan
    mean = float(d.mean()) if n else math.nan
    low = high = p = math.nan
    if n >= 2:
        sd = float(d.std(ddof=1))
        if sd == 0:
            low = high = mean
            p = 1.0 if mean == 0 else 0.0
        else:
            se = sd / math.sqrt(n)
            half = t_quantile(1 - LEVEL / 2, n - 1) * se
            low, high = mean - half, mean + half
            p = float(2 * _t_tail(abs(mean) / se, n - 1))
    return base_mean, alt_mean, mean, low, high, p


def significant(table: pd.DataFrame) -> np.ndarray:
    """Which rows of a comparison table changed significantly: a boolean per row.

    A row is significant when its 95 % interval (``ci_low``, ``ci_high``)
    excludes 0; where the interval is not finite, when ``p_value`` is below
    :data:`LEVEL`. A row with neither is not significant.

    Select the changed rows with ``table[significant(table)]``.
    """
    low = table["ci_low"].to_numpy(dtype=float)
    high = table["ci_high"].to_numpy(dtype=float)
    p = (
        table["p_value"].to_numpy(dtype=float)
        if "p_value" in table
        else np.full(len(table), math.nan)
    )
    by_interval = (low > 0) | (high < 0)
    result: np.ndarray = np.where(np.isfinite(low) & np.isfinite(high), by_interval, p < LEVEL)
    return result.astype(bool)
