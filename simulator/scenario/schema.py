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
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

__all__ = [
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

TERMINALS = ("home", "death")
"""Targets in ``next`` that end an episode."""

# Fixed bounds: every number is finite, and none can ask for unbounded memory or
# time (README.md, "Limits"; the limits a caller may raise are in
# simulator.scenario.limits).
MAX_DAYS = 36_525
"""Longest collection period, and longest warm-up: 100 years."""
MAX_REPLICATIONS = 10_000
"""Most replications of one run."""
MIN_STAY_DAYS = 1 / 1440
"""Shortest mean length of stay: one minute."""
MAX_POPULATION = 1_000_000_000  # inhabitants of one municipality (or age band)
MAX_RATE = 1_000_000  # episodes per 1 000 inhabitants per year: 1 000 each
MAX_MONEY = 1_000_000_000_000  # NOK of one price
MAX_MINUTES = 10_080  # travel: a week
MAX_BEDS = 10_000  # one pool; the plots of a run draw every occupancy level
MAX_CV = 10  # above it nearly every stay is ~0 and a rare one enormous
MAX_WEEKDAY = 1_000
MAX_PRIORITY = 1_000_000
MIN_YEAR, MAX_YEAR = 1, 9999

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEEKDAY, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Inhabitants = Annotated[float, Field(ge=0, le=MAX_POPULATION, allow_inf_nan=False)]
PerThousand = Annotated[float, Field(ge=0, le=MAX_RATE, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False)]
Days = Annotated[float, Field(ge=0, le=MAX_DAYS, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Payer = Literal["municipality", "health_trust"]


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown keys forbidden.

    Defaults are validated too, so a default ``0`` in a float field is ``0.0``
    like a value from a file: a scenario then prints, hashes and reloads the same.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


# --- numbers that may be given by age band ---------------------------------

AgeBands = dict[str, Inhabitants]
RateBands = dict[str, PerThousand]


def _number_or_bands(value: Any) -> str | None:
    if isinstance(value, dict):
        return "<by_band>"
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return "<number>"
    return None


PopulationValue = Annotated[
    Annotated[Inhabitants, Tag("<number>")] | Annotated[AgeBands, Tag("<by_band>")],
    Discriminator(
        _number_or_bands,
        custom_error_type="number_or_bands",
        custom_error_message="must be a number (inhabitants) or a map of age band to number",
    ),
]
RateValue = Annotated[
    Annotated[PerThousand, Tag("<number>")] | Annotated[RateBands, Tag("<by_band>")],
    Discriminator(
        _number_or_bands,
        custom_error_type="number_or_bands",
        custom_error_message="must be a number (per 1 000 inhabitants per year) or a map "
        "of age band to number",
    ),
]


# --- distributions ----------------------------------------------------------


class Exponential(Frozen):
    """Exponential, given by its mean (cv is 1)."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0, le=MAX_DAYS, description="Mean, days.")


class Fixed(Frozen):
    """Always the same value."""

    dist: Literal["fixed"]
    mean: float = Field(gt=0, le=MAX_DAYS, description="The value, days.")


class Lognormal(Frozen):
    """Lognormal, given by mean and coefficient of variation."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0, le=MAX_DAYS, description="Mean, days.")
    cv: float = Field(
        gt=0, le=MAX_CV, description="Coefficient of variation: standard deviation / mean."
    )


class Gamma(Frozen):
    """Gamma, given by mean and coefficient of variation."""

    dist: Literal["gamma"]
    mean: float = Field(gt=0, le=MAX_DAYS, description="Mean, days.")
    cv: float = Field(
        gt=0, le=MAX_CV, description="Coefficient of variation: standard deviation / mean."
    )


class Empirical(Frozen):
    """Observed values, sampled with replacement."""

    dist: Literal["empirical"]
    values: list[Days] = Field(min_length=1, description="Observed values, days.")

    @model_validator(mode="after")
    def _positive_mean(self) -> Empirical:
        if sum(self.values) <= 0:
            raise ValueError("values must have a mean above 0")
        return self


DIST_NAMES = ("exponential", "fixed", "lognormal", "gamma", "empirical")


def _dist_tag(value: Any) -> str | None:
    name = value.get("dist") if isinstance(value, dict) else getattr(value, "dist", None)
    return f"<{name}>" if name in DIST_NAMES else None


Distribution = Annotated[
    Annotated[Exponential, Tag("<exponential>")]
    | Annotated[Fixed, Tag("<fixed>")]
    | Annotated[Lognormal, Tag("<lognormal>")]
    | Annotated[Gamma, Tag("<gamma>")]
    | Annotated[Empirical, Tag("<empirical>")],
    Discriminator(
        _dist_tag,
        custom_error_type="distribution",
        custom_error_message="dist must be one of: " + ", ".join(DIST_NAMES),
    ),
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


OnClose = Literal["drain", "transfer"]


class ScheduleEntry(Frozen):
    """Capacity from a date on."""

    date: dt.date = Field(description="From this date (ISO).")
    beds: int = Field(ge=0, le=MAX_BEDS, description="Beds open from this date.")
    on_close: OnClose | None = Field(
        None,
        description="drain | transfer the patients above the new beds; default the facility's.",
    )


class FacilityCosts(Frozen):
    """What a facility costs and who pays."""

    per_bed_year: Money = Field(
        0, description="NOK per open bed per year, prorated over the days it is open."
    )
    per_bed_day: Money = Field(0, description="NOK per occupied bed-day.")
    per_admission: Money = Field(0, description="NOK per admission.")
    payer: Payer = Field(
        description="Who pays: municipality or health_trust. Defaults from the facility's "
        "level (municipal -> municipality, specialist -> health_trust)."
    )
    sharing: Literal["use", "population"] | dict[Id, Probability] = Field(
        "use",
        description="How a municipality-paid facility's cost is split between municipalities: "
        "use (variable costs to the patients' municipalities, fixed cost by bed-days), "
        "population (all of it by catchment population) or fixed shares {municipality: share} "
        "summing to 1.",
    )


class Seasonality(Frozen):
    """Rate multiplier 1 + amplitude * cos(2 pi (day - peak) / 365.25)."""

    amplitude: float = Field(ge=0, le=1, description="Relative swing around the mean.")
    peak_day_of_year: float = Field(1, ge=1, le=366, description="Day of year of the peak.")


MAX_BACKGROUND_PER_YEAR = 1_000_000  # admissions per year from outside the region: ~2 700 a day


class Background(Frozen):
    """Patients from outside the modelled region who use a facility's beds.

    They arrive as a Poisson process, occupy beds, queue and overflow like
    anyone else (by the facility's ``when_full``), and appear in the
    facility's KPIs for all patients but in no group's, municipality's or
    cost KPI of the region.
    """

    admissions_per_year: float = Field(
        ge=0,
        le=MAX_BACKGROUND_PER_YEAR,
        allow_inf_nan=False,
        description="Admissions per year of patients from outside the region (a 365-day year).",
    )
    los: Distribution = Field(description="Their length of stay, days.")
    seasonality: Seasonality | None = Field(None, description="Seasonal profile of their arrivals.")
    priority: int = Field(
        0,
        ge=-MAX_PRIORITY,
        le=MAX_PRIORITY,
        description="Their priority where patients queue; lower is served first.",
    )
    initial_patients: int = Field(
        0,
        ge=0,
        le=MAX_BEDS,
        description="Of them, in beds at the start of the simulation; each stays a residual "
        "stay drawn from the equilibrium residual of los.",
    )


class InitialOccupancy(Frozen):
    """Region patients already in a facility's beds when the simulation starts."""

    patients: int = Field(ge=0, le=MAX_BEDS, description="Patients in beds at the start.")
    los: Distribution = Field(
        description="Whole lengths of stay of such patients, days; each stays a residual stay "
        "drawn from its equilibrium residual (density (1 - F(x)) / mean), then goes home."
    )


class Facility(Frozen):
    """A pool of beds giving one service to a catchment."""

    name: str = Field(description="Display name; defaults to the id.")
    service: Id = Field(description="Type of care, e.g. kohd, hospital, dps, nursing_home, rehab.")
    level: Literal["municipal", "specialist"] = Field(description="Level of care.")
    beds: int = Field(ge=0, le=MAX_BEDS, description="Beds open at the start.")
    serves: list[Id] | None = Field(
        None, description="Municipality ids in the catchment; left out = every municipality."
    )
    when_full: Literal["queue", "divert", "overflow"] = Field(
        "queue", description="Default for steps using this facility when it is full."
    )
    schedule: list[ScheduleEntry] = Field(
        default_factory=list, description="Capacity changes; never evicts a patient in a bed."
    )
    on_close: OnClose = Field(
        "drain",
        description="When beds close below the patients in them (a schedule entry or a change): "
        "drain (they stay until discharged) or transfer (moved that moment to the nearest "
        "other facility of the service serving them with a free bed).",
    )
    costs: FacilityCosts = Field(description="Costs and payer.")
    background: Background | None = Field(
        None, description="Patients from outside the region who use these beds too."
    )
    initial_occupancy: InitialOccupancy | None = Field(
        None,
        description="Region patients in beds at the start, instead of a long warm-up.",
    )

    @model_validator(mode="before")
    @classmethod
    def _payer_from_level(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        costs = data.get("costs", {})
        if costs is None:
            costs = {}
        if isinstance(costs, dict) and "payer" not in costs:
            level = data.get("level")
            payer = {"municipal": "municipality", "specialist": "health_trust"}.get(str(level))
            if payer is not None:
                data = {**data, "costs": {**costs, "payer": payer}}
        return data


class Limit(Frozen):
    """A limit on a stay or a wait, and where the patient goes when it is reached."""

    days: float = Field(gt=0, le=MAX_DAYS, allow_inf_nan=False, description="The limit, days.")
    then: Id = Field(description="Where the patient goes at the limit: a step, home or death.")


class DivertTo(Frozen):
    """When full, move the patient to another step of the same pathway."""

    divert_to: Id | dict[Id, Probability] = Field(
        description="The step to go to instead, or probabilities over steps, home and death "
        "(must sum to 1): home means treated without a bed (substitution)."
    )


def _when_full_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "<choice>"
    if isinstance(value, dict | DivertTo):
        return "<divert_to>"
    return None


WhenFull = Annotated[
    Annotated[Literal["queue", "overflow", "divert"], Tag("<choice>")]
    | Annotated[DivertTo, Tag("<divert_to>")],
    Discriminator(
        _when_full_tag,
        custom_error_type="when_full",
        custom_error_message="must be queue, overflow, divert or a map {divert_to: step}",
    ),
]


NO_BED = "none"
"""The ``service`` of a step that needs no bed: a period at home, home care."""


class StepCosts(Frozen):
    """What a step costs by itself: a period at home with home care, say."""

    per_day: Money = Field(0, description="NOK per day of the step (the stay or the period).")
    per_start: Money = Field(0, description="NOK each time an episode starts the step.")
    payer: Payer = Field("municipality", description="Who pays.")


class Step(Frozen):
    """One stay of a pathway, or a period without a bed (``service: none``)."""

    service: Id | None = Field(
        None,
        description="Service to find a bed in (catchment decides); none: a period without a "
        "bed (home care, time at home), lasting los.",
    )
    facility: Id | None = Field(None, description="A named facility, instead of service.")
    los: Distribution = Field(description="Length of stay, days.")
    delay: Distribution | None = Field(
        None, description="Time at home before this step starts, days."
    )
    when_full: WhenFull | None = Field(
        None,
        description="queue | overflow | divert (leave the model) | {divert_to: step}; "
        "defaults to the first candidate facility's when_full.",
    )
    wait_in: Literal["home", "previous_bed"] = Field(
        "home", description="Where the patient waits for a bed: at home or in the bed they hold."
    )
    max_stay: Limit | None = Field(
        None,
        description="A stay reaching days ends there and the patient moves to then "
        "(a step, home or death) instead of next.",
    )
    max_wait: Limit | None = Field(
        None,
        description="A patient who has waited days for this step's bed (at home or in a bed) "
        "goes to then (a step, home or death) instead.",
    )
    next: dict[Id, Probability] = Field(
        description="Probabilities over other steps, home and death; must sum to 1."
    )
    costs: StepCosts | None = Field(
        None, description="Costs of the step itself, on top of any facility's costs."
    )

    @model_validator(mode="after")
    def _service_or_facility(self) -> Step:
        if (self.service is None) == (self.facility is None):
            raise ValueError("give exactly one of service or facility")
        return self


class StepRoute(Frozen):
    """A step's ``next`` for the patients of one municipality."""

    next: dict[Id, Probability] = Field(
        description="Probabilities over other steps, home and death; must sum to 1."
    )


class MunicipalityPathway(Frozen):
    """Where a group's demand or pathway differs for one municipality's patients."""

    rate_per_1000: RateValue | None = Field(
        None, description="Episodes per 1 000 inhabitants per year here; a number or by age band."
    )
    entry: dict[Id, Probability] | None = Field(
        None, description="Probabilities over the steps an episode starts in here."
    )
    steps: dict[Id, StepRoute] = Field(
        default_factory=dict, description="A step's next for this municipality's patients."
    )


class BandStep(Frozen):
    """A step's values for the patients of one age band."""

    los: Distribution | None = Field(None, description="Length of stay (or period), days.")
    next: dict[Id, Probability] | None = Field(
        None, description="Probabilities over other steps, home and death; must sum to 1."
    )
    costs: StepCosts | None = Field(None, description="Costs of the step itself.")


class BandPathway(Frozen):
    """Where a group's pathway differs for one age band's patients."""

    entry: dict[Id, Probability] | None = Field(
        None, description="Probabilities over the steps an episode starts in."
    )
    steps: dict[Id, BandStep] = Field(
        default_factory=dict, description="A step's los, next or costs for this band."
    )


class Group(Frozen):
    """A diagnosis group: its demand and its pathway."""

    name: str = Field(description="Display name; defaults to the id.")
    rate_per_1000: RateValue = Field(
        description="Episodes per 1 000 inhabitants per year; a number or by age band."
    )
    seasonality: Seasonality | None = Field(None, description="Seasonal profile.")
    weekday: list[Weight] | None = Field(
        None,
        min_length=7,
        max_length=7,
        description="Seven factors, Monday first; rescaled to mean 1.",
    )
    priority: int = Field(
        0,
        ge=-MAX_PRIORITY,
        le=MAX_PRIORITY,
        description="Lower is served first where patients queue.",
    )
    entry: dict[Id, Probability] = Field(
        description="Probabilities over the steps an episode starts in; must sum to 1."
    )
    steps: dict[Id, Step] = Field(min_length=1, description="The pathway's steps by id.")
    municipalities: dict[Id, MunicipalityPathway] = Field(
        default_factory=dict,
        description="Per municipality id: its own rate_per_1000, entry or a step's next.",
    )
    bands: dict[str, BandPathway] | None = Field(
        None,
        description="Per age band: its own entry or a step's los, next or costs; patients "
        "carry a band drawn from population x rate, and KPIs are given by band ({} for "
        "the KPIs alone).",
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
