"""The one-page summary, the flow diagram, results.xlsx and the reports of sweeps and sizings."""

from __future__ import annotations

import math
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator import simulate, validate
from simulator.cli import main
from simulator.experiment.compare import compare
from simulator.report import folder_kind, write_report
from simulator.report.estimates import Estimate
from simulator.report.summary_compare import death_caveats, localise_warnings
from simulator.sweeps.runner import run_sweep, sweep_from_vary

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario, write_yaml  # noqa: E402

MSER = (
    "facility kohd-north: MSER-5 detects a warm-up of 40 days but run.warmup_days is 10; "
    "consider a longer warm-up (strong seasonality can make MSER-5 overestimate it)"
)


def small(**run: Any) -> dict[str, Any]:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=365, warmup_days=20, replications=3, **run)
    data["facilities"]["kohd-north"]["name"] = "North KØHD unit"
    return data


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summary")
    folder = Path(simulate(validate(small()), replications=3, seed=3).write(str(root)))
    manifest = folder / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('"warnings": [', f'"warnings": ["{MSER}", ', 1), "utf-8")
    return folder


@pytest.fixture(scope="module")
def english(run_folder: Path) -> str:
    return write_report(run_folder, "en").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def norwegian(run_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    copy = Path(shutil.copytree(run_folder, tmp_path_factory.mktemp("nb") / "copy"))
    return write_report(copy, "nb").read_text(encoding="utf-8")


def section(text: str, anchor: str) -> str:
    start = text.index(f'id="{anchor}"')
    return text[start : text.index("</section>", start)]


def test_summary_comes_first_then_warnings_then_details(english: str) -> None:
    summary = english.index('<section class="summary" id="summary">')
    warnings = english.index('id="warnings"')
    assert english.index("</header>") < summary < warnings < english.index('id="results"')
    part = section(english, "summary")
    for heading in (
        "Cost per year, by payer",
        "Beds needed against beds planned",
        "Hospital bed-days and admissions",
        "Waits and patients ready for discharge",
        "What is uncertain",
    ):
        assert f"<h3>{heading}</h3>" in part
    assert "North KØHD unit" in part  # facilities by display name
    assert "The municipalities pay" in part and "a year" in part
    assert re.search(r"million NOK a year \(95 % interval [\d.]+\u00a0million NOK – ", part)
    for verdict in re.findall(r"<td>(too few beds|tight|room to spare|enough)</td>", part):
        assert verdict  # every facility gets a verdict in plain words
    assert len(re.findall(r"<td>(too few beds|tight|room to spare|enough)</td>", part)) == 3


def test_warnings_name_facilities_by_display_name(english: str, norwegian: str) -> None:
    warnings = english[english.index('id="warnings"') : english.index('id="results"')]
    assert "North KØHD unit: MSER-5 detects a warm-up of 40 days" in warnings
    assert "kohd-north" not in warnings
    warnings = norwegian[norwegian.index('id="warnings"') : norwegian.index('id="results"')]
    assert "North KØHD unit: MSER-5 finner en innsvingning på 40 dager" in warnings
    assert "consider a longer warm-up" not in warnings


def test_flow_diagram_is_in_the_report(english: str, run_folder: Path) -> None:
    figure = english[english.index('id="figure-flows"') :]
    figure = figure[: figure.index("</figure>")]
    assert '<img src="data:image/png;base64,' in figure
    assert "Patients per year" in figure  # its caption
    assert english.index('id="figure-flows"') < english.index('id="figure-occupancy"')
    flows = pd.read_csv(run_folder / "flows.csv")
    assert {"source", "target", "per_year", "ci_low", "ci_high"} <= set(flows.columns)
    into_endings = flows[flows["target"].str.startswith("end:")]["per_year"].sum()
    from_home = flows[flows["source"].str.startswith("municipality:")]["per_year"].sum()
    assert into_endings == pytest.approx(from_home)  # every episode leaves once


def test_norwegian_summary_is_norwegian(norwegian: str) -> None:
    part = section(norwegian, "summary")
    for text in ("Sammendrag", "Kostnad per år, etter betaler", "i året", "mill.\u00a0kr"):
        assert text.replace("\u00a0", " ") in part.replace("\u00a0", " ")
    for english in ("Summary", "a year", "million NOK", "Beds needed", "What is uncertain"):
        assert english not in part
    assert "Pasientstrømmer per år" not in norwegian or "Patients per year" not in norwegian


def test_results_xlsx_opens_with_its_sheets(english: str, run_folder: Path) -> None:
    book = openpyxl.load_workbook(run_folder / "results.xlsx", read_only=True)
    assert book.sheetnames == ["About", "Summary", "Per year", "Facilities", "All KPIs", "Flows"]
    rows = list(book["Summary"].iter_rows(values_only=True))
    assert rows[0][:5] == ("KPI", "mean", "95 % interval, low", "95 % interval, high", "unit")
    by_key = {row[5]: row for row in rows[1:]}
    summary = pd.read_csv(run_folder / "summary.csv").set_index("kpi")
    assert by_key["cost.total"][1] == pytest.approx(summary.loc["cost.total", "mean"])
    assert by_key["cost.total"][4] == "NOK"
    facilities = list(book["Facilities"].iter_rows(values_only=True))
    assert [r[0] for r in facilities[1:]] == ["North KØHD unit", "hospital", "nursing-home"]
    about = [r[0] for r in book["About"].iter_rows(values_only=True) if r]
    assert "Flows" in about  # every sheet named with its source


def test_a_change_is_called_changed_only_when_its_interval_excludes_zero() -> None:
    assert Estimate(1.0, 0.2, 1.8).significant
    assert Estimate(-1.0, -1.8, -0.2).significant
    assert not Estimate(0.5, -0.2, 1.2).significant
    assert not Estimate(math.nan).significant


def test_deaths_caveat_where_sites_assume_different_probabilities() -> None:
    base = {
        "groups": {
            "g": {
                "name": "Group G",
                "steps": {
                    "a": {"service": "kohd", "next": {"home": 0.99, "death": 0.01}},
                    "b": {"service": "hospital", "next": {"home": 0.93, "death": 0.07}},
                },
            },
            "same": {
                "steps": {
                    "a": {"service": "kohd", "next": {"home": 0.95, "death": 0.05}},
                    "b": {"service": "hospital", "next": {"home": 0.95, "death": 0.05}},
                }
            },
        }
    }
    caveats = death_caveats(base, base, {"groups": {"g": "Group G"}}, "en")
    assert set(caveats) == {"group.g.deaths"}
    assert "Group G" in caveats["group.g.deaths"] and "7" in caveats["group.g.deaths"]
    assert "assumed probability" in caveats["group.g.deaths"]
    nb = death_caveats(base, base, {"groups": {"g": "Group G"}}, "nb")
    assert "antatt sannsynlighet" in nb["group.g.deaths"]


def test_unknown_warnings_keep_their_text_with_display_names() -> None:
    names = {"facilities": {"kohd-north": "North", "kohd-north-2": "North two"}}
    out = localise_warnings(["kohd-north-2 and kohd-north: check"], names, "nb")
    assert out == ["North two and North: check"]


def test_comparison_report_opens_with_the_summary_and_moved_flows(tmp_path: Path) -> None:
    base = validate(small())
    more = small()
    more["name"] = "more-kohd"
    more["facilities"]["kohd-north"]["beds"] = 6
    folder = Path(compare(base, [validate(more)], replications=3, seed=4).write(tmp_path))
    text = write_report(folder, "en").read_text(encoding="utf-8")
    summary = text.index('id="summary"')
    assert summary < text.index('id="warnings"') < text.index('id="flows"')
    assert text.index('id="flows"') < text.index('id="comparison"')
    part = section(text, "summary")
    assert "change per year" in part
    assert re.search(r"<strong>[\d\u00a0]+ hospital bed-days a year (avoided|more) ", part)
    cells = re.findall(r'<td class="num (changed|same)">', part)
    assert cells and set(cells) <= {"changed", "same"}
    assert part.count('class="verdict">no clear change<') == cells.count("same")
    assert part.count('class="verdict">changed<') == cells.count("changed")
    # more KØHD beds: fewer patients turned away from it, which the summary calls a change
    assert "North KØHD unit" in part
    flows = text[text.index('id="flows"') : text.index('id="comparison"')]
    changes = re.findall(r'<td class="num">([+−]?[\d\u00a0]+)</td></tr>', flows)
    assert "→" in flows and changes  # each moved path with its change per year
    sizes = [int(c.replace("−", "-").replace("\u00a0", "")) for c in changes]
    assert [abs(x) for x in sizes] == sorted((abs(x) for x in sizes), reverse=True)
    book = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)
    assert book.sheetnames == ["About", "1 Summary", "2 Summary", "Comparison"]


