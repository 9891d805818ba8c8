"""Running replications as tasks on a Dask distributed cluster (``samsim[dask]``).

The same replications as :mod:`simulator.experiment.executors` runs locally, with the
same results: a replication's numbers depend on (seed, replication) only.
Connecting checks that the scheduler answers within a deadline, that a worker
is there and that it runs the same samsim version. A command that runs many
experiments connects once (:class:`DaskWorkers`, decision 53).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import math
import os
import threading
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from simulator.errors import OptionError, SamsimError
from simulator.experiment.replication import Progress, Task, attempt, lost_task
from simulator.scenario.schema import Scenario
from simulator.version import samsim_version

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DASK_TIMEOUT", "DaskWorkers", "iter_on_dask", "run_on_dask"]


def _attempt_on(replication: int, scenario: Scenario, seed: int) -> object:
    """:func:`attempt` with the replication first, on a quieted worker (:func:`_worker_quieted`)."""
    with _worker_quieted():
        return attempt(scenario, seed, replication)


QUIETER = {"tick": 1000.0, "monitor": 2000.0, "memory_monitor": 1000.0}
"""Milliseconds between a worker's periodic callbacks while samsim's replications run.

Dask's defaults: ``tick`` (event-loop latency) 20, ``monitor`` (the system
monitor's CPU, memory and network figures) 500, ``memory_monitor`` (spilling,
pausing) 100. Slower ones are left as they are.
"""

_quiet_lock = threading.Lock()
_quieting = 0  # replications running in this worker process on a quieted worker
_saved: dict[str, tuple[bool, float]] = {}  # callback -> (was running, milliseconds)


def _set_interval(callback: Any, milliseconds: float) -> None:
    callback.callback_time = milliseconds


def _on_loop(loop: Any, function: Any, *args: Any) -> None:
    """Run ``function(*args)`` on the worker's event loop; nothing if the loop is closed."""
    with contextlib.suppress(RuntimeError):  # a worker closing while a replication ran
        loop.add_callback(function, *args)


@contextlib.contextmanager
def _worker_quieted() -> Iterator[None]:
    """On a Dask worker: its profiler stopped and its monitors slower while a replication runs.

    A worker wakes a thread of its own 100 times a second to sample the stack
    of the running task for its dashboard's profile, 50 times to time its
    event loop, 10 to check its memory and twice for the system monitor. Each
    wake takes Python's global interpreter lock from the replication, which
    holds it all the time it runs (SimPy), and the profiler walks its deep
    stack: with Dask's defaults the worker processes spent 70-80 ms of CPU
    outside a 0.9-1.0 s baseline replication (``benchmarks/scaling.py``),
    20 ms with these settings. None of them says anything about a SimPy run
    a planner needs, and a replication is one task that must run anyway, so
    the profiler stops and the others slow to :data:`QUIETER` while samsim's
    replications run; the last one in the process to end puts them back as
    they were (every change runs on the worker's event loop, in the order
    asked). Anywhere else (no worker, another Dask) this does nothing.
    """
    global _quieting
    try:
        from distributed import get_worker

        worker = get_worker()
        callbacks = dict(worker.periodic_callbacks)
        loop = worker.loop
    except Exception:  # noqa: BLE001 - not in a worker, or a Dask without these
        yield
        return
    with _quiet_lock:
        _quieting += 1
        if _quieting == 1:
            _saved.clear()
            for name, callback in callbacks.items():
                if name == "profile":
                    _saved[name] = (callback.is_running(), callback.callback_time)
                    _on_loop(loop, callback.stop)
                elif name in QUIETER and callback.callback_time < QUIETER[name]:
                    _saved[name] = (callback.is_running(), callback.callback_time)
                    _on_loop(loop, _set_interval, callback, QUIETER[name])
    try:
        yield
    finally:
        with _quiet_lock:
            _quieting -= 1
            if _quieting == 0:
                for name, (running, milliseconds) in _saved.items():
                    callback = callbacks[name]
                    if name == "profile":
                        if running:
                            _on_loop(loop, callback.start)
                    else:
                        _on_loop(loop, _set_interval, callback, milliseconds)


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
        raise OptionError(
            "scheduler",
            scheduler,
            "Dask is not installed; install samsim with its Dask extra "
            "(pip install 'samsim[dask]') or run without a scheduler",
        ) from None
    seconds = _dask_timeout(timeout)
    how = (
        "start one with `dask scheduler` and workers with `dask worker ADDRESS`, or run "
        "without a scheduler, on this machine"
    )
    try:
        _knock(scheduler, seconds)
        client = Client(scheduler, timeout=f"{seconds}s")  # type: ignore[no-untyped-call]
    except TimeoutError:
        raise OptionError(
            "scheduler",
            scheduler,
            "something answers there, but not as a Dask scheduler "
            f"(the scheduler's port is 8786; 8787 is its dashboard); {how}",
        ) from None
    except Exception as exc:  # noqa: BLE001 - refused, unresolvable, garbage: all a user error
        raise OptionError(
            "scheduler",
            scheduler,
            f"cannot reach a Dask scheduler there ({type(exc).__name__}: {exc}); {how}",
        ) from None
    try:
        client.wait_for_workers(1, timeout=seconds)
        theirs = client.run(samsim_version)
    except Exception as exc:  # noqa: BLE001 - closed below, reported as a user error
        lost = _scheduler_lost(client, exc)
        _close_quietly(client)
        if lost:
            raise OptionError(
                "scheduler",
                scheduler,
                "lost the connection to the Dask scheduler "
                f"({type(exc).__name__}: {exc}); start it again and re-run",
            ) from None
        if isinstance(exc, TimeoutError):
            raise OptionError(
                "scheduler",
                scheduler,
                f"the scheduler has no workers after {seconds:g} s; "
                f"start some with `dask worker {scheduler} --nthreads 1` (or wait longer: "
                "SAMSIM_DASK_TIMEOUT=seconds)",
            ) from None
        raise OptionError(
            "scheduler",
            scheduler,
            f"the Dask workers cannot run samsim ({type(exc).__name__}: {exc}); "
            "install samsim[dask] on every worker machine",
        ) from None
    ours = samsim_version()
    wrong = sorted(f"{worker} has {v}" for worker, v in theirs.items() if v != ours)
    if wrong:
        client.close()  # type: ignore[no-untyped-call]
        raise OptionError(
            "scheduler",
            scheduler,
            f"this machine has samsim {ours} but "
            + ", ".join(wrong)
            + "; install the same samsim version on every machine, or results would differ",
        )
    return client


