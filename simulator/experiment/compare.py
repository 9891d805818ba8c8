"""Comparing scenarios with common random numbers and paired differences.

Every scenario is run with the same root seed, so replication ``r`` of each
uses the same random streams (:mod:`simulator.model.streams`): the same arrivals,
and the same lengths of stay wherever the pathways agree. The difference
alternative − base is then measured per replication, and its 95 % interval
is the paired-t interval of those differences
(:func:`simulator.analysis.significance.paired_differences`), far narrower
than the interval of two independent runs when the scenarios are alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.significance import paired_differences
from simulator.errors import Problem, ScenarioError
from simulator.experiment.options import RunOptions
from simulator.experiment.replication import Progress
from simulator.experiment.simulate import Results, simulate_many
from simulator.measures.bounds import SHARES
from simulator.scenario.limits import Limits, check_limits
from simulator.scenario.schema import Scenario
from simulator.store.folders import file_checksums
from simulator.store.manifest import build_manifest, write_manifest
from simulator.store.results import collection_period, run_id, staged_folder

__all__ = ["UNDEFINED_WHEN_ABSENT", "Comparison", "absent_value", "compare", "differences"]


@dataclass
class Comparison:
    """A base scenario, its alternatives, and the paired differences of every KPI."""

    base: Results
    alternatives: list[Results]
    table: pd.DataFrame
    started: dt.datetime
    different_periods: bool = False

    @property
    def names(self) -> list[str]:
        """Scenario names, base first."""
        return [self.base.scenario.name] + [r.scenario.name for r in self.alternatives]

    def manifest(self, overrides: Sequence[str] = ()) -> dict[str, Any]:
        """The comparison folder's ``manifest.json`` (without the checksum of its table).

        Its scenario, title and hash are the base's; ``finished`` is when the
        last scenario finished.
        """
        every = (self.base, *self.alternatives)
        return build_manifest(
            kind="comparison",
            scenario=self.base.scenario,
            seed=self.base.seed,
            replications=len(self.base.replications),
            started=self.started,
            finished=max(r.finished for r in every),
            overrides=overrides,
            details={
                "base": self.base.scenario.name,
                "alternatives": [r.scenario.name for r in self.alternatives],
                "warnings": [f"{r.scenario.name}: {w}" for r in every for w in r.warnings],
                "different_periods": self.different_periods,
            },
        )

    def write(
        self,
        out: str | os.PathLike[str] = "results",
        inputs: Sequence[Sequence[Path]] = (),
        overrides: Sequence[str] = (),
    ) -> Path:
        """Write ``out/compare-<names>/<run id>/`` with each scenario's files and comparison.csv.

        ``inputs``: per scenario (base first), the files it was read from;
        ``overrides``: the ``path=value`` changes applied to every scenario.
        """
        label = "compare-" + "-vs-".join(self.names)
        if len(label) > 120:
            digest = hashlib.sha256(label.encode()).hexdigest()[:8]
            label = label[:110] + "-" + digest

        def fill(folder: Path) -> None:
            for i, results in enumerate((self.base, *self.alternatives)):
                sub = folder / results.scenario.name
                sub.mkdir()
                results.write_files(sub, inputs[i] if i < len(inputs) else (), overrides)
            self.table.to_csv(folder / "comparison.csv", index=False)
            manifest = self.manifest(overrides)
            manifest["checksums"] = file_checksums(folder, ["comparison.csv"])
            write_manifest(folder, manifest)

        name = run_id(self.started, self.base.seed, collection_period(self.base.scenario))
        return staged_folder(Path(out) / label, name, fill)


def _period(scenario: Scenario) -> str:
    first, last = collection_period(scenario)
    return f"{first.isoformat()} – {last.isoformat()} ({scenario.run.days:g} days)"


def check_periods(base: Scenario, alternatives: Sequence[Scenario]) -> list[Problem]:
    """A problem for each alternative whose collection period (start date or days) differs.

    Counts and costs over different periods differ by the periods' length and
    demand, not only by what the alternative changes, so a comparison of them
    reads as significant when it is not.
    """
    return [
        Problem(
            "compare",
            "run",
            f"{a.name} collects over another period than the base {base.name}, so their "
            "counts and costs differ by the period too",
            f"{_period(a)} against {_period(base)}",
            "give them the same run.start_date and run.days",
        )
        for a in alternatives
        if (a.run.start_date, a.run.days) != (base.run.start_date, base.run.days)
    ]


def compare(
    base: Scenario,
    alternatives: Sequence[Scenario],
    *,
    options: RunOptions | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    allow_different_periods: bool = False,
    limits: Limits | None = None,
) -> Comparison:
    """Run ``base`` and each alternative with the same seeds and compare them.

    Parameters
    ----------
    options
        How to run them (:class:`simulator.RunOptions`); the keyword
        arguments below, where given, override its fields. Its ``precision``
        is not used: every scenario runs the same replications, so that they
        pair.
    replications, seed
        Default to the base scenario's ``run.replications`` and ``run.seed``;
        every scenario uses the same.
    jobs, progress, scheduler
        As for :func:`simulator.simulate`; ``progress`` counts the
        replications of every scenario, which run in one pool together.
    allow_different_periods
        Compare scenarios whose collection periods differ (``run.start_date``
        or ``run.days``); the comparison is then marked ``different_periods``.
    limits
        What every scenario is checked against before any runs, as for
        :func:`simulator.simulate`.

    Raises
    ------
    ScenarioError
        When two scenarios share a name, or their periods differ and
        ``allow_different_periods`` is not set.
    LimitError
        For a scenario beyond ``limits``, before any scenario runs.
    """
    names = [base.name] + [a.name for a in alternatives]
    if len(set(names)) != len(names):
        raise ScenarioError(
            [
                Problem(
                    "compare",
                    "name",
                    "every compared scenario needs its own name",
                    ", ".join(names),
                    "give each overlay file a different name: key",
                )
            ]
        )
    differ = check_periods(base, alternatives)
    if differ and not allow_different_periods:
        raise ScenarioError(differ)
    opts = (options or RunOptions()).merged(
        replications=replications,
        seed=seed,
        jobs=jobs,
        progress=progress,
        scheduler=scheduler,
        limits=limits,
    )
    if opts.limits is not None:  # every scenario before any runs; simulate need not again
        for scenario in (base, *alternatives):
            check_limits(scenario, opts.limits, scenario.name)
    # The base's defaults for all: every scenario runs the same replications and seeds.
    opts = replace(
        opts,
        replications=opts.replications_for(base),
        seed=opts.seed_for(base),
        precision=None,
        limits=None,
    )
    started = dt.datetime.now(dt.UTC)
    # One pool for the whole comparison, every scenario's replications submitted at once.
    with opts.pooled() as pooled:
        base_results, *alt_results = simulate_many([base, *alternatives], options=pooled)
    table = pd.concat(
        [
            differences(base_results.replications, r.replications, base.name, r.scenario.name)
            for r in alt_results
        ],
        ignore_index=True,
    )
    return Comparison(base_results, alt_results, table, started, bool(differ))


UNDEFINED_WHEN_ABSENT = SHARES | {
    "utilisation",
    "wait_mean",
    "wait_p90",
    "travel_minutes_mean",
}
"""KPI name endings that have no value (nan) for a facility, group or municipality that
is not in a scenario; every other KPI of it is 0 there (no beds, patients, days or cost)."""


def absent_value(kpi: str) -> float:
    """What a KPI is in a scenario without its facility, group or municipality: 0 or nan."""
    return math.nan if kpi.rsplit(".", 1)[-1] in UNDEFINED_WHEN_ABSENT else 0.0


def _years(columns: pd.Index) -> set[str]:
    """The ``year.<yyyy>.`` prefixes of a replication table's columns."""
    return {".".join(str(c).split(".", 2)[:2]) + "." for c in columns if str(c).startswith("year.")}


