"""The hand-written sections of the scenario reference, around the generated key tables.

:func:`simulator.scenario.reference.render` puts them in order: the
introduction and conventions, a sentence per section of keys, then
distributions, what ``when_full`` does, overlays and ``--set``, and editor
support. Prose only; what can be derived from the schema is derived there.
"""

from __future__ import annotations

from simulator.scenario.schema import TERMINALS

__all__ = [
    "DISTRIBUTIONS",
    "DISTRIBUTION_NOTES",
    "EDITOR",
    "INTRO",
    "OVERLAYS",
    "REGENERATE",
    "SECTION_INTRO",
    "PATHWAYS",
    "WHEN_FULL",
]

REGENERATE = ".venv/bin/python -m simulator.scenario.reference > docs/scenario-reference.md"
"""The command that writes ``docs/scenario-reference.md``."""

SECTION_INTRO = {
    "run": "How long, how often and from which seed the scenario is simulated.",
    "municipalities": "Where patients live. Each key is a municipality id.",
    "facilities": "Pools of beds. Each key is a facility id; pathways ask for a *service*, "
    "and the catchment (`serves`) and travel time decide which facility of that service "
    "a patient gets.",
    "groups": "Diagnosis groups: their demand and their pathway of steps. Each key is a "
    "group id; each key under `steps` is a step id, unique within the group.",
    "costs": "Costs that belong to no single facility.",
}
"""The sentence under each section of keys."""


INTRO = f"""\
# Scenario reference

<!-- Generated from simulator/scenario/schema.py by simulator/scenario/reference.py;
     do not edit by hand.
     Regenerate with: {REGENERATE} -->

A scenario is one YAML file that describes a region and one alternative for
it: the municipalities and their population, the facilities and their beds,
the diagnosis groups with their demand and pathways, and the costs. This page
lists every key the format knows. It is generated from the schema the
simulator validates against, so it is always the same as the code.

Conventions:

- Time is in **days** (decimals allowed). Dates are ISO: `2028-01-01`.
- Money is **NOK**. Rates are **per 1 000 inhabitants per year**. Travel is in **minutes**.
- Ids (scenario `name`, municipality, facility, group and step ids, services)
  use letters, digits, `-` and `_`.
- In a key path, `<id>`, `<step>`, `<facility>`, `<year>` and `<band>` stand
  for a key you choose; `[]` stands for each item of a list.
- *required* means required wherever its parent is given: `seasonality` is
  optional, but a `seasonality` map needs its `amplitude`.
- Unknown keys are errors (with the nearest known key as a hint), so a typo
  never silently falls back to a default.
- `next` and `entry` probabilities must sum to 1. The terminal targets of
  `next` are {", ".join(f"`{t}`" for t in TERMINALS)}.

Check a file with `samsim validate FILE`; see the resolved scenario with
`samsim show FILE`.
"""

DISTRIBUTIONS = """\
## Distributions

Lengths of stay (`los`) and delays (`delay`) are distributions, written as a
map with `dist` and the keys of that distribution, for example
`{dist: lognormal, mean: 5.5, cv: 0.8}`. They are given the way planners
think of them: by mean and coefficient of variation (cv = standard deviation
/ mean), never by the parameters of an underlying normal.
"""

DISTRIBUTION_NOTES = """\
The samplers convert as follows: lognormal with mean *m* and cv *c* has
σ² = ln(1 + c²) and μ = ln *m* − σ²/2; gamma has shape *k* = 1/c² and scale
*m*/*k*. A cv of 1 in a gamma is the exponential distribution; lognormal and
gamma with the same mean and cv differ mostly in the tail (the lognormal has
the longer one).
"""

WHEN_FULL = """\
## When a facility is full

How a step finds a bed: the candidate facilities are the one it names
(`facility`), or every facility of its `service` that serves the patient's
municipality, nearest first (travel minutes, then file order). The patient
takes a free bed in the first candidate that has one. If none has, the step's
`when_full` (or the first candidate's) decides:

{when_full_table}

A chain of `divert_to` must end in a step that queues, overflows or diverts
out; validation rejects a loop. With a map, every patient turned away must be
able to leave the chain (some target home or death, or a step that does not
divert, with a probability above 0).

A step may also limit the stay (`max_stay: {{days, then}}`: at `days` the
patient moves to `then` instead of `next`; KØHD's 72 hours) and the wait
(`max_wait: {{days, then}}`: a patient queued that long for this step's bed
goes to `then`). A facility shared with other regions carries their patients
as `background`, and `initial_occupancy` puts patients in its beds at the
start (see docs/model.md).
"""

