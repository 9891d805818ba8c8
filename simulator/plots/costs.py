"""The cost figure: what each payer carries, by service, and each facility's cost."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.plots.style import (
    GREY,
    PAYER_COLOURS,
    SERVICE_COLOURS,
    SPARE_COLOURS,
    facilities,
    number_formatter,
    styled,
    wrap,
)
from simulator.store.readers import kpi_interval, period_text
from simulator.text.labels import display_names, label, label_or
from simulator.text.numbers import format_number

__all__ = ["cost_figure"]

PAYERS = ("municipality", "health_trust")


@dataclass(frozen=True)
class _Cost:
    name: str
    service: str
    payer: str
    mean: float
    low: float
    high: float

    def millions(self) -> _Cost:
        return _Cost(
            self.name,
            self.service,
            self.payer,
            *(v / 1e6 for v in (self.mean, self.low, self.high)),
        )


def _costs(summary: pd.DataFrame, scenario: Mapping[str, Any], lang: str) -> list[_Cost]:
    """Each facility's cost and the transport cost, in million NOK, where known."""
    names = display_names(scenario)["facilities"]
    transport_payer = str(
        ((scenario.get("costs") or {}).get("transport") or {}).get("payer", "health_trust")
    )
    rows: list[_Cost] = []
    for fid, facility in facilities(scenario).items():
        payer = str((facility.get("costs") or {}).get("payer", "health_trust"))
        service = str(facility.get("service", ""))
        rows.append(
            _Cost(
                names.get(fid, fid), service, payer, *kpi_interval(summary, f"cost.facility.{fid}")
            )
        )
    transport = label("service.transport", lang)
    rows.append(
        _Cost(transport, "transport", transport_payer, *kpi_interval(summary, "cost.transport"))
    )
    return [r.millions() for r in rows if math.isfinite(r.mean)]


def cost_figure(summary: pd.DataFrame, scenario: Mapping[str, Any], lang: str = "en") -> Figure:
    """Costs over the period in million NOK: by payer (stacked by service) and by facility.

    Blocked-day payments are a transfer: a hatched block added to the
    municipalities' bar and the same block marked inside the health trust's
    bar, which the trust does not carry in the end.
    """
    rows = _costs(summary, scenario, lang)
    transfer = kpi_interval(summary, "cost.blocked_payments")[0] / 1e6
    transfer = transfer if math.isfinite(transfer) else 0.0
    with styled():
        fig = Figure(figsize=(12.5, max(6.0, 0.32 * len(rows) + 2.4)))
        fig.set_layout_engine("constrained")
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.9])
        _by_payer(left, rows, summary, transfer, lang)
        _by_facility(right, rows, lang)
        fig.suptitle(label("title.costs", lang, period=period_text(scenario, lang)))
    return fig


def _by_payer(
    ax: Axes, rows: list[_Cost], summary: pd.DataFrame, transfer: float, lang: str
) -> None:
    """One bar per payer, stacked by service, with the blocked-day transfer hatched."""
    services = list(dict.fromkeys(r.service for r in rows))
    spare = iter(SPARE_COLOURS * 4)
    colours = {s: SERVICE_COLOURS.get(s) or next(spare) for s in services}
    for x, payer in enumerate(PAYERS):
        bottom = 0.0
        for service in services:
            value = sum(r.mean for r in rows if r.payer == payer and r.service == service)
            if value > 0:
                ax.bar(x, value, bottom=bottom, color=colours[service], width=0.6)
                bottom += value
        if transfer > 0:
            # The municipalities pay it on top; the trust receives it inside its own costs.
            paid = payer == "municipality"
            ax.bar(
                x,
                transfer,
                bottom=bottom if paid else bottom - transfer,
                width=0.6,
                facecolor="white" if paid else "none",
                edgecolor="black",
                hatch="xx",
                linewidth=0.6,
            )
            bottom += transfer if paid else 0.0
        net = kpi_interval(summary, f"cost.payer.{payer}")[0] / 1e6
        ax.text(
            x,
            bottom,
            label("legend.net", lang, v=format_number(net, lang, 1)),
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold",
        )
    ax.set_xticks(range(len(PAYERS)), [label(f"payer.{p}", lang) for p in PAYERS])
    ax.set_ylabel(label("axis.mnok", lang))
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.08)
    ax.set_title(label("title.costs_payer", lang), loc="left")
    handles: list[Any] = [Patch(color=colours[s]) for s in services]
    texts = [label_or(f"service.{s}", s, lang) for s in services]
    if transfer > 0:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="xx"))
        texts.append(label("legend.transfer", lang))
    ax.legend(
        handles,
        [wrap(t, 34) for t in texts],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.09),
        frameon=False,
        fontsize=8,
        ncols=2,
    )


def _by_facility(ax: Axes, rows: list[_Cost], lang: str) -> None:
    """One horizontal bar per facility with its 95 % interval, coloured by payer."""
    ordered = sorted(rows, key=lambda r: r.mean)
    y = np.arange(len(ordered))
    values = np.array([r.mean for r in ordered])
    err = np.array([[r.mean - r.low for r in ordered], [r.high - r.mean for r in ordered]])
    err = np.where(np.isfinite(err), np.maximum(err, 0.0), 0.0)
    ax.barh(y, values, color=[PAYER_COLOURS.get(r.payer, GREY) for r in ordered], height=0.7)
    ax.errorbar(values, y, xerr=err, fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    for yi, value, upper in zip(y, values, err[1], strict=True):
        ax.text(
            value + upper + 0.01 * float((values + err[1]).max(initial=1.0)),
            float(yi),
            format_number(value, lang, 1),
            va="center",
            fontsize=7.5,
        )
    reach = float((values + err[1]).max(initial=0.0)) or 1.0
    ax.set_xlim(0, reach * 1.12)
    ax.set_yticks(y, [wrap(r.name, 48) for r in ordered], fontsize=8)
    ax.set_xlabel(label("axis.mnok", lang))
    ax.xaxis.set_major_formatter(number_formatter(lang))
    ax.set_title(label("title.costs_facility", lang), loc="left")
    ax.legend(
        [Patch(color=PAYER_COLOURS[p]) for p in PAYERS],
        [label(f"payer.{p}", lang) for p in PAYERS],
        loc="lower right",
        frameon=False,
    )
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
