"""Throughput of the samsim model against a bare SimPy loss system, on one core.

Run from the repository root::

    .venv/bin/python benchmarks/throughput.py                        # both, ~3 minutes
    .venv/bin/python benchmarks/throughput.py --scenario baseline --replications 10
    .venv/bin/python benchmarks/throughput.py --scenario national --days 90
    .venv/bin/python benchmarks/throughput.py --no-gc                # cyclic GC off
    .venv/bin/python benchmarks/throughput.py --profile              # cProfile the baseline

For each scenario (the Midt-Troms baseline and a synthetic national one, see
``national.py``) it times each replication's build and run
(:func:`simulator.model.engine.run_replication`) and its KPIs
(:func:`simulator.measures.kpis.compute_kpis`) separately (wall clock, ``time.perf_counter``,
and CPU time of the process), then runs a bare SimPy
model in the same process with as many arrivals over the same horizon:
Poisson arrivals spread over one :class:`simpy.Resource` per facility in
proportion to its beds, exponential stays giving 80 % offered load, and
rejection when the resource is full. ``ratio`` is the model's seconds per
episode (build and run, not KPIs) over the bare model's seconds per arrival:
1.0 means as fast as the simplest SimPy model of the same volume.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from simulator import Scenario, load_scenario, validate
from simulator.measures.kpis import compute_kpis
from simulator.model.engine import run_replication

try:
    from benchmarks.national import national_scenario
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from national import national_scenario  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "midt-troms" / "baseline.yaml"
BARE_OCCUPANCY = 0.8


@dataclass
class Timing:
    """One scenario's totals over its replications."""

    name: str
    days: float
    replications: int = 0
    episodes: int = 0
    patients: int = 0  # episodes and the outside patients (background, in beds at the start)
    events: int = 0
    run_seconds: float = 0.0
    run_cpu: float = 0.0
    kpi_seconds: float = 0.0
    bare_arrivals: int = 0
    bare_events: int = 0
    bare_seconds: float = 0.0
    bare_cpu: float = 0.0
    bare_rejected: int = 0


# --- the bare SimPy reference -----------------------------------------------


def _customer(
    env: simpy.Environment, resource: simpy.Resource, stay: float, rejected: list[int]
) -> Generator[simpy.Event, Any, None]:
    if resource.count >= resource.capacity:
        rejected[0] += 1
        return
    with resource.request() as request:
        yield request
        yield env.timeout(stay)


def _source(
    env: simpy.Environment,
    times: list[float],
    pools: list[int],
    stays: list[float],
    resources: list[simpy.Resource],
    rejected: list[int],
) -> Generator[simpy.Event, Any, None]:
    for t, f, stay in zip(times, pools, stays, strict=True):
        yield env.timeout(t - env.now)
        env.process(_customer(env, resources[f], stay, rejected))


def bare_simpy(
    arrivals: int, horizon: float, beds: list[int], seed: int
) -> tuple[float, float, int, int]:
    """The bare loss system: (seconds, CPU seconds, events, rejected), random draws included."""
    started = time.perf_counter()
    cpu = time.process_time()
    rng = np.random.default_rng(seed)
    capacities = [b for b in beds if b > 0] or [1]
    weights = np.array(capacities, dtype=float) / sum(capacities)
    times = np.cumsum(rng.exponential(horizon / arrivals, arrivals)).tolist()
    pools = rng.choice(len(capacities), size=arrivals, p=weights).tolist()
    mean_stay = BARE_OCCUPANCY * sum(capacities) * horizon / arrivals
    stays = rng.exponential(mean_stay, arrivals).tolist()
    env = simpy.Environment()
    resources = [simpy.Resource(env, capacity=c) for c in capacities]
    rejected = [0]
    env.process(_source(env, times, pools, stays, resources, rejected))
    env.run()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    counter = getattr(env, "_eid", None)
    return seconds, cpu, int(next(counter)) if counter is not None else 0, rejected[0]


# --- the model ----------------------------------------------------------------