WHEN_FULL_CHOICES = (
    (
        "`queue`",
        "wait for a bed in the first candidate: at home, or in the bed the patient holds "
        "when the step says `wait_in: previous_bed` (utskrivningsklar days)",
    ),
    ("`overflow`", "admitted above capacity to the first candidate; counted as corridor days"),
    ("`divert`", "the patient leaves the modelled system (treated elsewhere); a diversion"),
    ("`{divert_to: step}`", "the patient moves to another step of the same pathway; a diversion"),
    (
        "`{divert_to: {step: p, home: q}}`",
        "the patient goes to a target drawn from the map: a step, or home (treated "
        "without a bed: substitution) or death; a diversion",
    ),
)
WHEN_FULL = WHEN_FULL.format(
    when_full_table="\n".join(
        ["| `when_full` | what happens |", "| --- | --- |"]
        + [f"| {choice} | {meaning} |" for choice, meaning in WHEN_FULL_CHOICES]
    )
)

PATHWAYS = """\
## Pathways by municipality and age band, and steps without a bed

A group's `rate_per_1000`, `entry` and any step's `next` can differ for one
municipality's patients, and its `entry` and any step's `los`, `next` and
`costs` for one age band's:

```yaml
groups:
  kols:
    rate_per_1000: {"0-66": 2, "67-79": 25, "80+": 50}
    entry: {hospital_stay: 0.65, kohd_stay: 0.35}
    municipalities:
      senja:                      # task transfer to DMS Senja, only here
        entry: {hospital_stay: 0.5, kohd_stay: 0.5}
    bands:
      "80+":
        steps:
          hospital_stay: {los: {dist: lognormal, mean: 6.5, cv: 0.8}}
    steps:
      hospital_stay:
        service: hospital
        los: {dist: lognormal, mean: 5.5, cv: 0.8}
        next: {home: 0.7, at_home: 0.25, death: 0.05}
      at_home:                    # 20 days at home after discharge, no bed
        service: none
        los: {dist: fixed, mean: 20}
        costs: {per_day: 450}
        next: {home: 0.7, hospital_stay: 0.25, death: 0.05}
```

The band's values apply first, then the municipality's (where both give
`entry` or a step's `next`, the municipality's wins). Each merged pathway must
sum to 1 where it overrides, and must end: a loop of readmissions is allowed
while it has a way to `home` or `death`. With `bands` (`bands: {}` for the
KPIs alone) every patient carries an age band drawn from population x rate,
every municipality's population must be given by the same bands, and the
group's KPIs are also given by band (`group.<g>.band.<b>.*`). A step with
`service: none` takes no bed; its `los` is the length of the period.
"""

OVERLAYS = """\
## Overlays and `--set`

An alternative is best written as an overlay: a small file that names a base
scenario with `extends` and gives only what differs.

```yaml
extends: baseline.yaml          # path relative to this file
name: close-dps-2028
title: DPS beds close in 2028
facilities:
  dps-silsand:
    schedule: [{date: 2028-01-01, beds: 0}]
```

The rules of the merge:

- **maps merge** key by key, at every depth;
- **lists and scalars replace** the base's value whole (a `schedule` or a
  `serves` list is not appended to);
- **`null` removes** a key, so the default applies again (`growth_per_year: null`);
- `extends` is followed relative to the file that says it, may be chained
  (an overlay of an overlay), and a cycle is an error.

On the command line, `--set dotted.path=value` does the same for one value,
after the overlays; the value is read as YAML, so `--set run.replications=5`
is a number, `--set facilities.x.serves=[a, b]` a list and `--set
municipalities.y.growth_per_year=null` removes the key. `samsim show FILE
--set ...` prints the resolved scenario.
"""

EDITOR = """\
## Editor support (VS Code)

`samsim schema` prints the format as a JSON Schema. With Red Hat's YAML
extension (`redhat.vscode-yaml`), an editor then completes keys, shows the
meanings above on hover, and underlines unknown keys and wrong types while
you type.

1. Write the schema into the project (again after upgrading samsim):

   ```sh
   samsim schema > samsim.schema.json
   ```

2. Either map scenario files to it in `.vscode/settings.json`:

   ```json
   {
     "yaml.schemas": {
       "./samsim.schema.json": ["scenarios/**/*.yaml"]
     }
   }
   ```

   or put a comment on the first line of one file, with a path relative to that file:

   ```yaml
   # yaml-language-server: $schema=../../samsim.schema.json
   ```

The editor checks types and keys only. Probabilities that must sum to 1,
references between ids and the other rules that span several keys are checked
by `samsim validate`. An overlay is a partial scenario, so the editor reports
the keys it inherits from its base as missing; use the comment line only in
full scenario files if that is a nuisance.
"""
