"""Groups and pathways in the scenario format: steps, when full, limits, overrides."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from simulator.scenario.schema_values import (
    MAX_DAYS,
    MAX_PRIORITY,
    Distribution,
    Frozen,
    Id,
    Money,
    Payer,
    Probability,
    RateValue,
    Seasonality,
    Weight,
)


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
