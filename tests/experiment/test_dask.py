"""Replications on a real Dask cluster give exactly what a local run gives.

One ``distributed.LocalCluster`` of two worker processes (one thread each, as
``docs/dask.md`` recommends) serves the whole module. Needs the ``dask`` extra,
which ``make install`` installs; without it the module is skipped.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import minimal_scenario, single_unit_dict, write_yaml

import simulator.experiment.dask_cluster as dask_cluster
from simulator import RunOptions, load_scenario, simulate, validate
from simulator.cli import main
from simulator.errors import SamsimError
from simulator.experiment.compare import compare
from simulator.experiment.dask_cluster import (
    QUIETER,
    DaskWorkers,
    _connect,
    _worker_quieted,
    run_on_dask,
)
from simulator.experiment.executors import Failure, iter_tasks, run_replications
from simulator.experiment.replication import ReplicationOutcome, attempt, replicate
from simulator.experiment.simulate import ExperimentFailed
from simulator.sizing.search import size_facility

distributed = pytest.importorskip("distributed")

pytestmark = [
    pytest.mark.slow,
    # A second scheduler in this process (or another cluster on the machine) moves its
    # HTTP endpoint off 8787 and says so.
    pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning"),
]

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "midt-troms" / "baseline.yaml"
KOLS = ROOT / "scenarios" / "midt-troms" / "kols-to-dms.yaml"
FRAMES = (
    "replications",
    "summary",
    "daily_occupancy",
    "occupancy_distribution",
    "wait_distribution",
    "warmup",
    "advice",
)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a 2-worker LocalCluster (worker processes, one thread each)."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_simulate_on_dask_equals_a_local_run(scheduler: str) -> None:
    scenario = load_scenario(BASELINE, ["run.days=365"])
    local = simulate(scenario, replications=4, seed=7, jobs=1)
    remote = simulate(scenario, replications=4, seed=7, scheduler=scheduler)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(remote, name), getattr(local, name), check_exact=True)
    assert remote.timing["episodes"] == local.timing["episodes"]
    assert not remote.failures


def test_compare_on_dask_equals_a_local_comparison(scheduler: str) -> None:
    base = load_scenario(BASELINE, ["run.days=200"])
    alternative = load_scenario(KOLS, ["run.days=200"])
    local = compare(base, [alternative], replications=3, seed=3, jobs=1)
    remote = compare(base, [alternative], replications=3, seed=3, scheduler=scheduler)
    pd.testing.assert_frame_equal(remote.table, local.table, check_exact=True)


def test_progress_is_called_once_per_replication(scheduler: str) -> None:
    calls: list[tuple[int, int]] = []
    done = run_on_dask(
        validate(minimal_scenario()), 1, range(3), scheduler, lambda k, n: calls.append((k, n))
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert [o.replication for o in done] == [0, 1, 2]  # type: ignore[attr-defined]


def test_tasks_of_several_scenarios_on_dask_equal_local_ones(scheduler: str) -> None:
    """``iter_tasks`` (sweeps): each scenario is shared once; every outcome is the same."""
    small = validate(minimal_scenario())
    other = minimal_scenario()
    other["name"] = "shorter"
    other["run"]["days"] = 200
    tasks = [(sc, 3, r) for sc in (small, validate(other)) for r in range(3)]
    local = dict(iter_tasks(tasks))
    remote = dict(iter_tasks(tasks, scheduler=scheduler))
    assert sorted(remote) == list(range(6))
    for i in range(6):
        mine, theirs = local[i], remote[i]
        assert isinstance(mine, ReplicationOutcome) and isinstance(theirs, ReplicationOutcome)
        assert theirs.replication == mine.replication
        assert pd.Series(theirs.kpis).equals(pd.Series(mine.kpis))


def test_cli_run_with_scheduler_or_environment_writes_the_same_summary(
    scheduler: str, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "s.yaml", minimal_scenario())

    def summary(*extra: str, scheduler: str | None = None) -> bytes:
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        args = ["run", str(path), "-r", "3", "-s", "5", "-q", "--no-report", "--out", str(out)]
        env = {"SAMSIM_SCHEDULER": scheduler}  # None: unset, whatever the shell has
        result = CliRunner().invoke(main, [*args, *extra], env=env)
        assert result.exit_code == 0, result.output
        folder = Path(result.output.strip().splitlines()[-1])
        return (folder / "summary.csv").read_bytes()

    local = summary("--jobs", "1")
    assert summary("--scheduler", scheduler) == local
    assert summary(scheduler=scheduler) == local


def test_a_replication_that_raises_on_a_worker_is_a_failure(scheduler: str) -> None:
    """A scenario that skipped validation (negative days) raises inside every replication.

    The error happens for real, in the worker processes: it must come back
    as a :class:`Failure` per replication, with the worker's traceback.
    """
    scenario = validate(minimal_scenario())
    broken = scenario.model_copy(update={"run": scenario.run.model_copy(update={"days": -10.0})})
    done = run_on_dask(broken, 4, range(3), scheduler)
    assert [type(d) for d in done] == [Failure] * 3
    failures: list[Failure] = done  # type: ignore[assignment]
    assert [f.replication for f in failures] == [0, 1, 2]
    assert {(f.scenario, f.seed) for f in failures} == {("minimal", 4)}
    assert all(f.error.startswith("ValueError") for f in failures)
    assert all("Traceback" in f.traceback and "replicate" in f.traceback for f in failures)
    with pytest.raises(ExperimentFailed) as caught:
        simulate(broken, replications=2, seed=4, scheduler=scheduler)
    assert [f.replication for f in caught.value.failures] == [0, 1]
    # The good scenario on the same cluster is unaffected.
    good = run_on_dask(scenario, 4, range(2), scheduler)
    assert all(isinstance(o, ReplicationOutcome) for o in good)


def test_replications_survive_every_worker_dying(scheduler: str) -> None:
    """Both workers are killed once the first replication is in: the rest run again, the same.

    The scenario the tasks depend on is itself a task, so it is made again
    when every worker holding it is gone (scattered data would be lost).
    """
    scenario = load_scenario(BASELINE)
    with distributed.Client(scheduler) as client:
        pids = list(client.run(os.getpid).values())

    def kill_the_workers(done: int, total: int) -> None:
        if done == 1:
            for pid in pids:
                os.kill(pid, signal.SIGKILL)

    remote = run_on_dask(scenario, 8, range(6), scheduler, kill_the_workers, timeout=30)
    local = run_replications(scenario, 8, range(6))
    assert all(isinstance(o, ReplicationOutcome) for o in remote), remote
    assert pd.DataFrame([o.kpis for o in remote]).equals(  # type: ignore[attr-defined]
        pd.DataFrame([o.kpis for o in local])  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("runner", ["run_on_dask", "iter_tasks"])
def test_losing_the_scheduler_is_a_user_error_not_failed_replications(runner: str) -> None:
    """The cluster is closed once the first replication is in: the rest cannot come back."""
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    scenario = load_scenario(BASELINE)
    address = cluster.scheduler_address
    with pytest.raises(
        SamsimError, match=r"lost the connection to the Dask scheduler after 1 of 6"
    ):
        if runner == "run_on_dask":
            run_on_dask(scenario, 8, range(6), address, lambda done, n: cluster.close())
        else:
            for _ in iter_tasks([(scenario, 8, r) for r in range(6)], scheduler=address):
                cluster.close()


def test_unreachable_scheduler_exits_2_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "s.yaml", minimal_scenario())
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "SAMSIM_DASK_TIMEOUT": "1"}
    env.pop("SAMSIM_SCHEDULER", None)
    result = subprocess.run(
        [sys.executable, "-c", "from simulator.cli import main; main()"]
        + ["run", str(path), "-q", "--no-report", "--out", str(tmp_path), "--scheduler", address],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert f"--scheduler {address}: cannot reach a Dask scheduler there" in result.stderr
    assert "dask scheduler" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(tmp_path.glob("minimal*"))


def test_a_port_that_is_not_a_scheduler_fails_instead_of_hanging() -> None:
    """A server that accepts and never answers (a dashboard, a web server) is a user error."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
        port = listener.getsockname()[1]
        with pytest.raises(SamsimError, match="answers there, but not as a Dask scheduler"):
            _connect(f"tcp://127.0.0.1:{port}", timeout=0.5)
        for conn in accepted:
            conn.close()


