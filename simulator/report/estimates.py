"""Estimates for the one-page summary: figures per year with intervals, paired by replication.

Sums over several KPIs are summed per replication first, so their intervals are true
intervals of the sum; differences in a comparison are paired by replication.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from simulator.analysis.intervals import t_interval
from simulator.report.html import esc
from simulator.store.readers import RunFolder
from simulator.text.labels import label
from simulator.text.numbers import format_number

__all__ = [
    "DAYS_PER_YEAR",
    "Estimate",
    "Source",
    "amount_text",
    "caused_kpi",
    "cell",
    "change_cell",
    "estimate",
    "facility_kpis",
    "mnok",
    "money",
    "own_kpis",
    "paid_kpi",
    "paired",
    "paired_yearly",
    "range_text",
    "replication_table",
    "facility_services",
    "sum_kpis",
    "years_of",
]

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95 % interval (nan where unknown)."""

    mean: float
    low: float = math.nan
    high: float = math.nan

    @property
    def known(self) -> bool:
        return math.isfinite(self.mean)

    @property
    def significant(self) -> bool:
        """The interval excludes 0 (for a difference: it changed)."""
        return (
            math.isfinite(self.low) and math.isfinite(self.high) and (self.low > 0 or self.high < 0)
        )

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.mean * factor, self.low * factor, self.high * factor)


def years_of(run: RunFolder) -> float:
    """The collection period in years (``run.days / 365``); 1 where unknown."""
    days = (run.scenario.get("run") or {}).get("days")
    try:
        value = float(str(days)) / DAYS_PER_YEAR
    except (TypeError, ValueError):
        return 1.0
    return value if value > 0 else 1.0


def replication_table(run: RunFolder) -> pd.DataFrame:
    path = run.path / "replications.csv"
    try:
        return pd.read_csv(path) if path.is_file() else pd.DataFrame()
    except (OSError, ValueError):
        return pd.DataFrame()


def sum_kpis(table: pd.DataFrame, kpis: Sequence[str]) -> pd.Series | None:
    """Per replication (the index), the sum of ``kpis`` present in ``table``; None when none is."""
    present = [k for k in kpis if k in table.columns]
    if not present:
        return None
    return table[present].astype(float).sum(axis=1, min_count=1)


def estimate(values: pd.Series | None) -> Estimate:
    if values is None or values.dropna().empty:
        return Estimate(math.nan)
    mean, _, low, high, _ = t_interval(values.to_numpy(dtype=float))
    if not (math.isfinite(low) and math.isfinite(high)):
        low = high = mean
    return Estimate(mean, low, high)


class Source:
    """KPI values of one run: from the replications (exact sums) or the summary."""

    def __init__(self, run: RunFolder) -> None:
        self.run = run
        table = replication_table(run)
        self.table = table.set_index("replication") if "replication" in table else table
        self.years = years_of(run)
        summary = run.summary
        self.kpis = set(summary["kpi"].astype(str)) if "kpi" in summary else set()

    def has(self, kpi: str) -> bool:
        return kpi in self.table.columns or kpi in self.kpis

    def annual(self, kpis: Sequence[str]) -> tuple[list[str], float]:
        """The KPIs per year: their ``.per_year`` KPIs where the folder has them, else the
        period's with the factor that makes them per year (``1 / years``)."""
        per_year = [f"{k}.per_year" for k in kpis]
        if per_year and all(self.has(k) for k in per_year):
            return per_year, 1.0
        return list(kpis), 1 / self.years

    def yearly(self, kpis: Sequence[str]) -> Estimate:
        """The sum of ``kpis`` per year, with its interval."""
        names, factor = self.annual(kpis)
        return self.estimate(names).scaled(factor)

    def series(self, kpis: Sequence[str]) -> pd.Series | None:
        return sum_kpis(self.table, kpis) if len(self.table) else None

    def estimate(self, kpis: Sequence[str]) -> Estimate:
        values = self.series(kpis)
        if values is not None:
            return estimate(values)
        if len(kpis) == 1:
            return Estimate(*self.run.interval(kpis[0]))
        return Estimate(math.nan)


def paired_yearly(
    base: Source, alt: Source, kpis_base: Sequence[str], kpis_alt: Sequence[str]
) -> Estimate:
    """Alternative − base per year (see :meth:`Source.annual`), paired by replication."""
    kb, fb = base.annual(kpis_base)
    ka, fa = alt.annual(kpis_alt)
    if fb == 1.0 and fa == 1.0:
        return paired(base, alt, kb, ka)
    return paired(base, alt, kpis_base, kpis_alt).scaled(1 / base.years)


