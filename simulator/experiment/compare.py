"""Comparing scenarios with common random numbers and paired differences.

Every scenario is run with the same root seed, so replication ``r`` of each
uses the same random streams (:mod:`simulator.model.streams`): the same arrivals,
and the same lengths of stay wherever the pathways agree. The difference
alternative − base is then measured per replication, and its 95 % interval
is the paired-t interval of those differences (Law, *Simulation Modeling and
Analysis*, section 10.2.1), far narrower than the interval of two
independent runs when the scenarios are alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulator.errors import Problem, ScenarioError
from simulator.experiment.simulate import Progress, Results, simulate
from simulator.scenario.schema import Scenario
from simulator.store.results import run_id, staged_folder, write_run_files

__all__ = ["COLUMNS", "Comparison", "compare", "paired_differences"]

COLUMNS = ["scenario", "kpi", "base_mean", "alt_mean", "difference", "ci_low", "ci_high", "p_value"]
SIGNIFICANCE = 0.05


def paired_differences(base: pd.DataFrame, alt: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Paired-t comparison of every KPI the two replication tables share.

    Rows are matched by ``replication``; a KPI undefined (nan) in either
    member of a pair leaves that pair out.
    """
    merged = base.merge(alt, on="replication", suffixes=("@base", "@alt"))
    kpis = [c for c in base.columns if c != "replication" and c in alt.columns]
    rows = []
    for kpi in kpis:
        b = merged[f"{kpi}@base"].to_numpy(dtype=float)
        a = merged[f"{kpi}@alt"].to_numpy(dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)
        d = a[ok] - b[ok]
        n = len(d)
        base_mean = float(b[ok].mean()) if n else math.nan
        alt_mean = float(a[ok].mean()) if n else math.nan
        mean = float(d.mean()) if n else math.nan
        low = high = p = math.nan
        if n >= 2:
            sd = float(d.std(ddof=1))
            if sd == 0:
                low = high = mean
                p = 1.0 if mean == 0 else 0.0
            else:
                se = sd / math.sqrt(n)
                half = float(stats.t.ppf(0.975, n - 1)) * se
                low, high = mean - half, mean + half
                p = float(2 * stats.t.sf(abs(mean) / se, n - 1))
        rows.append((scenario, kpi, base_mean, alt_mean, mean, low, high, p))
    return pd.DataFrame(rows, columns=COLUMNS)


def significant(table: pd.DataFrame) -> pd.DataFrame:
    """The rows whose interval excludes zero (p below 0.05)."""
    keep = (table["p_value"] < SIGNIFICANCE) & ~((table["ci_low"] <= 0) & (table["ci_high"] >= 0))
    return table[keep]


@dataclass
class Comparison:
    """A base scenario, its alternatives, and the paired differences of every KPI."""

    base: Results
    alternatives: list[Results]
    table: pd.DataFrame
    started: dt.datetime

    @property
    def names(self) -> list[str]:
        """Scenario names, base first."""
        return [self.base.scenario.name] + [r.scenario.name for r in self.alternatives]

    def write(
        self,
        out: str | os.PathLike[str] = "results",
        inputs: Sequence[Sequence[Path]] = (),
    ) -> Path:
        """Write ``out/compare-<names>/<run id>/`` with each scenario's files and comparison.csv.

        ``inputs``: per scenario (base first), the files it was read from.
        """
        label = "compare-" + "-vs-".join(self.names)
        if len(label) > 120:
            digest = hashlib.sha256(label.encode()).hexdigest()[:8]
            label = label[:110] + "-" + digest

        def fill(folder: Path) -> None:
            for i, results in enumerate((self.base, *self.alternatives)):
                sub = folder / results.scenario.name
                sub.mkdir()
                write_run_files(results, sub, inputs[i] if i < len(inputs) else ())
            self.table.to_csv(folder / "comparison.csv", index=False)
            manifest = {
                "kind": "comparison",
                "base": self.base.scenario.name,
                "alternatives": [r.scenario.name for r in self.alternatives],
                "seed": self.base.seed,
                "replications": int(len(self.base.replications)),
                "started": self.started.isoformat(timespec="seconds"),
                "warnings": [
                    f"{r.scenario.name}: {w}"
                    for r in (self.base, *self.alternatives)
                    for w in r.warnings
                ],
            }
            (folder / "manifest.json").write_text(
                json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
            )

        return staged_folder(Path(out) / label, run_id(self.started, self.base.seed), fill)


def compare(
    base: Scenario,
    alternatives: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> Comparison:
    """Run ``base`` and each alternative with the same seeds and compare them.

    Parameters
    ----------
    replications, seed
        Default to the base scenario's ``run.replications`` and ``run.seed``;
        every scenario uses the same.
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
    n = replications if replications is not None else base.run.replications
    root = seed if seed is not None else base.run.seed
    started = dt.datetime.now(dt.UTC)

    def run(scenario: Scenario) -> Results:
        return simulate(scenario, n, root, progress=progress, jobs=jobs, scheduler=scheduler)

    base_results = run(base)
    alt_results = [run(a) for a in alternatives]
    table = pd.concat(
        [
            paired_differences(base_results.replications, r.replications, r.scenario.name)
            for r in alt_results
        ],
        ignore_index=True,
    )
    return Comparison(base_results, alt_results, table, started)
