"""P(full) at every bed count from one run with unlimited beds, beside queueing theory.

:func:`unconstrained_curve` is the one-run method of Monks et al. (2016, "A
modelling tool for capacity planning in acute and community stroke
services", BMC Health Services Research 16, doi:10.1186/s12913-016-1789-4):
the facility is given so many beds that nobody is ever diverted or queued,
and its time-weighted occupancy distribution gives, for every bed count
``c``, the share of time ``P(N >= c)`` with ``c`` or more patients. Its mean
is the offered load ``a`` (infinite-server). Beside it stands the
queueing-theory value for ``a`` (:mod:`simulator.analysis.erlang`): Erlang-B(c, a) for
a unit that diverts, which ``P(N >= c)`` always overstates (patients turned
away do not stay); Erlang-C(c, a) for a unit with a queue, which it
understates (without a limit no queue builds up); the Poisson tail itself for
a unit that overflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simulator.analysis import erlang
from simulator.experiment.options import RunOptions
from simulator.experiment.replication import Failure, Progress
from simulator.experiment.simulate import Results, simulate
from simulator.scenario.schema import MAX_BEDS, Scenario
from simulator.sizing.targets import check_facility, default_range, with_beds

__all__ = ["THEORY", "Curve", "curve_note", "facility_rule", "theory_full", "unconstrained_curve"]

THEORY = {"divert": "erlang_b", "queue": "erlang_c", "overflow": "poisson"}
"""The analytic P(full) for each ``when_full`` rule (see :mod:`simulator.analysis.erlang`)."""


def facility_rule(scenario: Scenario, facility: str) -> str | None:
    """What happens to a patient who finds ``facility`` full: divert, queue or overflow.

    The steps that may use the facility decide (their own ``when_full``, or
    else the facility's; ``divert_to`` counts as divert); None when they
    disagree, and the facility's own rule when no step uses it.
    """
    unit = scenario.facilities[facility]
    rules: set[str] = set()
    for group in scenario.groups.values():
        for step in group.steps.values():
            if step.facility == facility or (
                step.facility is None and step.service == unit.service
            ):
                rule = step.when_full if step.when_full is not None else unit.when_full
                rules.add(rule if isinstance(rule, str) else "divert")
    if not rules:
        return unit.when_full
    return rules.pop() if len(rules) == 1 else None


def theory_full(rule: str | None, c: int, a: float) -> float:
    """P(full) by queueing theory: Erlang-B, Erlang-C (nan unless a < c) or the Poisson tail."""
    if rule is None or not math.isfinite(a) or a < 0:
        return math.nan
    if rule == "divert":
        return erlang.erlang_b(c, a)
    if rule == "queue":
        return erlang.erlang_c(c, a) if a < c else math.nan
    return erlang.poisson_at_least(c, a)


@dataclass
class Curve:
    """P(full) for every bed count from one run with unlimited beds (Monks et al. 2016).

    Attributes
    ----------
    table
        ``beds, p_full_unconstrained, p_full_theory``.
    occupancy
        ``occupied, share``: the facility's time-weighted occupancy distribution.
    offered_load
        ``a``: the mean occupancy of the unconstrained run (infinite-server).
    beds
        The bed count the facility was given so that it was never full.
    rule, theory
        The facility's ``when_full`` and the formula beside it
        (``erlang_b``, ``erlang_c``, ``poisson``; None for mixed rules).
    """

    table: pd.DataFrame
    occupancy: pd.DataFrame
    offered_load: float
    beds: int
    rule: str | None
    theory: str | None
    failures: list[Failure] = field(default_factory=list)


def unconstrained_curve(
    scenario: Scenario,
    facility: str,
    *,
    bed_range: tuple[int, int] | None = None,
    options: RunOptions | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    first: Results | None = None,
) -> Curve:
    """One run with the facility's beds set very high; P(N >= c) for each ``c`` in the range.

    The beds are ``10 x (an estimate of the offered load) + 50``, the
    estimate being the top of the range until the run has measured it; if
    the unit was ever full all the same, the run is repeated with
    ``10 a + 50`` beds; never more than a facility may have (``MAX_BEDS``).

    ``options`` (:class:`simulator.RunOptions`) says how to run; the keyword
    arguments, where given, override its fields. Its ``precision`` is not used.
    ``first``: the results of the first run (:func:`first_scenario`), when the
    caller ran it with these options already (beside a sizing scan).
    """
    opts = (options or RunOptions()).merged(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, progress=progress
    )
    opts = replace(opts, precision=None)
    check_facility(scenario, facility)
    lo, hi = bed_range or default_range(scenario, facility)
    estimate = float(max(hi, scenario.facilities[facility].beds, 1))
    for attempt in range(2):
        beds = _unlimited(estimate)
        if attempt == 0 and first is not None:
            results = first
        else:
            results = simulate(with_beds(scenario, facility, beds), options=opts)
        rows = results.occupancy_distribution
        rows = rows[rows["facility"] == facility]
        shares = rows.set_index("occupied")["share"].sort_index()
        load = results.kpi(f"facility.{facility}.occupancy_mean")
        reached = int(shares[shares > 0].index.max()) if (shares > 0).any() else 0
        if reached < beds:
            break
        estimate = load
    rule = facility_rule(scenario, facility)
    counts = np.arange(lo, hi + 1)
    tail = [float(shares[shares.index >= c].sum()) for c in counts]
    table = pd.DataFrame(
        {
            "beds": counts,
            "p_full_unconstrained": tail,
            "p_full_theory": [theory_full(rule, int(c), load) for c in counts],
        }
    )
    occupancy = pd.DataFrame({"occupied": shares.index, "share": shares.to_numpy()})
    return Curve(
        table,
        occupancy,
        load,
        beds,
        rule,
        THEORY.get(rule) if rule else None,
        list(results.failures),
    )


def _unlimited(estimate: float) -> int:
    """Beds no run should fill: ten times the load estimate and 50, at most ``MAX_BEDS``."""
    return min(math.ceil(10 * estimate) + 50, MAX_BEDS)  # the most a scenario may have


def first_scenario(scenario: Scenario, facility: str, bed_range: tuple[int, int]) -> Scenario:
    """The scenario of :func:`unconstrained_curve`'s first run over ``bed_range``."""
    estimate = float(max(bed_range[1], scenario.facilities[facility].beds, 1))
    return with_beds(scenario, facility, _unlimited(estimate))


def curve_note(curve: Curve) -> str:
    """What the unconstrained curve means for this unit, and which way it errs."""
    a = f"offered load a = {curve.offered_load:.2f} beds"
    if curve.rule == "divert":
        return (
            f"P(full) unconstrained is the share of time the unit would hold c or more patients "
            f"with unlimited beds ({a}): it overstates the share turned away, which is "
            "Erlang-B(c, a) for steady Poisson arrivals, because diverted patients do not stay"
        )
    if curve.rule == "queue":
        return (
            f"P(full) unconstrained is the share of time the unit would hold c or more patients "
            f"with unlimited beds ({a}): it understates the share who wait, which is "
            "Erlang-C(c, a) for steady Poisson arrivals and exponential stays, because waiting "
            "patients pile up"
        )
    if curve.rule == "overflow":
        return (
            f"P(full) unconstrained is the share of time with c or more patients ({a}): for a "
            "unit that overflows this is the share of time at or above c beds (Poisson tail)"
        )
    return f"the steps using this unit handle a full unit in different ways: no theory ({a})"
