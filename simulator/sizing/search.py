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
here too unless ``unconstrained=False``. Their public names are re-exported.

Nothing here prints; progress goes through a callback.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.intervals import t_interval
from simulator.analysis.significance import paired_differences
from simulator.experiment.options import RunOptions
from simulator.experiment.replication import Failure, Progress
from simulator.experiment.simulate import Results, simulate
from simulator.scenario.loading import scenario_yaml
from simulator.scenario.schema import Scenario
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
from simulator.sizing.unconstrained import Curve, curve_note, facility_rule, unconstrained_curve
from simulator.store.manifest import build_manifest, failure_rows, write_manifest
from simulator.store.results import copy_inputs, run_id, staged_folder

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


@dataclass(frozen=True)
class _Count:
    """What the runs at one bed count showed."""

    mean: float
    low: float
    high: float
    n: int
    full: float
    values: pd.DataFrame  # replication, value, share_time_full


def _choose(meets: dict[int, bool]) -> int | None:
    """The smallest evaluated count from which every evaluated larger count meets the target."""
    chosen = None
    for c in sorted(meets, reverse=True):
        if not meets[c]:
            break
        chosen = c
    return chosen


@dataclass
class SizingResult:
    """The smallest bed count that meets a target, and the runs that show it.

    Attributes
    ----------
    table
        One row per bed count of the range: ``beds, kpi, mean, ci_low,
        ci_high, n, meets`` (empty where the search did not run that count),
        ``change, change_ci_low, change_ci_high`` (paired difference from one
        bed fewer, common random numbers), ``share_time_full`` (simulated),
        ``p_full_unconstrained, p_full_theory`` (see :class:`Curve`).
    chosen
        The chosen bed count, or None when no count in the range qualifies.
    below
        ``chosen - 1`` when it was run (it then failed the target).
    certain
        The chosen count's whole 95 % interval meets the target and the
        interval one bed below does not: more replications would not change it.
    notes
        What a planner should know before using the answer.
    method
        ``scan`` or ``bisection``.
    """

    scenario: Scenario
    facility: str
    target: Target
    bed_range: tuple[int, int]
    confidence: str
    method: str
    replications: int
    seed: int
    table: pd.DataFrame
    values: pd.DataFrame
    chosen: int | None
    below: int | None
    certain: bool
    notes: list[str]
    curve: Curve | None
    started: dt.datetime
    finished: dt.datetime
    failures: list[Failure] = field(default_factory=list)

    def manifest(self, overrides: Sequence[str] = ()) -> dict[str, Any]:
        """What produced this sizing: the request, the answer, versions and seed.

        ``overrides``: the ``path=value`` changes applied on top of the scenario files.
        """
        curve = self.curve
        details = {
            "facility": self.facility,
            "target": {
                "kpi": self.target.kpi,
                "operator": self.target.operator,
                "value": self.target.value,
            },
            "confidence": self.confidence,
            "range": list(self.bed_range),
            "method": self.method,
            "chosen": self.chosen,
            "below": self.below,
            "certain": self.certain,
            "notes": self.notes,
            "rule": curve.rule if curve else facility_rule(self.scenario, self.facility),
            "theory": curve.theory if curve else None,
            "offered_load": curve.offered_load if curve else None,
            "unconstrained_beds": curve.beds if curve else None,
            "failures": failure_rows(self.failures, traceback=False),
        }
        return build_manifest(
            kind="sizing",
            scenario=self.scenario,
            seed=self.seed,
            replications=self.replications,
            started=self.started,
            finished=self.finished,
            overrides=overrides,
            details=details,
        )

    def write(
        self,
        out: str | Path = "results",
        inputs: Sequence[Path] = (),
        draw: Callable[[Path], object] | None = None,
        overrides: Sequence[str] = (),
    ) -> Path:
        """Write ``out/size-<scenario>-<facility>/<run id>/``; its path.

        The folder holds ``size.csv``, ``replications.csv`` (the target KPI per
        bed count and replication), ``unconstrained_occupancy.csv``,
        ``scenario.yaml`` (as given, before any bed count was set),
        ``manifest.json`` and ``inputs/``. ``draw`` is called on the folder
        before it is moved into place, to add plots; ``overrides`` (the
        ``path=value`` changes made on top of the scenario files) are recorded
        in the manifest.
        """

        def fill(folder: Path) -> None:
            self.table.to_csv(folder / "size.csv", index=False)
            self.values.to_csv(folder / "replications.csv", index=False)
            if self.curve is not None:
                self.curve.occupancy.to_csv(folder / "unconstrained_occupancy.csv", index=False)
            (folder / "scenario.yaml").write_text(scenario_yaml(self.scenario), encoding="utf-8")
            info = self.manifest(overrides)
            info["scenario_files"] = copy_inputs(inputs, folder)
            write_manifest(folder, info)
            if draw is not None:
                draw(folder)

        parent = Path(out) / f"size-{self.scenario.name}-{self.facility}"
        return staged_folder(parent, run_id(self.started, self.seed), fill)


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
        raise SizingError(f"--confidence {confidence}: must be one of {', '.join(CONFIDENCES)}")
    opts = (options or RunOptions()).merged(
        replications=replications, seed=seed, jobs=jobs, scheduler=scheduler, progress=progress
    )
    n, root, progress = opts.replications_for(scenario), opts.seed_for(scenario), opts.progress
    if confidence == "interval" and n < 2:
        raise SizingError("--confidence interval needs at least 2 replications")
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
    seen: dict[int, _Count] = {}

    def evaluate(c: int) -> bool:
        if c not in seen:
            results = simulate(with_beds(scenario, facility, c), options=each)
            failures.extend(results.failures)
            seen[c] = _reduce(results, target.kpi, facility)
        row = seen[c]
        return target.judge(row.mean, row.low, row.high, confidence)

    if method == "scan":
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
        missing = [] if chosen is None else [c for c in (chosen - 1, chosen + 1) if c not in seen]
        missing = [c for c in missing if lo <= c <= hi]
        if not missing:
            break
        for c in missing:
            evaluate(c)
    curve = None
    if unconstrained:
        curve = unconstrained_curve(scenario, facility, bed_range=(lo, hi), options=each)
        failures.extend(curve.failures)
    meets = {c: evaluate(c) for c in seen}
    below = chosen - 1 if chosen is not None and chosen - 1 in seen else None
    notes, certain = _notes(target, seen, meets, chosen, below, (lo, hi))
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
        table=_table(target, (lo, hi), seen, meets, curve),
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