def test_sweep_and_sizing_folders_get_reports(tmp_path: Path) -> None:
    data = small()
    data["run"].update(days=90, replications=2)
    scenario = write_yaml(tmp_path / "minimal.yaml", data)
    sweep = sweep_from_vary(scenario, ["facilities.kohd-north.beds=1:2"], replications=2, seed=1)
    folder = run_sweep(sweep, tmp_path / "out")
    assert folder_kind(folder) == "sweep"
    result = CliRunner().invoke(main, ["report", str(folder), "--lang", "nb"])
    assert result.exit_code == 0, result.output
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert "Rapport fra parameterstudie" in text and "Hva som ble variert" in text
    assert text.count("<tr>") == 1 + 2  # header and one row per point
    assert '<img src="data:image/png;base64,' in text
    assert openpyxl.load_workbook(folder / "results.xlsx").sheetnames == ["About", "Points"]
    size = CliRunner().invoke(
        main,
        ["size", str(scenario), "-f", "kohd-north", "-t", "diversion_share<0.5"]
        + ["--range", "1:2", "-r", "2", "--jobs", "1", "--out", str(tmp_path / "size")],
    )
    assert size.exit_code == 0, size.output
    sized = Path(size.stdout.rstrip("\n").splitlines()[-1])
    assert folder_kind(sized) == "sizing"
    text = (sized / "report.html").read_text(encoding="utf-8")
    assert "Sizing report" in text and "North KØHD unit" in text and 'id="summary"' in text
    assert "Smallest number of beds" in text or "No number of beds" in text
    assert openpyxl.load_workbook(sized / "results.xlsx").sheetnames == ["About", "Bed counts"]


