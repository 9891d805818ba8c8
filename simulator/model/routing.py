"""Where a patient goes next: fixed probabilities drawn from one uniform stream each.

Targets are step indices of the group's pathway, or :data:`HOME` and
:data:`DEATH`; :data:`DIVERT_MAP` in a step's ``when_full`` rule means the
target is drawn from the step's diversion map.
"""

from __future__ import annotations

import bisect
from itertools import accumulate

import numpy as np

__all__ = ["DEATH", "DIVERT_MAP", "HOME", "BufferedUniform", "Router", "router", "target_code"]

HOME, DEATH = -1, -2
DIVERT_MAP = -3  # when_full target: drawn from the step's diversion map


def target_code(target: str, sids: list[str]) -> int:
    """A ``next`` target as a code: the step's index, :data:`HOME` or :data:`DEATH`."""
    return HOME if target == "home" else DEATH if target == "death" else sids.index(target)


def router(sids: list[str], nxt: dict[str, float], rng: np.random.Generator) -> Router:
    """The router of a step's ``next`` (step ids by position, home and death)."""
    return Router([target_code(t, sids) for t in nxt], list(nxt.values()), rng)


class Router:
    """Picks the next target from fixed probabilities with one uniform stream."""

    __slots__ = ("targets", "cumulative", "_uniform", "_only", "_last")

    def __init__(self, targets: list[int], probabilities: list[float], rng: np.random.Generator):
        self.targets = targets
        total = sum(probabilities)
        self.cumulative = [c / total for c in accumulate(probabilities)]
        self._uniform = BufferedUniform(rng)
        self._only = targets[0] if len(targets) == 1 else None  # no draw: one target
        self._last = len(targets) - 1

    def __call__(self) -> int:
        if self._only is not None:
            return self._only
        uniform = self._uniform  # its draw inlined (the hot path): BufferedUniform.__call__
        if uniform._pos >= len(uniform._buffer):
            uniform.refill()
        u = uniform._buffer[uniform._pos]
        uniform._pos += 1
        i = bisect.bisect_right(self.cumulative, u)
        return self.targets[i if i < self._last else self._last]


class BufferedUniform:
    """Uniform(0, 1) draws handed out one at a time from blocks."""

    __slots__ = ("_rng", "_buffer", "_pos")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buffer: list[float] = []
        self._pos = 0

    def __call__(self) -> float:
        if self._pos >= len(self._buffer):
            self.refill()
        value = self._buffer[self._pos]
        self._pos += 1
        return value

    def refill(self) -> None:
        """The next block of draws."""
        self._buffer = self._rng.random(256).tolist()
        self._pos = 0
