"""Significance and Erlang without ``scipy.stats``: the same numbers, to the bit, and no import.

``scipy.stats`` takes most of a second to import in every process that loads
it (decision 36); :mod:`simulator.analysis.significance` and
:mod:`simulator.analysis.erlang` use the ``scipy.special`` functions that
``scipy.stats`` itself calls, imported when first needed.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.analysis import erlang
from simulator.analysis.significance import LEVEL, _t_tail, paired_differences


def test_neither_module_loads_scipy_stats() -> None:
    code = (
        "import sys\n"
        "import pandas as pd\n"
        "from simulator.analysis import erlang, significance\n"
        "t = pd.DataFrame({'replication': [0, 1, 2], 'k': [1.0, 2.0, 4.0]})\n"
        "significance.paired_differences(t, t.assign(k=[2.0, 2.5, 5.0]), 'alt')\n"
        "erlang.poisson_occupancy(3.0, 10), erlang.poisson_at_least(4, 3.0)\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("df", [1, 2, 4, 9, 39, 199])
def test_the_t_tail_is_scipy_stats_t_sf(df: int) -> None:
    x = np.concatenate(
        [np.random.default_rng(df).standard_exponential(200) * 3, [0.0, 1e-300, 40, np.inf]]
    )
    with np.errstate(all="ignore"):
        expected = stats.t.sf(x, df)
    assert np.array_equal(_t_tail(x, df), expected)
    assert np.isnan(_t_tail(np.nan, df))


@pytest.mark.parametrize("a", [0.0, 1e-9, 0.5, 3.0, 40.7, 500.0])
def test_poisson_probabilities_are_scipy_stats_poisson(a: float) -> None:
    top = 700
    assert np.array_equal(
        erlang.poisson_occupancy(a, top), stats.poisson.pmf(np.arange(top + 1), a)
    )
    for c in (0, 1, 2, 3, 10, 41, 499, 500, 501, 700):
        expected = float(stats.poisson.sf(c - 1, a)) if c > 0 else 1.0
        assert erlang.poisson_at_least(c, a) == expected, (c, a)


def test_paired_differences_are_those_of_scipy_stats() -> None:
    """Both paths, whole rows in one pass and a KPI undefined in one pair, against stats.t."""
    rng = np.random.default_rng(7)
    n = 12
    base = pd.DataFrame({"replication": range(n), "x": rng.normal(10, 2, n)})
    base["y"] = rng.normal(5, 1, n)
    alt = base.assign(x=base["x"] + rng.normal(0.5, 1, n), y=base["y"] + rng.normal(0, 1, n))
    alt.loc[3, "y"] = np.nan  # y takes the one-KPI path, over 11 pairs
    table = paired_differences(base, alt, "alt").set_index("kpi")
    for kpi in ("x", "y"):
        d = (alt[kpi] - base[kpi]).dropna().to_numpy()
        se = d.std(ddof=1) / np.sqrt(len(d))
        half = float(stats.t.ppf(1 - LEVEL / 2, len(d) - 1)) * se
        p = float(2 * stats.t.sf(abs(d.mean()) / se, len(d) - 1))
        row = table.loc[kpi]
        assert row["ci_low"] == d.mean() - half
        assert row["ci_high"] == d.mean() + half
        assert row["p_value"] == p
