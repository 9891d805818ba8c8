"""Every value validation accepts runs in bounded memory and time (issue 9).

Each small input that once exhausted the machine or ended in a traceback is
run through the command line in a subprocess limited to 1 GiB of address
space and a timeout: it must end with exit code 2 and one message naming the
file and key (or option) and how to fix it. Then the estimates behind the
limits (expected episodes, expected steps per episode) are checked against
the model, and random *accepted* scenarios near the bounds are validated and
run under a memory limit, where nothing but a SamsimError may escape.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import minimal_scenario, write_yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simulator.errors import SamsimError
from simulator.experiment.simulate import replicate
from simulator.model.demand import demand_streams
from simulator.model.demand import expected_episodes as model_expected_episodes
from simulator.scenario.limits import (
    MAX_DAYS,
    LimitError,
    Limits,
    check_limits,
    episodes_per_year,
    expected_episodes,
    expected_steps,
)
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate
from simulator.sizing.targets import RangeLimitError, parse_range
from simulator.sweeps.design import make_factor, parse_expression, points

MEMORY = 1 << 30  # bytes of address space a refused input may use
TIMEOUT = 90  # seconds; a refusal takes about two (imports), the machine is shared


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def samsim(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command line in a subprocess with 1 GiB of address space."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", "from simulator.cli import main; main(prog_name='samsim')"]
        + [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        cwd=cwd,
    )
    assert time.perf_counter() - started < TIMEOUT
    return result


def put(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``data`` with ``value`` at the dotted ``path`` (made in place)."""
    *parents, last = path.split(".")
    current = data
    for part in parents:
        current = current.setdefault(part, {})
    current[last] = value
    return data


def scenario_file(tmp_path: Path, changes: dict[str, Any], name: str = "s.yaml") -> Path:
    data = minimal_scenario()
    for path, value in changes.items():
        put(data, path, value)
    return write_yaml(tmp_path / name, data)


