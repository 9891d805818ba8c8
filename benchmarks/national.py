"""A synthetic national-scale scenario for benchmarks (not a planning scenario).

:func:`national_scenario` builds a scenario map, valid under
:func:`simulator.validate`, of the size of Norway: about 356 municipalities
with 5.5 million inhabitants between them (a skewed, lognormal spread of
sizes, older populations in small municipalities), about 20 regional
hospitals (``service: hospital``, ``when_full: overflow``) each serving a
contiguous block of municipalities, a KØHD per about 5 municipalities
(``divert_to`` hospital when full), a DPS per hospital region, a
rehabilitation unit per two hospital regions and a short-term nursing-home
pool per municipality. The six patient groups have the pathways of the
Midt-Troms baseline; their rates are scaled so that about
``episodes_per_year`` (one million) episodes arrive a year, and every pool is
sized from its expected load (the visits of each pathway step times its mean
stay) to a target occupancy.

Everything is deterministic: the sizes and travel times come from a numpy
generator with a fixed seed. Nothing here is data about Norway.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["national_scenario", "expected_episodes_per_year"]

SEED = 20261123
POPULATION = 5_500_000
BANDS = ("0-66", "67-79", "80+")
WEEKDAY = [1.1, 1.0, 1.0, 1.0, 1.0, 0.95, 0.95]
WEEKDAY_PLANNED = [1.15, 1.1, 1.1, 1.05, 1.0, 0.8, 0.8]
WINTER = {"amplitude": 0.1, "peak_day_of_year": 20}


def _ln(mean: float, cv: float) -> dict[str, Any]:
    return {"dist": "lognormal", "mean": mean, "cv": cv}


def _gamma(mean: float, cv: float) -> dict[str, Any]:
    return {"dist": "gamma", "mean": mean, "cv": cv}


def _exp(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


def _somatic(
    rates: tuple[float, float, float],
    entry_kohd: float,
    kohd: tuple[float, dict[str, float]],
    hospital: tuple[float, dict[str, float]],
    short_term: tuple[float, dict[str, float]],
    readmission: tuple[float, float, dict[str, float]],
    weekday: list[float],
    seasonality: dict[str, float] | None = None,
    rehab: tuple[float, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """A baseline-style pathway: KØHD or hospital, then home, nursing home or readmission."""
    steps: dict[str, Any] = {
        "kohd_stay": {
            "service": "kohd",
            "los": _ln(kohd[0], 0.6),
            "when_full": {"divert_to": "hospital_stay"},
            "next": kohd[1],
        },
        "hospital_stay": {"service": "hospital", "los": _ln(hospital[0], 0.8), "next": hospital[1]},
    }
    if rehab is not None:
        steps["rehab_stay"] = {"service": "rehab", "los": _gamma(rehab[0], 0.5), "next": rehab[1]}
    steps["short_term"] = {
        "service": "nursing_home",
        "wait_in": "previous_bed",
        "los": _gamma(short_term[0], 1.0),
        "next": short_term[1],
    }
    steps["readmission"] = {
        "delay": _exp(readmission[0]),
        "service": "hospital",
        "los": _ln(readmission[1], 0.8),
        "next": readmission[2],
    }
    group: dict[str, Any] = {
        "rate_per_1000": dict(zip(BANDS, rates, strict=True)),
        "weekday": weekday,
        "entry": {"kohd_stay": entry_kohd, "hospital_stay": round(1 - entry_kohd, 10)},
        "steps": steps,
    }
    if seasonality is not None:
        group["seasonality"] = seasonality
    return group


def _groups() -> dict[str, dict[str, Any]]:
    """The six groups of the Midt-Troms baseline, with its (unscaled) rates."""
    return {
        "kols": _somatic(
            (2, 25, 50),
            0.35,
            (3.0, {"home": 0.84, "hospital_stay": 0.15, "death": 0.01}),
            (6.2, {"home": 0.51, "short_term": 0.15, "readmission": 0.27, "death": 0.07}),
            (21, {"home": 0.85, "death": 0.10, "readmission": 0.05}),
            (12, 6.2, {"home": 0.75, "short_term": 0.15, "death": 0.10}),
            WEEKDAY,
            {"amplitude": 0.3, "peak_day_of_year": 20},
        ),
        "diabetes": _somatic(
            (2.5, 9, 15),
            0.3,
            (2.8, {"home": 0.88, "hospital_stay": 0.12}),
            (4.5, {"home": 0.78, "short_term": 0.07, "readmission": 0.13, "death": 0.02}),
            (18, {"home": 0.95, "death": 0.05}),
            (20, 4.5, {"home": 0.90, "short_term": 0.07, "death": 0.03}),
            WEEKDAY,
        ),
        "kreft": _somatic(
            (4, 30, 45),
            0.2,
            (3.0, {"home": 0.80, "hospital_stay": 0.15, "death": 0.05}),
            (6.0, {"home": 0.66, "short_term": 0.12, "readmission": 0.14, "death": 0.08}),
            (21, {"home": 0.70, "death": 0.25, "readmission": 0.05}),
            (20, 6.0, {"home": 0.75, "short_term": 0.13, "death": 0.12}),
            WEEKDAY_PLANNED,
        ),
        "geriatri": _somatic(
            (2, 45, 180),
            0.55,
            (3.5, {"home": 0.83, "hospital_stay": 0.15, "death": 0.02}),
            (
                7.0,
                {
                    "home": 0.55,
                    "short_term": 0.22,
                    "rehab_stay": 0.05,
                    "readmission": 0.13,
                    "death": 0.05,
                },
            ),
            (24, {"home": 0.80, "death": 0.12, "readmission": 0.08}),
            (15, 7.0, {"home": 0.65, "short_term": 0.25, "death": 0.10}),
            WEEKDAY,
            WINTER,
            rehab=(18, {"home": 0.85, "short_term": 0.15}),
        ),
        "infusjon": _somatic(
            (8, 40, 100),
            0.65,
            (2.8, {"home": 0.90, "hospital_stay": 0.10}),
            (3.9, {"home": 0.85, "short_term": 0.05, "readmission": 0.08, "death": 0.02}),
            (14, {"home": 0.95, "death": 0.05}),
            (20, 3.9, {"home": 0.92, "short_term": 0.05, "death": 0.03}),
            WEEKDAY_PLANNED,
            WINTER,
        ),
        "psykisk_helse": {
            "rate_per_1000": dict(zip(BANDS, (5.5, 3, 2), strict=True)),
            "entry": {"dps_stay": 1.0},
            "steps": {
                "dps_stay": {
                    "service": "dps",
                    "los": _ln(17, 1.0),
                    "when_full": "queue",
                    "next": {"home": 0.90, "dps_readmission": 0.10},
                },
                "dps_readmission": {
                    "delay": _exp(60),
                    "service": "dps",
                    "los": _ln(17, 1.0),
                    "when_full": "queue",
                    "next": {"home": 1.0},
                },
            },
        },
    }


def _mean(dist: dict[str, Any]) -> float:
    return float(dist["mean"])


def _bed_days_by_service(group: dict[str, Any]) -> dict[str, float]:
    """Expected bed-days per episode of ``group`` in each service (no diversions)."""
    steps = group["steps"]
    sids = list(steps)
    n = len(sids)
    transfer = np.zeros((n, n))
    for i, sid in enumerate(sids):
        for target, p in steps[sid]["next"].items():
            if target in steps:
                transfer[i, sids.index(target)] = p
    entry = np.array([group["entry"].get(sid, 0.0) for sid in sids])
    visits = np.linalg.solve(np.eye(n) - transfer.T, entry)  # v = e + P^T v
    days: dict[str, float] = {}
    for v, sid in zip(visits, sids, strict=True):
        service = steps[sid]["service"]
        days[service] = days.get(service, 0.0) + float(v) * _mean(steps[sid]["los"])
    return days


def _populations(municipalities: int, rng: np.random.Generator) -> np.ndarray:
    raw = rng.lognormal(0.0, 1.3, municipalities)
    pop = np.maximum(raw / raw.sum() * POPULATION, 200.0)
    pop = pop / pop.sum() * POPULATION
    return np.round(pop).astype(np.int64)


def _bands(total: int) -> dict[str, int]:
    """Split a population into bands: smaller municipalities are older."""
    small = 4.0 - math.log10(max(total, 1))  # > 0 below 10 000 inhabitants
    s80 = min(max(0.045 + 0.012 * small, 0.025), 0.09)
    s67 = min(max(0.125 + 0.025 * small, 0.08), 0.20)
    old80 = round(total * s80)
    old67 = round(total * s67)
    return {"0-66": total - old67 - old80, "67-79": old67, "80+": old80}


def expected_episodes_per_year(scenario: dict[str, Any]) -> float:
    """Episodes a year from populations and rates (seasons and weekdays average to 1)."""
    total = 0.0
    for m in scenario["municipalities"].values():
        for g in scenario["groups"].values():
            total += sum(m["population"][b] * g["rate_per_1000"][b] for b in BANDS) / 1000
    return total


def _blocks(n: int, parts: int) -> list[list[int]]:
    return [list(map(int, b)) for b in np.array_split(np.arange(n), max(1, min(parts, n)))]


def national_scenario(
    municipalities: int = 356,
    days: float = 365,
    warmup_days: float = 30,
    episodes_per_year: float = 1_000_000,
    hospitals: int | None = None,
    seed: int = SEED,
) -> dict[str, Any]:
    """A synthetic national scenario map (validate it with :func:`simulator.validate`).

    Parameters
    ----------
    municipalities
        Number of municipalities; 5.5 million inhabitants are spread over them.
    days, warmup_days
        ``run.days`` and ``run.warmup_days``.
    episodes_per_year
        Group rates are scaled so that this many episodes arrive a year.
    hospitals
        Regional hospitals; by default about one per 18 municipalities (20 for 356).
    seed
        Seed of the numpy generator for sizes and travel times.
    """
    rng = np.random.default_rng(seed)
    n_hosp = hospitals if hospitals is not None else max(1, round(municipalities / 17.8))
    mids = [f"k{i:03d}" for i in range(municipalities)]
    pops = _populations(municipalities, rng)
    bands = [_bands(int(p)) for p in pops]

    groups = _groups()
    raw = sum(
        bands[i][b] * g["rate_per_1000"][b] / 1000
        for i in range(municipalities)
        for g in groups.values()
        for b in BANDS
    )
    scale = episodes_per_year / raw
    for g in groups.values():
        g["rate_per_1000"] = {b: round(r * scale, 6) for b, r in g["rate_per_1000"].items()}

    # Expected bed-days a day by (municipality, service), to size the pools.
    per_episode = {gid: _bed_days_by_service(g) for gid, g in groups.items()}
    load: list[dict[str, float]] = []
    for i in range(municipalities):
        here: dict[str, float] = {}
        for gid, g in groups.items():
            per_day = sum(bands[i][b] * g["rate_per_1000"][b] for b in BANDS) / 1000 / 365
            for service, d in per_episode[gid].items():
                here[service] = here.get(service, 0.0) + per_day * d
        load.append(here)

    def beds(served: list[int], service: str, occupancy: float, extra: float = 0.0) -> int:
        offered = sum(load[i].get(service, 0.0) for i in served) * (1 + extra)
        return max(1, math.ceil(offered / occupancy))

    facilities: dict[str, dict[str, Any]] = {}
    travel: list[dict[str, float]] = [{} for _ in mids]

    def add(fid: str, service: str, level: str, served: list[int], n_beds: int, **kw: Any) -> None:
        lo, hi = {
            "hospital": (20, 200),
            "kohd": (10, 60),
            "dps": (20, 120),
            "rehab": (30, 240),
            "nursing_home": (5, 20),
        }[service]
        for i in served:
            travel[i][fid] = float(rng.integers(lo, hi + 1))
        payer = "municipality" if level == "municipal" else "health_trust"
        costs = (
            {"per_bed_day": 17000, "payer": payer}
            if service in ("hospital", "rehab")
            else {"per_bed_year": 3_300_000 if service == "dps" else 1_200_000, "payer": payer}
        )
        facilities[fid] = {
            "service": service,
            "level": level,
            "beds": n_beds,
            "serves": [mids[i] for i in served],
            "costs": costs,
            **kw,
        }

    regions = _blocks(municipalities, n_hosp)
    for h, served in enumerate(regions):
        # Hospitals also hold KØHD diversions and utskrivningsklare patients: +15 %.
        add(
            f"hf{h:02d}-medisin",
            "hospital",
            "specialist",
            served,
            beds(served, "hospital", 0.85, 0.15),
            when_full="overflow",
        )
        add(
            f"hf{h:02d}-dps",
            "dps",
            "specialist",
            served,
            beds(served, "dps", 0.85),
            when_full="queue",
        )
    for r, pair in enumerate(range(0, len(regions), 2)):
        served = [i for region in regions[pair : pair + 2] for i in region]
        add(
            f"rehab{r:02d}",
            "rehab",
            "specialist",
            served,
            beds(served, "rehab", 0.85),
            when_full="queue",
        )
    for k, served in enumerate(_blocks(municipalities, math.ceil(municipalities / 5))):
        add(
            f"kohd{k:03d}",
            "kohd",
            "municipal",
            served,
            beds(served, "kohd", 0.75),
            when_full="divert",
        )
    for i, mid in enumerate(mids):
        add(f"{mid}-korttid", "nursing_home", "municipal", [i], beds([i], "nursing_home", 0.8) + 1)

    return {
        "name": "national-synthetic",
        "title": "Synthetic national-scale scenario (benchmark only)",
        "description": f"{municipalities} municipalities, {n_hosp} hospitals; "
        f"about {episodes_per_year:,.0f} episodes a year. Not data about Norway.",
        "run": {
            "start_date": "2025-01-01",
            "days": days,
            "warmup_days": warmup_days,
            "replications": 1,
            "seed": seed,
        },
        "municipalities": {
            mid: {"population": bands[i], "travel_minutes": travel[i]} for i, mid in enumerate(mids)
        },
        "facilities": facilities,
        "groups": groups,
        "costs": {
            "blocked_day_rate": 5745,
            "transport": {"per_trip": 7006, "per_minute": 20, "payer": "health_trust"},
        },
    }
