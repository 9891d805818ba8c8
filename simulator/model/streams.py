"""Named random streams: no global randomness anywhere in samsim.

Every activity draws from its own :class:`numpy.random.Generator`, derived
from ``SeedSequence(seed, spawn_key=(replication, kind, *names))``. The kind
is the index of a fixed, append-only list; the names (municipality, group,
step ids) enter as stable hashes, not as positions, so adding a municipality
or a step to a scenario leaves every other stream's numbers unchanged. Two
scenarios run with the same seed therefore share their random numbers
(common random numbers), and a replication's numbers depend on (seed,
replication) only, whichever process or machine runs it.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["STREAM_KINDS", "stream"]

STREAM_KINDS = (
    "arrivals",
    "entry",
    "routing",
    "los",
    "delay",
    "extension",
    "background",
    "initial",
    "divert",
    "age",
)
"""Append-only: a stream's kind is its index here."""


def stable_id(name: str) -> int:
    """A 32-bit integer from a name, the same on every machine and Python run."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "little")


def stream(seed: int, replication: int, kind: str, *names: str) -> np.random.Generator:
    """The generator for one activity of one replication.

    Parameters
    ----------
    seed
        The experiment's root seed.
    replication
        Replication index, from 0.
    kind
        One of :data:`STREAM_KINDS`.
    names
        Ids that single out the activity, e.g. a municipality and a group.
    """
    key = (replication, STREAM_KINDS.index(kind), *(stable_id(n) for n in names))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
