"""The occupancy distribution figure of a unit closed half the period (decision 55):
its bars are the open time's, and the reference and the beds line use the beds it had
while open, not the period's mean with the closed days at 0."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from simulator import simulate, validate
from simulator.plots import occupancy_distribution_figure, read_run, run_figures
from simulator.text.labels import label

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import single_unit_dict  # noqa: E402


def test_a_unit_closed_half_the_period_is_drawn_with_its_open_beds(tmp_path: Path) -> None:
    data = single_unit_dict(3, 2.0, {"dist": "exponential", "mean": 1.0}, "divert", 730, 30)
    data["facilities"]["unit"]["schedule"] = [{"date": "2026-01-01", "beds": 0}]
    results = simulate(validate(data), replications=2, seed=4, jobs=1)
    run = read_run(Path(results.write(str(tmp_path))))
    beds_mean = float(run.summary.set_index("kpi").loc["facility.unit.beds_mean", "mean"])
    assert beds_mean == pytest.approx(1.5)  # closed half the period
    fig = run_figures(run)["occupancy_distribution"]()
    ax = fig.axes[0]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in dashed] == [pytest.approx(2.5)]  # 3 beds, not 2
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert label("legend.beds_line", "en", c=3) in texts
    # The bars sum to the whole open time (100 %), the closed year is not at 0 beds.
    heights = [p.get_height() for p in ax.patches if p.get_x() < 3.5 and p.get_height() > 0]
    assert sum(heights[:4]) == pytest.approx(100.0, rel=1e-9)
    assert max(heights[:4]) < 45.0
    plt.close(fig)
    # Without the daily table the figure still draws, with beds_mean.
    fig = occupancy_distribution_figure(run.occupancy_distribution, run.summary, run.scenario)
    assert np.isclose(
        [line.get_xdata()[0] for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"],
        1.5,
    ).all()
    plt.close(fig)
