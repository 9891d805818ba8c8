"""How to run an experiment: one options object for simulate, compare and size.

:class:`RunOptions` holds what every experiment entry point shares (how many
replications, the root seed, where to run them and who hears about
progress), so that :func:`simulator.simulate`, :func:`simulator.compare` and
:func:`simulator.sizing.search.size_facility` take it in one piece instead of
the same seven parameters in differing orders. Each entry point also takes
the fields as keyword arguments, which override the object's:

>>> opts = RunOptions(replications=10, seed=1, jobs=4)
>>> opts.merged(seed=2).seed
2

Like the scenario it is an immutable value (a variant is made with
:meth:`RunOptions.merged`), checked when it is made.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from simulator.experiment.executors import DaskWorkers, Workers
from simulator.experiment.replication import Progress
from simulator.scenario.limits import Limits
from simulator.scenario.schema import Scenario

__all__ = ["Progress", "RunOptions"]


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """How to run an experiment; every field is optional.

    Attributes
    ----------
    replications
        Replications per scenario; None: the scenario's ``run.replications``.
    seed
        Root seed of the random streams; None: the scenario's ``run.seed``.
    jobs
        Worker processes; 1 runs in this process. The results do not depend on it.
    scheduler
        Address of a Dask scheduler to run the replications on instead.
    progress
        Called with (done, total) after each replication.
    precision
        If given, keep adding replications (up to ``max_replications``) until
        every key KPI's 95 % half-width is within this share of its mean.
    max_replications
        The most replications ``precision`` may ask for.
    limits
        What each scenario is checked against before anything runs
        (:class:`~simulator.scenario.limits.Limits`; raise one to run a
        scenario beyond it). None: not checked here, for a caller that has
        checked them already, as the command line does.
    workers
        A pool of worker processes shared by every experiment of a command
        (:class:`~simulator.experiment.executors.Workers`); when given it is
        used instead of starting a pool of ``jobs`` workers for each
        experiment. Or one Dask client shared by them
        (:class:`~simulator.experiment.dask_cluster.DaskWorkers`), used
        instead of connecting to ``scheduler`` for each. See :meth:`pooled`.
    """

    replications: int | None = None
    seed: int | None = None
    jobs: int = 1
    scheduler: str | None = None
    progress: Progress | None = None
    precision: float | None = None
    max_replications: int = 200
    limits: Limits | None = field(default_factory=Limits)
    workers: Workers | DaskWorkers | None = None

    def __post_init__(self) -> None:
        if self.replications is not None and self.replications < 1:
            raise ValueError(f"replications must be at least 1, got {self.replications}")
        if self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {self.jobs}")
        if self.max_replications < 1:
            raise ValueError(f"max_replications must be at least 1, got {self.max_replications}")
        if self.precision is not None and not 0 < self.precision < 1:
            raise ValueError(f"precision must be a share between 0 and 1, got {self.precision}")

    def merged(self, **changes: Any) -> RunOptions:
        """A copy with the given fields changed; a change of None keeps the field as it is.

        Raises
        ------
        TypeError
            For a name that is not a field.
        """
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @contextlib.contextmanager
    def pooled(self) -> Iterator[RunOptions]:
        """These options with one pool of ``jobs`` workers for every experiment run with them.

        For an entry point that runs many experiments (compare, sizing,
        calibration): the pool starts once, at the first experiment, and is
        shut down when the block ends; on an error or an interrupt its
        workers are terminated. With a ``scheduler``, one Dask client
        instead (:class:`~simulator.experiment.dask_cluster.DaskWorkers`):
        it connects at the first experiment and is closed when the block
        ends, however it ends. Options that already have ``workers``, or
        one job and no scheduler, come back unchanged.
        """
        if self.workers is not None or (self.jobs <= 1 and not self.scheduler):
            yield self
            return
        shared: Workers | DaskWorkers
        with DaskWorkers(self.scheduler) if self.scheduler else Workers(self.jobs) as shared:
            yield dataclasses.replace(self, workers=shared)

    def replications_for(self, scenario: Scenario) -> int:
        """The replications to run of ``scenario``: these options', else the scenario's."""
        return self.replications if self.replications is not None else scenario.run.replications

    def seed_for(self, scenario: Scenario) -> int:
        """The root seed for ``scenario``: these options', else the scenario's."""
        return self.seed if self.seed is not None else scenario.run.seed
