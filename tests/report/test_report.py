"""The HTML report (:mod:`simulator.report`): one self-contained, valid, escaped file."""

from __future__ import annotations

import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from simulator import simulate, validate
from simulator.experiment.compare import compare
from simulator.report import write_report, yaml_comments

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario, write_yaml  # noqa: E402

SEED = 5
WARNING = "facility <kohd-north>: warm-up & more"
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "wbr"}


def tiny_scenario(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=60, warmup_days=10, replications=2)
    data["title"] = "Tiny & <test> region"
    data["description"] = "First line.\nSecond <b>line</b>."
    data.update(changes)
    return data


def add_to_manifest(folder: Path, **values: Any) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(values)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    source = write_yaml(root / "tiny.yaml", tiny_scenario())
    text = source.read_text(encoding="utf-8").replace(
        "beds: 2\n", "beds: 2  # two beds, source: a test comment\n", 1
    )
    source.write_text(text, encoding="utf-8")
    results = simulate(validate(tiny_scenario()), replications=2, seed=SEED)
    folder = Path(results.write(str(root / "results")))
    add_to_manifest(folder, warnings=[WARNING], scenario_files=[str(source)])
    return folder


@pytest.fixture(scope="module")
def report(run_folder: Path) -> str:
    return write_report(run_folder, "en").read_text(encoding="utf-8")


class StrictParser(HTMLParser):
    """Collects tags and fails on end tags that close nothing or the wrong element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.images: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name):
                self.sources.append(f"{tag}.{name}={values[name]}")
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def parse(text: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(text)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    return parser


def test_report_is_one_valid_self_contained_file(run_folder: Path, report: str) -> None:
    parser = parse(report)
    pngs = sorted((run_folder / "plots").glob("*.png"))
    assert len(pngs) == 5  # flows, occupancy, occupancy distribution, waits, costs
    assert len(parser.images) == len(pngs)
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert report.count('<img src="data:image/png;base64,') == len(pngs)
    assert 'src="http' not in report
    assert "<script" not in report and "<link" not in report and "@import" not in report
    assert all(s.startswith(("img.src=data:", "a.href=#")) for s in parser.sources)


def test_report_escapes_what_it_reads(report: str) -> None:
    assert "<title>Tiny &amp; &lt;test&gt; region · 2025</title>" in report
    assert "<h1>Tiny &amp; &lt;test&gt; region · 2025</h1>" in report
    assert "Second &lt;b&gt;line&lt;/b&gt;." in report
    assert "<test>" not in report


def test_summary_then_warnings_come_first(report: str) -> None:
    warning = report.index("facility &lt;kohd-north&gt;: warm-up &amp; more")
    assert report.index('id="summary"') < warning
    assert warning < report.index('id="results"') < report.index('id="model"')
    assert 'class="warnings"' in report


def test_model_description_follows_stress_des(report: str) -> None:
    headings = re.findall(r"<h3>(\d)\. ([^<]+)</h3>", report)
    assert [int(n) for n, _ in headings] == list(range(1, 9))
    assert "two beds, source: a test comment" in report  # a source from the scenario file
    assert "MSER-5" in report and "SeedSequence" in report
    assert "samsim" in report and "numpy" in report  # implementation, from the manifest


def test_kpi_tables_have_intervals_and_readable_numbers(report: str) -> None:
    assert report.count('<span class="ci">') > 10
    assert re.search(r"\d+\.\d\u00a0%", report)  # shares as percentages
    assert "Costs over the period" in report


def test_norwegian_report(run_folder: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(run_folder, tmp_path / "copy"))
    text = write_report(copy, "nb").read_text(encoding="utf-8")
    parse(text)
    assert '<html lang="nb">' in text
    for heading in ("Advarsler", "Resultater med 95 %-intervall", "Modellbeskrivelse", "Formål"):
        assert heading in text
    assert "Model description" not in text


def test_svg_only_on_request_from_samsim_report(
    run_folder: Path, report: str, tmp_path: Path
) -> None:
    """The report embeds PNG; ``samsim report --svg`` adds an SVG beside each, and without
    it a redrawn folder holds PNG files only."""
    from click.testing import CliRunner

    from simulator.cli import main

    copy = Path(shutil.copytree(run_folder, tmp_path / "copy"))
    plots = copy / "plots"
    assert sorted(p.suffix for p in plots.iterdir()) == [".png"] * 5  # the default
    result = CliRunner().invoke(main, ["report", str(copy), "--svg"])
    assert result.exit_code == 0, result.output
    svgs = sorted(p.stem for p in plots.glob("*.svg"))
    assert svgs == sorted(p.stem for p in plots.glob("*.png")) and len(svgs) == 5
    assert (plots / "flows.svg").read_bytes().startswith(b"<?xml")
    html = (copy / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') == 5 and "image/svg" not in html
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert not list(plots.glob("*.svg"))


def test_unknown_language_is_refused(run_folder: Path) -> None:
    with pytest.raises(ValueError, match="lang"):
        write_report(run_folder, "sv")


def test_comparison_report(tmp_path: Path) -> None:
    base = validate(tiny_scenario())
    more = tiny_scenario(name="more-kohd", title="Fewer KØHD beds, more COPD")
    more["facilities"]["kohd-north"]["beds"] = 1
    more["groups"]["kols"]["rate_per_1000"] = 15.0  # three times the demand: much changes
    folder = Path(compare(base, [validate(more)], replications=2, seed=SEED).write(tmp_path))
    text = write_report(folder, "en").read_text(encoding="utf-8")
    parser = parse(text)
    assert len(parser.images) == 1  # the forest plot; each scenario's plots are in its report
    assert "Paired differences" in text and "Fewer KØHD beds, more COPD" in text
    assert 'class="sig"' in text  # three times the demand changes occupancy and costs
    first_section = text.index("<h4>", text.index('id="comparison"'))
    assert text.index('class="sig"') > first_section
    for name in ("minimal", "more-kohd"):
        assert f'href="{name}/report.html"' in text
        sub = (folder / name / "report.html").read_text(encoding="utf-8")
        assert sub.count('<img src="data:image/png;base64,') == 5  # with the flow diagram


def test_yaml_comments_by_key_path() -> None:
    text = (
        "facilities:\n"
        "  a:\n"
        "    beds: 5   # five beds (source A)\n"
        '    name: "A # not a comment"\n'
        "    schedule:\n"
        "      - {date: 2028-01-01, beds: 0}   # closure (source B)\n"
        "# a whole-line comment\n"
        "costs: {blocked_day_rate: 5745}  # rate (source C)\n"
    )
    assert yaml_comments(text) == {
        "facilities.a.beds": "five beds (source A)",
        "facilities.a.schedule": "closure (source B)",
        "costs": "rate (source C)",
    }