def test_a_run_without_report_still_writes_results_xlsx(tmp_path: Path) -> None:
    data = small()
    data["run"].update(days=60, replications=2)
    scenario = write_yaml(tmp_path / "minimal.yaml", data)
    out = str(tmp_path / "out")
    args = ["run", str(scenario), "--no-report", "-r", "2", "--jobs", "1", "--out", out]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = Path(result.stdout.rstrip("\n").splitlines()[-1])
    assert not (folder / "report.html").exists() and not (folder / "plots").exists()
    book = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)
    assert book.sheetnames[:2] == ["About", "Summary"]


def test_calibration_folder_gets_a_report(tmp_path: Path) -> None:
    folder = tmp_path / "calibrate-minimal" / "run"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"kind": "calibration"}', encoding="utf-8")
    write_yaml(folder / "scenario.yaml", small())
    pd.DataFrame(
        {
            "target": ["kohd-occupancy", "hospital-full"],
            "kpi": ["facility.kohd-north.utilisation", "facility.hospital.share_time_full"],
            "fitted": [True, False],
            "observed": [0.8, 0.02],
            "observed_low": [0.75, 0.02],
            "observed_high": [0.85, 0.02],
            "tolerance": [0.0, 0.01],
            "simulated": [0.79, 0.05],
            "ci_low": [0.77, 0.04],
            "ci_high": [0.81, 0.06],
            "n": [3, 3],
            "ratio": [0.99, 2.5],
            "inside": [True, False],
            "source": ["a plan", "a count"],
        }
    ).to_csv(folder / "goodness_of_fit.csv", index=False)
    assert folder_kind(folder) == "calibration"
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert "Calibration report" in text and "1 of 2 targets are met" in text
    assert "North KØHD unit: utilisation" in text  # KPIs by display name
    assert text.count('<img src="data:image/png;base64,') == 1
    book = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)
    assert book.sheetnames == ["About", "Goodness of fit"]