def test_a_scheduler_without_workers_is_a_user_error() -> None:
    cluster = distributed.LocalCluster(
        n_workers=0, processes=False, dashboard_address=None, silence_logs=logging.ERROR
    )
    try:
        with pytest.raises(SamsimError, match="has no workers after 0.5 s"):
            _connect(cluster.scheduler_address, timeout=0.5)
    finally:
        cluster.close()


def test_workers_with_another_samsim_version_are_refused(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only this process sees the patched version; the workers report their own."""
    real = importlib.metadata.version

    def pretend(name: str) -> str:
        return "9.9.9" if name == "samsim" else real(name)

    monkeypatch.setattr(importlib.metadata, "version", pretend)
    with pytest.raises(SamsimError, match=r"this machine has samsim 9\.9\.9 but tcp://"):
        _connect(scheduler, timeout=5)


@pytest.mark.parametrize("value", ["soon", "0", "-1"])
def test_a_bad_timeout_in_the_environment_is_a_user_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMSIM_DASK_TIMEOUT", value)
    with pytest.raises(SamsimError, match=f"SAMSIM_DASK_TIMEOUT={value}"):
        _connect("tcp://127.0.0.1:1")


def test_the_worker_is_quieted_while_a_replication_runs(scheduler: str) -> None:
    """Profiler stopped and monitors slower while samsim's replication runs, as before after."""
    scenario = load_scenario(BASELINE, ["run.days=30"])
    watched = ("tick", "monitor", "memory_monitor")

    def state(dask_worker: Any) -> tuple[bool, dict[str, float]]:
        callbacks = dask_worker.periodic_callbacks
        return (
            bool(callbacks["profile"].is_running()),
            {name: float(callbacks[name].callback_time) for name in watched},
        )

    def replicate_and_look(replication: int, scenario: Any, seed: int) -> tuple[Any, Any]:
        worker = distributed.get_worker()
        with _worker_quieted():
            deadline = time.monotonic() + 10  # the changes run on the worker's event loop
            while state(worker)[0] and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.05)
            during = state(worker)
            outcome = attempt(scenario, seed, replication)
        return during, outcome

    with distributed.Client(scheduler) as client:
        before = client.run(state)
        assert all(running for running, _ in before.values())
        during, outcome = client.submit(
            replicate_and_look, 1, scenario=scenario, seed=5, pure=False
        ).result()
        deadline = time.monotonic() + 10
        while client.run(state) != before and time.monotonic() < deadline:
            time.sleep(0.05)
        after = client.run(state)
    assert during == (False, QUIETER)
    assert after == before
    assert pd.Series(outcome.kpis).equals(pd.Series(replicate(scenario, 5, 1).kpis))


