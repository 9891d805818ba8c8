"""Fixtures shared by every test module."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# Make ``tests/helpers.py`` importable as ``helpers`` whatever the rootdir.
sys.path.insert(0, str(Path(__file__).parent))

from helpers import minimal_scenario  # noqa: E402


@pytest.fixture
def minimal_scenario_dict() -> dict[str, Any]:
    """A small valid scenario dict (see :func:`helpers.minimal_scenario`)."""
    return minimal_scenario()
