"""Where replications run: in this process, or in a pool of worker processes.

A replication's random numbers come from (seed, replication) only
(:mod:`simulator.streams`), so the executor changes how fast results come,
never what they are: outcomes are sorted by replication before anything is
computed from them, and the files written are byte-identical for any number
of workers.

With a Dask scheduler address, replications run as tasks on a Dask
distributed cluster instead (the optional ``samsim[dask]`` extra); the
results are the same.

A replication that raises does not stop the others: it becomes a
:class:`Failure` naming the scenario, the replication and the seed, with the
traceback, and the experiment reports it.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulator.errors import SamsimError
from simulator.schema import Scenario

__all__ = ["Failure", "default_jobs", "run_on_dask", "run_replications"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Failure:
    """A replication that raised instead of finishing."""

    scenario: str
    replication: int
    seed: int
    error: str
    traceback: str

    def __str__(self) -> str:
        return (
            f"scenario {self.scenario}, replication {self.replication}, seed {self.seed}: "
            f"{self.error}"
        )


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _attempt(scenario: Scenario, seed: int, replication: int) -> object:
    """Run one replication; a raised exception comes back as a :class:`Failure`."""
    from simulator.experiment import replicate

    try:
        return replicate(scenario, seed, replication)
    except Exception as exc:  # noqa: BLE001 - reported with its traceback, never swallowed
        return Failure(
            scenario=scenario.name,
            replication=replication,
            seed=seed,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
        )


def _attempt_on(replication: int, scenario: Scenario, seed: int) -> object:
    """:func:`_attempt` with the replication first, for ``Client.map``."""
    return _attempt(scenario, seed, replication)


def run_on_dask(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    scheduler: str,
    progress: Progress | None = None,
) -> list[object]:
    """Run replications as tasks on a Dask distributed cluster.

    One task is one replication (a tenth of a second to minutes of work, far
    above Dask's per-task overhead of a few milliseconds). The scenario is
    sent to the workers once (``scatter``), not with every task.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SamsimError(
            f"--scheduler {scheduler}: Dask is not installed; install samsim with its "
            "Dask extra (pip install 'samsim[dask]') or leave out --scheduler"
        ) from None
    try:
        client = Client(scheduler, timeout="15s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise SamsimError(
            f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}); start one "
            "with `dask scheduler` and workers with `dask worker ADDRESS`, or leave out "
            "--scheduler to run on this machine"
        ) from None
    done: list[object] = []
    with client:
        shared = client.scatter(scenario, broadcast=True)  # type: ignore[no-untyped-call]
        futures = client.map(
            _attempt_on, list(replications), scenario=shared, seed=seed, pure=False
        )
        replication_of = {f.key: r for f, r in zip(futures, replications, strict=True)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            try:
                done.append(future.result())
            except Exception as exc:  # noqa: BLE001 - a worker died: report, keep going
                done.append(
                    Failure(
                        scenario.name,
                        replication_of[future.key],
                        seed,
                        f"Dask task failed: {type(exc).__name__}: {exc}",
                        "",
                    )
                )
            if progress is not None:
                progress(len(done), len(futures))
    return sorted(done, key=lambda o: int(getattr(o, "replication", 0)))


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    jobs: int = 1,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> list[object]:
    """Run the given replications; return their outcomes and failures, by replication.

    Parameters
    ----------
    jobs
        1 runs in this process; more uses a process pool of that many workers.
    progress
        Called with (done, total) as each replication finishes.
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``); when given, the
        replications run there and ``jobs`` is ignored.
    """
    if scheduler:
        return run_on_dask(scenario, seed, replications, scheduler, progress)
    total = len(replications)
    done: list[object] = []
    if jobs <= 1 or total <= 1:
        for r in replications:
            done.append(_attempt(scenario, seed, r))
            if progress is not None:
                progress(len(done), total)
    else:
        with cf.ProcessPoolExecutor(max_workers=min(jobs, total)) as pool:
            futures = {pool.submit(_attempt, scenario, seed, r): r for r in replications}
            for future in cf.as_completed(futures):
                try:
                    done.append(future.result())
                except Exception as exc:  # noqa: BLE001 - a worker died: report, keep going
                    done.append(
                        Failure(
                            scenario.name,
                            futures[future],
                            seed,
                            f"worker process failed: {type(exc).__name__}: {exc}",
                            "",
                        )
                    )
                if progress is not None:
                    progress(len(done), total)
    return sorted(done, key=lambda o: int(getattr(o, "replication", 0)))
