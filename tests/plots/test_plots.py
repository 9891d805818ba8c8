"""Plots of a results folder (:mod:`simulator.plots`), the Erlang formulas behind the
analytic reference (:mod:`simulator.analysis.erlang`) and the display labels
(:mod:`simulator.text.labels`).

The figures are checked on a small results folder written by a real, short
experiment (60 days, 2 replications) and on hand-made tables where the
expected content must be exact.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from simulator import simulate, validate
from simulator.analysis import erlang
from simulator.experiment.compare import compare
from simulator.plots import (
    VERMILION,
    comparison_figures,
    cost_figure,
    forest_figure,
    occupancy_distribution_figure,
    occupancy_figure,
    read_comparison,
    read_run,
    reference_distribution,
    wait_figure,
    write_figures,
)
from simulator.text.labels import LABELS, LANGS, display_names, format_number, format_share, label

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402

SEED = 11


def tiny_scenario(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=60, warmup_days=10, replications=2)
    data["title"] = "Tiny & <test> region"
    data["facilities"]["kohd-north"]["name"] = "North KØHD"
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = simulate(validate(tiny_scenario()), replications=2, seed=SEED)
    return Path(results.write(str(tmp_path_factory.mktemp("run"))))


@pytest.fixture(scope="module")
def comparison_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = validate(tiny_scenario())
    more = tiny_scenario(name="more-kohd")
    more["facilities"]["kohd-north"]["beds"] = 1
    more["groups"]["kols"]["rate_per_1000"] = 15.0  # three times the demand: much changes
    comparison = compare(base, [validate(more)], replications=2, seed=SEED)
    return Path(comparison.write(tmp_path_factory.mktemp("compare")))


# --- Erlang formulas -------------------------------------------------------------------


def direct_erlang_b(c: int, a: float) -> float:
    """Erlang-B straight from its definition (fine for small c)."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def direct_erlang_c(c: int, a: float) -> float:
    """Erlang-C straight from the M/M/c stationary distribution."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.3), (5, 2.2), (5, 4.79), (10, 5.0), (12, 11)])
def test_erlang_b_matches_its_definition(c: int, a: float) -> None:
    assert erlang.erlang_b(c, a) == pytest.approx(direct_erlang_b(c, a), rel=1e-12)


def test_erlang_b_known_values_and_limits() -> None:
    # B(5, 2.2) = (2.2^5/5!) / sum_k 2.2^k/k! = 0.42947/8.80020 = 0.048802
    assert erlang.erlang_b(5, 2.2) == pytest.approx(0.048802, abs=1e-6)
    assert erlang.erlang_b(10, 5.0) == pytest.approx(0.018385, abs=1e-6)  # Erlang-B tables
    for a in (0.1, 1.0, 7.5):
        assert erlang.erlang_b(1, a) == pytest.approx(a / (1 + a))
        assert erlang.erlang_b(0, a) == 1.0
    assert erlang.erlang_b(4, 0.0) == 0.0
    big = erlang.erlang_b(3000, 2900.0)  # the recursion stays stable far beyond factorials
    assert 0.0 < big < 0.05


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.0), (3, 2.5), (9, 7.88), (20, 15.0)])
def test_erlang_c_matches_mmc(c: int, a: float) -> None:
    assert erlang.erlang_c(c, a) == pytest.approx(direct_erlang_c(c, a), rel=1e-12)


def test_erlang_c_limits_and_instability() -> None:
    assert erlang.erlang_c(1, 0.3) == pytest.approx(0.3)  # M/M/1: P(wait) = rho
    assert erlang.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="a < c"):
        erlang.erlang_c(3, 3.0)
    with pytest.raises(ValueError):
        erlang.erlang_b(-1, 1.0)


def test_occupancy_distributions_are_consistent() -> None:
    loss = erlang.loss_occupancy(5, 4.79)
    assert loss.sum() == pytest.approx(1.0)
    assert loss[-1] == pytest.approx(erlang.erlang_b(5, 4.79))
    delay = erlang.delay_occupancy(9, 7.88)
    assert delay.sum() == pytest.approx(1.0)
    assert delay[-1] == pytest.approx(erlang.erlang_c(9, 7.88))
    # Below c, M/M/c is proportional to a^k/k!, like the loss system.
    assert delay[1] / delay[0] == pytest.approx(7.88)
    poisson = erlang.poisson_occupancy(22.2, 80)
    assert poisson.sum() == pytest.approx(1.0)
    assert erlang.poisson_at_least(28, 22.2) == pytest.approx(1 - poisson[:28].sum())


def test_reference_follows_when_full() -> None:
    divert = reference_distribution("divert", 5.0, 4.79)
    queue = reference_distribution("queue", 9.0, 7.88)
    overflow = reference_distribution("overflow", 28.0, 22.19)
    unstable = reference_distribution("queue", 2.0, 2.5)
    assert divert is not None and divert.full == pytest.approx(erlang.erlang_b(5, 4.79))
    assert "Erlang loss" in divert.text and len(divert.shares) == 6
    assert queue is not None and queue.full == pytest.approx(erlang.erlang_c(9, 7.88))
    assert overflow is not None and overflow.full == pytest.approx(
        erlang.poisson_at_least(28, 22.19)
    )
    assert unstable is not None and len(unstable.shares) == 0 and "≥" in unstable.text
    assert reference_distribution("queue", 0.2, 0.1) is None  # no beds: nothing to compare
    assert reference_distribution("divert", 5.0, math.nan) is None


# --- figures on a real results folder ----------------------------------------------------


def test_occupancy_figure_has_a_panel_per_facility(run_folder: Path) -> None:
    run = read_run(run_folder)
    fig = occupancy_figure(run.daily_occupancy, run.scenario, "en", run.replications)
    assert isinstance(fig, Figure)
    facilities = list(run.scenario["facilities"])
    assert len(fig.axes) == len(facilities)
    for ax in fig.axes:
        assert len(ax.get_lines()) == 2  # mean and open beds
        assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 1  # the band
        assert ax.get_ylim()[0] == 0
    assert fig.axes[0].get_title(loc="left") == "North KØHD"
    assert "2 replications" in fig.get_suptitle()


def test_occupancy_distribution_figure_has_simulated_and_reference_bars(run_folder: Path) -> None:
    run = read_run(run_folder)
    fig = occupancy_distribution_figure(run.occupancy_distribution, run.summary, run.scenario, "en")
    assert len(fig.axes) == 3
    kohd = fig.axes[0]  # when_full: divert -> Erlang loss reference
    legend = kohd.get_legend()
    assert legend is not None
    assert any("analytic reference (Erlang loss" in t.get_text() for t in legend.get_texts())
    simulated = run.occupancy_distribution
    levels = simulated[(simulated["facility"] == "kohd-north") & (simulated["share"] > 0)]
    bars = [p for p in kohd.patches if isinstance(p, Rectangle)]
    assert len(bars) >= len(levels) + 3  # simulated bars plus the 0..c reference (c = 2)
    hospital = fig.axes[1]  # overflow -> Poisson reference
    assert any("Poisson" in t.get_text() for t in hospital.get_legend().get_texts())


def test_wait_figure_skips_groups_that_never_wait() -> None:
    probability = np.linspace(0, 1, 101)
    waits = pd.concat(
        [
            pd.DataFrame(
                {"group": "a", "probability": probability, "wait_days": 10 * probability**4}
            ),
            pd.DataFrame({"group": "b", "probability": probability, "wait_days": 0.0}),
        ]
    )
    scenario = {"groups": {"a": {"name": "Group A"}, "b": {"name": "Group B"}}}
    fig = wait_figure(waits, scenario, "en")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "Group A"
    assert len(ax.get_lines()) == 3  # the curve, and the dotted 90 % guide lines
    x, y = ax.get_lines()[0].get_data()
    assert np.all(np.diff(np.asarray(y)) >= 0)  # a distribution function
    assert "no wait: Group B" in fig.get_suptitle()
    nothing = wait_figure(waits[waits["group"] == "b"], scenario, "nb")
    assert "Ingen pasientgruppe ventet" in nothing.get_suptitle()


def test_wait_figure_zoomed_in_has_whole_percent_ticks() -> None:
    """90 % admitted at once: the axis starts at 80 %, and every tick is a whole percent
    (steps of 2.5 % would print 87.5 % as "88%")."""
    probability = np.linspace(0, 1, 201)
    waits = pd.DataFrame(
        {"group": "a", "probability": probability, "wait_days": np.maximum(probability - 0.9, 0)}
    )
    fig = wait_figure(waits, {"groups": {"a": {"name": "A"}}}, "en")
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 80
    ticks = [t for t in ax.get_yticks() if 80 <= t <= 101]
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks), ticks


def test_cost_figure_has_payers_and_facilities(run_folder: Path) -> None:
    run = read_run(run_folder)
    fig = cost_figure(run.summary, run.scenario, "en")
    payers, facilities = fig.axes
    assert [t.get_text() for t in payers.get_xticklabels()] == ["municipalities", "health trust"]
    assert len(facilities.patches) == len(run.scenario["facilities"]) + 1  # and transport
    assert "million NOK" in facilities.get_xlabel()


def comparison_rows() -> pd.DataFrame:
    columns = ["scenario", "kpi", "base_mean", "alt_mean", "difference", "ci_low", "ci_high"]
    rows = [
        ("alt", "facility.x.occupancy_mean", 3.0, 4.0, 1.0, 0.8, 1.2),
        ("alt", "facility.y.occupancy_mean", 5.0, 5.1, 0.1, -0.3, 0.5),
        ("alt", "facility.z.occupancy_mean", 2.0, 2.0, 0.0, 0.0, 0.0),  # unchanged: left out
        ("alt", "facility.x.diversion_share", 0.3, 0.1, -0.2, -0.25, -0.15),
        ("alt", "cost.total", 1e8, 1.1e8, 1e7, 5e6, 1.5e7),
        ("alt", "cost.per_episode", 1e5, 1.1e5, 1e4, 5e3, 1.5e4),  # not in the plot
        ("alt", "group.g.wait_mean", 1.0, 1.0, 0.0, 0.0, 0.0),  # unchanged: no panel
    ]
    table = pd.DataFrame(rows, columns=columns)
    table["p_value"] = [0.001, 0.5, 1.0, 0.001, 0.01, 0.01, 1.0]
    return table


def test_forest_figure_panels_rows_and_highlight() -> None:
    names = {"facilities": {"x": "Unit X", "y": "Unit Y"}, "groups": {}, "municipalities": {}}
    fig = forest_figure(comparison_rows(), names, "en", "Base", "Alternative")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles == ["Facilities: mean beds used", "Facilities: diverted", "Costs"]
    beds = next(ax for ax in fig.axes if ax.get_title(loc="left") == "Facilities: mean beds used")
    assert [t.get_text() for t in beds.get_yticklabels()] == ["Unit X", "Unit Y"]
    markers = [line for line in beds.get_lines() if line.get_marker() == "o"]
    assert [m.get_color() for m in markers] == [VERMILION, "#999999"]  # only X is significant
    assert any(line.get_xdata()[0] == 0 for line in beds.get_lines() if line.get_marker() != "o")
    shares = next(ax for ax in fig.axes if ax.get_title(loc="left") == "Facilities: diverted")
    assert "percentage points" in shares.get_xlabel()
    assert shares.get_lines()[1].get_xdata()[0] == pytest.approx(-20.0)  # shown in points
    assert "Alternative compared with Base" in fig.get_suptitle()


def test_write_figures_writes_png_and_svg_on_request(run_folder: Path) -> None:
    paths = write_figures(run_folder, "nb", svg=True)
    stems = {"flows", "occupancy", "occupancy_distribution", "waiting_time", "costs"}
    assert {p.name for p in paths} == {f"{s}.{x}" for s in stems for x in ("png", "svg")}
    for path in paths:
        assert path.parent == run_folder / "plots"
        head = path.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n" if path.suffix == ".png" else head.startswith(b"<?xml")
    svg = (run_folder / "plots" / "costs.svg").read_text(encoding="utf-8")
    assert "Etter betaler" in svg  # Norwegian text, kept as text in the SVG
    # Without svg (the default) only PNG files, and the SVG files drawn before are gone:
    # they would show the other language.
    again = write_figures(run_folder, "en", workers=1)
    assert {p.name for p in again} == {f"{s}.png" for s in stems}
    assert sorted(p.name for p in (run_folder / "plots").iterdir()) == sorted(p.name for p in again)


def _text_boxes(fig: Figure) -> tuple[list[Any], Any]:
    """Every axes' box with its titles, labels, tick labels and legend; the figure's box."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    return [ax.get_tightbbox(renderer) for ax in fig.axes], fig.bbox


