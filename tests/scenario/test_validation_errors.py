"""Broken scenario files through the command line: every mistake named, no traceback.

Each case is a small valid scenario (:func:`helpers.minimal_scenario`) with one
mistake, or a raw YAML text. It is written to a file and checked with
``samsim validate`` through click's ``CliRunner``: exit code 2, a line
``FILE: key.path: what is wrong (got VALUE); hint`` with the exact key path,
the hint where one applies, and no traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers import minimal_scenario, write_yaml

import simulator.scenario.loading
from simulator.cli import main

Mutation = Callable[[dict[str, Any]], None]


def steps(d: dict[str, Any]) -> dict[str, Any]:
    return d["groups"]["kols"]["steps"]


@dataclass(frozen=True)
class Case:
    """One broken file and the problem line it must produce."""

    id: str
    change: Mutation | str  # a change to the minimal scenario, or a whole YAML text
    path: str  # the exact key path ("" for problems with the file itself)
    message: str  # a fragment of what is wrong
    hint: str | None = None  # a fragment of the hint after "; "
    got: str | None = None  # the value shown as "(got ...)"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def problem_line(output: str, source: str, path: str, message: str) -> str:
    """The one line of ``output`` about ``path`` in ``source`` that says ``message``."""
    prefix = f"{source}: {path}: " if path else f"{source}: "
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    matching = [line for line in lines if message in line[len(prefix) :]]
    assert matching, f"no line starting {prefix!r} saying {message!r} in:\n{output}"
    return matching[0]


def assert_problem(result: Result, source: str, case: Case) -> None:
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 2, f"exit {result.exit_code}:\n{result.output}"
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    line = problem_line(result.output, source, case.path, case.message)
    if case.hint is not None:
        assert "; " in line, f"no hint in: {line}"
        assert case.hint in line.split("; ", 1)[1], f"hint {case.hint!r} missing in: {line}"
    if case.got is not None:
        assert f"(got {case.got})" in line, f"value {case.got!r} missing in: {line}"


def write_case(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"{case.id}.yaml"
    if isinstance(case.change, str):
        path.write_text(case.change, encoding="utf-8")
    else:
        data = minimal_scenario()
        case.change(data)
        write_yaml(path, data)
    return path


def put(*keys: str | int, value: Any) -> Mutation:
    """A change that sets ``d[k1][k2]...[kn] = value``."""

    def change(d: dict[str, Any]) -> None:
        target: Any = d
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def drop(*keys: str) -> Mutation:
    """A change that removes ``d[k1]...[kn]``."""

    def change(d: dict[str, Any]) -> None:
        target: Any = d
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def both(*changes: Mutation) -> Mutation:
    def change(d: dict[str, Any]) -> None:
        for c in changes:
            c(d)

    return change


G = ("groups", "kols")
S = ("groups", "kols", "steps")
KOHD = (*S, "kohd_stay")
HOSP = (*S, "hospital_stay")
NH = (*S, "short_term")
READM = (*S, "readmission")
F = "facilities"
M = "municipalities"
GP = "groups.kols"
SP = "groups.kols.steps"

TYPOS = [
    Case("typo-top", put("titel", value="x"), "titel", "unknown key", "did you mean 'title'?"),
    Case(
        "typo-run",
        put("run", "replication", value=3),
        "run.replication",
        "unknown key",
        "did you mean 'replications'?",
    ),
    Case(
        "typo-municipality",
        put(M, "north", "populaton", value=3),
        "municipalities.north.populaton",
        "unknown key",
        "did you mean 'population'?",
    ),
    Case(
        "typo-facility",
        put(F, "hospital", "bed", value=3),
        "facilities.hospital.bed",
        "unknown key",
        "did you mean 'beds'?",
    ),
    Case(
        "typo-facility-costs",
        put(F, "hospital", "costs", "per_bed_dya", value=3),
        "facilities.hospital.costs.per_bed_dya",
        "unknown key",
        "did you mean 'per_bed_day'?",
    ),
    Case(
        "typo-schedule",
        put(F, "nursing-home", "schedule", 0, "bed", value=3),
        "facilities.nursing-home.schedule[0].bed",
        "unknown key",
        "did you mean 'beds'?",
    ),
    Case(
        "typo-costs",
        put("costs", "blocked_rate", value=3),
        "costs.blocked_rate",
        "unknown key",
        "did you mean 'blocked_day_rate'?",
    ),
    Case(
        "typo-transport",
        put("costs", "transport", value={"per_trips": 3}),
        "costs.transport.per_trips",
        "unknown key",
        "did you mean 'per_trip'?",
    ),
    Case(
        "typo-group",
        put(*G, "rate_per_100", value=3),
        f"{GP}.rate_per_100",
        "unknown key",
        "did you mean 'rate_per_1000'?",
    ),
    Case(
        "typo-seasonality",
        put(*G, "seasonality", value={"amplitude": 0.2, "peak_day": 20}),
        f"{GP}.seasonality.peak_day",
        "unknown key",
        "did you mean 'peak_day_of_year'?",
    ),
    Case(
        "typo-step",
        put(*NH, "wait", value="home"),
        f"{SP}.short_term.wait",
        "unknown key",
        "did you mean 'wait_in'?",
    ),
    Case(
        "typo-los",
        put(*NH, "los", "cvv", value=1),
        f"{SP}.short_term.los.cvv",
        "unknown key",
        "did you mean 'cv'?",
    ),
    Case(
        "typo-delay",
        put(*READM, "delay", "mean_", value=1),
        f"{SP}.readmission.delay.mean_",
        "unknown key",
        "did you mean 'mean'?",
    ),
    Case(
        "typo-divert-to",
        put(*KOHD, "when_full", value={"divert": "hospital_stay"}),
        f"{SP}.kohd_stay.when_full.divert",
        "unknown key",
        "did you mean 'divert_to'?",
    ),
    Case(
        "unknown-key-far-from-all",
        put("run", "zzzz", value=1),
        "run.zzzz",
        "unknown key",
        "known keys: start_date, days, warmup_days, replications, seed",
    ),
]

WRONG_TYPES = [
    Case(
        "beds-text",
        put(F, "hospital", "beds", value="four"),
        "facilities.hospital.beds",
        "must be a valid integer",
        got="'four'",
    ),
    Case(
        "population-list",
        put(M, "north", "population", value=[1, 2]),
        "municipalities.north.population",
        "must be a number (inhabitants) or a map of age band to number",
        got="[1, 2]",
    ),
    Case(
        "population-bool",
        put(M, "north", "population", value=True),
        "municipalities.north.population",
        "must be a number or text, not true/false",
        "write a number",
        got="true",
    ),
    Case(
        "date-not-a-date",
        put("run", "start_date", value="not-a-date"),
        "run.start_date",
        "must be a valid date",
        got="'not-a-date'",
    ),
    Case(
        "schedule-date-month-13",
        put(F, "nursing-home", "schedule", 0, "date", value="2025-13-01"),
        "facilities.nursing-home.schedule[0].date",
        "must be a valid date",
        got="'2025-13-01'",
    ),
    Case(
        "replications-fraction",
        put("run", "replications", value=2.5),
        "run.replications",
        "must be a valid integer",
        got="2.5",
    ),
    Case(
        "rate-text",
        put(*G, "rate_per_1000", value="many"),
        f"{GP}.rate_per_1000",
        "must be a valid number",
        got="'many'",
    ),
    Case(
        "municipality-not-a-map",
        put(M, "north", value=5),
        "municipalities.north",
        "must be a map of keys",
        got="5",
    ),
    Case(
        "next-not-a-map",
        put(*NH, "next", value="home"),
        f"{SP}.short_term.next",
        "must be a map of keys",
        got="'home'",
    ),
    Case(
        "facility-when-full-choice",
        put(F, "hospital", "when_full", value="overfow"),
        "facilities.hospital.when_full",
        "must be one of: queue, divert, overflow",
        "did you mean 'overflow'?",
        got="'overfow'",
    ),
    Case(
        "step-when-full-choice",
        put(*KOHD, "when_full", value="queu"),
        f"{SP}.kohd_stay.when_full",
        "must be one of: queue, overflow, divert",
        "did you mean 'queue'?",
    ),
    Case(
        "step-when-full-number",
        put(*KOHD, "when_full", value=5),
        f"{SP}.kohd_stay.when_full",
        "must be queue, overflow, divert or a map {divert_to: step}",
        got="5",
    ),
    Case(
        "level-choice",
        put(F, "hospital", "level", value="specalist"),
        "facilities.hospital.level",
        "must be one of: municipal, specialist",
        "did you mean 'specialist'?",
    ),
    Case(
        "wait-in-choice",
        put(*NH, "wait_in", value="previous"),
        f"{SP}.short_term.wait_in",
        "must be one of: home, previous_bed",
    ),
    Case(
        "payer-choice",
        put(F, "hospital", "costs", "payer", value="state"),
        "facilities.hospital.costs.payer",
        "must be one of: municipality, health_trust",
        got="'state'",
    ),
    Case(
        "name-not-an-id",
        put("name", value="my scenario"),
        "name",
        "must be an id of letters, digits, '-' and '_'",
        got="'my scenario'",
    ),
    Case(
        "municipality-id-not-an-id",
        put(M, "east side", value={"population": 3}),
        "municipalities.east side",
        "the key must be an id",
    ),
    Case(
        "projection-year-not-a-number",
        put(M, "north", "projection", value={"soon": 11000}),
        "municipalities.north.projection.soon",
        "the key must be a valid integer",
    ),
    Case(
        "weekday-six-days",
        put(*G, "weekday", value=[1, 1, 1, 1, 1, 1]),
        f"{GP}.weekday",
        "at least 7 items",
    ),
    Case(
        "probability-above-one",
        put(*G, "entry", value={"kohd_stay": 1.5, "hospital_stay": -0.5}),
        f"{GP}.entry.kohd_stay",
        "must be <= 1",
        got="1.5",
    ),
]

BOUNDS = [
    Case(
        "beds-negative",
        put(F, "hospital", "beds", value=-2),
        "facilities.hospital.beds",
        "must be >= 0",
        got="-2",
    ),
    Case(
        "schedule-beds-negative",
        put(F, "nursing-home", "schedule", 0, "beds", value=-1),
        "facilities.nursing-home.schedule[0].beds",
        "must be >= 0",
        got="-1",
    ),
    Case(
        "rate-negative",
        put(*G, "rate_per_1000", value=-5),
        f"{GP}.rate_per_1000",
        "must be >= 0",
        got="-5",
    ),
    Case(
        "rate-band-negative",
        both(
            put(M, "north", "population", value={"0-66": 9000, "67+": 1000}),
            put(M, "south", "population", value={"0-66": 3000, "67+": 1000}),
            put(*G, "rate_per_1000", value={"0-66": 1, "67+": -20}),
        ),
        f"{GP}.rate_per_1000.67+",
        "must be >= 0",
        got="-20",
    ),
    Case(
        "population-negative",
        put(M, "north", "population", value=-100),
        "municipalities.north.population",
        "must be >= 0",
        got="-100",
    ),
    Case(
        "population-band-negative",
        put(M, "north", "population", value={"0-66": -1, "67+": 3}),
        "municipalities.north.population.0-66",
        "must be >= 0",
        got="-1",
    ),
    Case(
        "travel-negative",
        put(M, "north", "travel_minutes", "hospital", value=-5),
        "municipalities.north.travel_minutes.hospital",
        "must be >= 0",
        got="-5",
    ),
    Case(
        "cost-negative",
        put(F, "hospital", "costs", "per_bed_day", value=-1),
        "facilities.hospital.costs.per_bed_day",
        "must be >= 0",
    ),
    Case(
        "los-mean-zero",
        put(*NH, "los", "mean", value=0),
        f"{SP}.short_term.los.mean",
        "must be > 0",
        got="0",
    ),
    Case(
        "delay-mean-negative",
        put(*READM, "delay", "mean", value=-3),
        f"{SP}.readmission.delay.mean",
        "must be > 0",
        got="-3",
    ),
    Case(
        "cv-zero",
        put(*KOHD, "los", "cv", value=0),
        f"{SP}.kohd_stay.los.cv",
        "must be > 0",
    ),
    Case("days-zero", put("run", "days", value=0), "run.days", "must be > 0", got="0"),
    Case(
        "growth-minus-one",
        put(M, "south", "growth_per_year", value=-1),
        "municipalities.south.growth_per_year",
        "must be > -1",
    ),
    Case(
        "amplitude-above-one",
        put(*G, "seasonality", value={"amplitude": 2}),
        f"{GP}.seasonality.amplitude",
        "must be <= 1",
        got="2",
    ),
]

DISTRIBUTIONS = [
    Case(
        "lognormal-without-cv",
        drop(*KOHD, "los", "cv"),
        f"{SP}.kohd_stay.los.cv",
        "required key is missing",
        "add 'cv:'",
    ),
    Case(
        "gamma-without-cv",
        drop(*NH, "los", "cv"),
        f"{SP}.short_term.los.cv",
        "required key is missing",
        "add 'cv:'",
    ),
    Case(
        "unknown-dist",
        put(*NH, "los", "dist", value="gama"),
        f"{SP}.short_term.los.dist",
        "must be one of: exponential, fixed, lognormal, gamma, empirical",
        "did you mean 'gamma'?",
        got="'gama'",
    ),
    Case(
        "dist-missing",
        drop(*NH, "los", "dist"),
        f"{SP}.short_term.los.dist",
        "required key is missing",
        "write e.g. {dist: lognormal",
    ),
    Case(
        "los-a-number",
        put(*NH, "los", value=5),
        f"{SP}.short_term.los",
        "must be a distribution map",
        "write e.g.",
        got="5",
    ),
    Case(
        "empirical-empty",
        put(*READM, "delay", value={"dist": "empirical", "values": []}),
        f"{SP}.readmission.delay.values",
        "at least 1 item",
    ),
    Case(
        "empirical-all-zero",
        put(*NH, "los", value={"dist": "empirical", "values": [0, 0]}),
        f"{SP}.short_term.los",
        "values must have a mean above 0",
    ),
]

MISSING = [
    Case("run-missing", drop("run"), "run", "required key is missing", "add 'run:'"),
    Case(
        "start-date-missing",
        drop("run", "start_date"),
        "run.start_date",
        "required key is missing",
        "add 'start_date:'",
    ),
    Case(
        "population-missing",
        drop(M, "south", "population"),
        "municipalities.south.population",
        "required key is missing",
    ),
    Case(
        "beds-missing",
        drop(F, "hospital", "beds"),
        "facilities.hospital.beds",
        "required key is missing",
        "add 'beds:'",
    ),
    Case("los-missing", drop(*NH, "los"), f"{SP}.short_term.los", "required key is missing"),
    Case("next-missing", drop(*NH, "next"), f"{SP}.short_term.next", "required key is missing"),
    Case(
        "entry-missing",
        drop(*G, "entry"),
        f"{GP}.entry",
        "required key is missing",
    ),
    Case(
        "step-service-and-facility",
        put(*KOHD, "facility", value="kohd-north"),
        f"{SP}.kohd_stay",
        "give exactly one of service or facility",
    ),
    Case(
        "step-neither-service-nor-facility",
        drop(*KOHD, "service"),
        f"{SP}.kohd_stay",
        "give exactly one of service or facility",
    ),
]

CROSS_FIELD = [
    Case(
        "entry-sum",
        put(*G, "entry", value={"kohd_stay": 0.5, "hospital_stay": 0.6}),
        f"{GP}.entry",
        "probabilities must sum to 1",
        "add up to exactly 1",
        got="sum 1.1",
    ),
    Case(
        "next-sum",
        put(*NH, "next", value={"home": 0.5, "death": 0.1}),
        f"{SP}.short_term.next",
        "probabilities must sum to 1",
        "add up to exactly 1",
        got="sum 0.6",
    ),
    Case(
        "next-unknown-step",
        put(*NH, "next", value={"hom": 1.0}),
        f"{SP}.short_term.next.hom",
        "no step (or home/death) with this id",
        "did you mean 'home'?",
        got="'hom'",
    ),
    Case(
        "entry-unknown-step",
        put(*G, "entry", value={"kohd_sty": 0.4, "hospital_stay": 0.6}),
        f"{GP}.entry.kohd_sty",
        "no step with this id",
        "did you mean 'kohd_stay'?",
    ),
    Case(
        "divert-to-unknown-step",
        put(*KOHD, "when_full", value={"divert_to": "hospital"}),
        f"{SP}.kohd_stay.when_full.divert_to",
        "no step with this id",
        "did you mean 'hospital_stay'?",
        got="'hospital'",
    ),
    Case(
        "facility-unknown",
        both(drop(*READM, "service"), put(*READM, "facility", value="hospitl")),
        f"{SP}.readmission.facility",
        "no facility with this id",
        "did you mean 'hospital'?",
    ),
    Case(
        "service-unknown",
        put(*READM, "service", value="rehab"),
        f"{SP}.readmission.service",
        "no facility gives this service",
        "hospital, kohd, nursing_home",
        got="'rehab'",
    ),
    Case(
        "serves-unknown-municipality",
        put(F, "hospital", "serves", value=["north", "sout"]),
        "facilities.hospital.serves[1]",
        "no municipality with this id",
        "did you mean 'south'?",
    ),
    Case(
        "travel-to-unknown-facility",
        put(M, "north", "travel_minutes", "hospitl", value=30),
        "municipalities.north.travel_minutes.hospitl",
        "no facility with this id",
        "did you mean 'hospital'?",
    ),
    Case(
        "service-not-offered-to-municipality",
        put(F, "nursing-home", "serves", value=["north"]),
        f"{SP}.short_term.service",
        "no facility of service 'nursing_home' serves municipality 'south'",
        "add south to the serves list",
    ),
    Case(
        "previous-bed-on-entry-step",
        put(*G, "entry", value={"short_term": 0.4, "hospital_stay": 0.6}),
        f"{SP}.short_term.wait_in",
        "an episode can start in this step",
        "use wait_in: home",
        got="previous_bed",
    ),
    Case(
        "previous-bed-after-delay",
        put(*NH, "delay", value={"dist": "fixed", "mean": 1}),
        f"{SP}.short_term.wait_in",
        "a step with a delay starts at home",
        "remove the delay",
    ),
    Case(
        "divert-loop",
        put(*HOSP, "when_full", value={"divert_to": "kohd_stay"}),
        f"{SP}.kohd_stay.when_full.divert_to",
        "loop with no way out when all are full: kohd_stay -> hospital_stay -> kohd_stay",
        "let one step of the loop queue or overflow",
    ),
    Case(
        "divert-to-itself",
        put(*KOHD, "when_full", value={"divert_to": "kohd_stay"}),
        f"{SP}.kohd_stay.when_full.divert_to",
        "loop with no way out",
    ),
    Case(
        "pathway-never-ends",
        both(
            put(*NH, "next", value={"readmission": 1.0}),
            put(*READM, "next", value={"short_term": 1.0}),
        ),
        f"{SP}.short_term.next",
        "can never end",
        "give home or death a probability",
    ),
    Case(
        "schedule-out-of-order",
        put(
            F,
            "nursing-home",
            "schedule",
            value=[{"date": "2026-01-01", "beds": 3}, {"date": "2025-06-01", "beds": 4}],
        ),
        "facilities.nursing-home.schedule[1].date",
        "schedule dates must be in increasing order",
        "sort the schedule by date",
        got="2025-06-01 after 2026-01-01",
    ),
    Case(
        "schedule-same-date-twice",
        put(
            F,
            "nursing-home",
            "schedule",
            value=[{"date": "2026-01-01", "beds": 3}, {"date": "2026-01-01", "beds": 4}],
        ),
        "facilities.nursing-home.schedule[1].date",
        "increasing order",
    ),
    Case(
        "growth-and-projection",
        put(M, "south", "projection", value={2030: 4100}),
        "municipalities.south.projection",
        "give either growth_per_year or projection, not both",
        "remove one of them",
    ),
    Case(
        "projection-shape",
        put(M, "north", "projection", value={2030: {"0-66": 1, "67+": 2}}),
        "municipalities.north.projection.2030",
        "must have the same shape as population",
    ),
    Case(
        "rate-by-band-with-total-population",
        put(*G, "rate_per_1000", value={"0-66": 1, "67+": 20}),
        f"{GP}.rate_per_1000",
        "is given by age band, but municipality 'north' has a total population",
        "give municipalities.north.population by the bands 0-66, 67+",
    ),
    Case(
        "rate-bands-differ",
        both(
            put(M, "north", "population", value={"0-66": 9000, "67+": 1000}),
            put(M, "south", "population", value={"0-66": 3000, "67+": 1000}),
            put(*G, "rate_per_1000", value={"0-66": 1, "67-79": 10, "80+": 30}),
        ),
        f"{GP}.rate_per_1000",
        "age bands differ from those of municipality 'north'",
        "use the bands 0-66, 67+",
    ),
    Case(
        "weekday-all-zero",
        put(*G, "weekday", value=[0] * 7),
        f"{GP}.weekday",
        "at least one day must be above 0",
    ),
]

RAW = [
    Case(
        "yaml-unclosed-list",
        "name: x\nrun:\n  start_date: 2025-01-01\n  days: [1, 2\n",
        "",
        "YAML syntax error at line 5, column 1",
        "check indentation",
    ),
    Case(
        "yaml-bad-indent",
        "name: x\nrun:\n  start_date: 2025-01-01\n   days: 3\n",
        "",
        "YAML syntax error at line 4, column 8: mapping values are not allowed",
        "check indentation",
    ),
    Case(
        "yaml-tab",
        "name: x\nrun:\n\tdays: 3\n",
        "",
        "YAML syntax error at line 3, column 1",
    ),
    Case(
        "yaml-unclosed-quote",
        'name: x\ntitle: "Senja\nrun: {}\n',
        "",
        "YAML syntax error at line 4, column 1",
    ),
    Case(
        "yaml-impossible-date",
        "name: x\nrun:\n  start_date: 2025-02-30\n  days: 3\n",
        "",
        "line 3, column 15: not a valid date: 2025-02-30",
        "YYYY-MM-DD",
    ),
    Case(
        "duplicate-key",
        "name: x\nname: y\n",
        "",
        "line 2, column 1: the key 'name' is given twice",
        "remove one of them",
    ),
    Case(
        "duplicate-nested-key",
        "name: x\nfacilities:\n  a:\n    beds: 3\n    service: kohd\n    beds: 4\n",
        "",
        "line 6, column 5: the key 'beds' is given twice",
    ),
    Case(
        "list-as-key",
        "name: x\n? [a, b]\n: 3\n",
        "",
        "line 2, column 3: a key must be a plain value",
    ),
    Case(
        "python-tag",
        "name: !!python/object:os.system ls\n",
        "name",
        "line 1, column 7: the tag !!python/object:os.system is not allowed in a scenario",
        "remove the tag",
    ),
    Case(
        "top-level-list",
        "- name: x\n- run: {}\n",
        "",
        "a scenario file must be a map of keys",
    ),
    Case("top-level-text", "hello\n", "", "but this one holds a line of text"),
    Case("empty-file", "", "", "holds nothing (the file is empty or all comments)"),
    Case("only-comments", "# nothing yet\n", "", "a scenario file must be a map of keys"),
    Case(
        "extends-not-text",
        "extends: 3\nname: x\n",
        "extends",
        "must be the path of another scenario file",
        got="3",
    ),
    Case(
        "extends-missing-file",
        "extends: nowhere.yaml\nname: x\n",
        "extends",
        "the file it extends does not exist",
        "the path is relative to the file that says extends",
        got="'nowhere.yaml'",
    ),
    Case(
        "extends-itself",
        "extends: extends-itself.yaml\nname: x\n",
        "extends",
        "files extend each other in a cycle: extends-itself.yaml -> extends-itself.yaml",
        "one file in the cycle must not extend another",
    ),
]

CASES = TYPOS + WRONG_TYPES + BOUNDS + DISTRIBUTIONS + MISSING + CROSS_FIELD + RAW


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_file(tmp_path: Path, case: Case) -> None:
    path = write_case(tmp_path, case)
    result = invoke("validate", str(path))
    assert_problem(result, str(path), case)
    assert f"invalid {path}" in result.output
    # every line is one problem in the format, once, in the user's words
    lines = [line for line in result.output.splitlines() if line.startswith(f"{path}: ")]
    assert len(lines) == len(set(lines)), "a problem is reported twice"
    for line in lines:
        assert "pydantic" not in line.lower(), line  # no library jargon or links


@pytest.mark.parametrize("case", CROSS_FIELD[:4] + TYPOS[:2], ids=lambda c: c.id)
def test_show_reports_the_same_problem(tmp_path: Path, case: Case) -> None:
    path = write_case(tmp_path, case)
    assert_problem(invoke("show", str(path)), str(path), case)


# --- relative paths, several files, several mistakes --------------------------------


def test_problem_names_the_file_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = minimal_scenario()
    data["facilities"]["hospital"]["beds"] = -1
    write_yaml(tmp_path / "scenarios" / "bad.yaml", data)
    result = invoke("validate", "scenarios/bad.yaml")
    assert result.exit_code == 2
    assert result.output.count("scenarios/bad.yaml: facilities.hospital.beds: must be >= 0") == 1
    assert str(tmp_path) not in result.output


def test_cyclic_extends_a_b_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    result = invoke("validate", "a.yaml")
    case = Case(
        "cycle",
        "",
        "extends",
        "files extend each other in a cycle: a.yaml -> b.yaml -> a.yaml",
        "one file in the cycle must not extend another",
    )
    assert_problem(result, "a.yaml", case)


def test_extends_missing_file_shows_the_path_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_yaml(tmp_path / "alt" / "overlay.yaml", {"extends": "../base.yaml", "name": "x"})
    result = invoke("validate", "alt/overlay.yaml")
    assert_problem(
        result,
        "alt/overlay.yaml",
        Case("x", "", "extends", "does not exist: alt/../base.yaml", got="'../base.yaml'"),
    )


def test_syntax_error_in_a_base_file_names_the_base(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("name: x\nrun: [\n")
    (tmp_path / "overlay.yaml").write_text("extends: base.yaml\nname: y\n")
    result = invoke("validate", str(tmp_path / "overlay.yaml"))
    assert result.exit_code == 2
    problem_line(result.output, str(tmp_path / "base.yaml"), "", "YAML syntax error at line 3")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    result = invoke("validate", str(path))
    assert_problem(
        result, str(path), Case("x", "", "", "file not found", "check the path and the file name")
    )


def test_folder_instead_of_file(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path))
    assert_problem(
        result, str(tmp_path), Case("x", "", "", "is a folder, not a scenario file", "a .yaml file")
    )


def test_show_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    assert_problem(invoke("show", str(path)), str(path), Case("x", "", "", "file not found"))


def test_several_mistakes_are_all_reported(tmp_path: Path) -> None:
    data = minimal_scenario()
    data["titel"] = "typo"
    data["run"]["days"] = -1
    data["facilities"]["hospital"]["beds"] = "four"
    data["municipalities"]["south"]["population"] = -3
    data["groups"]["kols"]["steps"]["short_term"]["los"] = {"dist": "gamma", "mean": 21}
    path = write_yaml(tmp_path / "many.yaml", data)
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    for key, message in [
        ("titel", "unknown key"),
        ("run.days", "must be > 0"),
        ("facilities.hospital.beds", "must be a valid integer"),
        ("municipalities.south.population", "must be >= 0"),
        (f"{SP}.short_term.los.cv", "required key is missing"),
    ]:
        problem_line(result.output, str(path), key, message)


def test_several_cross_field_mistakes_are_all_reported(tmp_path: Path) -> None:
    data = minimal_scenario()
    data["groups"]["kols"]["entry"] = {"kohd_stay": 0.5, "hospital_stay": 0.6}
    data["groups"]["kols"]["steps"]["short_term"]["next"] = {"home": 0.9}
    data["facilities"]["hospital"]["serves"] = ["north", "west"]
    data["facilities"]["nursing-home"]["schedule"] = [
        {"date": "2026-01-01", "beds": 3},
        {"date": "2025-01-01", "beds": 4},
    ]
    data["groups"]["kols"]["steps"]["hospital_stay"]["when_full"] = {"divert_to": "kohd_stay"}
    path = write_yaml(tmp_path / "many.yaml", data)
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    for key, message in [
        (f"{GP}.entry", "probabilities must sum to 1"),
        (f"{SP}.short_term.next", "probabilities must sum to 1"),
        ("facilities.hospital.serves[1]", "no municipality with this id"),
        ("facilities.nursing-home.schedule[1].date", "increasing order"),
        (f"{SP}.kohd_stay.when_full.divert_to", "loop"),
        (f"{SP}.hospital_stay.service", "serves municipality 'south'"),
    ]:
        problem_line(result.output, str(path), key, message)


def test_stored_broken_file_reports_every_mistake() -> None:
    """``tests/broken/several-mistakes.yaml`` is a planner's file with five mistakes."""
    path = Path(__file__).parents[1] / "broken" / "several-mistakes.yaml"
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    problems = [line for line in result.output.splitlines() if line.startswith(f"{path}: ")]
    assert len(problems) == 5, result.output
    problem_line(result.output, str(path), "run.replication", "did you mean 'replications'?")
    problem_line(result.output, str(path), "facilities.dms-kohd.beds", "must be >= 0")
    problem_line(result.output, str(path), "facilities.unn.when_ful", "did you mean 'when_full'?")
    problem_line(result.output, str(path), "groups.kols.steps.kohd.los.cv", "required key")
    problem_line(result.output, str(path), "groups.kols.steps.sykehus.los.dist", "'lognormal'")