def _reduce(results: Results, kpi: str, facility: str) -> _Count:
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
    return _Count(mean, low, high, n, float(values["share_time_full"].mean()), values)


def _table(
    target: Target,
    bed_range: tuple[int, int],
    seen: dict[int, _Count],
    meets: dict[int, bool],
    curve: Curve | None,
) -> pd.DataFrame:
    rows = []
    for c in range(bed_range[0], bed_range[1] + 1):
        row: dict[str, Any] = {"beds": c, "kpi": target.kpi}
        got = seen.get(c)
        row.update(
            mean=got.mean if got else math.nan,
            ci_low=got.low if got else math.nan,
            ci_high=got.high if got else math.nan,
            n=got.n if got else 0,
            meets=meets[c] if got else pd.NA,
        )
        change = (math.nan, math.nan, math.nan)
        if got and c - 1 in seen:
            paired = paired_differences(
                seen[c - 1].values[["replication", "value"]],
                got.values[["replication", "value"]],
                "change",
            ).iloc[0]
            change = (paired["difference"], paired["ci_low"], paired["ci_high"])
        row.update(change=change[0], change_ci_low=change[1], change_ci_high=change[2])
        row["share_time_full"] = got.full if got else math.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    table["meets"] = table["meets"].astype("boolean")
    if curve is not None:
        table = table.merge(curve.table, on="beds", how="left")
    else:
        table["p_full_unconstrained"] = math.nan
        table["p_full_theory"] = math.nan
    return table


def _notes(
    target: Target,
    seen: dict[int, _Count],
    meets: dict[int, bool],
    chosen: int | None,
    below: int | None,
    bed_range: tuple[int, int],
) -> tuple[list[str], bool]:
    lo, hi = bed_range
    notes: list[str] = []
    if chosen is None:
        met = sorted(c for c, ok in meets.items() if ok)
        if met:
            notes.append(
                f"the target is met at {_list(met)} beds but not at {max(seen)}: the KPI does "
                "not improve steadily with beds here; sizing looks for the count from which "
                "every larger count meets the target (is it a target that more beds make easier?)"
            )
        else:
            notes.append(f"no bed count in {lo}–{hi} meets the target: widen --range")
        return notes, False

    def sure(c: int) -> bool | None:
        """True: the whole interval meets; False: none of it does; None: it straddles."""
        row = seen[c]
        if not (math.isfinite(row.low) and math.isfinite(row.high)):
            return None
        ends = {target.met(row.low), target.met(row.high)}
        return ends.pop() if len(ends) == 1 else None

    if chosen == lo and lo > 0:
        notes.append(
            f"the lower end of the range, {lo} beds, already meets the target: "
            "fewer beds may too (start --range lower)"
        )
    early = sorted(c for c, ok in meets.items() if ok and c < chosen)
    if early:
        notes.append(
            f"the target was also met at {_list(early)} beds but not at {chosen - 1}: the KPI "
            "is not monotone in beds at this number of replications; the answer is the count "
            "from which every larger count meets it (more --replications would settle it)"
        )
    at_chosen, at_below = sure(chosen), sure(below) if below is not None else None
    if at_chosen is not True:
        notes.append(
            f"at {chosen} beds the 95 % interval contains the target value: {chosen} beds may "
            "not be enough (more --replications would settle it)"
        )
    if below is not None and at_below is not False:
        notes.append(
            f"at {below} beds the 95 % interval contains the target value: {below} beds may "
            "be enough (more --replications would settle it)"
        )
    return notes, at_chosen is True and below is not None and at_below is False


def _list(counts: Sequence[int]) -> str:
    return ", ".join(str(c) for c in counts)