@pytest.mark.parametrize("figure", ["occupancy", "occupancy_distribution", "waiting_time"])
def test_fixed_layout_keeps_every_text_inside_and_apart(figure: str) -> None:
    """Panels placed without a layout engine: long titles, labels and ticks fit and never touch."""
    names = [
        "Senter for psykisk helse og rus Midt-Troms (DPS Silsand), akuttpost og "
        "allmennpsykiatrisk døgnpost for voksne",
        "UNN Tromsø – medical wards",
        "A",
        "Dyrøy – short-term places",
    ]
    ids = [f"f{i}" for i in range(len(names))]
    scenario = {
        "facilities": {
            f: {"name": n, "when_full": w, "service": "kohd"}
            for f, n, w in zip(ids, names, ["queue", "overflow", "divert", "queue"], strict=True)
        },
        "groups": {f: {"name": n} for f, n in zip(ids, names, strict=True)},
    }
    beds = [9, 150, 1, 1200]
    rows = []
    for f, c in zip(ids, beds, strict=True):
        for k, v in (("beds_mean", c), ("offered_load", 0.8 * c), ("share_time_full", 0.2)):
            rows.append({"kpi": f"facility.{f}.{k}", "mean": v, "ci_low": v, "ci_high": v})
    summary = pd.DataFrame(rows)
    if figure == "occupancy":
        days = pd.date_range("2025-01-01", periods=730).strftime("%Y-%m-%d")
        daily = pd.concat(
            pd.DataFrame(
                {
                    "facility": f,
                    "day": days,
                    "mean": 0.7 * c,
                    "p05": 0.5 * c,
                    "p95": 0.9 * c,
                    "beds": c,
                }
            )
            for f, c in zip(ids, beds, strict=True)
        )
        fig = occupancy_figure(daily, scenario, "nb", 20)
    elif figure == "occupancy_distribution":
        dist = pd.concat(
            pd.DataFrame(
                {
                    "facility": f,
                    "occupied": np.arange(c + 1),
                    "share": np.full(c + 1, 1.0 / (c + 1)),
                }
            )
            for f, c in zip(ids, beds, strict=True)
        )
        fig = occupancy_distribution_figure(dist, summary, scenario, "nb")
    else:
        probability = np.linspace(0, 1, 101)
        waits = pd.concat(
            pd.DataFrame(
                {"group": f, "probability": probability, "wait_days": 10.0**i * probability**2}
            )
            for i, f in enumerate(ids)
        )
        fig = wait_figure(waits, scenario, "nb")
    assert fig.get_layout_engine() is None  # placed by fixed_layout, not measured at each draw
    boxes, page = _text_boxes(fig)
    assert len(boxes) == 4
    for box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 + 1
        assert page.y0 <= box.y0 and box.y1 <= page.y1
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    title = fig.texts[0].get_window_extent() if fig.texts else None
    if title is not None:  # the suptitle lies above every panel
        assert all(title.y0 >= box.y1 - 1 for box in boxes)
    for legend in fig.legends:  # below every panel
        extent = legend.get_window_extent()
        assert extent.y0 >= page.y0 and all(extent.y1 <= box.y0 + 1 for box in boxes)


