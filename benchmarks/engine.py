"""The engine alone on the national scenario: CPU per episode, peak memory, build, horizon.

Run from the repository root (each part in a fresh process, so peak memory is
the replication's own)::

    .venv/bin/python benchmarks/engine.py                  # national year, ~1 minute
    .venv/bin/python benchmarks/engine.py --build          # model build by size
    .venv/bin/python benchmarks/engine.py --horizon --episodes-per-year 100000  # 1, 3, 10 years

The national year is one replication of ``national.py``'s scenario
(what :func:`~simulator.model.engine.run_replication` does: build, arrivals,
the SimPy run, rows to arrays); episodes per CPU second of this process
(``time.process_time``, steady when other processes compete), and the peak
resident memory of the process (``ru_maxrss``) after it. ``--build`` times
:class:`~simulator.model.engine.Model` (no run) for 178, 356 and 712
municipalities; ``--horizon`` runs the national scenario (``--episodes-per-year``
smaller, to be quick) for 1, 3 and 10 years, each in its own process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

try:
    from benchmarks.national import national_scenario
except ImportError:  # run as a script: benchmarks/ itself is on sys.path
    from national import national_scenario  # type: ignore[no-redef]

from simulator import validate
from simulator.model.engine import Model


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def national_year(municipalities: int, days: float, per_year: float) -> None:
    """One replication: episodes, CPU seconds, episodes per CPU second, peak memory."""
    spec = national_scenario(municipalities, days=days, episodes_per_year=per_year)
    scenario = validate(spec, "national")
    before = _peak_mb()
    cpu = time.process_time()
    model = Model(scenario, scenario.run.seed, 0)  # what run_replication does
    record = model.run()
    cpu = time.process_time() - cpu
    n = len(record.episodes)
    # The run goes on past the horizon until the patients queued there are admitted: the
    # episodes started meanwhile are simulated (and cost) but are not in the record.
    simulated = len(model.episodes)
    print(
        f"national {municipalities} municipalities, {days:g} days: {n:,} episodes, "
        f"{record.events:,} events, {cpu:.1f} CPU s, {n / cpu:,.0f} episodes per CPU second, "
        f"peak memory {_peak_mb():,.0f} MB (before the run {before:,.0f} MB); "
        f"followed past the horizon to day {record.waits_until:,.0f}: {simulated:,} episodes "
        f"simulated, {simulated / cpu:,.0f} per CPU second",
        flush=True,
    )


def build(sizes: list[int]) -> None:
    """CPU seconds to build the model (no run) by number of municipalities."""
    for n in sizes:
        scenario = validate(national_scenario(n, days=30), "national")
        best = float("inf")
        for _ in range(3):
            cpu = time.process_time()
            Model(scenario, scenario.run.seed, 0)
            best = min(best, time.process_time() - cpu)
        cells = n * len(scenario.facilities)
        print(
            f"build {n:>4} municipalities x {len(scenario.facilities):>4} facilities: "
            f"{best:.3f} CPU s ({best / cells * 1e6:.2f} us per pair)",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, default=356)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument(
        "--episodes-per-year", type=float, default=1_000_000, help="of the national scenario"
    )
    parser.add_argument("--build", action="store_true", help="model build by size")
    parser.add_argument("--horizon", action="store_true", help="1, 3 and 10 years")
    parser.add_argument("--sizes", type=int, nargs="+", default=[178, 356, 712])
    args = parser.parse_args(argv)
    if args.build:
        build(args.sizes)
        return
    if args.horizon:
        # Each horizon in its own process: peak memory is that run's own.
        for years in (1, 3, 10):
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--municipalities",
                    str(args.municipalities),
                    "--days",
                    str(365 * years),
                    "--episodes-per-year",
                    str(args.episodes_per_year),
                ],
                check=True,
            )
        return
    national_year(args.municipalities, args.days, args.episodes_per_year)


if __name__ == "__main__":
    main()
