"""samsim: discrete-event simulation of health-care task transfer.

The public API: read a scenario with :func:`load_scenario`, run it with
:func:`simulate` (several at once with :func:`simulate_many`, or compared
with :func:`compare`), say how with :class:`RunOptions` (one pool of
:class:`Workers` can serve many runs), and read the :class:`Results` tables
or ``.write()`` them. The errors a user can cause derive from
:class:`SamsimError`.

The names are imported when first used (PEP 562): ``import simulator`` and
``samsim --help`` do not load pandas, SciPy or SimPy, which a command that
only checks a scenario never needs, and a worker process loads only what its
task uses (decision 36).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from simulator.errors import Problem, SamsimError, ScenarioError

if TYPE_CHECKING:
    from simulator.experiment.compare import Comparison, compare
    from simulator.experiment.executors import Workers
    from simulator.experiment.options import RunOptions
    from simulator.experiment.simulate import Results, simulate, simulate_many
    from simulator.scenario.loading import load_scenario
    from simulator.scenario.schema import Scenario
    from simulator.scenario.validation import validate

    __version__: str

__all__ = [
    "Comparison",
    "Problem",
    "Results",
    "RunOptions",
    "SamsimError",
    "Scenario",
    "ScenarioError",
    "Workers",
    "__version__",
    "compare",
    "load_scenario",
    "simulate",
    "simulate_many",
    "validate",
]

_LAZY = {
    "Comparison": "simulator.experiment.compare",
    "compare": "simulator.experiment.compare",
    "RunOptions": "simulator.experiment.options",
    "Results": "simulator.experiment.simulate",
    "simulate": "simulator.experiment.simulate",
    "simulate_many": "simulator.experiment.simulate",
    "Workers": "simulator.experiment.executors",
    "load_scenario": "simulator.scenario.loading",
    "Scenario": "simulator.scenario.schema",
    "validate": "simulator.scenario.validation",
}
"""Where each public name lives, imported on first use."""


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from simulator.version import samsim_version

        value: Any = samsim_version() or "0.0.0"  # "0.0.0": a source tree, not installed
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