def test_occupancy_distribution_of_many_beds_is_drawn_as_outlines() -> None:
    """Beyond 30 levels a bar per level is a pixel wide: filled steps and one reference outline."""
    from matplotlib.patches import StepPatch

    scenario = {"facilities": {"big": {"name": "Big", "when_full": "overflow"}}}
    levels = np.arange(0, 81)
    shares = np.exp(-0.5 * ((levels - 50) / 8.0) ** 2)
    dist = pd.DataFrame({"facility": "big", "occupied": levels, "share": shares / shares.sum()})
    summary = pd.DataFrame(
        [
            {"kpi": f"facility.big.{k}", "mean": v, "ci_low": v, "ci_high": v}
            for k, v in (("beds_mean", 60.0), ("offered_load", 50.0), ("share_time_full", 0.1))
        ]
    )
    fig = occupancy_distribution_figure(dist, summary, scenario, "en")
    ax = fig.axes[0]
    steps = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert [p.get_fill() for p in steps] == [True, True, False]  # below c, from c, reference
    below, full, reference = steps
    assert below.get_data().edges[-1] == full.get_data().edges[0] == 59.5  # split at c = 60
    assert np.sum(below.get_data().values) + np.sum(full.get_data().values) == pytest.approx(100)
    assert len(reference.get_data().values) >= 81
    assert not [p for p in ax.patches if isinstance(p, Rectangle)]  # no bar per level
    assert any("Poisson" in t.get_text() for t in ax.get_legend().get_texts())


