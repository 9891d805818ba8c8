"""One pool of worker processes for a whole command (decision 48).

A shared pool (:class:`~simulator.experiment.executors.Workers`) changes how fast
results come, never what they are: compare, sizing and simulate give the same
tables, byte for byte, as in one process; each command starts one pool, not one
per experiment; and no worker outlives it, also when it is interrupted.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from typing import Any

import pytest
from helpers import minimal_scenario, single_unit_dict

import simulator.experiment.executors as executors
from simulator import RunOptions, simulate, validate
from simulator.experiment.compare import compare
from simulator.experiment.executors import Workers, iter_tasks
from simulator.experiment.simulate import simulate_many
from simulator.scenario.schema import Scenario
from simulator.sizing.search import size_facility


def _pools(monkeypatch: pytest.MonkeyPatch) -> list[cf.ProcessPoolExecutor]:
    """Every process pool started from now on, in a list."""
    started: list[cf.ProcessPoolExecutor] = []

    class Counted(cf.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(executors.cf, "ProcessPoolExecutor", Counted)
    return started


def _unit(beds: int = 5) -> Scenario:
    return validate(
        single_unit_dict(beds, 2.0, {"dist": "exponential", "mean": 3.0}, "divert", 120, 10)
    )


def _alternative() -> Scenario:
    data = minimal_scenario()
    data["name"] = "more-beds"
    for facility in data["facilities"].values():
        facility["beds"] += 2
    return validate(data)


def _csv(results: Any) -> list[str]:
    return [table.to_csv(index=False) for table in results.tables().values()]


def test_simulate_in_a_shared_pool_is_byte_identical_and_keeps_its_workers() -> None:
    scenario = validate(minimal_scenario())
    serial = simulate(scenario, replications=3, seed=4, jobs=1)
    with Workers(2) as workers:
        first = simulate(scenario, replications=3, seed=4, options=RunOptions(workers=workers))
        pool = workers._pool
        assert pool is not None
        pids = set(pool._processes)  # type: ignore[attr-defined]
        again = simulate(scenario, replications=3, seed=4, options=RunOptions(workers=workers))
        assert workers._pool is pool and set(pool._processes) == pids  # type: ignore[attr-defined]
    assert workers._pool is None and not multiprocessing.active_children()
    assert _csv(first) == _csv(serial) == _csv(again)


def test_compare_runs_every_scenario_in_one_pool_with_the_same_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, alternative = validate(minimal_scenario()), _alternative()
    serial = compare(base, [alternative], replications=3, seed=2, jobs=1)
    started = _pools(monkeypatch)
    ticks: list[tuple[int, int]] = []
    pooled = compare(
        base, [alternative], replications=3, seed=2, jobs=2, progress=lambda *a: ticks.append(a)
    )
    assert len(started) == 1  # one pool for both scenarios, not one each
    assert ticks == [(i, 6) for i in range(1, 7)]  # the replications of both, counted together
    assert pooled.table.to_csv(index=False) == serial.table.to_csv(index=False)
    pairs = zip(
        (pooled.base, *pooled.alternatives), (serial.base, *serial.alternatives), strict=True
    )
    for a, b in pairs:
        assert _csv(a) == _csv(b)
    assert not multiprocessing.active_children()


def test_simulate_many_is_one_simulate_per_scenario() -> None:
    scenarios = [_unit(3), _unit(6)]
    with Workers(2) as workers:
        together = simulate_many(scenarios, options=RunOptions(replications=3, workers=workers))
    for scenario, results in zip(scenarios, together, strict=True):
        assert _csv(results) == _csv(simulate(scenario, replications=3, jobs=1))


def test_sizing_starts_one_pool_for_the_whole_search(monkeypatch: pytest.MonkeyPatch) -> None:
    serial = size_facility(_unit(), "unit", "diversion_share<0.1", bed_range=(2, 9), jobs=1)
    started = _pools(monkeypatch)
    pooled = size_facility(_unit(), "unit", "diversion_share<0.1", bed_range=(2, 9), jobs=2)
    assert len(started) == 1  # nine runs (eight counts and the unconstrained curve), one pool
    assert pooled.table.to_csv(index=False) == serial.table.to_csv(index=False)
    assert pooled.values.to_csv(index=False) == serial.values.to_csv(index=False)
    assert pooled.chosen == serial.chosen
    assert pooled.curve is not None and serial.curve is not None
    assert pooled.curve.occupancy.to_csv() == serial.curve.occupancy.to_csv()
    assert not multiprocessing.active_children()


def test_a_scan_runs_every_count_and_the_curve_in_one_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import simulator.sizing.search as search
    import simulator.sizing.unconstrained as unconstrained

    batches: list[int] = []
    real_many = search.simulate_many

    def many(scenarios: Any, **kwargs: Any) -> Any:
        batches.append(len(scenarios))
        return real_many(scenarios, **kwargs)

    def single(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a scan runs nothing on its own")

    monkeypatch.setattr(search, "simulate_many", many)
    monkeypatch.setattr(search, "simulate", single)
    monkeypatch.setattr(unconstrained, "simulate", single)
    result = size_facility(_unit(), "unit", "diversion_share<0.1", bed_range=(2, 9), jobs=2)
    assert batches == [9] and result.method == "scan"  # eight counts and the curve's run


def test_bisection_in_a_shared_pool_finds_the_same_size(monkeypatch: pytest.MonkeyPatch) -> None:
    target = "diversion_share<0.05"
    serial = size_facility(_unit(), "unit", target, bed_range=(1, 30), replications=2, jobs=1)
    started = _pools(monkeypatch)
    pooled = size_facility(_unit(), "unit", target, bed_range=(1, 30), replications=2, jobs=2)
    assert pooled.method == "bisection" and len(started) == 1
    assert pooled.table.to_csv(index=False) == serial.table.to_csv(index=False)


def test_an_interrupted_run_leaves_no_worker_and_the_pool_starts_again() -> None:
    scenario = validate(minimal_scenario())
    tasks = [(scenario, 1, r) for r in range(6)]
    with Workers(2) as workers:
        run = workers.run(tasks)
        next(run)
        run.close()  # what Ctrl-C does to the loop reading it
        assert workers._pool is None and not multiprocessing.active_children()
        done = sorted(i for i, _ in workers.run(tasks))  # a new pool, the same tasks
        assert done == list(range(6))
    assert not multiprocessing.active_children()


def _large_outcome(scenario: Scenario, seed: int, replication: int) -> bytes:
    """An outcome that takes a while to cross the pipe (tens of MB)."""
    return b"x" * 40_000_000


def test_stopping_workers_while_they_send_outcomes_leaves_no_thread_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A worker terminated half-way through sending its outcome used to leave the pool's
    # manager thread reading the rest for ever, and the interpreter's exit joined it: a hang.
    monkeypatch.setattr(executors, "attempt", _large_outcome)
    for _ in range(3):
        workers = Workers(2)
        run = workers.run([(None, 0, r) for r in range(8)])  # type: ignore[misc]
        next(run)
        assert workers._pool is not None
        manager = getattr(workers._pool, "_executor_manager_thread")  # noqa: B009 - private
        run.close()
        assert manager is not None and not manager.is_alive()
        assert not multiprocessing.active_children()


def test_an_error_in_the_block_terminates_the_workers() -> None:
    scenario = validate(minimal_scenario())
    with pytest.raises(KeyboardInterrupt), Workers(2) as workers:
        for _ in iter_tasks([(scenario, 1, r) for r in range(4)], workers=workers):
            raise KeyboardInterrupt
    assert workers._pool is None and not multiprocessing.active_children()


def test_pooled_options_make_one_pool_only_where_one_is_wanted() -> None:
    with RunOptions(jobs=2).pooled() as opts:
        assert isinstance(opts.workers, Workers) and opts.workers.jobs == 2
        shared = opts.workers
        with opts.pooled() as inner:  # an inner entry point reuses the outer pool
            assert inner.workers is shared
    unchanged = RunOptions(jobs=1)
    with unchanged.pooled() as opts:
        assert opts is unchanged
    with RunOptions(jobs=2, scheduler="tcp://x:8786").pooled() as opts:  # no pool: one client
        assert not isinstance(opts.workers, Workers) and opts.workers is not None


def test_ctrl_c_in_a_comparison_stops_every_worker_at_once() -> None:
    base, alternative = validate(minimal_scenario()), _alternative()

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt  # where Ctrl-C lands when the progress bar is drawing

    with pytest.raises(KeyboardInterrupt):
        compare(base, [alternative], replications=4, seed=1, jobs=2, progress=interrupt)
    assert not multiprocessing.active_children()


def test_ctrl_c_in_progress_stops_a_single_experiments_pool_at_once() -> None:
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    scenario = validate(minimal_scenario())
    with pytest.raises(KeyboardInterrupt) as caught:  # its traceback keeps the loop's frame
        simulate(scenario, replications=4, seed=1, jobs=2, progress=interrupt)
    assert caught.value is not None and not multiprocessing.active_children()


# --- a precision run's batches share one pool (decision 56) ----------------------------------


def _precise_unit() -> Scenario:
    """A unit whose precision run (2 first, 0.1, at most 40) takes batches of 2, 2 and 2."""
    return validate(
        single_unit_dict(5, 2.0, {"dist": "exponential", "mean": 3.0}, "divert", 60, 10)
    )


def _batches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The replications of every batch ``simulate`` runs from now on, as (first, end)."""
    import simulator.experiment.simulate as simulate_module

    batches: list[tuple[int, int]] = []
    real = simulate_module.run_replications

    def recorded(scenario: Scenario, seed: int, replications: range, **kwargs: Any) -> Any:
        batches.append((replications.start, replications.stop))
        return real(scenario, seed, replications, **kwargs)

    monkeypatch.setattr(simulate_module, "run_replications", recorded)
    return batches


