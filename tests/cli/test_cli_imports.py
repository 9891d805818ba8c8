"""The command line starts quickly: importing it loads none of the heavy libraries.

Every ``samsim`` call and every worker process pays for what ``import
simulator.cli`` imports; pandas, SciPy's statistics, matplotlib and SimPy
load only when a command that needs them runs (decision 36). Checked on the
modules a fresh interpreter imports, not on a clock.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "scipy", "matplotlib", "simpy", "distributed", "numpy", "pydantic")


def imported_by(statement: str) -> set[str]:
    """The modules a fresh interpreter has imported after ``statement`` (-X importtime)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[-1].strip() for line in lines}


@pytest.mark.parametrize("statement", ["import simulator.cli", "import simulator"])
def test_importing_loads_no_heavy_library(statement: str) -> None:
    modules = imported_by(statement)
    assert "click" in modules or statement == "import simulator"  # the list is real
    heavy = sorted(m for m in modules if m.startswith(HEAVY))
    assert heavy == []


def test_help_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from simulator.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert "Commands:" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_public_api_is_there_when_used() -> None:
    code = "import sys, simulator\nsimulator.simulate\nprint('pandas' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "True"


def test_the_bounds_the_options_show_are_the_librarys() -> None:
    """What the command line repeats from the library (to start without pydantic or pandas)."""
    import dataclasses

    from simulator.cli import base, size_commands
    from simulator.scenario import limits, schema
    from simulator.sizing import search
    from simulator.sweeps import design

    assert size_commands.SCAN_LIMIT == search.SCAN_LIMIT
    assert size_commands.CONFIDENCES == search.CONFIDENCES
    assert base.MAX_REPLICATIONS == schema.MAX_REPLICATIONS == limits.MAX_REPLICATIONS
    assert dataclasses.asdict(limits.Limits()) == base.LIMIT_DEFAULTS
    assert base.DESIGNS == design.DESIGNS


def test_a_worker_loads_no_statistics_or_plotting() -> None:
    """What a worker imports to run replications (a Dask worker, a spawned process)."""
    modules = imported_by("import simulator.experiment.dask_cluster")
    assert "simpy" in modules  # the list is real: a worker needs the model
    assert sorted(m for m in modules if m.startswith(("scipy.stats", "matplotlib"))) == []