def test_comparison_folder_gives_one_forest_plot_per_alternative(comparison_folder: Path) -> None:
    # Writing every scenario's figures as well is covered by tests/report/test_report.py.
    comparison = read_comparison(comparison_folder)
    assert comparison.base == "minimal" and comparison.alternatives == ["more-kohd"]
    assert list(comparison.runs) == ["minimal", "more-kohd"]
    figures = comparison_figures(comparison, "en")
    assert list(figures) == ["forest_more-kohd"]
    fig = figures["forest_more-kohd"]()
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert "Facilities: mean beds used" in titles


def test_importing_plots_leaves_matplotlib_alone() -> None:
    code = (
        "import sys, matplotlib; before = matplotlib.get_backend.__module__;"
        "import simulator.plots, simulator.report;"
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- labels ---------------------------------------------------------------------------


def test_every_label_has_both_languages() -> None:
    for key, texts in LABELS.items():
        assert len(texts) == len(LANGS), key
        assert all(t.strip() for t in texts), key
    assert label("kpi.occupancy_mean", "nb") == "belagte senger (snitt)"
    assert label("title.costs", "en", period="2025") == "Costs 2025"
    with pytest.raises(ValueError, match="lang"):
        label("kpi.admissions", "de")
    with pytest.raises(KeyError):
        label("kpi.no_such_kpi", "en")


def test_numbers_follow_the_language() -> None:
    assert format_number(1234567.891, "en", 1) == "1\u00a0234\u00a0567.9"
    assert format_number(1234567.891, "nb", 1) == "1\u00a0234\u00a0567,9"
    assert format_number(-2.5, "nb", 1, sign=True) == "−2,5"
    assert format_share(0.274, "nb") == "27,4\u00a0%"
    assert format_number(math.nan, "en") == "–"


def test_display_names_default_to_ids() -> None:
    names = display_names({"facilities": {"a": {"name": "Unit A"}, "b": {}}, "groups": None})
    assert names["facilities"] == {"a": "Unit A", "b": "b"}
    assert names["groups"] == {} and names["municipalities"] == {}