def baseline(days: float) -> Scenario:
    """The Midt-Troms baseline with ``run.days`` set."""
    return load_scenario(BASELINE, [f"run.days={days:g}"])


LOSS_UNIT_BEDS = (10, 20, 30, 40, 50)
LOSS_UNIT_LOS = 5.0


def loss_unit(days: float) -> Scenario:
    """The bare reference's own workload as a scenario: one unit per municipality (beds
    :data:`LOSS_UNIT_BEDS`, population in proportion), one group with Poisson arrivals at
    80 % offered load, exponential stays of :data:`LOSS_UNIT_LOS` days, diverted out when
    the unit is full, then home."""
    n = len(LOSS_UNIT_BEDS)
    per_day = BARE_OCCUPANCY * sum(LOSS_UNIT_BEDS) / LOSS_UNIT_LOS
    spec = {
        "name": "loss-unit",
        "run": {"start_date": "2025-01-01", "days": days, "warmup_days": 0, "seed": 1},
        "municipalities": {f"m{i}": {"population": 1000 * LOSS_UNIT_BEDS[i]} for i in range(n)},
        "facilities": {
            f"u{i}": {"service": "unit", "level": "municipal", "beds": beds, "serves": [f"m{i}"]}
            for i, beds in enumerate(LOSS_UNIT_BEDS)
        },
        "groups": {
            "g": {
                "rate_per_1000": per_day * 365 / sum(LOSS_UNIT_BEDS),
                "entry": {"stay": 1.0},
                "steps": {
                    "stay": {
                        "service": "unit",
                        "los": {"dist": "exponential", "mean": LOSS_UNIT_LOS},
                        "when_full": "divert",
                        "next": {"home": 1.0},
                    }
                },
            }
        },
    }
    return validate(spec, "loss-unit")


def measure(name: str, scenario: Scenario, replications: int) -> Timing:
    """Time build+run, KPIs and the bare reference for each replication."""
    timing = Timing(name, scenario.run.days)
    beds = [f.beds for f in scenario.facilities.values()]
    for r in range(replications):
        started = time.perf_counter()
        cpu = time.process_time()
        record = run_replication(scenario, scenario.run.seed, r)
        ran = time.perf_counter()
        timing.run_cpu += time.process_time() - cpu
        compute_kpis(record, scenario)
        done = time.perf_counter()
        n = len(record.episodes)
        patients = n + len(record.capacity.outside)
        timing.replications += 1
        timing.episodes += n
        timing.patients += patients
        timing.events += record.events
        timing.run_seconds += ran - started
        timing.kpi_seconds += done - ran
        del record
        seconds, cpu, events, rejected = bare_simpy(
            patients, scenario.run.warmup_days + scenario.run.days, beds, r
        )
        timing.bare_arrivals += patients
        timing.bare_events += events
        timing.bare_seconds += seconds
        timing.bare_cpu += cpu
        timing.bare_rejected += rejected
        print(
            f"  {name} replication {r}: {n:,} episodes, {patients:,} patients, "
            f"build+run {ran - started:.2f} s, "
            f"KPIs {done - ran:.2f} s, bare SimPy {seconds:.2f} s",
            flush=True,
        )
    return timing


def table(timings: list[Timing]) -> str:
    """The result table, one row per scenario (totals over replications)."""
    head = (
        f"{'scenario':<20} {'days':>5} {'reps':>4} {'episodes':>10} {'events':>11} "
        f"{'run s':>8} {'kpi s':>7} {'episodes/s':>11} {'events/s':>10} "
        f"{'bare ep/s':>10} {'bare ev/s':>10} {'ratio':>6} {'ratio cpu':>9} "
        f"{'patients':>10} {'cpu/patient':>11}"
    )
    lines = [head, "-" * len(head)]
    for t in timings:
        eps = t.episodes / t.run_seconds
        bare_eps = t.bare_arrivals / t.bare_seconds
        lines.append(
            f"{t.name:<20} {t.days:>5g} {t.replications:>4} {t.episodes:>10,} {t.events:>11,} "
            f"{t.run_seconds:>8.2f} {t.kpi_seconds:>7.2f} {eps:>11,.0f} "
            f"{t.events / t.run_seconds:>10,.0f} {bare_eps:>10,.0f} "
            f"{t.bare_events / t.bare_seconds:>10,.0f} {bare_eps / eps:>6.2f} "
            f"{(t.run_cpu / t.episodes) / (t.bare_cpu / t.bare_arrivals):>9.2f} "
            f"{t.patients:>10,} {(t.run_cpu / t.patients) / (t.bare_cpu / t.bare_arrivals):>11.2f}"
        )
    return "\n".join(lines)


