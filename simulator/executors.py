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
import math
import os
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.errors import SamsimError
from simulator.schema import Scenario

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["Failure", "Task", "default_jobs", "iter_tasks", "run_on_dask", "run_replications"]

Progress = Callable[[int, int], None]
Task = tuple[Scenario, int, int]
"""One replication to run: (scenario, seed, replication)."""


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


DASK_TIMEOUT = 15.0
"""Seconds to wait for a Dask scheduler and its first worker (SAMSIM_DASK_TIMEOUT)."""


def _dask_timeout(timeout: float | None) -> float:
    """``timeout`` if given, else ``SAMSIM_DASK_TIMEOUT``, else :data:`DASK_TIMEOUT`."""
    if timeout is not None:
        return timeout
    text = os.environ.get("SAMSIM_DASK_TIMEOUT", "").strip()
    if not text:
        return DASK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not seconds > 0:
        raise SamsimError(
            f"SAMSIM_DASK_TIMEOUT={text}: give the seconds to wait for the Dask scheduler, "
            "a number above 0"
        )
    return seconds


def _knock(scheduler: str, seconds: float) -> None:
    """Open and close one connection to the scheduler, within a hard deadline.

    ``Client`` alone waits forever for the handshake of a port that accepts
    connections but does not speak Dask (the dashboard's 8787, a web server).
    Runs in a thread of its own, so it works under a running event loop too.
    """
    import asyncio

    from distributed.comm.core import connect

    async def knock() -> None:
        comm = await asyncio.wait_for(
            connect(scheduler, timeout=seconds),  # type: ignore[no-untyped-call]
            2 * seconds,
        )
        await comm.close()

    with cf.ThreadPoolExecutor(1) as thread:
        thread.submit(lambda: asyncio.run(knock())).result()


def _samsim_version() -> str:
    """The installed samsim's version (run on every worker to compare with this one)."""
    from importlib.metadata import version

    return version("samsim")