def test_valid_and_invalid_files_one_line_each(tmp_path: Path) -> None:
    good = write_yaml(tmp_path / "good.yaml", minimal_scenario())
    bad_data = minimal_scenario()
    bad_data["run"]["days"] = 0
    bad = write_yaml(tmp_path / "bad.yaml", bad_data)
    result = invoke("validate", str(good), str(bad), str(good))
    assert result.exit_code == 2
    assert result.output.count(f"ok      {good}: ") == 2
    assert f"invalid {bad}" in result.output
    problem_line(result.output, str(bad), "run.days", "must be > 0")


def test_valid_files_pass(tmp_path: Path) -> None:
    one = write_yaml(tmp_path / "one.yaml", minimal_scenario())
    two = write_yaml(tmp_path / "sub" / "two.yaml", {"extends": "../one.yaml", "name": "two"})
    result = invoke("validate", str(one), str(two))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 2
    assert lines[0].startswith(f"ok      {one}: 2 municipalities, 3 facilities (17 beds at start)")
    assert lines[1].startswith(f"ok      {two}: ")
    assert "1 groups" in lines[0] and "episodes/year" in lines[0]


def test_bundled_scenarios_are_valid() -> None:
    folder = Path(__file__).parents[2] / "scenarios"
    files = sorted(str(p) for p in folder.rglob("*.yaml"))
    if not files:
        pytest.skip("no bundled scenarios yet")
    result = invoke("validate", *files)
    assert result.exit_code == 0, result.output


