"""The answer of a sizing: the chosen bed count, the table of every count, notes, the folder.

:class:`SizingResult` is what :func:`simulator.sizing.search.size_facility`
returns; it writes its own results folder (``size.csv``, ``replications.csv``,
``unconstrained_occupancy.csv``, ``scenario.yaml``, ``manifest.json``).
:func:`size_table` builds ``size.csv`` from the runs at each count
(:class:`CountSummary`), and :func:`sizing_notes` says what a planner should
know before using the answer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.significance import paired_differences
from simulator.experiment.replication import Failure
from simulator.scenario.loading import scenario_yaml
from simulator.scenario.schema import Scenario
from simulator.sizing.targets import Target
from simulator.sizing.unconstrained import Curve, facility_rule
from simulator.store.manifest import build_manifest, failure_rows, write_manifest
from simulator.store.results import copy_inputs, run_id, staged_folder

__all__ = ["CountSummary", "SizingResult", "size_table", "sizing_notes"]


@dataclass(frozen=True)
class CountSummary:
    """What the runs at one bed count showed: the target KPI's mean and 95 % interval."""

    mean: float
    low: float
    high: float
    n: int
    full: float
    values: pd.DataFrame  # replication, value, share_time_full


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


def size_table(
    target: Target,
    bed_range: tuple[int, int],
    seen: dict[int, CountSummary],
    meets: dict[int, bool],
    curve: Curve | None,
) -> pd.DataFrame:
    """The rows of ``size.csv``: one per bed count of the range (see :class:`SizingResult`)."""
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


def sizing_notes(
    target: Target,
    seen: dict[int, CountSummary],
    meets: dict[int, bool],
    chosen: int | None,
    below: int | None,
    bed_range: tuple[int, int],
) -> tuple[list[str], bool]:
    """What a planner should know about the answer, and whether it is certain.

    Certain: the chosen count's whole 95 % interval meets the target and the
    interval one bed below does not.
    """
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
            notes.append(f"no bed count in {lo}–{hi} meets the target: widen the bed range")
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
            "fewer beds may too (start the bed range lower)"
        )
    early = sorted(c for c, ok in meets.items() if ok and c < chosen)
    if early:
        notes.append(
            f"the target was also met at {_list(early)} beds but not at {chosen - 1}: the KPI "
            "is not monotone in beds at this number of replications; the answer is the count "
            "from which every larger count meets it (more replications would settle it)"
        )
    at_chosen, at_below = sure(chosen), sure(below) if below is not None else None
    if at_chosen is not True:
        notes.append(
            f"at {chosen} beds the 95 % interval contains the target value: {chosen} beds may "
            "not be enough (more replications would settle it)"
        )
    if below is not None and at_below is not False:
        notes.append(
            f"at {below} beds the 95 % interval contains the target value: {below} beds may "
            "be enough (more replications would settle it)"
        )
    return notes, at_chosen is True and below is not None and at_below is False


def _list(counts: Sequence[int]) -> str:
    return ", ".join(str(c) for c in counts)