def _connect(scheduler: str, timeout: float | None = None) -> Client:
    """A Dask ``Client`` of the scheduler at this address, or a user error saying why not.

    Waits up to ``timeout`` seconds (default: ``SAMSIM_DASK_TIMEOUT`` or 15)
    for the scheduler and again for its first worker, and checks that every
    worker runs the same samsim version as this process (else its
    replications could differ).
    """
    try:
        from distributed import Client  # noqa: F811 - the run-time import of the type above
    except ImportError:
        raise SamsimError(
            f"--scheduler {scheduler}: Dask is not installed; install samsim with its "
            "Dask extra (pip install 'samsim[dask]') or leave out --scheduler"
        ) from None
    seconds = _dask_timeout(timeout)
    how = (
        "start one with `dask scheduler` and workers with `dask worker ADDRESS`, or leave "
        "out --scheduler to run on this machine"
    )
    try:
        _knock(scheduler, seconds)
        client = Client(scheduler, timeout=f"{seconds}s")  # type: ignore[no-untyped-call]
    except TimeoutError:
        raise SamsimError(
            f"--scheduler {scheduler}: something answers there, but not as a Dask scheduler "
            f"(the scheduler's port is 8786; 8787 is its dashboard); {how}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - refused, unresolvable, garbage: all a user error
        raise SamsimError(
            f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
            f"({type(exc).__name__}: {exc}); {how}"
        ) from None
    try:
        client.wait_for_workers(1, timeout=seconds)
        theirs = client.run(_samsim_version)
    except Exception as exc:  # noqa: BLE001 - closed below, reported as a user error
        client.close()  # type: ignore[no-untyped-call]
        if isinstance(exc, TimeoutError):
            raise SamsimError(
                f"--scheduler {scheduler}: the scheduler has no workers after {seconds:g} s; "
                f"start some with `dask worker {scheduler} --nthreads 1` (or wait longer: "
                "SAMSIM_DASK_TIMEOUT=seconds)"
            ) from None
        raise SamsimError(
            f"--scheduler {scheduler}: the Dask workers cannot run samsim "
            f"({type(exc).__name__}: {exc}); install samsim[dask] on every worker machine"
        ) from None
    ours = _samsim_version()
    wrong = sorted(f"{worker} has {v}" for worker, v in theirs.items() if v != ours)
    if wrong:
        client.close()  # type: ignore[no-untyped-call]
        raise SamsimError(
            f"--scheduler {scheduler}: this machine has samsim {ours} but "
            + ", ".join(wrong)
            + "; install the same samsim version on every machine, or results would differ"
        )
    return client


def _same(value: object) -> object:
    """The value itself: a task whose result is a scenario (see :func:`_share`)."""
    return value


def _share(client: Client, scenario: Scenario) -> Any:
    """A future of the scenario, for every task of it to depend on.

    Made by a task rather than ``scatter``: the scheduler keeps the task, so
    if every worker holding the scenario dies it is made again, where
    scattered data would be lost and every replication not yet run cancelled.
    The scenario travels once to the scheduler and once to each worker, as
    with ``scatter``.
    """
    return client.submit(_same, scenario, pure=False)


def run_on_dask(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    scheduler: str,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> list[object]:
    """Run replications as tasks on a Dask distributed cluster.

    One task is one replication (a tenth of a second to minutes of work, far
    above Dask's per-task overhead of 3-5 ms, see ``benchmarks/scaling.py``).
    The scenario is sent to each worker once (:func:`_share`), not with every
    task. A worker that dies has its replications rerun on the others, with
    the same results; a replication that kills every worker it runs on comes
    back a :class:`Failure` (``KilledWorker``). ``timeout``: see :func:`_connect`.
    """
    from distributed import as_completed

    client = _connect(scheduler, timeout)
    done: list[object] = []
    with client:
        shared = _share(client, scenario)
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


def iter_tasks(
    tasks: Sequence[Task], jobs: int = 1, scheduler: str | None = None
) -> Iterator[tuple[int, object]]:
    """Run replications of any scenarios; yield ``(task index, outcome or Failure)`` as each ends.

    For work that spans scenarios (a sweep): the tasks of every scenario
    share one pool or one Dask client, so small scenarios still keep every
    worker busy. Results come in the order they finish; callers sort them.
    Closing the iterator early (an interrupt) cancels the tasks not yet started.
    """
    if not tasks:
        return
    if scheduler:
        yield from _iter_on_dask(tasks, scheduler)
    elif jobs <= 1 or len(tasks) == 1:
        for index, (scenario, seed, replication) in enumerate(tasks):
            yield index, _attempt(scenario, seed, replication)
    else:
        pool = cf.ProcessPoolExecutor(
            max_workers=min(jobs, len(tasks)), initializer=_ignore_interrupts
        )
        finished = False
        try:
            futures = {pool.submit(_attempt, *task): i for i, task in enumerate(tasks)}
            for future in cf.as_completed(futures):
                index = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died: report, keep going
                    scenario, seed, replication = tasks[index]
                    outcome = Failure(
                        scenario.name,
                        replication,
                        seed,
                        f"worker process failed: {type(exc).__name__}: {exc}",
                        "",
                    )
                yield index, outcome
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                # Interrupted: stop now. Workers write nothing, so a replication cut short
                # is simply run again; waiting would finish every task already queued.
                workers = list((getattr(pool, "_processes", None) or {}).values())
                pool.shutdown(wait=False, cancel_futures=True)  # forgets its workers
                for process in workers:
                    process.terminate()


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C to the main process, which stops the pool (no tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _iter_on_dask(tasks: Sequence[Task], scheduler: str) -> Iterator[tuple[int, object]]:
    from distributed import as_completed

    client = _connect(scheduler)
    with client:
        shared: dict[int, Any] = {}  # each scenario is sent to the workers once
        futures = []
        for scenario, seed, replication in tasks:
            if id(scenario) not in shared:
                shared[id(scenario)] = client.scatter(scenario, broadcast=True)  # type: ignore[no-untyped-call]
            futures.append(
                client.submit(
                    _attempt_on, replication, scenario=shared[id(scenario)], seed=seed, pure=False
                )
            )
        index_of = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            index = index_of[future.key]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died: report, keep going
                scenario, seed, replication = tasks[index]
                outcome = Failure(
                    scenario.name,
                    replication,
                    seed,
                    f"Dask task failed: {type(exc).__name__}: {exc}",
                    "",
                )
            yield index, outcome
