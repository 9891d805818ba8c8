"""Facilities in the scenario format: beds, schedules, costs, outside patients, initial patients."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    Field,
    model_validator,
)

from simulator.scenario.schema_values import (
    MAX_BEDS,
    MAX_PRIORITY,
    Distribution,
    Frozen,
    Id,
    Money,
    Payer,
    Probability,
    Seasonality,
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