# --- --set -----------------------------------------------------------------------

SET_CASES = [
    Case("set-without-equals", "beds", "", "must look like dotted.path=value", "e.g. facilities."),
    Case("set-empty-part", "facilities..beds=3", "facilities..beds", "has an empty part"),
    Case("set-empty-key", "=3", "", "the key path has an empty part"),
    Case(
        "set-bad-yaml",
        "facilities.hospital.beds=[",
        "facilities.hospital.beds",
        "the value is not valid YAML",
        "quote text values",
    ),
]


@pytest.mark.parametrize("case", SET_CASES, ids=[c.id for c in SET_CASES])
def test_bad_set_syntax(tmp_path: Path, case: Case) -> None:
    path = write_yaml(tmp_path / "ok.yaml", minimal_scenario())
    assert isinstance(case.change, str)
    result = invoke("show", str(path), "--set", case.change)
    assert_problem(result, "--set", case)


SET_VALUE_CASES = [
    Case(
        "set-unknown-key",
        "facilities.hospital.bedz=3",
        "facilities.hospital.bedz",
        "unknown key",
        "did you mean 'beds'?",
    ),
    Case(
        "set-unknown-top-key",
        "nme=x",
        "nme",
        "unknown key",
        "did you mean 'name'?",
    ),
    Case(
        "set-wrong-type",
        "facilities.hospital.beds=four",
        "facilities.hospital.beds",
        "must be a valid integer",
        got="'four'",
    ),
    Case(
        "set-null-removes-required",
        "municipalities.north.population=null",
        "municipalities.north.population",
        "required key is missing",
    ),
    Case(
        "set-breaks-a-sum",
        "groups.kols.entry.kohd_stay=0.9",
        "groups.kols.entry",
        "probabilities must sum to 1",
        got="sum 1.5",
    ),
]


@pytest.mark.parametrize("case", SET_VALUE_CASES, ids=[c.id for c in SET_VALUE_CASES])
def test_set_of_a_bad_value(tmp_path: Path, case: Case) -> None:
    path = write_yaml(tmp_path / "ok.yaml", minimal_scenario())
    assert isinstance(case.change, str)
    result = invoke("show", str(path), "--set", case.change)
    # The mistake is on the command line, so the message names --set, not the file.
    assert_problem(result, "--set", case)


# --- exit codes --------------------------------------------------------------------


def test_unexpected_exception_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_yaml(tmp_path / "ok.yaml", minimal_scenario())

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    # The commands import the library when they run, so patch it where it lives.
    monkeypatch.setattr(simulator.scenario.loading, "load_scenario", broken)
    monkeypatch.setattr(simulator.scenario.loading, "read_scenario", broken)
    for command in ("validate", "show"):
        result = invoke(command, str(path))
        assert result.exit_code == 1
        assert isinstance(result.exception, RuntimeError)


def test_validate_needs_a_file() -> None:
    result = invoke("validate")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
