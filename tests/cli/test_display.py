"""The terminal's comparison table (:func:`simulator.cli.display.comparison_table`)."""

from __future__ import annotations

import pandas as pd

from simulator.cli.display import comparison_table


def _row(kpi: str, base: float, alt: float, low: float, high: float) -> dict[str, object]:
    return {
        "scenario": "alt",
        "kpi": kpi,
        "base_mean": base,
        "alt_mean": alt,
        "difference": alt - base,
        "ci_low": low,
        "ci_high": high,
        "p_value": 0.001 if low > 0 or high < 0 else 0.5,
    }


def test_period_figures_shown_and_their_repeats_counted() -> None:
    table = pd.DataFrame(
        [
            _row("facility.a.admissions", 100, 130, 20, 40),
            _row("facility.a.admissions.per_year", 33, 43, 6, 14),
            _row("facility.a.admissions.per_1000", 3, 4, 0.5, 1.5),
            _row("year.2025.facility.a.admissions", 30, 40, 5, 15),
            _row("facility.a.bed_days", 500, 505, -10, 20),  # not significant
        ]
    )
    text = comparison_table(table)
    assert "alt − base: 1 KPI(s) changed significantly over the period" in text
    assert "facility.a.admissions " in text
    assert "per_year" not in text.split("(and")[0]
    assert "year.2025" not in text
    assert "per-year, per-1 000 and calendar-year forms are in comparison.csv" in text
    assert "3" not in text.split("\n")[-1]  # the forms are not counted as changes
    assert "bed_days" not in text


def test_only_repeats_changed_says_so() -> None:
    table = pd.DataFrame(
        [
            _row("facility.a.admissions", 100, 104, -1, 9),
            _row("year.2026.facility.a.admissions", 30, 40, 5, 15),
        ]
    )
    text = comparison_table(table)
    assert text.startswith(
        "No whole-period KPI changed significantly; 1 KPI(s) did only per calendar year"
    )


def test_a_kpi_changed_in_several_forms_only_counts_once() -> None:
    """Three forms of one KPI whose period figure did not change: one KPI, not three."""
    table = pd.DataFrame(
        [
            _row("facility.a.admissions", 100, 130, 20, 40),
            _row("facility.a.bed_days", 500, 505, -10, 20),  # not significant over the period
            _row("facility.a.bed_days.per_year", 166, 170, 1, 7),
            _row("year.2025.facility.a.bed_days", 160, 170, 2, 18),
            _row("year.2026.facility.a.bed_days.per_1000", 16, 17, 0.1, 1.9),
        ]
    )
    text = comparison_table(table)
    assert text.splitlines()[0] == "alt − base: 1 KPI(s) changed significantly over the period"
    assert "(1 KPI(s) more changed only per calendar year or per 1 000 inhabitants" in text
    assert "bed_days" not in text


def test_every_scenario_with_a_change_gets_its_line() -> None:
    """One alternative changed over the period, the other only in a calendar year."""
    other = {**_row("year.2025.facility.a.admissions", 30, 40, 5, 15), "scenario": "other"}
    table = pd.DataFrame(
        [
            _row("facility.a.admissions", 100, 130, 20, 40),
            _row("facility.a.admissions.per_1000", 3, 4, 0.5, 1.5),
            {**_row("facility.a.admissions", 100, 104, -1, 9), "scenario": "other"},
            other,
        ]
    )
    lines = comparison_table(table).splitlines()
    assert lines[0] == "alt − base: 1 KPI(s) changed significantly over the period"
    assert "other − base: 0 KPI(s) changed significantly over the period" in lines
    assert lines[-1].startswith("  (1 KPI(s) more changed only per calendar year")