def test_quieting_outside_a_worker_does_nothing() -> None:
    with _worker_quieted():
        outcome = replicate(validate(minimal_scenario()), 2, 0)
    assert outcome.episodes > 0


# --- one Dask client per command (decision 53) ---------------------------------------------


def _count_connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every client connected from now on, in a list."""
    clients: list[Any] = []

    def counted(scheduler: str, timeout: float | None = None) -> Any:
        client = real(scheduler, timeout)
        clients.append(client)
        return client

    real = dask_cluster._connect
    monkeypatch.setattr(dask_cluster, "_connect", counted)
    return clients


def _unit(beds: int = 5) -> Any:
    return validate(
        single_unit_dict(beds, 2.0, {"dist": "exponential", "mean": 3.0}, "divert", 120, 10)
    )


def _csv(results: Any) -> list[str]:
    return [table.to_csv(index=False) for table in results.tables().values()]


def test_compare_on_dask_connects_once_with_the_files_of_a_serial_run(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = validate(minimal_scenario())
    data = minimal_scenario()
    data["name"] = "more-beds"
    for facility in data["facilities"].values():
        facility["beds"] += 2
    alternative = validate(data)
    serial = compare(base, [alternative], replications=3, seed=2, jobs=1)
    clients = _count_connections(monkeypatch)
    remote = compare(base, [alternative], replications=3, seed=2, scheduler=scheduler)
    assert len(clients) == 1 and clients[0].status == "closed"
    assert remote.table.to_csv(index=False) == serial.table.to_csv(index=False)
    pairs = zip(
        (remote.base, *remote.alternatives), (serial.base, *serial.alternatives), strict=True
    )
    for a, b in pairs:
        assert _csv(a) == _csv(b)


def test_a_bisection_on_dask_connects_once_and_finds_the_same_size(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight or more experiments one after another (each count, the curve): one client."""
    target = "diversion_share<0.05"
    serial = size_facility(_unit(), "unit", target, bed_range=(1, 30), replications=2, jobs=1)
    clients = _count_connections(monkeypatch)
    remote = size_facility(
        _unit(), "unit", target, bed_range=(1, 30), replications=2, scheduler=scheduler
    )
    assert remote.method == "bisection"
    assert len(clients) == 1 and clients[0].status == "closed"
    assert remote.table.to_csv(index=False) == serial.table.to_csv(index=False)
    assert remote.values.to_csv(index=False) == serial.values.to_csv(index=False)
    assert remote.chosen == serial.chosen


