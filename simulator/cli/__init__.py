"""The ``samsim`` command line: a thin adapter over the Python API.

Each command parses its arguments, calls one library function, writes, and
exits: 0 done, 2 the user's input is wrong (one message per problem, no
traceback), 1 a bug. Commands live in modules by topic and register
themselves on :data:`main` when imported here.
"""

from simulator.cli import (  # noqa: F401 - each module registers its commands
    calibrate_commands,
    experiment_commands,
    scenario_commands,
    size_commands,
    sweep_commands,
)
from simulator.cli.base import main

__all__ = ["main"]
