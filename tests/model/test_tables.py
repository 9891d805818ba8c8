"""The record's growable tables (simulator.model.tables): rows by number, arrays at the end."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.model.tables import Table


def test_rows_are_numbered_written_in_place_and_viewed_without_a_copy() -> None:
    table = Table(3)
    assert table.add(1, 2.5, math.nan) == 0
    assert table.add(4, 5, 6) == 1
    table.set(0, 2, 7.0)
    assert table.get(0, 2) == 7.0 and len(table) == 2
    view = table.array()
    np.testing.assert_array_equal(view, [[1.0, 2.5, 7.0], [4.0, 5.0, 6.0]])
    table.set(1, 0, -1.0)
    assert view[1, 0] == -1.0  # a view: no copy of the rows
    with pytest.raises(BufferError):
        table.add(7, 8, 9)  # the view pins the rows: nothing may be appended under it


def test_a_copy_keeps_the_rows_as_they_were() -> None:
    table = Table(2)
    table.add(1, 2)
    copy = table.array(copy=True)
    table.set(0, 0, 9.0)
    table.add(3, 4)
    np.testing.assert_array_equal(copy, [[1.0, 2.0]])
    assert table.array(copy=True).shape == (2, 2)


def test_an_empty_table_is_an_empty_array_of_its_width() -> None:
    assert Table(5).array().shape == (0, 5)
