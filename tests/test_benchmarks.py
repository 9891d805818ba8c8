"""The benchmark scripts are not run as tests, but they must keep starting.

A refactor that moves a name they import would otherwise break them unseen.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize("script", ["throughput.py", "scaling.py", "overhead.py", "pool.py"])
def test_benchmark_script_starts(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_national_scenario_is_valid() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from national import national_scenario
    finally:
        sys.path.remove(str(BENCHMARKS))
    from simulator import validate

    scenario = validate(national_scenario())
    assert len(scenario.municipalities) == 356
