"""The per-replication KPI table: built a block at a time, the same as pandas builds it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.experiment.simulate import kpi_table


def rows_of_numbers(runs: int, keys: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(runs)
    rows = []
    for r in range(runs):
        row: dict[str, Any] = {"replication": r}
        for k in range(keys):
            kind = k % 4
            if kind == 0:
                row[f"count.{k}"] = int(rng.integers(0, 10**12))  # integers only: int64
            elif kind == 1:
                row[f"mean.{k}"] = float(rng.lognormal(0, 3))
            elif kind == 2:
                row[f"mixed.{k}"] = 3 if r % 2 else 2.5  # ints and floats: float64
            else:
                row[f"numpy.{k}"] = np.float64(rng.normal()) if r else float("nan")
        rows.append(row)
    return rows


@pytest.mark.parametrize("runs", [1, 2, 5])
def test_same_table_as_pandas(runs: int) -> None:
    rows = rows_of_numbers(runs, 40)
    table = kpi_table(rows)
    pd.testing.assert_frame_equal(table, pd.DataFrame(rows), check_exact=True)
    assert table.to_csv(index=False) == pd.DataFrame(rows).to_csv(index=False)
    assert table["count.0"].dtype == np.int64 and table["mixed.2"].dtype == np.float64


def test_rows_with_different_keys_as_pandas() -> None:
    rows = rows_of_numbers(4, 12)
    del rows[1]["count.4"]  # an integer column with a gap: float64 with nan
    rows[2]["only.here"] = 7
    table = kpi_table(rows)
    pd.testing.assert_frame_equal(table, pd.DataFrame(rows), check_exact=True)
    assert list(table.columns) == list(pd.DataFrame(rows).columns)


def test_anything_but_numbers_goes_to_pandas_as_it_is() -> None:
    rows = [{"a": 1, "flag": True}, {"a": 2, "flag": False}]
    pd.testing.assert_frame_equal(kpi_table(rows), pd.DataFrame(rows))
    huge = [{"a": 2**70}, {"a": 1}]
    pd.testing.assert_frame_equal(kpi_table(huge), pd.DataFrame(huge))
    assert kpi_table([]).empty
