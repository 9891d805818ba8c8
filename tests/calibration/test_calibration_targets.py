"""A target's judgement (inside the tolerance, relative error) and the goodness-of-fit plot."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from simulator.calibration.targets import Target
from simulator.plots.calibration import goodness_of_fit_figure, write_calibration_figures
from simulator.plots.style import GREEN, VERMILION


def target(**given: object) -> Target:
    return Target.model_validate({"kpi": "a.b", "source": "s", **given})


def test_a_share_tolerance_is_of_the_observed_value() -> None:
    point = target(observed=20, tolerance="5%")
    assert point.tolerance_value() == pytest.approx(1.0)
    assert point.inside(21.0) and point.inside(19.0)
    assert not point.inside(21.01) and not point.inside(18.99)
    assert point.error(22.0) == pytest.approx(0.1)


def test_a_range_is_met_anywhere_inside_and_its_tolerance_widens_it() -> None:
    band = target(observed=[0.8, 0.9])
    assert band.tolerance_value() == 0 and band.middle == pytest.approx(0.85)
    assert band.inside(0.8) and band.inside(0.9) and not band.inside(0.91)
    assert band.error(0.85) == 0 and band.error(0.95) == pytest.approx(0.05 / 0.85)
    wider = target(observed=[0.8, 0.9], tolerance=0.05)
    assert wider.inside(0.95) and not wider.inside(0.7499)


def test_an_observed_zero_is_scaled_by_its_tolerance() -> None:
    zero = target(observed=0, tolerance=2)
    assert zero.error(1.0) == pytest.approx(0.5)


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "target": ["occ", "adm", "zero"],
            "kpi": ["a", "b", "c"],
            "fitted": [True, False, True],
            "observed": [20.0, 1000.0, 0.0],
            "observed_low": [20.0, 900.0, 0.0],
            "observed_high": [20.0, 1100.0, 0.0],
            "tolerance": [1.0, 0.0, 1.0],
            "simulated": [20.5, 1300.0, 0.2],
            "ci_low": [19.0, 1200.0, 0.0],
            "ci_high": [22.0, 1400.0, 0.4],
            "n": [4, 4, 4],
            "ratio": [1.025, 1.3, float("nan")],
            "inside": [True, False, True],
            "source": ["x", "y", "z"],
        }
    )


def test_the_plot_has_a_row_per_target_marked_fitted_or_held_out(tmp_path: Path) -> None:
    fig = goodness_of_fit_figure(_table())
    ax = fig.axes[0]
    # a target observed as 0 has no ratio: left out; the first target on top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["adm", "occ"]
    markers = [line for line in ax.lines if line.get_marker() in ("o", "D")]
    assert [m.get_marker() for m in markers] == ["o", "D"]
    occ, adm = markers
    assert to_rgba(occ.get_markerfacecolor()) == to_rgba(GREEN)  # fitted, inside: filled green
    assert to_rgba(adm.get_markerfacecolor()) == to_rgba("white")  # held out: open
    assert to_rgba(adm.get_color()) == to_rgba(VERMILION)  # outside
    assert occ.get_ydata()[0] == 1 and adm.get_ydata()[0] == 0
    assert adm.get_xdata()[0] == pytest.approx(1.3)
    _table().to_csv(tmp_path / "goodness_of_fit.csv", index=False)
    paths = write_calibration_figures(tmp_path, "nb")
    assert [p.name for p in paths] == ["goodness_of_fit.png", "goodness_of_fit.svg"]
    assert "simulert / observert" in (tmp_path / "goodness_of_fit.svg").read_text()


def test_an_open_range_is_a_one_sided_bound() -> None:
    at_most = target(observed=[None, 3.6])
    assert at_most.low == -float("inf") and at_most.middle == 3.6
    assert at_most.observed_text() == "≤ 3.6"
    assert at_most.inside(0.1) and at_most.inside(3.6) and not at_most.inside(3.7)
    assert at_most.error(1.0) == 0 and at_most.error(3.96) == pytest.approx(0.1)
    at_least = target(observed=[2, None], tolerance="10%")
    assert at_least.observed_text() == "≥ 2" and at_least.inside(1.8)
    assert not at_least.inside(1.79)
    with pytest.raises(ValueError, match="at least one end"):
        target(observed=[None, None])


def test_an_open_range_band_runs_to_the_edge(tmp_path: Path) -> None:
    table = _table().iloc[:1].assign(observed=3.6, observed_low=float("-inf"), observed_high=3.6)
    table = table.assign(tolerance=0.0, simulated=3.0, ci_low=2.5, ci_high=3.5, ratio=3.0 / 3.6)
    table.to_csv(tmp_path / "goodness_of_fit.csv", index=False)
    read = pd.read_csv(tmp_path / "goodness_of_fit.csv")
    assert read["observed_low"].iloc[0] == float("-inf")  # the CSV keeps the open end
    ax = goodness_of_fit_figure(read).axes[0]
    left, right = ax.get_xlim()
    band = ax.collections[0].get_paths()[0].vertices[:, 0]
    assert band.min() == pytest.approx(left) and band.max() == pytest.approx(1.0)
    assert right > 1.0
