"""samsim: discrete-event simulation of health-care task transfer.

The public API: read a scenario with :func:`load_scenario`, run it with
:func:`simulate` (or several with :func:`compare`), say how with
:class:`RunOptions`, and read the :class:`Results` tables or ``.write()``
them. The errors a user can cause derive from :class:`SamsimError`.
"""

from simulator.errors import Problem, SamsimError, ScenarioError
from simulator.experiment.compare import Comparison, compare
from simulator.experiment.options import RunOptions
from simulator.experiment.simulate import Results, simulate
from simulator.scenario.loading import load_scenario
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate
from simulator.version import samsim_version

# "0.0.0" when running from a source tree without installing.
__version__ = samsim_version() or "0.0.0"

__all__ = [
    "Comparison",
    "Problem",
    "Results",
    "RunOptions",
    "SamsimError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "simulate",
    "validate",
]