def profile_baseline(days: float, top: int = 25) -> None:
    """cProfile one baseline replication (build, run and KPIs); print the top functions."""
    scenario = baseline(days)
    profiler = cProfile.Profile()
    profiler.enable()
    record = run_replication(scenario, scenario.run.seed, 0)
    compute_kpis(record, scenario)
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        print(f"\n=== baseline, {days:g} days: top {top} by {key} ===")
        print(out.getvalue().split("\n\n", 1)[-1].rstrip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--days",
        type=float,
        help="run.days of both scenarios (default 1095 baseline, 365 national)",
    )
    parser.add_argument(
        "--replications", type=int, help="per scenario (default 3 baseline, 1 national)"
    )
    parser.add_argument(
        "--scenario",
        choices=("both", "baseline", "national", "loss-unit"),
        default="both",
        help="which to run (both: baseline and national)",
    )
    parser.add_argument(
        "--municipalities", type=int, default=356, help="of the national scenario (default 356)"
    )
    parser.add_argument(
        "--no-gc", action="store_true", help="disable Python's cyclic garbage collector"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one baseline replication and its KPIs"
    )
    args = parser.parse_args(argv)
    if args.no_gc:
        gc.disable()
    if args.profile:
        profile_baseline(args.days or 1095)
        return

    timings = []
    if args.scenario == "loss-unit":
        timings.append(measure("loss-unit", loss_unit(args.days or 1095), args.replications or 3))
    if args.scenario in ("both", "baseline"):
        timings.append(
            measure("midt-troms-baseline", baseline(args.days or 1095), args.replications or 3)
        )
    if args.scenario in ("both", "national"):
        days = args.days or 365
        started = time.perf_counter()
        scenario = validate(national_scenario(args.municipalities, days=days), "national")
        print(
            f"  national: {len(scenario.municipalities)} municipalities, "
            f"{len(scenario.facilities)} facilities, built and validated in "
            f"{time.perf_counter() - started:.2f} s",
            flush=True,
        )
        timings.append(measure("national-synthetic", scenario, args.replications or 1))
    print()
    print(table(timings))
    load = os.getloadavg()[0]
    print(
        "\nrun s: build + run (run_replication), warm-up included; kpi s: compute_kpis; "
        "rates per wall-clock second of run s.\nbare: simpy.Resource per facility, Poisson "
        f"arrivals, exponential stays at {BARE_OCCUPANCY:.0%} offered load, reject when full, "
        "as many arrivals as the model's patients (episodes, background, in beds at the start)."
        "\nratio: model seconds per episode / bare seconds per arrival, by wall clock and by "
        "CPU time of this process; cpu/patient: the CPU ratio per patient (the fair one when "
        "the scenario has background load).\n"
        + ("Garbage collector off. " if args.no_gc else "Garbage collector on (default). ")
        + f"Load average {load:.2f} on {os.cpu_count()} CPUs"
        + (": other processes competed, prefer the CPU ratio." if load > 1.5 else ".")
    )
    for t in timings:
        if t.name == "midt-troms-baseline":
            per = (t.run_seconds + t.kpi_seconds) / t.replications
            print(
                f"baseline: {per:.2f} s per {t.days:g}-day replication, KPIs included (aim < 1 s)"
            )


if __name__ == "__main__":
    main()