def refused(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The output of a command that must have refused its input cleanly."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    assert "MemoryError" not in output, output
    for text in expected:
        assert text in output, f"{text!r} not in:\n{output}"
    return output


SELF_LOOP = {"kohd_stay": 0.999999, "home": 0.000001}
STEP = "groups.kols.steps.kohd_stay"

# (id, changes to the minimal scenario, key path and message the refusal must name);
# the cases that once got past validation are also given to run (RUN_TOO).
SCENARIO_CASES = [
    ("days-1e9", {"run.days": 1e9}, "run.days: must be <= 36525"),
    ("days-inf", {"run.days": math.inf}, "run.days: must be a finite number"),
    ("days-tiny", {"run.days": 1e-300}, "run.days: the collection period must be at least one"),
    ("warmup-1e9", {"run.warmup_days": 1e9}, "run.warmup_days: must be <= 36525"),
    ("start-9999", {"run.start_date": dt.date(9999, 12, 1)}, "run.days: the period would end"),
    (
        "warmup-year-1",
        {"run.start_date": dt.date(1, 3, 1), "run.warmup_days": 100},
        "run.warmup_days: the warm-up would start before the year 1",
    ),
    ("replications-1e9", {"run.replications": 10**9}, "run.replications: must be <= 10000"),
    ("population-inf", {"municipalities.north.population": math.inf}, "north.population: must"),
    ("population-1e12", {"municipalities.north.population": 1e12}, "north.population: must be"),
    ("rate-inf", {"groups.kols.rate_per_1000": math.inf}, "rate_per_1000: must be a finite"),
    ("rate-1e308", {"groups.kols.rate_per_1000": 1e308}, "rate_per_1000: must be <= 1e+06"),
    ("weekday-inf", {"groups.kols.weekday": [math.inf] + [1] * 6}, "weekday[0]: must be a finite"),
    ("cv-1e200", {f"{STEP}.los.cv": 1e200}, "kohd_stay.los.cv: must be <= 10"),
    ("per-bed-day-inf", {"facilities.hospital.costs.per_bed_day": math.inf}, "per_bed_day: must"),
    ("growth-1e300", {"municipalities.south.growth_per_year": 1e300}, "growth_per_year: must"),
    ("population-year", {"municipalities.south.population_year": -(10**18)}, "population_year"),
    (
        "tiny-stay",
        {f"{STEP}.next": SELF_LOOP, f"{STEP}.los": {"dist": "fixed", "mean": 1e-12}},
        "kohd_stay.los.mean: the mean length of stay must be at least one minute",
    ),
    (
        "step-home",
        {
            "groups.kols.steps.home": {
                "service": "kohd",
                "los": {"dist": "fixed", "mean": 1},
                "next": {"death": 1.0},
            }
        },  # fmt: skip
        "groups.kols.steps.home: 'home' is reserved",
    ),
    (
        "step-death",
        {
            "groups.kols.steps.death": {
                "service": "kohd",
                "los": {"dist": "fixed", "mean": 1},
                "next": {"home": 1.0},
            }
        },  # fmt: skip
        "groups.kols.steps.death: 'death' is reserved",
    ),
]


RUN_TOO = ("days-tiny", "start-9999", "population-1e12", "cv-1e200", "replications-1e9")


@pytest.mark.parametrize(
    ("command", "changes", "expected"),
    [pytest.param("validate", c, e, id=i) for i, c, e in SCENARIO_CASES]
    + [pytest.param("run", c, e, id=f"run-{i}") for i, c, e in SCENARIO_CASES if i in RUN_TOO],
)
def test_a_scenario_beyond_the_bounds_is_refused(
    tmp_path: Path, command: str, changes: dict[str, Any], expected: str
) -> None:
    path = scenario_file(tmp_path, changes)
    extra = ["-q", "--no-report", "--out", tmp_path / "out", "-j", "1"] if command == "run" else []
    refused(samsim(command, path, *extra, cwd=tmp_path), f"{path}: ", expected)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_too_many_episodes_are_refused_before_running_and_the_limit_can_be_raised(
    tmp_path: Path,
) -> None:
    path = scenario_file(
        tmp_path,
        {"municipalities.north.population": 1e9, "groups.kols.rate_per_1000": 1000},
    )
    out = ["--out", tmp_path / "out", "-q", "--no-report", "-j", "1"]
    output = refused(samsim("run", path, *out, cwd=tmp_path), f"{path}: municipalities: about")
    assert "episodes expected in each replication" in output
    assert "--max-episodes N" in output
    ok = samsim("validate", path, "--max-episodes", "2e9", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok")


def test_a_pathway_loop_that_repeats_for_ever_is_refused_and_the_limit_can_be_raised(
    tmp_path: Path,
) -> None:
    path = scenario_file(tmp_path, {f"{STEP}.next": SELF_LOOP})
    output = refused(
        samsim("validate", path, cwd=tmp_path), f"{path}: {STEP}.next: an episode takes"
    )
    assert re.search(r"about 400 001 steps on average, more than the limit of 1 000", output)
    assert "--max-steps N" in output
    assert samsim("validate", path, "--max-steps", "1e6", cwd=tmp_path).returncode == 0


def test_too_many_replications_on_the_command_line_are_refused(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {})
    out = ["--out", tmp_path / "out", "-q"]
    refused(samsim("run", path, "-r", "1000000000000", *out, cwd=tmp_path), "--replications")
    refused(samsim("compare", path, path, "-r", "20000", *out, cwd=tmp_path), "--replications")
    refused(samsim("sweep", path, "--vary", "facilities.hospital.beds=2,3", "-r",
                   "1000000000", *out, cwd=tmp_path), "--replications")  # fmt: skip


def sweep_file(tmp_path: Path, spec: dict[str, Any], text: str | None = None) -> Path:
    scenario_file(tmp_path, {}, "base.yaml")
    path = tmp_path / "sweep.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
        return path
    return write_yaml(path, {"sweep": {"base": "base.yaml", **spec}})


BEDS = "facilities.hospital.beds"


def test_a_sweep_of_too_many_points_is_refused(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {})
    out = ["--out", tmp_path / "out", "-q", "--no-plots", "-j", "1"]
    lhs = samsim("sweep", path, "--design", "lhs", "--samples", "1000000000", "--vary",
                 f"{BEDS}=2..20", *out, cwd=tmp_path)  # fmt: skip
    output = refused(lhs, "a Latin hypercube of 1 000 000 000 points, more than the limit")
    assert "--max-points N" in output
    paths = [f"{STEP}.los.mean", "facilities.hospital.beds", "facilities.kohd-north.beds",
             "facilities.nursing-home.beds", "groups.kols.priority",
             "municipalities.north.travel_minutes.hospital",
             "municipalities.north.travel_minutes.kohd-north",
             "groups.kols.steps.hospital_stay.los.mean", "groups.kols.steps.short_term.los.mean",
             "groups.kols.steps.readmission.los.mean"]  # fmt: skip
    vary = [arg for p in paths for arg in ("--vary", f"{p}=1:10")]
    refused(
        samsim("sweep", path, *vary, *out, cwd=tmp_path),
        "a grid of 10 x 10 x 10",
        "10 000 000 000 points",
    )
    spec = {"design": "lhs", "samples": 1_000_000_000, "factors": {BEDS: "2..20"}}
    path = sweep_file(tmp_path, spec)
    refused(samsim("sweep", path, *out, cwd=tmp_path), f"{path}: sweep.samples: ")
    output = refused(samsim("validate", path, cwd=tmp_path), f"{path}: sweep.samples: ")
    assert "--max-points N" in output


def test_a_sweep_file_with_too_many_replications_names_its_key(tmp_path: Path) -> None:
    spec = {"replications": 1_000_000_000, "factors": {BEDS: "2,3"}}
    path = sweep_file(tmp_path, spec)
    refused(samsim("sweep", path, "--out", tmp_path / "out", cwd=tmp_path),
            f"{path}: sweep.replications: must be at most 10000")  # fmt: skip


def test_an_infinite_value_in_vary_is_refused(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {})
    result = samsim("sweep", path, "--vary", "run.days=60,inf", "--out", tmp_path, cwd=tmp_path)
    refused(result, "--vary run.days=60,inf: must be a finite number")


def test_deeply_nested_brackets_in_a_sweep_expression_are_refused(tmp_path: Path) -> None:
    expression = "(" * 400 + "{value}" + ")" * 400
    spec = {"factors": {"share": {"values": "0.1,0.2", "set": {BEDS: expression}}}}
    result = samsim("sweep", sweep_file(tmp_path, spec), "--out", tmp_path, cwd=tmp_path)
    refused(result, "sweep.factors.share: set: facilities.hospital.beds: the expression is long")
    for deep in ("(" * 60 + "{value}" + ")" * 60, "-" * 60 + "{value}"):
        with pytest.raises(SamsimError, match="nests brackets or signs more than 50 deep"):
            parse_expression(deep)
    assert parse_expression("(" * 50 + "{value}" + ")" * 50) == ("value",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sweep:\n  base: base.yaml\n  factors: {a: [1, 2}\n", "sweep.yaml"),
        ("sweep:\n  base: base.yaml\n  base: other.yaml\n", "is given twice"),
        ("sweep:\n  base: base.yaml\n  when: 2025-02-30\n", "not a valid date"),
    ],
    ids=["yaml-error", "duplicate-key", "bad-date"],
)
def test_a_sweep_file_that_cannot_be_read_says_why(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = sweep_file(tmp_path, {}, text)
    output = refused(samsim("sweep", path, "--out", tmp_path, cwd=tmp_path), expected)
    assert "--vary" not in output


def test_an_unknown_kpi_in_a_sweep_file_names_the_files_key(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, {"kpis": ["nosuch"], "factors": {BEDS: "2,3"}})
    output = refused(
        samsim("sweep", path, "--out", tmp_path / "out", "-q", cwd=tmp_path),
        f"{path}: sweep.kpis[0]: nosuch: no such KPI",
    )
    assert "--kpi" not in output


def test_a_size_range_beyond_the_limits_is_refused(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {})
    size = ["size", path, "-f", "hospital", "-t", "diversion_share<0.05", "--out", tmp_path]
    refused(
        samsim(*size, "--range", "1:1000000000", cwd=tmp_path),
        "--range 1:1000000000: a facility has at most 10000 beds",
    )
    output = refused(
        samsim(*size, "--range", "1:6000", "--max-range", "5000", cwd=tmp_path),
        "--range 1:6000: 6000 bed counts, more than the limit of 5000",
    )
    assert "--max-range N" in output
    assert parse_range("1:10000") == (1, 10_000)
    with pytest.raises(RangeLimitError, match="10001 bed counts") as caught:
        parse_range("0:10000")  # one count more than the default limit
    assert caught.value.limits == ("bed_counts",)
    assert parse_range("0:10000", Limits(bed_counts=10_001)) == (0, 10_000)
    # The default range, up to twice the beds, is held to the same limits.
    big = scenario_file(tmp_path, {"facilities.hospital.beds": 3_000}, "big.yaml")
    size[1] = big
    output = refused(samsim(*size, "--max-range", "5000", cwd=tmp_path), "--range 1:6000: 6000")
    assert "more than the limit of 5000" in output


def test_an_accepted_extreme_calendar_runs(tmp_path: Path) -> None:
    """The last and first dates a scenario may reach are simulated and written."""
    for start, warmup in ((dt.date(9999, 12, 1), 0), (dt.date(1, 1, 6), 4)):
        path = scenario_file(
            tmp_path, {"run.start_date": start, "run.days": 20, "run.warmup_days": warmup}
        )
        result = samsim("run", path, "-r", "2", "-q", "--no-report", "--out", tmp_path / "out",
                        "-j", "1", cwd=tmp_path)  # fmt: skip
        assert result.returncode == 0, result.stderr


# --- the estimates ------------------------------------------------------------------------


def _model_episodes(scenario: Scenario) -> float:
    horizon = scenario.run.warmup_days + scenario.run.days
    return sum(s.expected(0.0, horizon) for s in demand_streams(scenario))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"municipalities.south.growth_per_year": 0.3, "run.days": 3650},
        {"municipalities.north.projection": {2027: 20000, 2030: 5000}, "run.days": 2000},
        {
            "municipalities.south.population_year": 2015,
            "municipalities.south.growth_per_year": -0.2,
        },
        {"groups.kols.seasonality": {"amplitude": 0.5, "peak_day_of_year": 30}, "run.days": 730},
    ],
    ids=["flat", "growth", "projection", "counted-earlier", "seasonal"],
)
def test_expected_episodes_match_the_demand_model(changes: dict[str, Any]) -> None:
    data = minimal_scenario()
    for path, value in changes.items():
        put(data, path, value)
    scenario = validate(data)
    # Season and weekday average to 1 over whole years and weeks: 2 % covers the rest.
    assert expected_episodes(scenario) == pytest.approx(_model_episodes(scenario), rel=0.02)


