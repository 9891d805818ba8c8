"""The patient-flow diagram (Sankey style) of one run, drawn with matplotlib.

Columns from left to right: where patients live, their group, their first,
second and third stay, and how the episode ended (``flows.csv``, see
:mod:`simulator.measures.flows`). Each node is a bar as tall as the patients
per year through it; each band joins two nodes, as wide as the patients per
year along it. Bands keep the colour of the node they leave, so a band
entering a stay from a group shows that group's volume. Nodes too small to
name (below 1 % of the episodes) are drawn but not labelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from simulator.plots.style import (
    BLUE,
    GREEN,
    GREY,
    SERVICE_COLOURS,
    SKY,
    SPARE_COLOURS,
    VERMILION,
    facilities,
    message,
)
from simulator.text.labels import display_names, label
from simulator.text.numbers import format_number

__all__ = ["COLUMNS", "ENDINGS", "flow_figure", "node_label"]

COLUMNS = ("municipality", "group", "stay1", "stay2", "stay3", "end")
"""Node kinds, one column each, left to right."""
ENDINGS = ("home", "elsewhere", "death", "open")
_END_COLOURS = {"home": GREEN, "elsewhere": VERMILION, "death": "#333333", "open": SKY}
_GAP = 0.012  # share of the height between two nodes of a column
_SMALL = 0.01  # nodes below this share of all episodes are not named


def node_label(node: str, names: Mapping[str, Mapping[str, str]], lang: str) -> str:
    """A node as a planner reads it: the display name, or the ending in words."""
    kind, _, ident = node.partition(":")
    if kind == "municipality":
        return names.get("municipalities", {}).get(ident, ident)
    if kind == "group":
        return names.get("groups", {}).get(ident, ident)
    if kind == "end":
        return label(f"legend.end_{ident}", lang)
    return names.get("facilities", {}).get(ident, ident)


def _order(scenario: Mapping[str, Any]) -> dict[str, int]:
    """Rank of every id within its column: the scenario's order, endings fixed."""
    rank: dict[str, int] = {}
    for section in ("municipalities", "groups", "facilities"):
        for i, key in enumerate((scenario.get(section) or {}).keys()):
            rank[f"{section}:{key}"] = i
    for i, end in enumerate(ENDINGS):
        rank[f"end:{end}"] = i
    return rank


def _rank(node: str, rank: Mapping[str, int]) -> int:
    kind, _, ident = node.partition(":")
    section = {"municipality": "municipalities", "group": "groups", "end": "end"}.get(
        kind, "facilities"
    )
    key = f"end:{ident}" if section == "end" else f"{section}:{ident}"
    return rank.get(key, len(rank))


def _colour(node: str, scenario: Mapping[str, Any], groups: list[str]) -> str:
    kind, _, ident = node.partition(":")
    if kind == "municipality":
        return BLUE
    if kind == "group":
        return SPARE_COLOURS[groups.index(ident) % len(SPARE_COLOURS)] if ident in groups else GREY
    if kind == "end":
        return _END_COLOURS.get(ident, GREY)
    service = str(facilities(scenario).get(ident, {}).get("service", ""))
    return SERVICE_COLOURS.get(service, GREY)


def _band(x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float]) -> MplPath:
    """A band from ``x0`` (spanning ``y0``) to ``x1`` (spanning ``y1``), with S-shaped edges."""
    mid = (x0 + x1) / 2
    vertices = [
        (x0, y0[0]),
        (mid, y0[0]),
        (mid, y1[0]),
        (x1, y1[0]),
        (x1, y1[1]),
        (mid, y1[1]),
        (mid, y0[1]),
        (x0, y0[1]),
        (x0, y0[0]),
    ]
    codes = [MplPath.MOVETO] + [MplPath.CURVE4] * 3 + [MplPath.LINETO] + [MplPath.CURVE4] * 3
    codes += [MplPath.CLOSEPOLY]
    return MplPath(vertices, codes)


