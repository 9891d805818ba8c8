"""Where replications run: in this process, or in a pool of worker processes.

A replication's random numbers come from (seed, replication) only
(:mod:`simulator.streams`), so the executor changes how fast results come,
never what they are: outcomes are sorted by replication before anything is
computed from them, and the files written are byte-identical for any number
of workers.

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

from simulator.schema import Scenario

__all__ = ["Failure", "default_jobs", "run_replications"]

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


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[object]:
    """Run the given replications; return their outcomes and failures, by replication.

    Parameters
    ----------
    jobs
        1 runs in this process; more uses a process pool of that many workers.
    progress
        Called with (done, total) as each replication finishes.
    """
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