def test_expected_episodes_take_constant_time_over_the_longest_horizon() -> None:
    data = minimal_scenario()
    put(data, "run.days", MAX_DAYS)
    put(data, "run.warmup_days", MAX_DAYS)
    put(data, "run.start_date", dt.date(2100, 1, 1))
    put(data, "municipalities.south.growth_per_year", 0.05)  # x 17 000 over 200 years
    put(data, "municipalities.north.population", 1e9)
    scenario = validate(data)
    started = time.perf_counter()
    estimate = expected_episodes(scenario)
    assert time.perf_counter() - started < 0.05
    assert estimate == pytest.approx(_model_episodes(scenario), rel=0.01)
    with pytest.raises(LimitError, match="episodes expected in each replication") as caught:
        check_limits(scenario, source="x.yaml")
    assert caught.value.limits == ("episodes",)


def test_growth_that_compounds_beyond_any_population_is_refused() -> None:
    """0.5 ** -1025 overflows: even a population of 0 would become NaN arrivals."""
    data = minimal_scenario()
    put(data, "municipalities.north.growth_per_year", -0.5)
    put(data, "municipalities.north.population_year", 1026)
    put(data, "municipalities.north.population", 0)
    put(data, "run.start_date", dt.date(1, 1, 2))
    put(data, "run.warmup_days", 0)
    with pytest.raises(SamsimError, match=r"north.growth_per_year: compounded from 1026 to 1 "):
        validate(data, "x.yaml")