def paired(
    base: Source, alt: Source, kpis_base: Sequence[str], kpis_alt: Sequence[str]
) -> Estimate:
    """Alternative − base, paired by replication; a KPI missing on one side counts 0 there."""
    b, a = base.series(kpis_base), alt.series(kpis_alt)
    if b is None and a is None:
        return Estimate(math.nan)
    if b is None:
        b = pd.Series(0.0, index=a.index if a is not None else [])
    if a is None:
        a = pd.Series(0.0, index=b.index)
    joined = pd.concat([b.rename("b"), a.rename("a")], axis=1, join="inner").fillna(0.0)
    return estimate(joined["a"] - joined["b"])


# --- words and numbers -----------------------------------------------------------------


def money(value: float, lang: str, sign: bool = False) -> str:
    """Million NOK with one decimal: ``12.3 million NOK`` / ``12,3 mill. kr``."""
    if not math.isfinite(value):
        return "–"
    return f"{format_number(value / 1e6, lang, 1, sign=sign)}\u00a0{label('summary.mnok', lang)}"


def mnok(value: float, lang: str, sign: bool = False) -> str:
    """Million NOK as a bare number with one decimal, for table cells (the unit is in the label)."""
    return format_number(value / 1e6, lang, 1, sign=sign) if math.isfinite(value) else "–"


def amount_text(value: float, lang: str, decimals: int = 0, sign: bool = False) -> str:
    return format_number(value, lang, decimals, sign=sign) if math.isfinite(value) else "–"


def range_text(e: Estimate, fmt: Callable[[float], str], lang: str) -> str:
    """``(95 % interval a – b)`` in words, or "" when the interval is unknown or a point."""
    if not (math.isfinite(e.low) and math.isfinite(e.high)) or e.high <= e.low:
        return ""
    return label("summary.interval", lang, low=fmt(e.low), high=fmt(e.high))


def cell(e: Estimate, fmt: Callable[[float], str], lang: str) -> str:
    if not e.known:
        return '<td class="num">–</td>'
    text = esc(fmt(e.mean))
    if math.isfinite(e.low) and math.isfinite(e.high) and e.high > e.low:
        text += f'<span class="ci">{esc(fmt(e.low))} – {esc(fmt(e.high))}</span>'
    return f'<td class="num">{text}</td>'


def change_cell(e: Estimate, fmt: Callable[[float], str], lang: str) -> str:
    """A paired change: the number, its interval, and "changed" only when significant."""
    if not e.known:
        return '<td class="num">–</td>'
    text = esc(fmt(e.mean))
    if math.isfinite(e.low) and math.isfinite(e.high) and e.high > e.low:
        text += f'<span class="ci">{esc(fmt(e.low))} – {esc(fmt(e.high))}</span>'
    word = label("summary.changed" if e.significant else "summary.no_clear_change", lang)
    css = "changed" if e.significant else "same"
    return f'<td class="num {css}">{text}<span class="verdict">{esc(word)}</span></td>'


def facility_services(run: RunFolder) -> dict[str, list[str]]:
    """Facility ids by service (``hospital``, ``kohd``, ...) and by level."""
    out: dict[str, list[str]] = {}
    for fid, spec in (run.scenario.get("facilities") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        for key in (f"service:{spec.get('service', '')}", f"level:{spec.get('level', '')}"):
            out.setdefault(key, []).append(str(fid))
    return out


def facility_kpis(ids: Sequence[str], suffix: str) -> list[str]:
    return [f"facility.{f}.{suffix}" for f in ids]


def own_kpis(source: Source, ids: Sequence[str], suffix: str) -> list[str]:
    """The region's own patients' KPI of each facility: ``facility.<id>.region.<suffix>``
    where a facility also serves outside patients (background load), else the facility's."""
    return [
        f"facility.{f}.region.{suffix}"
        if source.has(f"facility.{f}.region.{suffix}")
        else f"facility.{f}.{suffix}"
        for f in ids
    ]


def paid_kpi(m: str) -> str:
    return f"cost.municipality.{m}.paid"


def caused_kpi(source: Source, m: str) -> str:
    """What a municipality's residents cost all payers: the named KPI, or the older one."""
    caused = f"cost.municipality.{m}.caused"
    return caused if source.has(caused) else f"municipality.{m}.cost"


# --- a run ------------------------------------------------------------------------------