def test_a_precision_run_starts_one_pool_for_all_its_batches_with_a_serial_runs_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches = _batches(monkeypatch)
    run = {"replications": 2, "seed": 4, "precision": 0.1, "max_replications": 40}
    serial = simulate(_precise_unit(), jobs=1, **run)  # type: ignore[arg-type]
    serial_batches = list(batches)
    # Several batches of more than one replication each: one pool per batch before.
    assert len(serial_batches) >= 3 and all(end - first > 1 for first, end in serial_batches)
    assert serial_batches[-1][1] < 40  # stopped by the precision, not the maximum
    batches.clear()
    started = _pools(monkeypatch)
    pooled = simulate(_precise_unit(), jobs=2, **run)  # type: ignore[arg-type]
    assert len(started) == 1 and started[0]._max_workers == 2  # type: ignore[attr-defined]
    assert batches == serial_batches  # the same replications, the same stopping point
    assert _csv(pooled) == _csv(serial)  # the same KPIs, byte for byte
    assert not multiprocessing.active_children()  # closed when the run ended


def test_a_precision_runs_pool_has_no_more_workers_than_replications_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = _pools(monkeypatch)
    results = simulate(
        _precise_unit(), replications=2, seed=4, precision=0.1, max_replications=3, jobs=4
    )
    assert len(results.replications) == 3
    assert len(started) == 1 and started[0]._max_workers == 3  # type: ignore[attr-defined]
    assert not multiprocessing.active_children()


def test_ctrl_c_in_a_later_batch_of_a_precision_run_stops_its_one_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, int]] = []

    def interrupt_in_the_second_batch(done: int, total: int) -> None:
        calls.append((done, total))
        if len(calls) == 3:  # the first replication of the second batch
            raise KeyboardInterrupt

    started = _pools(monkeypatch)
    with pytest.raises(KeyboardInterrupt) as caught:
        simulate(
            _precise_unit(),
            replications=2,
            seed=4,
            precision=0.1,
            max_replications=40,
            jobs=2,
            progress=interrupt_in_the_second_batch,
        )
    assert caught.value is not None and len(started) == 1
    assert not multiprocessing.active_children()