def test_expected_steps_are_the_visits_of_the_absorbing_chain() -> None:
    group = validate(minimal_scenario()).groups["kols"]
    visits = expected_steps(group)
    # hospital: 0.6 at entry + 0.4 x 0.1 from kohd; short_term and readmission from hospital.
    assert visits == pytest.approx(
        {"kohd_stay": 0.4, "hospital_stay": 0.64, "short_term": 0.128, "readmission": 0.096}
    )
    data = minimal_scenario()
    put(data, f"{STEP}.next", {"kohd_stay": 0.9, "home": 0.1})
    looped = expected_steps(validate(data).groups["kols"])
    assert looped["kohd_stay"] == pytest.approx(0.4 / (1 - 0.9))


def test_expected_steps_match_simulated_episodes() -> None:
    """The mean number of stays per episode in a run agrees with the chain."""
    data = minimal_scenario()
    put(data, f"{STEP}.next", {"kohd_stay": 0.5, "home": 0.5})
    put(data, "facilities.kohd-north.when_full", "overflow")
    put(data, f"{STEP}.when_full", "overflow")
    put(data, "facilities.nursing-home", {"service": "nursing_home", "level": "municipal",
                                          "beds": 1000})  # fmt: skip  # no one waits
    put(data, "municipalities.north.population", 1_000_000)
    put(data, "run.days", 200)
    scenario = validate(data)
    outcome = replicate(scenario, 1, 0)
    # Each facility's own admissions over the period: not its region share, per-year or
    # per-service repeats of the same admissions.
    admissions = sum(
        v
        for k, v in outcome.kpis.items()
        if k.startswith("facility.") and k.count(".") == 2 and k.endswith(".admissions")
    )
    episodes = outcome.kpis["group.kols.episodes"]
    expected = sum(expected_steps(scenario.groups["kols"]).values())
    # ~2 800 episodes: the mean of stays per episode is within a few % (counted over the
    # collection period, so episodes at its edges blur it a little).
    assert admissions / episodes == pytest.approx(expected, rel=0.05)


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Limits(episodes=math.nan)
    with pytest.raises(ValueError, match="at least 1"):
        Limits(points=0)