def _same(value: object) -> object:
    """The value itself: a task whose result is a scenario (see :func:`_share`)."""
    return value


def _share(client: Client, scenarios: Sequence[Scenario]) -> list[Any]:
    """A future of each scenario, on every worker, for every task of it to depend on.

    Made by a task rather than ``scatter``: the scheduler keeps the task, so
    if every worker holding the scenario dies it is made again, where
    scattered data would be lost and every replication not yet run cancelled.
    It is then copied to every worker before any replication starts: a worker
    busy with a replication answers a peer's request for data slowly (SimPy
    holds the GIL), which delayed the other workers' first task by up to a
    second at national scale. A scenario travels once to the scheduler and
    once to each worker, as with ``scatter(broadcast=True)``.

    Every scenario of a run is shared at once, before any of its replications
    is submitted (decision 53): a scenario's task submitted after another
    scenario's replications waited behind them, and no replication of it
    could be submitted until it had been copied, so a comparison or a sizing
    scan submitted its scenarios one after another, a worker idle while the
    next scenario was copied from a worker busy with a replication.
    """
    shared = [client.submit(_same, scenario, pure=False) for scenario in scenarios]
    client.replicate(shared)  # type: ignore[no-untyped-call]
    return shared


def _scheduler_lost(client: Client, exc: BaseException) -> bool:
    """Whether a task's error means the connection to the scheduler is gone."""
    from distributed.comm.core import CommClosedError

    return (
        isinstance(exc, CommClosedError)
        or getattr(exc, "reason", None) == "scheduler-connection-lost"
        or client.status != "running"
    )


def _lost(scheduler: str, done: int, total: int, exc: BaseException) -> OptionError:
    """The user error for a scheduler that went away during a run."""
    return OptionError(
        "scheduler",
        scheduler,
        f"lost the connection to the Dask scheduler after {done} of {total} replications "
        f"({type(exc).__name__}); a scheduler keeps no results once it is gone: start it "
        "again and re-run",
    )


def _close_quietly(client: Client) -> None:
    """Close a client without the tracebacks Dask logs when its scheduler is gone.

    The message samsim raises says what happened; the client's own reconnect
    task, cancelled by the close, would otherwise log a traceback to stderr.
    """
    log = logging.getLogger("distributed.client")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        client.close()  # type: ignore[no-untyped-call]
    finally:
        log.setLevel(level)