def test_pooled_options_with_a_scheduler_share_one_client_until_the_block_ends(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = validate(minimal_scenario())
    clients = _count_connections(monkeypatch)
    with RunOptions(scheduler=scheduler, replications=2, seed=3).pooled() as opts:
        assert isinstance(opts.workers, DaskWorkers) and not clients  # connects when used
        with opts.pooled() as inner:  # an inner entry point keeps the outer client
            assert inner is opts
        first = simulate(scenario, options=opts)
        again = simulate(scenario, options=opts, seed=4)
        assert len(clients) == 1 and clients[0].status == "running"
    assert clients[0].status == "closed"
    assert _csv(first) == _csv(simulate(scenario, replications=2, seed=3, jobs=1))
    assert _csv(again) == _csv(simulate(scenario, replications=2, seed=4, jobs=1))


def test_an_interrupted_run_cancels_its_tasks_and_the_client_runs_on(scheduler: str) -> None:
    scenario = load_scenario(BASELINE, ["run.days=20"])
    tasks = [(scenario, 1, r) for r in range(6)]
    with DaskWorkers(scheduler) as workers:
        run = workers.run(tasks)
        next(run)
        run.close()  # what Ctrl-C does to the loop reading it
        client = workers._client
        assert client is not None and client.status == "running"
        assert not client.futures  # every task of the run cancelled, the scenario released
        done = sorted(i for i, _ in workers.run(tasks))
        assert done == list(range(6)) and workers._client is client  # no new connection
    assert client.status == "closed"


def test_ctrl_c_in_a_dask_comparison_closes_the_client(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = validate(minimal_scenario())
    data = minimal_scenario()
    data["name"] = "other"
    alternative = validate(data)
    clients = _count_connections(monkeypatch)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt  # where Ctrl-C lands when the progress bar is drawing

    with pytest.raises(KeyboardInterrupt):
        compare(
            base, [alternative], replications=4, seed=1, scheduler=scheduler, progress=interrupt
        )
    assert len(clients) == 1 and clients[0].status == "closed"


def test_a_scheduler_gone_between_experiments_is_a_user_error_not_a_hang() -> None:
    cluster = distributed.LocalCluster(
        n_workers=1, processes=False, dashboard_address=None, silence_logs=logging.CRITICAL
    )
    scenario = validate(minimal_scenario())
    address = cluster.scheduler_address
    with DaskWorkers(address, timeout=1) as workers:
        first = dict(workers.run([(scenario, 1, r) for r in range(2)]))
        assert all(isinstance(o, ReplicationOutcome) for o in first.values())
        cluster.close()
        started = time.monotonic()
        with pytest.raises(SamsimError, match=r"scheduler \S+: (cannot reach|lost)"):
            dict(workers.run([(scenario, 1, r) for r in range(2)]))
        assert time.monotonic() - started < 30
    assert workers._client is None


def test_every_scenario_of_a_run_is_shared_before_any_replication_is_submitted(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shared one by one, a scenario's copy waited behind the replications submitted before it."""
    calls: list[tuple[int, int]] = []  # (scenarios shared, tasks submitted before)
    submitted: list[Any] = []
    real_share = dask_cluster._share

    def share(client: Any, scenarios: Any) -> Any:
        calls.append((len(scenarios), len(submitted)))
        real_submit = client.submit

        def submit(*args: Any, **kwargs: Any) -> Any:
            submitted.append(args[0])
            return real_submit(*args, **kwargs)

        monkeypatch.setattr(client, "submit", submit)
        return real_share(client, scenarios)

    monkeypatch.setattr(dask_cluster, "_share", share)
    one, other = _unit(3), _unit(6)
    tasks = [(sc, 2, r) for sc in (one, other) for r in range(3)]
    remote = dict(iter_tasks(tasks, scheduler=scheduler))
    assert calls == [(2, 0)]
    assert submitted.count(dask_cluster._same) == 2 and submitted[:2] == [dask_cluster._same] * 2
    local = dict(iter_tasks(tasks))
    assert all(pd.Series(remote[i].kpis).equals(pd.Series(local[i].kpis)) for i in range(6))  # type: ignore[attr-defined]


def test_a_calibration_on_dask_connects_once_and_fits_the_same_values(
    scheduler: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every evaluation of the search through one client, each the same as in one process."""
    from simulator.calibration.fit import calibrate
    from simulator.calibration.targets import load_targets

    data = single_unit_dict(60, 2.4, {"dist": "exponential", "mean": 5.0}, "overflow", 200, 20)
    data["run"].update({"replications": 2, "seed": 3})
    write_yaml(tmp_path / "unit.yaml", data)
    targets = {
        "scenario": "unit.yaml",
        "targets": {
            "occupancy": {
                "kpi": "facility.unit.occupancy_mean",
                "observed": 20.0,
                "tolerance": "5%",
                "source": "Little's law for 4 arrivals a day of mean stay 5",
            }
        },
        "parameters": {"groups.g.rate_per_1000": {"bounds": [100, 5000]}},
    }
    write_yaml(tmp_path / "targets.yaml", targets)
    scenario = load_scenario(tmp_path / "unit.yaml")
    loaded = load_targets(tmp_path / "targets.yaml")
    serial = calibrate(scenario, loaded, jobs=1, max_evaluations=6)
    clients = _count_connections(monkeypatch)
    remote = calibrate(scenario, loaded, scheduler=scheduler, max_evaluations=6)
    assert len(remote.evaluations) > 2  # several experiments, one client
    assert len(clients) == 1 and clients[0].status == "closed"
    assert remote.fitted == serial.fitted
    assert remote.evaluations.to_csv(index=False) == serial.evaluations.to_csv(index=False)
    assert remote.table.to_csv(index=False) == serial.table.to_csv(index=False)


def test_a_precision_run_on_dask_connects_once_for_all_its_batches(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 2, 2 and 2 replications until within 10 %: one client (one per batch before)."""
    import simulator.experiment.simulate as simulate_module

    unit = validate(
        single_unit_dict(5, 2.0, {"dist": "exponential", "mean": 3.0}, "divert", 60, 10)
    )
    batches: list[tuple[int, int]] = []
    real = simulate_module.run_replications

    def recorded(scenario: Any, seed: int, replications: range, **kwargs: Any) -> Any:
        batches.append((replications.start, replications.stop))
        return real(scenario, seed, replications, **kwargs)

    monkeypatch.setattr(simulate_module, "run_replications", recorded)
    run: dict[str, Any] = {"replications": 2, "seed": 4, "precision": 0.1, "max_replications": 40}
    serial = simulate(unit, jobs=1, **run)
    serial_batches = list(batches)
    assert len(serial_batches) >= 3 and serial_batches[-1][1] < 40
    batches.clear()
    clients = _count_connections(monkeypatch)
    remote = simulate(unit, scheduler=scheduler, **run)
    assert len(clients) == 1 and clients[0].status == "closed"
    assert batches == serial_batches  # the same replications, the same stopping point
    assert _csv(remote) == _csv(serial)