def test_design_points_are_counted_before_they_are_made() -> None:
    factors = [make_factor(f"f{i}", "1:10", "--vary") for i in range(10)]
    started = time.perf_counter()
    with pytest.raises(LimitError, match="10 000 000 000 points") as caught:
        points(factors)
    assert caught.value.limits == ("points",)
    assert time.perf_counter() - started < 0.5
    assert len(points(factors[:4], max_points=10_000)) == 10_000


# --- random accepted scenarios near the bounds ---------------------------------------------


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


# Address space, not resident memory: late in a full test session the process also
# reserves allocator arenas and thread stacks for threads earlier tests started, so the
# in-process bound leaves 2 GiB of room (a runaway input, such as the 11 GB of
# ``extends: /dev/zero``, still fails it at once).
IN_PROCESS_MEMORY = 2 << 30


@pytest.fixture
def bounded_memory() -> Iterator[None]:
    """2 GiB more address space than the test process has now, while the test runs."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + IN_PROCESS_MEMORY, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(math.log(low), math.log(high)).map(math.exp).map(lambda v: min(high, v))


def _distribution(minimum: float) -> st.SearchStrategy[dict[str, Any]]:
    mean = _log_uniform(minimum, MAX_DAYS)
    cv = _log_uniform(1e-6, 10)
    return st.one_of(
        st.builds(lambda m: {"dist": "exponential", "mean": m}, mean),
        st.builds(lambda m: {"dist": "fixed", "mean": m}, mean),
        st.builds(lambda m, c: {"dist": "lognormal", "mean": m, "cv": c}, mean, cv),
        st.builds(lambda m, c: {"dist": "gamma", "mean": m, "cv": c}, mean, cv),
        st.builds(
            lambda v: {"dist": "empirical", "values": v},
            st.lists(st.sampled_from([0.0, minimum, 1.0, MAX_DAYS]), min_size=1, max_size=4),
        ),
    )


DAYS = st.one_of(st.floats(1, 40), st.floats(MAX_DAYS - 5, MAX_DAYS))
WARMUP = st.one_of(st.just(0.0), st.floats(0, 10), st.floats(MAX_DAYS - 5, MAX_DAYS))
DATES = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(1, 3, 1)),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.dates(dt.date(9999, 10, 1), dt.date(9999, 12, 31)),
)
TEST_LIMITS = Limits(episodes=300, steps=30)


@st.composite
def near_the_bounds(draw: st.DrawFn) -> dict[str, Any]:
    data = minimal_scenario()
    run = {"start_date": draw(DATES), "days": draw(DAYS), "warmup_days": draw(WARMUP)}
    data["run"] = {**run, "replications": 1, "seed": draw(st.integers(0, 2**63))}
    for mid in ("north", "south"):
        m = data["municipalities"][mid]
        m["population"] = draw(st.one_of(st.just(0.0), _log_uniform(1, 1e9)))
        m["growth_per_year"] = draw(st.one_of(st.just(0.0), st.floats(-0.99, 1.0)))
        m["population_year"] = draw(st.one_of(st.none(), st.integers(1, 9999)))
    group = data["groups"]["kols"]
    group["rate_per_1000"] = draw(st.one_of(st.just(0.0), _log_uniform(1e-9, 1e6)))
    group["weekday"] = draw(st.lists(st.floats(0, 1000), min_size=7, max_size=7))
    group["seasonality"] = {"amplitude": draw(st.floats(0, 1))}
    for step in group["steps"].values():
        step["los"] = draw(_distribution(1 / 1440))
    loop = draw(st.floats(0, 0.999))
    group["steps"]["kohd_stay"]["next"] = {"kohd_stay": loop, "home": 1 - loop}
    group["steps"]["readmission"]["delay"] = draw(_distribution(1e-9))
    for fid in ("kohd-north", "hospital", "nursing-home"):
        data["facilities"][fid]["beds"] = draw(st.sampled_from([0, 1, 3, 10_000]))
    data["facilities"]["nursing-home"]["schedule"] = []
    data["facilities"]["hospital"]["costs"]["per_bed_day"] = draw(st.floats(0, 1e12))
    return data


@pytest.mark.slow
@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same 100 scenarios in every run, so CI cannot draw a new one
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=near_the_bounds())
def test_accepted_scenarios_near_the_bounds_validate_and_run(
    bounded_memory: None, data: dict[str, Any]
) -> None:
    started = time.perf_counter()
    try:
        scenario = check_limits(validate(data, "random.yaml"), TEST_LIMITS, "random.yaml")
    except SamsimError as exc:
        event("refused: " + str(exc).split(": ")[1].split(".")[0])
        return  # refused with a message: what a user sees, exit code 2
    except ValidationError as exc:  # pragma: no cover - would be a bug
        pytest.fail(f"a pydantic error escaped validation: {exc}")
    event("ran")
    outcome = replicate(scenario, scenario.run.seed, 0)
    assert all(np.isfinite(v) or np.isnan(v) for v in outcome.kpis.values())
    assert time.perf_counter() - started < 60


def test_a_scenario_written_with_yaml_infinity_is_refused_by_validation() -> None:
    data = yaml.safe_load(".inf")
    with pytest.raises(SamsimError, match="run.days: must be a finite number"):
        validate(put(minimal_scenario(), "run.days", data), "x.yaml")


@pytest.mark.parametrize(
    "changes",
    [
        {"groups.kols.seasonality": {"amplitude": 0.8, "peak_day_of_year": 100}},
        {"municipalities.south.growth_per_year": 0.2, "groups.kols.weekday": [3, 1, 1, 1, 1, 0, 0]},
    ],
    ids=["seasonal", "growth"],
)
def test_episodes_per_year_match_the_demand_model(changes: dict[str, Any]) -> None:
    """What `samsim validate` prints, without a per-day table (season and weekday average 1
    over a year; growing demand and a season together bias it by under 1 %)."""
    data = minimal_scenario()
    for path, value in changes.items():
        put(data, path, value)
    scenario = validate(data)
    model = sum(model_expected_episodes(scenario).values())
    assert episodes_per_year(scenario) == pytest.approx(model, rel=0.002)


def test_sizing_a_large_range_stays_within_the_bed_bound(tmp_path: Path) -> None:
    """The unlimited-beds run behind the curve asks for 10 x the range's top + 50 beds:
    it is held to the most a facility may have, so a range up to 10 000 can be sized."""
    path = scenario_file(tmp_path, {"run.days": 30, "run.warmup_days": 0})
    result = samsim("size", path, "-f", "hospital", "-t", "diversion_share<0.05", "--range",
                    "9990:10000", "-r", "2", "-q", "-j", "1", "--out", tmp_path / "out",
                    cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_sweep_whose_every_point_passes_a_limit_says_which_option_raises_it(
    tmp_path: Path,
) -> None:
    path = scenario_file(tmp_path, {f"{STEP}.next": SELF_LOOP})
    result = samsim("sweep", path, "--vary", f"{BEDS}=2,3", "--out", tmp_path, cwd=tmp_path)
    output = refused(result, "no point of the sweep is a valid scenario", "steps on average")
    assert "--max-steps N" in output
