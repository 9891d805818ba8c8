"""Growable float tables of fixed width, written row by row while the model runs.

A :class:`Table` keeps its rows in one ``array('d')`` (8 bytes a value; a
Python list of rows cost about 0.8 KB an episode at national scale) and is
addressed by row number: a patient holds the number of its stay's row, and
the end of a stay is written into that row in place. A row is appended as
packed bytes (one ``struct`` call, about as fast as a list append); at the
end the table becomes a numpy array without a copy (:func:`numpy.frombuffer`)
-- or with one, when the run goes on past the horizon and the record must be
the state at the horizon.
"""

from __future__ import annotations

from array import array
from struct import Struct

import numpy as np
from numpy.typing import NDArray

__all__ = ["Table", "as_array"]

FloatArray = NDArray[np.float64]


class Table:
    """Rows of ``width`` floats in one ``array('d')``; row ``i`` column ``c`` is
    ``data[i * width + c]``."""

    __slots__ = ("data", "width", "pack")

    def __init__(self, width: int) -> None:
        self.data = array("d")
        self.width = width
        self.pack = Struct(f"{width}d").pack  # the row's bytes, for data.frombytes

    def add(self, *values: float) -> int:
        """Append a row; return its number."""
        row = len(self.data) // self.width
        self.data.frombytes(self.pack(*values))
        return row

    def __len__(self) -> int:
        return len(self.data) // self.width

    def get(self, row: int, column: int) -> float:
        """The value at ``row``, ``column``."""
        return self.data[row * self.width + column]

    def set(self, row: int, column: int, value: float) -> None:
        """Write ``value`` at ``row``, ``column``."""
        self.data[row * self.width + column] = value

    def array(self, copy: bool = False, rows: int | None = None) -> FloatArray:
        """The rows (the first ``rows``; None: all) as an (n, width) float array: a view
        of the table unless ``copy`` (a view forbids appending while it lives)."""
        return as_array(self.data, self.width, copy, rows)


def as_array(
    data: array[float], width: int, copy: bool = False, rows: int | None = None
) -> FloatArray:
    """``data`` (an ``array('d')``) as an (n, width) float array, viewed or copied; only
    its first ``rows`` rows unless None."""
    n = len(data) // width if rows is None else rows
    if n == 0:
        return np.empty((0, width))
    view = np.frombuffer(data, dtype=np.float64, count=n * width).reshape(n, width)
    return view.copy() if copy else view