def _with(table: pd.DataFrame, columns: list[str], missing_years: set[str]) -> pd.DataFrame:
    """``table`` with ``columns`` added at :func:`absent_value`; nan in a year it does not
    cover at all (scenarios compared over different periods), which is no facility's absence."""
    if not columns:
        return table
    values = {
        c: math.nan if any(c.startswith(y) for y in missing_years) else absent_value(c)
        for c in columns
    }
    added = pd.DataFrame({c: [v] * len(table) for c, v in values.items()}, index=table.index)
    return pd.concat([table, added], axis=1)


def differences(
    base: pd.DataFrame, alt: pd.DataFrame, base_name: str, alt_name: str
) -> pd.DataFrame:
    """:func:`~simulator.analysis.significance.paired_differences` of every KPI of either
    replication table, with an ``only_in`` column.

    A KPI that only one scenario has (a facility, group or municipality that
    exists in one of them: a rehabilitation unit gathered into another) is
    kept: the other scenario's value is taken as :func:`absent_value` (0
    admissions, bed-days and cost; no share or wait), and ``only_in`` names
    the scenario that has it. It is empty for KPIs both scenarios have. A
    year only one scenario's period covers (a comparison of different
    periods) is marked the same way but left undefined (nan) on the other side.
    """
    only_base = [c for c in base.columns if c not in alt.columns]
    only_alt = [c for c in alt.columns if c not in base.columns]
    filled_base = _with(base, only_alt, _years(alt.columns) - _years(base.columns))
    filled_alt = _with(alt, only_base, _years(base.columns) - _years(alt.columns))
    table = paired_differences(filled_base, filled_alt[list(filled_base.columns)], alt_name)
    where = {**{c: base_name for c in only_base}, **{c: alt_name for c in only_alt}}
    table["only_in"] = [where.get(kpi, "") for kpi in table["kpi"]]
    return table
