"""The scenario format, version 1, as frozen pydantic models.

This module is the contract of ``shared/scenario-format.md`` in code: every
key, its type, its default and its bounds. Unknown keys are rejected. The
models hold data only; cross-field rules (probabilities that sum to one,
references that exist, services that are offered) live in
:mod:`simulator.scenario.checks`, and reading files lives in :mod:`simulator.scenario.loading`.

Union-typed keys (a number *or* a map by age band; the ``dist`` of a
distribution) use callable discriminators with tags written ``<...>`` so that
a validation error names one branch only and the tag can be dropped from the
key path shown to the user.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    model_validator,
)

from simulator.scenario.schema_facilities import (
    Background,
    Facility,
    FacilityCosts,
    InitialOccupancy,
    ScheduleEntry,
)
from simulator.scenario.schema_pathways import (
    NO_BED,
    BandPathway,
    BandStep,
    DivertTo,
    Group,
    Limit,
    MunicipalityPathway,
    Step,
    StepCosts,
    StepRoute,
)
from simulator.scenario.schema_values import (
    DIST_NAMES,
    ID_PATTERN,
    MAX_BEDS,
    MAX_DAYS,
    MAX_REPLICATIONS,
    MIN_STAY_DAYS,
    TERMINALS,
    AgeBands,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Frozen,
    Gamma,
    Id,
    Lognormal,
    Minutes,
    Money,
    Payer,
    PopulationValue,
    Seasonality,
    Year,
)

__all__ = [
    "DIST_NAMES",
    "MAX_BEDS",
    "MAX_DAYS",
    "MAX_REPLICATIONS",
    "MIN_STAY_DAYS",
    "TERMINALS",
    "AgeBands",
    "Background",
    "BandPathway",
    "BandStep",
    "Change",
    "Costs",
    "DivertTo",
    "Distribution",
    "Empirical",
    "EpisodePayment",
    "Exponential",
    "Facility",
    "FacilityCosts",
    "Fixed",
    "Gamma",
    "Group",
    "InitialOccupancy",
    "Limit",
    "Lognormal",
    "Municipality",
    "MunicipalityPathway",
    "NO_BED",
    "Run",
    "ScheduleEntry",
    "Scenario",
    "Seasonality",
    "Step",
    "StepCosts",
    "StepRoute",
    "Transport",
]

# --- the scenario ------------------------------------------------------------


class Run(Frozen):
    """Length, warm-up, replications and seed of a run."""

    start_date: dt.date = Field(description="First day of the collection period (ISO date).")
    days: float = Field(
        gt=0, le=MAX_DAYS, description="Length of the collection period, days (at least 1)."
    )
    warmup_days: float = Field(
        0,
        ge=0,
        le=MAX_DAYS,
        description="Simulated before start_date and then discarded, days.",
    )
    replications: int = Field(10, ge=1, le=MAX_REPLICATIONS, description="Number of replications.")
    seed: int = Field(0, ge=0, description="Root seed of the experiment.")


class Municipality(Frozen):
    """Where patients live: population, its growth, and travel time to facilities."""

    name: str = Field(description="Display name; defaults to the id.")
    population: PopulationValue = Field(
        description="Inhabitants: a number, or a map of age band to number."
    )
    population_year: Year | None = Field(
        None,
        description="Year (1 January) the population is counted in; defaults to the year "
        "of run.start_date.",
    )
    growth_per_year: float = Field(
        0, gt=-1, le=1, description="Compound growth per year, e.g. 0.003 for +0.3 %."
    )
    projection: dict[Year, PopulationValue] | None = Field(
        None,
        description="Population by year (1 January), linear between years; same shape as "
        "population. Use instead of growth_per_year.",
    )
    travel_minutes: dict[Id, Minutes] = Field(
        default_factory=dict, description="Travel time to each facility id, minutes."
    )


class Transport(Frozen):
    """Cost of a trip to a facility."""

    per_trip: Money = Field(0, description="NOK per trip.")
    per_minute: Money = Field(0, description="NOK per minute of travel.")
    payer: Payer = Field("health_trust", description="Who pays for transport.")


class EpisodePayment(Frozen):
    """A payment between payers for each episode of a group treated at one level."""

    per_episode: Money = Field(description="NOK per episode, in prices of costs.price_year.")
    paid_by: Payer = Field(
        "health_trust", description="Who pays; the other payer receives the payment."
    )
    level: Literal["municipal", "specialist"] = Field(
        "municipal",
        description="Paid for each episode with a first admission at this level of care "
        "in the collection period.",
    )


IndexFactor = Annotated[float, Field(gt=0, le=1_000, allow_inf_nan=False)]


class Costs(Frozen):
    """Costs that are not a facility's, prices over the years, and payments between payers."""

    blocked_day_rate: Money = Field(
        0,
        description="NOK per utskrivningsklar day, paid by the municipality to the health trust.",
    )
    blocked_day_rate_by_year: dict[Year, Money] = Field(
        default_factory=dict,
        description="The blocked-day rate of a calendar year, NOK as paid that year (not "
        "indexed); years left out use blocked_day_rate, indexed.",
    )
    transport: Transport = Field(default_factory=Transport, description="Transport costs.")
    price_year: Year | None = Field(
        None,
        description="The year the prices are given in; defaults to the year of run.start_date.",
    )
    index_per_year: float = Field(
        0,
        gt=-1,
        le=1,
        description="Compound price growth per calendar year from price_year, e.g. 0.03.",
    )
    price_index: dict[Year, IndexFactor] | None = Field(
        None,
        description="Price index by calendar year, multiplying every price; a year before the "
        "first listed takes its value, a later year not listed the value of the year before. "
        "Use instead of index_per_year.",
    )
    payments: dict[Id, EpisodePayment] = Field(
        default_factory=dict,
        description="By group id: a payment per episode treated at a level (the health trust "
        "pays the municipality, say). Shown for each payer, never in cost.total.",
    )


