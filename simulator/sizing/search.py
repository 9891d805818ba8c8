"""Sizing a facility: the smallest bed count that meets a target, with common random numbers.

:func:`size_facility` runs the scenario once per bed count of a range, every
count with the same root seed, so replication ``r`` of every count sees the
same patients (common random numbers, :mod:`simulator.model.streams`). A target
such as ``diversion_share<0.05`` is judged on the mean over replications, or,
with ``confidence="interval"``, on the unfavourable end of its 95 % interval.

Search. KPIs that more beds make easier (diversions, waits, corridor days)
are monotone in beds in expectation, and with common random numbers nearly
monotone per replication. A range of at most :data:`SCAN_LIMIT` counts is
scanned in full: that costs little more than a bisection and draws the whole
curve, which shows any non-monotonicity. A longer range is bisected (the top
must meet the target, the bottom must not). Either way the answer is the
smallest evaluated count from which every evaluated larger count meets the
target, and both neighbours of it are evaluated before it is claimed, so the
result always rests on runs at the chosen size and one bed below it.

The request is read by :mod:`simulator.sizing.targets`; the one-run curve of Monks
et al. (2016) beside Erlang's formulas is :mod:`simulator.sizing.unconstrained`, run
here too unless ``unconstrained=False``; the answer, its table, notes and folder
are :mod:`simulator.sizing.result`. Their public names are re-exported.

Nothing here prints; progress goes through a callback.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import pandas as pd

from simulator.analysis.intervals import t_interval
from simulator.experiment.options import RunOptions
from simulator.experiment.replication import Failure, Progress
from simulator.experiment.simulate import Results, simulate, simulate_many
from simulator.scenario.schema import Scenario
from simulator.sizing.result import CountSummary, SizingResult, size_table, sizing_notes
from simulator.sizing.targets import (
    SizingError,
    Target,
    check_facility,
    default_range,
    kpi_names,
    parse_range,
    parse_target,
    with_beds,
)
from simulator.sizing.unconstrained import (
    Curve,
    curve_note,
    facility_rule,
    first_scenario,
    unconstrained_curve,
)

__all__ = [
    "CONFIDENCES",
    "SCAN_LIMIT",
    "Curve",
    "SizingError",
    "SizingResult",
    "Target",
    "check_facility",
    "default_range",
    "facility_rule",
    "kpi_names",
    "parse_range",
    "parse_target",
    "size_facility",
    "unconstrained_curve",
    "with_beds",
]

SCAN_LIMIT = 12
"""Ranges of at most this many bed counts are scanned in full; longer ones are bisected."""

CONFIDENCES = ("mean", "interval")
"""``mean``: the mean must meet the target; ``interval``: the whole 95 % interval must."""


def _choose(meets: dict[int, bool]) -> int | None:
    """The smallest evaluated count from which every evaluated larger count meets the target."""
    chosen = None
    for c in sorted(meets, reverse=True):
        if not meets[c]:
            break
        chosen = c
    return chosen


def size_facility(
    scenario: Scenario,
    facility: str,
    target: Target | str,
    *,
    bed_range: tuple[int, int] | str | None = None,
    options: RunOptions | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    confidence: str = "mean",
    unconstrained: bool = True,
) -> SizingResult:
    """The smallest bed count of ``facility`` that meets ``target``.

    Parameters
    ----------
    scenario
        A validated scenario; the facility must have no ``schedule``.
    target
        A :class:`Target` or its text, e.g. ``"diversion_share<0.05"``.
    bed_range
        ``(from, to)`` or ``"from:to"``; default :func:`default_range`.
    options
        How to run each bed count (:class:`simulator.RunOptions`); the keyword
        arguments below, where given, override its fields. Its ``precision``
        is not used, and its ``progress`` counts the whole search.
    replications, seed
        Default to the scenario's ``run.replications`` and ``run.seed``;
        every bed count uses the same (common random numbers).
    jobs, scheduler
        As for :func:`simulator.simulate`.
    confidence
        ``mean`` (the mean over replications meets the target) or
        ``interval`` (the whole 95 % interval does).
    unconstrained
        Also run :func:`unconstrained_curve` (one more run).
    progress
        Called with (replications done, most replications the search may need).

    Raises
    ------
    SizingError
        For a bad facility, target, range or confidence.
    """
    check_facility(scenario, facility)
    if isinstance(target, str):
        target = parse_target(target, scenario, facility)
    if isinstance(bed_range, str):
        bed_range = parse_range(bed_range)
    lo, hi = bed_range or default_range(scenario, facility)
    if confidence not in CONFIDENCES:
        raise SizingError("confidence", confidence, f"must be one of {', '.join(CONFIDENCES)}")
    opts = (options or RunOptions()).merged(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, progress=progress
    )
    n, root, progress = opts.replications_for(scenario), opts.seed_for(scenario), opts.progress
    if confidence == "interval" and n < 2:
        raise SizingError("confidence", confidence, "needs at least 2 replications")
    started = dt.datetime.now(dt.UTC)
    counts = hi - lo + 1
    method = "scan" if counts <= SCAN_LIMIT else "bisection"
    runs = counts if method == "scan" else math.ceil(math.log2(counts)) + 4
    total = n * (runs + (1 if unconstrained else 0))
    done = 0

    def tick(_done: int, _total: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, max(total, done))

    # Every bed count runs the same replications and seeds, reporting to the one tick.
    each = replace(
        opts,
        replications=n,
        seed=root,
        precision=None,
        progress=tick if progress is not None else None,
    )
    failures: list[Failure] = []
    seen: dict[int, CountSummary] = {}

    def prefetch(counts: list[int], curve_first: bool = False) -> Results | None:
        """Run the counts not yet seen, all their replications at once, and, if asked,
        the unconstrained curve's first run with them (its results are returned)."""
        wanted = [c for c in dict.fromkeys(counts) if c not in seen]
        if len(wanted) + curve_first <= 1:
            return None
        scenarios = [with_beds(scenario, facility, c) for c in wanted]
        if curve_first:
            scenarios.append(first_scenario(scenario, facility, (lo, hi)))
        ran = simulate_many(scenarios, options=each)
        for c, results in zip(wanted, ran, strict=False):
            failures.extend(results.failures)
            seen[c] = _reduce(results, target.kpi, facility)
        return ran[-1] if curve_first else None

    def evaluate(c: int) -> bool:
        if c not in seen:
            results = simulate(with_beds(scenario, facility, c), options=each)
            failures.extend(results.failures)
            seen[c] = _reduce(results, target.kpi, facility)
        row = seen[c]
        return target.judge(row.mean, row.low, row.high, confidence)

    with each.pooled() as each:  # one pool for every run of the search (decision 48)
        first = None
        if method == "scan":  # every count and the curve's first run at once
            first = prefetch(list(range(lo, hi + 1)), curve_first=unconstrained)
            for c in range(lo, hi + 1):
                evaluate(c)
        elif evaluate(hi) and not evaluate(lo):
            bottom, top = lo, hi
            while top - bottom > 1:
                middle = (bottom + top) // 2
                if evaluate(middle):
                    top = middle
                else:
                    bottom = middle
        while True:  # run both neighbours of the answer before claiming it
            chosen = _choose({c: evaluate(c) for c in seen})
            missing = (
                [] if chosen is None else [c for c in (chosen - 1, chosen + 1) if c not in seen]
            )
            missing = [c for c in missing if lo <= c <= hi]
            if not missing:
                break
            prefetch(missing)
            for c in missing:
                evaluate(c)
        curve = None
        if unconstrained:
            curve = unconstrained_curve(
                scenario, facility, bed_range=(lo, hi), options=each, first=first
            )
            failures.extend(curve.failures)
    meets = {c: evaluate(c) for c in seen}
    below = chosen - 1 if chosen is not None and chosen - 1 in seen else None
    notes, certain = sizing_notes(target, seen, meets, chosen, below, (lo, hi))
    if curve is not None:
        notes.append(curve_note(curve))
    return SizingResult(
        scenario=scenario,
        facility=facility,
        target=target,
        bed_range=(lo, hi),
        confidence=confidence,
        method=method,
        replications=n,
        seed=root,
        table=size_table(target, (lo, hi), seen, meets, curve),
        values=pd.concat([seen[c].values.assign(beds=c) for c in sorted(seen)], ignore_index=True)[
            ["beds", "replication", "value", "share_time_full"]
        ],
        chosen=chosen,
        below=below,
        certain=certain,
        notes=notes,
        curve=curve,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        failures=failures,
    )


def _reduce(results: Results, kpi: str, facility: str) -> CountSummary:
    reps = results.replications
    full_kpi = f"facility.{facility}.share_time_full"
    values = pd.DataFrame(
        {
            "replication": reps["replication"],
            "value": reps[kpi].astype(float),
            "share_time_full": reps[full_kpi].astype(float),
        }
    )
    mean, _, low, high, n = t_interval(values["value"].to_numpy())
    return CountSummary(mean, low, high, n, float(values["share_time_full"].mean()), values)