def run_on_dask(
    scenario: Scenario,
    seed: int,
    replications: Sequence[int],
    scheduler: str,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> list[object]:
    """Run replications of one scenario on a Dask cluster; outcomes by replication."""
    tasks = [(scenario, seed, r) for r in replications]
    done: list[object] = []
    with contextlib.closing(iter_on_dask(tasks, scheduler, timeout)) as runs:
        for _, outcome in runs:
            done.append(outcome)
            if progress is not None:
                progress(len(done), len(tasks))
    return sorted(done, key=lambda o: int(getattr(o, "replication", 0)))


def iter_on_dask(
    tasks: Sequence[Task], scheduler: str, timeout: float | None = None
) -> Generator[tuple[int, object], None, None]:
    """Run tasks on a Dask cluster through a client of their own (see :class:`DaskWorkers`).

    Yields ``(task index, outcome or Failure)`` as each ends; the client is
    closed when the tasks are done or the iterator is closed.
    """
    with DaskWorkers(scheduler, timeout) as workers:
        yield from workers.run(tasks)


class DaskWorkers:
    """The workers of a Dask cluster, reached through one client for a whole command.

    What :class:`~simulator.experiment.executors.Workers` is for a local pool
    (decision 48), for a Dask scheduler (decision 53): ``compare``, ``size``,
    ``calibrate`` and ``check`` run many experiments, and with one of these
    passed to each (``RunOptions.workers``, made by ``RunOptions.pooled()``)
    they connect once, check the workers' samsim version once, instead of once
    per experiment. The client connects at the first :meth:`run`. Use it as a
    context manager: leaving the block, normally or on an error or Ctrl-C,
    closes the client and with it every task of it not yet run. samsim
    starts no cluster: the scheduler and its workers are the user's and keep
    running.

    >>> with DaskWorkers("tcp://host:8786") as workers:  # doctest: +SKIP
    ...     list(workers.run(tasks))
    """

    def __init__(self, scheduler: str, timeout: float | None = None) -> None:
        self.scheduler = scheduler
        self.timeout = timeout
        self._client: Client | None = None

    def __repr__(self) -> str:
        return f"DaskWorkers({self.scheduler!r})"

    def __enter__(self) -> DaskWorkers:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close()

    def _connected(self) -> Client:
        """The client, connected now if it is not (or no longer) connected."""
        client = self._client
        if client is not None and client.status != "running":  # its scheduler went away
            self._client = None
            _close_quietly(client)
            client = None
        if client is None:
            client = self._client = _connect(self.scheduler, self.timeout)
        return client

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[int, object], None, None]:
        """Run tasks on the cluster; yield ``(task index, outcome or Failure)`` as each ends.

        One task is one replication (a tenth of a second to minutes of work,
        far above Dask's per-task overhead of 3-5 ms, see
        ``benchmarks/scaling.py``). Each scenario is sent to each worker once
        per run (:func:`_share`), not with every task. A worker that dies has
        its replications rerun on the others, with the same results; a
        replication that kills every worker it runs on comes back a
        :class:`Failure` (``KilledWorker``). Losing the scheduler is a
        :class:`~simulator.errors.SamsimError`, not a failure of the
        replications left; the next run connects again. Closing the iterator
        before the last task ends (an interrupt, an error) cancels the tasks
        of this run not yet done; the client stays connected.
        """
        from distributed import as_completed

        if not tasks:
            return
        client = self._connected()
        finished = 0
        futures: list[Any] = []
        shared: dict[int, Any] = {}  # each scenario is sent to the workers once
        try:
            scenarios = {id(scenario): scenario for scenario, _, _ in tasks}
            shared = dict(zip(scenarios, _share(client, list(scenarios.values())), strict=True))
            for scenario, seed, replication in tasks:
                futures.append(
                    client.submit(
                        _attempt_on,
                        replication,
                        scenario=shared[id(scenario)],
                        seed=seed,
                        pure=False,
                    )
                )
            index_of = {f.key: i for i, f in enumerate(futures)}
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                index = index_of[future.key]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died: report, keep going
                    if _scheduler_lost(client, exc):
                        raise
                    outcome = lost_task(tasks[index], "Dask task failed", exc)
                finished += 1
                yield index, outcome
        except Exception as exc:
            if not _scheduler_lost(client, exc):
                raise
            self._client = None
            _close_quietly(client)
            raise _lost(self.scheduler, finished, len(tasks), exc) from None
        finally:
            if finished < len(tasks) and self._client is client:  # cut short: cancel the rest
                with contextlib.suppress(Exception):
                    client.cancel([*futures, *shared.values()])  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Close the client: its tasks not yet run are cancelled; the cluster keeps running."""
        if self._client is not None:
            client, self._client = self._client, None
            if client.status == "running":
                client.close()  # type: ignore[no-untyped-call]
            else:
                _close_quietly(client)