class Change(Frozen):
    """Values that change on a date (``set``), or ramp linearly up to a later date (``until``)."""

    date: dt.date = Field(description="From this date (ISO) the values in set apply.")
    until: dt.date | None = Field(
        None,
        description="Ramp (also written {from, to, set}): numbers move linearly from their "
        "value the day before date to the value in set, reached on until; in monthly steps, "
        "each holding the ramp's mean over its month.",
    )
    set: dict[str, Any] = Field(
        min_length=1,
        description="Dotted key paths (as for --set) and their values from date on.",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_to(cls, data: Any) -> Any:
        """``{from, to, set}`` is read as a ramp ``{date, until, set}``."""
        if isinstance(data, dict) and ("from" in data or "to" in data):
            data = dict(data)
            if "from" in data and "date" not in data:
                data["date"] = data.pop("from")
            if "to" in data and "until" not in data:
                data["until"] = data.pop("to")
        return data


class Scenario(Frozen):
    """A region and its alternatives: everything one run needs."""

    name: str = Field(pattern=ID_PATTERN, description="Id; names the results folder.")
    title: str = Field(description="Free text for reports; defaults to name.")
    description: str = Field("", description="Free text.")
    run: Run
    municipalities: dict[Id, Municipality] = Field(min_length=1)
    facilities: dict[Id, Facility] = Field(min_length=1)
    groups: dict[Id, Group] = Field(default_factory=dict)
    costs: Costs = Field(default_factory=Costs)
    changes: list[Change] = Field(
        default_factory=list,
        description="Values that change on a date, applied in date order (docs/model.md).",
    )

    @model_validator(mode="before")
    @classmethod
    def _names_from_ids(cls, data: Any) -> Any:
        """Fill the defaults that are another key's value: title = name, name = id."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "title" not in data and isinstance(data.get("name"), str):
            data["title"] = data["name"]
        for section in ("municipalities", "facilities", "groups"):
            items = data.get(section)
            if isinstance(items, dict):
                data[section] = {
                    key: ({"name": str(key), **value} if isinstance(value, dict) else value)
                    for key, value in items.items()
                }
        return data
