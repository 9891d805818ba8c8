"""Display labels in English and Norwegian (bokmål): one mapping for plots, report and tables.

Code, files and columns keep their stable snake_case names; what a planner
reads comes from :data:`LABELS` through :func:`label`. Keys are namespaced:
``kpi.<suffix>`` for the last part of a KPI name (``occupancy_mean``),
``cost.<...>`` for cost KPIs without an id, ``unit.*``, ``title.*``,
``axis.*``, ``heading.*``, ``text.*``, ``service.*``, ``payer.*``,
``level.*``, ``when_full.*``, ``section.*``, ``column.*``, ``legend.*``,
``caption.*``, ``sweep.*`` (sweep plots), ``month.1..12``.
Facility, group and municipality names are the scenario's ``name`` fields
(:func:`display_names`), not labels.

The tables live in :mod:`simulator.text.labels_terms` (the model's words),
:mod:`simulator.text.labels_plots` and :mod:`simulator.text.labels_report`;
numbers are formatted by :mod:`simulator.text.numbers` (``format_number`` and
``format_share`` are re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from simulator.text.labels_plots import PLOTS
from simulator.text.labels_report import REPORT
from simulator.text.labels_terms import TERMS, UNITS
from simulator.text.numbers import NBSP, format_as_given, format_number, format_share

__all__ = [
    "LABELS",
    "LANGS",
    "UNITS",
    "Lang",
    "Names",
    "display_names",
    "format_number",
    "format_share",
    "kpi_label",
    "kpi_unit",
    "kpi_parts",
    "label",
    "label_or",
    "target_text",
]

Lang = Literal["en", "nb"]
LANGS: tuple[Lang, ...] = ("en", "nb")

Names = dict[str, dict[str, str]]
"""Display names by section (``facilities``, ``groups``, ``municipalities``) and id."""

LABELS: dict[str, tuple[str, str]] = {**TERMS, **PLOTS, **REPORT}
"""Every display label: key -> (English, Norwegian bokmål)."""


def label(key: str, lang: str = "en", **values: object) -> str:
    """The display label of ``key`` in ``lang`` ("en" or "nb"), with ``{fields}`` filled in.

    Raises
    ------
    KeyError
        For an unknown key (a typo in code, not a user error).
    ValueError
        For a language other than "en" and "nb".
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    text = LABELS[key][LANGS.index(lang)]
    return text.format(**values) if values else text


def label_or(key: str, default: str, lang: str = "en") -> str:
    """The label of ``key`` in ``lang``, or ``default`` where there is no such label."""
    return label(key, lang) if key in LABELS else default


def display_names(scenario: Mapping[str, Any]) -> Names:
    """Display names by section and id from a scenario as plain data (``scenario.yaml``)."""
    names: Names = {}
    for section in ("facilities", "groups", "municipalities"):
        items = scenario.get(section) or {}
        names[section] = {
            str(key): str(value.get("name", key)) if isinstance(value, Mapping) else str(key)
            for key, value in items.items()
        }
    return names


_SECTIONS = {"facility": "facilities", "group": "groups", "municipality": "municipalities"}


_RATES = ("per_year", "per_1000")


def kpi_span(kpi: str) -> tuple[str, int | None, str | None]:
    """A KPI name without its time span: ``(base, year, rate)``.

    ``year.2027.cost.total.per_year`` gives ``("cost.total", 2027, "per_year")``;
    ``cost.total`` gives ``("cost.total", None, None)`` (the whole period).
    """
    year = None
    parts = kpi.split(".", 2)
    if parts[0] == "year" and len(parts) == 3 and parts[1].isdigit():
        year, kpi = int(parts[1]), parts[2]
    for rate in _RATES:
        if kpi.endswith(f".{rate}"):
            return kpi.removesuffix(f".{rate}"), year, rate
    return kpi, year, None