def flow_figure(flows: pd.DataFrame, scenario: Mapping[str, Any], lang: str = "en") -> Figure:
    """The flow diagram of one run: patients per year from home through the beds and out."""
    fig = Figure(figsize=(13.0, 8.5))
    if flows.empty or not {"source", "target", "per_year"} <= set(flows.columns):
        message(fig, label("title.flows_none", lang))
        return fig
    edges = flows[flows["per_year"] > 0][["source", "target", "per_year"]]
    names = display_names(scenario)
    groups = list((scenario.get("groups") or {}).keys())
    rank = _order(scenario)
    column = {kind: i for i, kind in enumerate(COLUMNS)}

    def col(node: str) -> int:
        return column.get(node.partition(":")[0], len(COLUMNS) - 1)

    out = edges.groupby("source")["per_year"].sum()
    into = edges.groupby("target")["per_year"].sum()
    nodes = sorted(set(out.index) | set(into.index), key=lambda n: (col(n), _rank(n, rank), n))
    size = {n: max(float(out.get(n, 0.0)), float(into.get(n, 0.0))) for n in nodes}
    total = float(edges[edges["source"].str.startswith("municipality:")]["per_year"].sum())
    total = total or max(size.values())
    # Vertical layout: every column scaled alike, the fullest column fills the height.
    used = [n for n in COLUMNS if any(col(x) == column[n] for x in nodes)]
    counts = {c: [n for n in nodes if col(n) == column[c]] for c in used}
    tallest = max(sum(size[n] for n in ns) for ns in counts.values())
    most = max(len(ns) for ns in counts.values())
    scale = (1.0 - _GAP * (most - 1)) / tallest
    top: dict[str, float] = {}
    for ns in counts.values():
        y = 1.0
        for n in ns:
            top[n] = y
            y -= size[n] * scale + _GAP
    xs = {c: i for i, c in enumerate(used)}
    x_of = {n: float(xs[COLUMNS[col(n)]]) for n in nodes}
    width = 0.08

    ax = fig.add_axes((0.01, 0.03, 0.98, 0.86))
    ax.set_xlim(-0.15, len(used) - 1 + 0.9)
    ax.set_ylim(-0.01, 1.01)
    ax.axis("off")
    out_used = dict.fromkeys(nodes, 0.0)
    in_used = dict.fromkeys(nodes, 0.0)
    edges = edges.assign(
        _sx=[x_of[s] for s in edges["source"]],
        _sy=[-top[s] for s in edges["source"]],
        _tx=[x_of[t] for t in edges["target"]],
        _ty=[-top[t] for t in edges["target"]],
    ).sort_values(["_sx", "_sy", "_tx", "_ty"])
    # Bands leave each node in the order of their targets' heights, and enter in their sources'.
    by_target = edges.sort_values(["_tx", "_ty", "_sx", "_sy"])
    entry: dict[tuple[str, str], float] = {}
    for s, t, v in by_target[["source", "target", "per_year"]].itertuples(index=False):
        entry[(s, t)] = top[t] - in_used[t] * scale
        in_used[t] += float(v)
    for s, t, v in edges[["source", "target", "per_year"]].itertuples(index=False):
        h = float(v) * scale
        y0 = top[s] - out_used[s] * scale
        out_used[s] += float(v)
        y1 = entry[(s, t)]
        patch = PathPatch(
            _band(x_of[s] + width, x_of[t], (y0, y0 - h), (y1, y1 - h)),
            facecolor=_colour(s, scenario, groups),
            edgecolor="none",
            alpha=0.35,
        )
        ax.add_patch(patch)
    for n in nodes:
        h = size[n] * scale
        ax.add_patch(
            Rectangle((x_of[n], top[n] - h), width, h, color=_colour(n, scenario, groups), lw=0)
        )
        if size[n] >= _SMALL * total:
            name = node_label(n, names, lang)
            name = name if len(name) <= 44 else name[:43].rstrip() + "…"
            text = f"{name}  {format_number(size[n], lang, 0)}"
            ax.text(
                x_of[n] + width + 0.02,
                top[n] - h / 2,
                text,
                va="center",
                ha="left",
                fontsize=7.5,
                clip_on=False,
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1.0},
            )
    for c in used:
        ax.text(
            xs[c] + width / 2,
            1.02,
            label(f"legend.flow_{c}", lang),
            ha="left",
            va="bottom",
            fontsize=9,
            fontweight="bold",
            transform=ax.transData,
            clip_on=False,
        )
    title = label("title.flows", lang, total=format_number(total, lang, 0))
    fig.suptitle(title, x=0.01, y=0.985, ha="left")
    return fig
