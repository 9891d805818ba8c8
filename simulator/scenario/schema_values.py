"""Units, bounds and distributions of the scenario format: the values its keys hold.

Every number is finite and bounded; a distribution is chosen by its ``dist`` tag.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

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


class Seasonality(Frozen):
    """Rate multiplier 1 + amplitude * cos(2 pi (day - peak) / 365.25)."""

    amplitude: float = Field(ge=0, le=1, description="Relative swing around the mean.")
    peak_day_of_year: float = Field(1, ge=1, le=366, description="Day of year of the peak.")