def kpi_parts(kpi: str, names: Names, lang: str = "en") -> tuple[str, str, str]:
    """``(section, subject, measure)`` of a KPI name, for tables and plot rows.

    ``facility.dms-senja-kohd.occupancy_mean`` gives ``("facility", "DMS Senja – KØHD",
    "mean beds used")``; ``cost.facility.<id>`` gives ``("cost", <facility name>, "cost over
    the period (NOK)")``; ``cost.total`` gives ``("cost", "total cost over the period", "")``.
    The time span follows the measure: ``in 2027`` for ``year.2027.*``, ``per year`` and
    ``per 1 000 inhabitants per year`` for ``*.per_year`` and ``*.per_1000``, and ``over
    the period`` for any other money figure. Unknown parts are shown as they are.
    """
    base, year, rate = kpi_span(kpi)
    section, subject, measure = _base_parts(base, names, lang)
    span = [label("rate.year", lang, year=year)] if year is not None else []
    if rate is not None:
        span.append(label(f"rate.{rate}", lang))
    elif year is None and kpi_unit(base) == "nok":
        span.append(label("rate.period", lang))
    if span:
        when = ", ".join(span)
        text = measure or subject
        head, unit = text, ""
        if text.endswith(")") and " (" in text:  # before the unit: "cost in 2027 (NOK)"
            head, unit = text.rsplit(" (", 1)
            unit = f" ({unit}"
        text = f"{head}{', ' if ',' in head else ' '}{when}{unit}"
        subject, measure = (subject, text) if measure else (text, measure)
    return section, subject, measure


def _base_parts(kpi: str, names: Names, lang: str) -> tuple[str, str, str]:
    parts = kpi.split(".")
    if parts[0] in ("service", "level") and len(parts) >= 3:
        ident = ".".join(parts[1:-1])
        subject = label_or(f"{parts[0]}.{ident}", ident, lang)
        subject = f"{subject} ({label(f'{parts[0]}.all', lang)})"
        return parts[0], subject, label_or(f"kpi.{parts[-1]}", parts[-1], lang)
    if parts[0] == "cost" and len(parts) >= 4 and parts[1] == "municipality":
        ident = ".".join(parts[2:-1])
        subject = names.get("municipalities", {}).get(ident, ident)
        return "cost", subject, label_or(f"kpi.{parts[-1]}", parts[-1], lang)
    if parts[0] in _SECTIONS and len(parts) >= 3:
        ident, suffix = ".".join(parts[1:-1]), parts[-1]
        subject = names.get(_SECTIONS[parts[0]], {}).get(ident, ident)
        if parts[0] == "facility" and ident.endswith(".region"):  # a shared facility
            own = ident.removesuffix(".region")
            subject = names.get("facilities", {}).get(own, own)
            subject = f"{subject} ({label('kpi.region', lang)})"
        if parts[0] == "group" and ".band." in ident:  # group.<g>.band.<b>.<kpi>
            group, band = ident.split(".band.", 1)
            subject = names.get("groups", {}).get(group, group)
            subject = f"{subject} ({label('kpi.band', lang)} {band})"
        if parts[0] == "municipality" and suffix == "cost":  # the cost its residents cause
            suffix = "caused"
        return parts[0], subject, label_or(f"kpi.{suffix}", suffix, lang)
    if parts[0] == "band" and len(parts) >= 3:  # band.<b>.<kpi>: every group of that age band
        band = ".".join(parts[1:-1])
        subject = f"{label('kpi.band', lang)} {band}"
        return "band", subject, label_or(f"kpi.{parts[-1]}", parts[-1], lang)
    if parts[0] == "cost" and len(parts) >= 3 and parts[1] == "facility":
        ident = ".".join(parts[2:])
        return "cost", names.get("facilities", {}).get(ident, ident), label("kpi.cost", lang)
    return parts[0], label_or(kpi, kpi, lang), ""


def kpi_label(kpi: str, names: Names, lang: str = "en") -> str:
    """One line naming a KPI: ``"DMS Senja – KØHD: mean beds used"``."""
    _, subject, measure = kpi_parts(kpi, names, lang)
    return f"{subject}: {measure}" if measure else subject


def kpi_unit(kpi: str) -> str:
    """The unit key of a KPI name (``beds``, ``share``, ``nok``, ...), whatever its time span."""
    kpi = kpi_span(kpi)[0]
    if kpi.startswith("cost."):
        return "nok"
    return UNITS.get(kpi.rsplit(".", 1)[-1], "count")


_GLYPHS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def target_text(kpi: str, operator: str, value: float, names: Names, lang: str = "en") -> str:
    """A sizing target as a planner reads it: ``"DMS Senja – KØHD: diverted < 5 %"``.

    The value is written as given (``%g``), as a percentage for shares and
    with its unit otherwise; ``<=`` and ``>=`` become ``≤`` and ``≥``.
    """
    unit = kpi_unit(kpi)
    if unit == "share":
        amount = format_as_given(100 * value, lang) + NBSP + "%"
    else:
        amount = format_as_given(value, lang)
        if unit not in ("count", "nok"):
            amount += " " + label(f"unit.{unit}", lang)
        elif unit == "nok":
            amount += " " + label("unit.nok", lang)
    return f"{kpi_label(kpi, names, lang)} {_GLYPHS.get(operator, operator)}{NBSP}{amount}"
