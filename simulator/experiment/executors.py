"""Where replications run: in this process, or in a pool of worker processes.

A replication's random numbers come from (seed, replication) only
(:mod:`simulator.model.streams`), so the executor changes how fast results come,
never what they are: outcomes are sorted by replication before anything is
computed from them, and the files written are byte-identical for any number
of workers.

With a Dask scheduler address, replications run as tasks on a Dask
distributed cluster instead (:mod:`simulator.experiment.dask_cluster`, the optional
``samsim[dask]`` extra); the results are the same. Either kind can last a whole
command: :class:`Workers` for a local pool, :class:`DaskWorkers` for one Dask client.

A replication that raises does not stop the others: it becomes a
:class:`~simulator.experiment.replication.Failure` naming the scenario, the
replication and the seed, with the traceback, and the experiment reports it.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
from collections.abc import Generator, Sequence

from simulator.experiment.dask_cluster import DaskWorkers, iter_on_dask
from simulator.experiment.replication import (
    Failure,
    Progress,
    Task,
    attempt,
    lost_task,
)
from simulator.scenario.schema import Scenario

# Failure, Progress, Task and lost_task are defined in replication.py, and
# re-exported here for the modules that run tasks.
__all__ = [
    "DaskWorkers",
    "Failure",
    "Progress",
    "Task",
    "Workers",
    "default_jobs",
    "iter_tasks",
    "lost_task",
    "run_replications",
]


_REAPED_WITHIN = 10.0
"""Seconds to wait for terminated workers to be reaped (they end at once)."""


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    jobs: int = 1,
    progress: Progress | None = None,
    scheduler: str | None = None,
    workers: Workers | DaskWorkers | None = None,
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
    workers
        A pool shared with other runs (:class:`Workers`), used instead of ``jobs``;
        or a Dask client shared with them (:class:`DaskWorkers`), used instead of
        ``scheduler`` and ``jobs``.
    """
    tasks = [(scenario, seed, r) for r in replications]
    done: list[object] = []
    # Closed at once if the progress callback raises (Ctrl-C), stopping the workers.
    with contextlib.closing(iter_tasks(tasks, jobs, scheduler, workers)) as runs:
        for _, outcome in runs:
            done.append(outcome)
            if progress is not None:
                progress(len(done), len(tasks))
    return sorted(done, key=lambda o: int(getattr(o, "replication", 0)))


def iter_tasks(
    tasks: Sequence[Task],
    jobs: int = 1,
    scheduler: str | None = None,
    workers: Workers | DaskWorkers | None = None,
) -> Generator[tuple[int, object], None, None]:
    """Run replications of any scenarios; yield ``(task index, outcome or Failure)`` as each ends.

    For work that spans scenarios (a sweep, a comparison): the tasks of every
    scenario share one pool or one Dask client, so small scenarios still keep
    every worker busy. Results come in the order they finish; callers sort them.
    Closing the iterator early (an interrupt) cancels the tasks not yet started.

    ``workers``: a pool that outlives this call (:class:`Workers`), used
    instead of ``jobs``; without it, more than one job starts a pool for
    this call alone. A ``scheduler`` takes precedence over both, and a Dask
    client that outlives this call (:class:`DaskWorkers`) over everything;
    without one, a scheduler is connected to for this call alone.
    """
    if not tasks:
        return
    if isinstance(workers, DaskWorkers):
        yield from workers.run(tasks)
    elif scheduler:
        yield from iter_on_dask(tasks, scheduler)
    elif workers is not None and workers.jobs > 1 and len(tasks) > 1:
        yield from workers.run(tasks)
    elif workers is not None or jobs <= 1 or len(tasks) == 1:
        for index, (scenario, seed, replication) in enumerate(tasks):
            yield index, attempt(scenario, seed, replication)
    else:
        with Workers(min(jobs, len(tasks))) as pool:
            yield from pool.run(tasks)


class Workers:
    """A pool of worker processes that many runs share (decision 48).

    Each :func:`~simulator.simulate` with ``jobs`` above 1 starts a pool of
    processes and stops it again when it ends. A program that runs several
    experiments (scenarios one after another, a study of its own) can
    instead open one ``Workers`` and pass it to every run through
    :class:`~simulator.RunOptions` (``workers=``): the processes start at
    the first run that needs them and serve every run until the block
    ends. The results are the same as with any other number of workers
    (a replication's random numbers depend on the seed and its number only).

    Use it as a context manager. Leaving the block normally lets the
    workers finish and exit; leaving it on an exception (an error, Ctrl-C)
    terminates them at once. Either way no worker process outlives the
    block. :meth:`~simulator.RunOptions.pooled` opens one for you.

    Parameters
    ----------
    jobs
        The number of worker processes, at least 1 (``RunOptions.jobs`` is
        not used while a pool is given).

    Raises
    ------
    ValueError
        For ``jobs`` below 1.

    Examples
    --------
    >>> import simulator
    >>> with simulator.Workers(4) as workers:  # doctest: +SKIP
    ...     opts = simulator.RunOptions(replications=10, seed=1, workers=workers)
    ...     base = simulator.simulate(scenario, options=opts)
    ...     more = simulator.simulate_many([alt_a, alt_b], options=opts)
    """

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs}")
        self.jobs = jobs
        self._pool: cf.ProcessPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"Workers({self.jobs})"

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[int, object], None, None]:
        """Run every task in the pool; yield ``(task index, outcome or Failure)`` as each ends.

        Closing the iterator before the last task ends (an interrupt, an
        error) terminates the workers, so that no queued task runs on; the
        next run starts a new pool. So does a worker that died.
        """
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.jobs, initializer=_ignore_interrupts
            )
        pool = self._pool
        finished = broken = False
        try:
            futures = {pool.submit(attempt, *task): i for i, task in enumerate(tasks)}
            for future in cf.as_completed(futures):
                index = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died: report, keep going
                    broken = broken or isinstance(exc, cf.process.BrokenProcessPool)
                    outcome = lost_task(tasks[index], "worker process failed", exc)
                yield index, outcome
            finished = True
        finally:
            if not finished or broken:
                self.terminate()

    def close(self) -> None:
        """Let the workers finish and exit (they are idle between runs)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True)

    def terminate(self) -> None:
        """Stop the workers now: a replication cut short is simply run again.

        Workers write nothing, and waiting would finish every task already queued.
        """
        if self._pool is not None:
            pool, self._pool = self._pool, None
            workers = list((getattr(pool, "_processes", None) or {}).values())
            manager = getattr(pool, "_executor_manager_thread", None)
            results = getattr(pool, "_result_queue", None)
            pool.shutdown(wait=False, cancel_futures=True)  # forgets its workers
            for process in workers:
                process.terminate()
            # A worker stopped while sending its outcome leaves the manager thread reading
            # half a message, from a pipe whose write end this process holds too: it would
            # wait for ever, and so would the interpreter's exit, which joins it. Once the
            # workers are gone, closing that end ends the read (EOF) and the thread with it.
            for process in workers:
                process.join(timeout=_REAPED_WITHIN)
            writer = getattr(results, "_writer", None)
            if writer is not None:
                writer.close()
            # The pool's manager thread reaps the workers once it sees them end; waiting
            # for it leaves no process behind when this returns.
            if manager is not None:
                manager.join(timeout=_REAPED_WITHIN)


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C to the main process, which stops the pool (no tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
