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

Numbers are formatted by :mod:`simulator.text.numbers` (``format_number`` and
``format_share`` are re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from simulator.text.numbers import NBSP, format_number, format_share

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

_L = dict[str, tuple[str, str]]

_KPI: _L = {
    "admissions": ("admissions", "innleggelser"),
    "diversions": ("diverted patients", "avviste pasienter"),
    "diversion_share": ("diverted", "avvist"),
    "occupancy_mean": ("mean beds used", "belagte senger (snitt)"),
    "occupancy_p95": ("beds used, 95th percentile", "belagte senger, 95-persentil"),
    "utilisation": ("utilisation", "beleggsprosent"),
    "beds_mean": ("open beds", "åpne senger"),
    "share_time_full": ("share of time full", "andel av tiden fullt"),
    "offered_load": ("offered load (beds)", "tilbudt belastning (senger)"),
    "days_above_85pct": ("days above 85 %", "dager over 85 %"),
    "days_above_100pct": ("days above 100 %", "dager over 100 %"),
    "overflow_days": ("corridor days", "korridordøgn"),
    "blocked_days": ("blocked days", "utskrivningsklare døgn"),
    "bed_days": ("bed-days", "liggedøgn"),
    "wait_mean": ("mean wait (days)", "ventetid, snitt (dager)"),
    "wait_p90": ("wait, 90th percentile (days)", "ventetid, 90-persentil (dager)"),
    "still_waiting_at_end": (
        "patients waiting for a bed at the end",
        "pasienter som venter på seng ved periodens slutt",
    ),
    "waits_unresolved": (
        "still waiting after the follow-up",
        "venter fortsatt etter oppfølgingen",
    ),
    "episodes": ("episodes", "forløp"),
    "municipal_share": ("share of bed-days at municipal level", "andel liggedøgn i kommunen"),
    "deaths": ("deaths", "dødsfall"),
    "travel_minutes_mean": ("mean travel (minutes)", "reisetid, snitt (minutter)"),
    "cost": ("cost (NOK)", "kostnad (kr)"),
    "blocked_payments": ("blocked-day payments (NOK)", "betaling for utskrivningsklare (kr)"),
}

_COST: _L = {
    "total": ("total cost", "total kostnad"),
    "payer.municipality": ("paid by municipalities", "betalt av kommunene"),
    "payer.health_trust": ("paid by the health trust", "betalt av helseforetaket"),
    "gross.municipality": (
        "municipalities' own costs (gross)",
        "kommunenes egne kostnader (brutto)",
    ),
    "gross.health_trust": (
        "health trust's own costs (gross)",
        "helseforetakets egne kostnader (brutto)",
    ),
    "transport": ("transport cost", "transportkostnad"),
    "blocked_payments": (
        "blocked-day payments (municipalities → health trust)",
        "betaling for utskrivningsklare (kommuner → helseforetak)",
    ),
    "per_episode": ("cost per episode", "kostnad per forløp"),
}

_UNIT: _L = {
    "beds": ("beds", "senger"),
    "share": ("%", "%"),
    "share_points": ("percentage points", "prosentpoeng"),
    "pp": ("pp", "%-poeng"),
    "days": ("days", "dager"),
    "day_count": ("days", "dager"),
    "bed_days": ("bed-days", "døgn"),
    "patients": ("patients", "pasienter"),
    "episodes": ("episodes", "forløp"),
    "minutes": ("minutes", "minutter"),
    "nok": ("NOK", "kr"),
    "mnok": ("million NOK", "millioner kr"),
    "count": ("number", "antall"),
}

_TITLE: _L = {
    "occupancy": (
        "Occupied beds per day: mean over {n} replications with 5–95 % band",
        "Belagte senger per dag: snitt over {n} replikasjoner med 5–95 %-bånd",
    ),
    "occupancy_distribution": (
        "Share of time at each number of occupied beds, with an analytic reference",
        "Andel av tiden med hvert antall belagte senger, med analytisk referanse",
    ),
    "waits": (
        "Waiting time for a bed: share of admissions that waited at most x days",
        "Ventetid på seng: andel innleggelser som ventet høyst x dager",
    ),
    "waits_skipped": ("no wait: {groups}", "ingen venting: {groups}"),
    "waits_none": ("No patient group waited for a bed", "Ingen pasientgruppe ventet på seng"),
    "costs": ("Costs {period}", "Kostnader {period}"),
    "costs_payer": ("By payer", "Etter betaler"),
    "costs_facility": ("By facility (with 95 % interval)", "Etter enhet (med 95 %-intervall)"),
    "forest": (
        "{alt} compared with {base}: difference with 95 % interval",
        "{alt} sammenlignet med {base}: differanse med 95 %-intervall",
    ),
    "forest_none": (
        "No KPI differs between the scenarios",
        "Ingen indikatorer er forskjellige mellom scenarioene",
    ),
    "sizing": (
        "{facility}: smallest number of beds that meets the target ({target})",
        "{facility}: minste antall senger som når målet ({target})",
    ),
    "sizing_kpi": ("{measure} against beds", "{measure} mot antall senger"),
    "sizing_full": (
        "Probability of finding the unit full",
        "Sannsynlighet for å finne enheten full",
    ),
}

_AXIS: _L = {
    "date": ("date", "dato"),
    "occupied_beds": ("occupied beds", "belagte senger"),
    "share_of_time": ("share of time (%)", "andel av tiden (%)"),
    "wait_days": ("wait (days)", "ventetid (dager)"),
    "share_admissions": (
        "share of admissions that waited at most this long",
        "andel innleggelser som ventet høyst så lenge",
    ),
    "mnok": ("million NOK", "millioner kr"),
    "difference": (
        "difference, alternative − base ({unit})",
        "differanse, alternativ − basis ({unit})",
    ),
    "beds": ("beds", "senger"),
    "probability_full": ("probability (%)", "sannsynlighet (%)"),
}

_LEGEND: _L = {
    "mean": ("mean", "snitt"),
    "band": ("5–95 % of replications", "5–95 % av replikasjonene"),
    "open_beds": ("open beds", "åpne senger"),
    "simulated": ("simulated", "simulert"),
    "full": ("full / above capacity", "fullt / over kapasitet"),
    "significant": (
        "significant (95 % interval excludes 0)",
        "signifikant (95 %-intervall uten 0)",
    ),
    "not_significant": ("not significant", "ikke signifikant"),
    "transfer": (
        "blocked-day payments (transfer)",
        "betaling for utskrivningsklare (overføring)",
    ),
    "reference_loss": (
        "analytic reference (Erlang loss, a = {a}, c = {c}): full {p}",
        "analytisk referanse (Erlangs tapsformel, a = {a}, c = {c}): fullt {p}",
    ),
    "reference_delay": (
        "analytic reference (Erlang delay M/M/c, a = {a}, c = {c}): full {p}",
        "analytisk referanse (Erlang-C, M/M/c, a = {a}, c = {c}): fullt {p}",
    ),
    "reference_infinite": (
        "analytic reference (Poisson, M/G/∞, a = {a}): ≥ {c} beds {p}",
        "analytisk referanse (Poisson, M/G/∞, a = {a}): ≥ {c} senger {p}",
    ),
    "reference_unstable": (
        "no analytic reference: offered load {a} ≥ {c} beds",
        "ingen analytisk referanse: belastning {a} ≥ {c} senger",
    ),
    "reference_none": ("no analytic reference", "ingen analytisk referanse"),
    "simulated_full": ("simulated: full {p}", "simulert: fullt {p}"),
    "no_wait": ("no wait: {p} of admissions", "ingen ventetid: {p} av innleggelsene"),
    "wait_p90": ("90 % waited at most {d} days", "90 % ventet høyst {d} dager"),
    "net": ("net {v}", "netto {v}"),
    "beds_line": ("open beds: c = {c}", "åpne senger: c = {c}"),
    "sizing_mean": ("simulated: mean over replications", "simulert: snitt over replikasjonene"),
    "interval": ("95 % interval", "95 %-intervall"),
    "target": ("target: {target}", "mål: {target}"),
    "meets": ("meets the target", "når målet"),
    "fails": ("does not meet it", "når ikke målet"),
    "chosen": ("chosen: {c} beds", "valgt: {c} senger"),
    "unconstrained": (
        "P(N\u00a0≥\u00a0c) from one run with unlimited beds",
        "P(N\u00a0≥\u00a0c) fra én kjøring uten sengetak",
    ),
    "theory_erlang_b": (
        "Erlang-B(c, a = {a}): share turned away",
        "Erlang-B(c, a = {a}): andel avvist",
    ),
    "theory_erlang_c": (
        "Erlang-C(c, a = {a}): share who wait",
        "Erlang-C(c, a = {a}): andel som venter",
    ),
    "theory_poisson": (
        "Poisson: P(N\u00a0≥\u00a0c), a = {a}",
        "Poisson: P(N\u00a0≥\u00a0c), a = {a}",
    ),
    "simulated_c": (
        "simulated with c beds: share of time full",
        "simulert med c senger: andel av tiden fullt",
    ),
}

_SECTION: _L = {
    "facility": ("Facilities", "Enheter"),
    "group": ("Patient groups", "Pasientgrupper"),
    "municipality": ("Municipalities", "Kommuner"),
    "cost": ("Costs", "Kostnader"),
}

_SERVICE: _L = {
    "kohd": ("KØHD / KAD beds", "KØHD / KAD-senger"),
    "hospital": ("hospital wards", "sykehusavdelinger"),
    "dps": ("psychiatric beds (DPS)", "psykiatriske senger (DPS)"),
    "rehab": ("rehabilitation", "rehabilitering"),
    "nursing_home": ("short-term nursing-home places", "korttidsplasser i sykehjem"),
    "transport": ("transport", "transport"),
}

_PAYER: _L = {
    "municipality": ("municipalities", "kommunene"),
    "health_trust": ("health trust", "helseforetaket"),
}

_LEVEL: _L = {
    "municipal": ("municipal", "kommunal"),
    "specialist": ("specialist", "spesialist"),
}

_WHEN_FULL: _L = {
    "queue": ("queue", "kø"),
    "divert": ("divert", "avvis"),
    "overflow": ("overflow (corridor)", "overbelegg (korridor)"),
    "divert_to": ("divert to step {step}", "videre til steg {step}"),
}

_MONTH: _L = {
    str(i + 1): (en, nb)
    for i, (en, nb) in enumerate(
        zip(
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
            ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
            strict=True,
        )
    )
}

_HEADING: _L = {
    "report": ("Simulation report", "Simuleringsrapport"),
    "comparison_report": ("Comparison report", "Sammenligningsrapport"),
    "warnings": ("Warnings: read before using the figures", "Advarsler: les før tallene brukes"),
    "no_warnings": ("No warnings.", "Ingen advarsler."),
    "summary": ("Key results", "Hovedresultater"),
    "model": ("Model description (STRESS-DES)", "Modellbeskrivelse (STRESS-DES)"),
    "objectives": ("1. Objectives", "1. Formål"),
    "logic": ("2. Model logic", "2. Modellogikk"),
    "inputs": ("3. Inputs and their sources", "3. Inndata og kilder"),
    "facilities": ("Facilities", "Enheter"),
    "municipalities": ("Municipalities", "Kommuner"),
    "groups": ("Patient groups and pathways", "Pasientgrupper og forløp"),
    "costs_input": ("Costs", "Kostnader"),
    "assumptions": ("4. Assumptions", "4. Forutsetninger"),
    "randomness": ("5. Randomness and seeds", "5. Tilfeldighet og frø"),
    "warmup": ("6. Warm-up (MSER-5)", "6. Innsvingning (MSER-5)"),
    "replications": ("7. Replications", "7. Replikasjoner"),
    "implementation": ("8. Implementation", "8. Implementering"),
    "results": ("Results with 95 % intervals", "Resultater med 95 %-intervall"),
    "kpi_facilities": ("Facilities", "Enheter"),
    "kpi_groups": ("Patient groups", "Pasientgrupper"),
    "kpi_municipalities": ("Municipalities", "Kommuner"),
    "kpi_costs": ("Costs over the period {period}", "Kostnader i perioden {period}"),
    "plots": ("Plots", "Figurer"),
    "comparison": (
        "Paired differences (alternative − base)",
        "Parvise differanser (alternativ − basis)",
    ),
    "scenarios": ("Scenarios", "Scenarioer"),
    "other_changes": ("Other KPIs that changed", "Andre indikatorer som endret seg"),
    "period_costs": ("cost over the period (NOK)", "kostnad i perioden (kr)"),
}

_COLUMN: _L = {
    "facility": ("facility", "enhet"),
    "group": ("group", "gruppe"),
    "municipality": ("municipality", "kommune"),
    "service": ("service", "tjeneste"),
    "level": ("level", "nivå"),
    "beds": ("beds", "senger"),
    "schedule": ("capacity changes", "kapasitetsendringer"),
    "when_full": ("when full", "når fullt"),
    "serves": ("catchment", "opptaksområde"),
    "facility_costs": ("costs (NOK)", "kostnader (kr)"),
    "payer": ("payer", "betaler"),
    "population": ("population", "innbyggere"),
    "population_year": ("counted in", "telt i"),
    "growth": ("growth per year", "vekst per år"),
    "rate": ("episodes per 1 000 per year", "forløp per 1 000 per år"),
    "entry": ("first step", "første steg"),
    "seasonality": ("seasonal variation", "sesongvariasjon"),
    "peak": ("peak on day {d} of the year", "topp på dag {d} i året"),
    "step": ("step", "steg"),
    "where": ("service / facility", "tjeneste / enhet"),
    "los": ("length of stay (days)", "liggetid (dager)"),
    "delay": ("time at home first (days)", "tid hjemme først (dager)"),
    "wait_in": ("waits in", "venter i"),
    "next": ("then", "deretter"),
    "source": ("source", "kilde"),
    "detected_days": ("warm-up detected (days)", "innsvingning funnet (dager)"),
    "warmup_days": ("warm-up used (days)", "innsvingning brukt (dager)"),
    "enough": ("enough", "nok"),
    "kpi": ("KPI", "indikator"),
    "mean": ("mean", "snitt"),
    "relative_half_width": ("half-width / mean", "halv bredde / snitt"),
    "replications_run": ("replications run", "replikasjoner kjørt"),
    "needed": ("needed for ±{p} %", "trengs for ±{p} %"),
    "base": ("base", "basis"),
    "alt": ("alternative", "alternativ"),
    "difference": ("difference", "differanse"),
    "interval": ("95 % interval", "95 %-intervall"),
    "p_value": ("p", "p"),
    "scenario": ("scenario", "scenario"),
    "amount": ("NOK", "kr"),
    "total": ("total", "totalt"),
    "of_which_blocked": ("of which blocked-day payments", "herav betaling for utskrivningsklare"),
    "yes": ("yes", "ja"),
    "no": ("no", "nei"),
    "all": ("all municipalities", "alle kommuner"),
    "home": ("home", "hjem"),
    "previous_bed": ("previous bed", "forrige seng"),
    "death": ("death", "død"),
    "meets_target": ("meets target", "når målet"),
    "p_full_unconstrained": ("P(full), unlimited beds", "P(fullt), uten sengetak"),
    "theory_erlang_b": ("Erlang-B", "Erlang-B"),
    "theory_erlang_c": ("Erlang-C", "Erlang-C"),
    "theory_poisson": ("Poisson", "Poisson"),
    "theory_none": ("theory", "teori"),
    "not_run": ("not run", "ikke kjørt"),
    "chosen": ("chosen", "valgt"),
    "below": ("one bed fewer", "én seng færre"),
}

_TEXT: _L = {
    "objectives": (
        "The model estimates, for the scenario described above, how many beds each facility "
        "uses, how often patients find a facility full and are diverted or wait, how many "
        "bed-days are blocked by patients ready for discharge, and what it all costs each "
        "payer. It is meant to compare alternatives for the same region run with the same "
        "random numbers.",
        "Modellen anslår, for scenarioet over, hvor mange senger hver enhet bruker, hvor ofte "
        "pasienter møter fullt og blir avvist eller må vente, hvor mange liggedøgn som går "
        "til utskrivningsklare pasienter, og hva dette koster hver betaler. Den er laget for "
        "å sammenligne alternativer for samme region kjørt med de samme tilfeldige tallene.",
    ),
    "logic": (
        "A discrete-event simulation (SimPy). Patients arrive from each municipality and "
        "patient group as a non-homogeneous Poisson process (population × rate per 1 000 × "
        "growth × season × weekday), sampled exactly by thinning. Each episode follows its "
        "group's pathway: at each step the patient takes a free bed at the nearest facility "
        "of the step's service that serves their municipality. When all are full, the "
        "facility's rule applies: queue (wait at home, or in the bed already held — the "
        "utskrivningsklar case), divert (to another step or out of the model) or overflow "
        "(corridor). Lowering capacity never evicts a patient. Statistics are collected "
        "after the warm-up only.",
        "En hendelsesstyrt simulering (SimPy). Pasienter kommer fra hver kommune og "
        "pasientgruppe som en ikke-homogen Poisson-prosess (innbyggere × rate per 1 000 × "
        "vekst × sesong × ukedag), trukket eksakt ved tynning. Hvert forløp følger gruppens "
        "steg: ved hvert steg får pasienten en ledig seng på nærmeste enhet med stegets "
        "tjeneste som dekker kommunen. Er alle fulle, gjelder enhetens regel: kø (vente "
        "hjemme, eller i sengen pasienten har — utskrivningsklar), avvisning (til et annet "
        "steg eller ut av modellen) eller overbelegg (korridor). Færre senger kaster aldri ut "
        "en pasient. Tall samles bare inn etter innsvingningen.",
    ),
    "sources": (
        "Sources are the comments in the scenario file. Where a number has no comment "
        "below, see the scenario file (hash {hash}).",
        "Kildene er kommentarene i scenariofilen. Der et tall mangler kommentar nedenfor, "
        "se scenariofilen (hash {hash}).",
    ),
    "assumptions": (
        "Lengths of stay are independent of occupancy; patients who find a facility full "
        "follow the scenario's rule without balking; diverted patients leave the modelled "
        "system unless a step says where they go; costs are linear in open beds, bed-days, "
        "admissions and trips; blocked-day payments are a transfer between payers and not "
        "part of the total. Numbers marked 'illustrative assumption' in the scenario file "
        "are not measurements.",
        "Liggetid avhenger ikke av belegget; pasienter som møter fullt følger scenarioets "
        "regel og gir ikke opp; avviste pasienter forlater det modellerte systemet med "
        "mindre et steg sier hvor de går; kostnader er lineære i åpne senger, liggedøgn, "
        "innleggelser og turer; betaling for utskrivningsklare er en overføring mellom "
        "betalere og inngår ikke i totalen. Tall merket «illustrative assumption» i "
        "scenariofilen er ikke målinger.",
    ),
    "randomness": (
        "Root seed {seed}. Every replication and every activity (arrivals, first step, "
        "routing, length of stay, delay) has its own random stream derived with "
        "numpy.random.SeedSequence from (seed, replication, activity, ids). Scenarios run "
        "with the same seed therefore share their random numbers (common random numbers), "
        "so a comparison measures the design, not noise.",
        "Rotfrø {seed}. Hver replikasjon og hver aktivitet (ankomster, første steg, "
        "ruting, liggetid, forsinkelse) har sin egen tilfeldige strøm avledet med "
        "numpy.random.SeedSequence fra (frø, replikasjon, aktivitet, id-er). Scenarioer "
        "kjørt med samme frø deler derfor tilfeldige tall (felles tilfeldige tall), slik at "
        "en sammenligning måler utformingen og ikke støy.",
    ),
    "run": (
        "Collection period: {start} to {end} ({days} days), after a warm-up of {warmup} days "
        "that is simulated and discarded.",
        "Innsamlingsperiode: {start} til {end} ({days} dager), etter {warmup} dagers "
        "innsvingning som simuleres og forkastes.",
    ),
    "warmup": (
        "MSER-5 (White 1997) on each facility's daily mean occupancy from the start of the "
        "simulation. Strong seasonality can make it overestimate the warm-up.",
        "MSER-5 (White 1997) på hver enhets daglige snittbelegg fra simuleringens start. "
        "Sterk sesongvariasjon kan gi for lang innsvingning.",
    ),
    "replications": (
        "{n} replications. Every figure is a mean over replications with a 95 % Student-t "
        "interval. Replications needed for a half-width within {p} % of the mean (Law, "
        "section 9.4.1):",
        "{n} replikasjoner. Alle tall er snitt over replikasjonene med 95 % "
        "Student-t-intervall. Replikasjoner som trengs for en halv bredde innen {p} % av "
        "snittet (Law, avsnitt 9.4.1):",
    ),
    "implementation": (
        "samsim {version}, Python {python}. Started {started}, finished {finished}. "
        "Scenario hash {hash}.",
        "samsim {version}, Python {python}. Startet {started}, ferdig {finished}. "
        "Scenario-hash {hash}.",
    ),
    "interval_note": (
        "Each cell: mean over replications, below it the 95 % interval.",
        "Hver celle: snitt over replikasjonene, under det 95 %-intervallet.",
    ),
    "comparison_note": (
        "Every scenario was run with seed {seed} and {n} replications (common random "
        "numbers). Differences are alternative − base per replication; the interval is the "
        "paired-t interval. Significant changes (interval excludes 0) come first.",
        "Alle scenarioer er kjørt med frø {seed} og {n} replikasjoner (felles tilfeldige "
        "tall). Differansene er alternativ − basis per replikasjon; intervallet er det "
        "parvise t-intervallet. Signifikante endringer (intervallet utelukker 0) står først.",
    ),
    "no_significant": (
        "No KPI changed significantly.",
        "Ingen indikatorer endret seg signifikant.",
    ),
    "full_report": ("Full report of this scenario", "Full rapport for dette scenarioet"),
    "overrides": (
        "Changed for this run, on top of the scenario files: {changes}.",
        "Endret for denne kjøringen, i tillegg til scenariofilene: {changes}.",
    ),
    "override_source": ("changed for this run: {change}", "endret for denne kjøringen: {change}"),
    "different_periods": (
        "The scenarios collect over different periods ({periods}). Counts and costs then "
        "differ also because the periods differ, not only because of the change: compare "
        "them with care.",
        "Scenarioene samler inn over ulike perioder ({periods}). Antall og kostnader er da "
        "ulike også fordi periodene er ulike, ikke bare på grunn av endringen: sammenlign "
        "dem med forsiktighet.",
    ),
    "failures": ("replications failed", "replikasjoner feilet"),
    "generated": ("Generated by samsim {version}.", "Laget med samsim {version}."),
    "sizing_answer": (
        "Smallest number of beds that meets the target {target} ({criterion}): {c}",
        "Minste antall senger som når målet {target} ({criterion}): {c}",
    ),
    "sizing_at": ("{c} beds: {value}", "{c} senger: {value}"),
    "sizing_uncertain": (
        "uncertain: the 95 % interval at {beds} beds contains the target value; "
        "run more replications",
        "usikkert: 95 %-intervallet ved {beds} senger inneholder målverdien; "
        "kjør flere replikasjoner",
    ),
    "sizing_step": (
        "from {below} to {c} beds: {change} (paired, common random numbers)",
        "fra {below} til {c} senger: {change} (parvis, felles tilfeldige tall)",
    ),
    "sizing_none": (
        "No number of beds in {lo}–{hi} meets the target {target} ({criterion})",
        "Ingen sengetall i {lo}–{hi} når målet {target} ({criterion})",
    ),
    "criterion_mean": ("mean of {n} replications", "snitt av {n} replikasjoner"),
    "criterion_interval": (
        "whole 95 % interval, {n} replications",
        "hele 95 %-intervallet, {n} replikasjoner",
    ),
    "sizing_runs": (
        "{criterion}; every bed count run with seed {seed} (common random numbers)",
        "{criterion}; hvert sengetall kjørt med frø {seed} (felles tilfeldige tall)",
    ),
    "unconstrained_divert": (
        "With unlimited beds nobody is turned away, so patients who would have been "
        "diverted stay: P(N\u00a0≥\u00a0c) overstates the share turned away (Erlang-B).",
        "Uten sengetak blir ingen avvist, så pasienter som ville blitt avvist blir "
        "liggende: P(N\u00a0≥\u00a0c) overdriver andelen avviste (Erlang-B).",
    ),
    "unconstrained_queue": (
        "With unlimited beds nobody waits, so no queue builds up: P(N\u00a0≥\u00a0c) understates "
        "the share who wait (Erlang-C).",
        "Uten sengetak venter ingen, så det bygges ingen kø: P(N\u00a0≥\u00a0c) undervurderer "
        "andelen som må vente (Erlang-C).",
    ),
    "unconstrained_overflow": (
        "A unit that overflows admits everyone: P(N\u00a0≥\u00a0c) is its share of time "
        "at or above c beds.",
        "En enhet med overbelegg tar imot alle: P(N\u00a0≥\u00a0c) er andelen av tiden med c "
        "eller flere belagte senger.",
    ),
}

_CAPTION: _L = {
    "occupancy": (
        "Occupied beds each day of the collection period. The line is the mean over "
        "replications, the band the range between the 5th and 95th percentile of the "
        "replications, the black step line the open beds. Above the black line: corridor "
        "patients.",
        "Belagte senger hver dag i innsamlingsperioden. Linjen er snittet over "
        "replikasjonene, båndet spennet mellom 5- og 95-persentilen, den svarte "
        "trappelinjen åpne senger. Over den svarte linjen: korridorpasienter.",
    ),
    "occupancy_distribution": (
        "How much of the time each number of beds was occupied (coloured bars; orange: full "
        "or above capacity), beside what queueing theory gives for the same offered load "
        "and beds (hatched bars): Erlang's loss formula for units that turn patients away, "
        "Erlang's delay formula (M/M/c) for units with a queue, and the Poisson "
        "distribution (M/G/∞) for wards that admit everyone. The theory assumes steady "
        "Poisson arrivals: seasons, weekdays and patients waiting in another bed make the "
        "simulation differ from it.",
        "Hvor stor del av tiden hvert antall senger var belagt (fargede søyler; oransje: "
        "fullt eller over kapasitet), ved siden av det køteorien gir for samme belastning "
        "og sengetall (skraverte søyler): Erlangs tapsformel for enheter som avviser, "
        "Erlang-C (M/M/c) for enheter med kø, og Poisson-fordelingen (M/G/∞) for "
        "avdelinger som tar imot alle. Teorien forutsetter jevne Poisson-ankomster: sesong, "
        "ukedager og pasienter som venter i en annen seng gjør at simuleringen avviker.",
    ),
    "waiting_time": (
        "Waiting time for a bed, per patient group: the share of admissions that waited at "
        "most the number of days on the x axis (0 days: a bed was free). Groups that never "
        "waited are left out. Note that the y axis may start above 0 %.",
        "Ventetid på seng per pasientgruppe: andelen innleggelser som ventet høyst antall "
        "dager på x-aksen (0 dager: ledig seng). Grupper som aldri ventet er utelatt. "
        "Merk at y-aksen kan starte over 0 %.",
    ),
    "costs": (
        "Costs over the collection period in million NOK. Left: what each payer carries, "
        "by type of service; the hatched block is the blocked-day payment the "
        "municipalities pay the health trust for patients ready for discharge. Right: each "
        "facility's cost with its 95 % interval, coloured by payer.",
        "Kostnader i innsamlingsperioden i millioner kroner. Venstre: det hver betaler "
        "bærer, etter type tjeneste; den skraverte blokken er betalingen kommunene gir "
        "helseforetaket for utskrivningsklare pasienter. Høyre: kostnaden for hver enhet "
        "med 95 %-intervall, farget etter betaler.",
    ),
    "forest": (
        "Paired differences alternative − base with their 95 % intervals, one panel per "
        "indicator and unit. Filled red: the interval excludes 0 (a real change at this "
        "number of replications); open grey: the change may be noise. Rows whose difference "
        "is exactly 0 are left out.",
        "Parvise differanser alternativ − basis med 95 %-intervall, ett panel per "
        "indikator og enhet. Fylt rød: intervallet utelukker 0 (en reell endring med dette "
        "antallet replikasjoner); åpen grå: endringen kan være støy. Rader med differanse "
        "nøyaktig 0 er utelatt.",
    ),
    "sizing": (
        "Left: the target KPI simulated at each number of beds, every number run with the "
        "same seed (common random numbers): the mean over replications with its 95 % "
        "interval (filled dots meet the target, open ones do not), the target (dashed) and "
        "the chosen number of beds (green). Right: the probability of finding the unit "
        "full. Blue: simulated with c beds. Orange: the quick estimate from one run with "
        "unlimited beds (Monks et al. 2016), the share of time c or more patients are "
        "present. Black: queueing theory for the same offered load a with steady Poisson "
        "arrivals; seasons and weekdays make the simulation differ from it.",
        "Venstre: målindikatoren simulert for hvert antall senger, alle kjørt med samme frø "
        "(felles tilfeldige tall): snittet over replikasjonene med 95 %-intervall (fylte "
        "punkter når målet, åpne gjør det ikke), målet (stiplet) og valgt antall senger "
        "(grønn). Høyre: sannsynligheten for å finne enheten full. Blå: simulert med c "
        "senger. Oransje: det raske anslaget fra én kjøring uten sengetak (Monks mfl. 2016), "
        "andelen av tiden med c eller flere pasienter. Svart: køteori for samme belastning a "
        "med jevne Poisson-ankomster; sesong og ukedager gjør at simuleringen avviker.",
    ),
}

_SWEEP: _L = {
    "effect": ("Effect of {factor}", "Virkning av {factor}"),
    "lines": (
        "one line per value of {factor}; bands: 95 % interval over {n} replications",
        "én linje per verdi av {factor}; bånd: 95 %-intervall over {n} replikasjoner",
    ),
    "band": (
        "band: 95 % interval over {n} replications",
        "bånd: 95 %-intervall over {n} replikasjoner",
    ),
    "averaged": ("averaged over {factors}", "gjennomsnitt over {factors}"),
    "lhs_dots": (
        "each dot is one point of the Latin hypercube, with its 95 % interval over {n} "
        "replications; the other factors differ from dot to dot",
        "hvert punkt er ett punkt i latinsk hyperkube, med 95 %-intervall over {n} "
        "replikasjoner; de andre faktorene varierer fra punkt til punkt",
    ),
    "heatmap_title": ("By {x} (across) and {y} (up)", "Etter {x} (bortover) og {y} (oppover)"),
    "period": ("counts and costs over {period}", "antall og kostnader i perioden {period}"),
    "heatmap": (
        "each cell: mean over {n} replications",
        "hver celle: snitt over {n} replikasjoner",
    ),
    "heatmap_lhs": (
        "each dot is one point of the Latin hypercube, coloured by its mean over {n} replications",
        "hvert punkt er ett punkt i latinsk hyperkube, farget etter snittet over {n} replikasjoner",
    ),
    "no_data": ("No valid point to show", "Ingen gyldige punkter å vise"),
}

LABELS: dict[str, tuple[str, str]] = {
    **{f"kpi.{k}": v for k, v in _KPI.items()},
    **{f"cost.{k}": v for k, v in _COST.items()},
    **{f"unit.{k}": v for k, v in _UNIT.items()},
    **{f"title.{k}": v for k, v in _TITLE.items()},
    **{f"axis.{k}": v for k, v in _AXIS.items()},
    **{f"legend.{k}": v for k, v in _LEGEND.items()},
    **{f"section.{k}": v for k, v in _SECTION.items()},
    **{f"service.{k}": v for k, v in _SERVICE.items()},
    **{f"payer.{k}": v for k, v in _PAYER.items()},
    **{f"level.{k}": v for k, v in _LEVEL.items()},
    **{f"when_full.{k}": v for k, v in _WHEN_FULL.items()},
    **{f"month.{k}": v for k, v in _MONTH.items()},
    **{f"heading.{k}": v for k, v in _HEADING.items()},
    **{f"column.{k}": v for k, v in _COLUMN.items()},
    **{f"text.{k}": v for k, v in _TEXT.items()},
    **{f"caption.{k}": v for k, v in _CAPTION.items()},
    **{f"sweep.{k}": v for k, v in _SWEEP.items()},
}
"""Every display label: key -> (English, Norwegian bokmål)."""

UNITS: dict[str, str] = {
    "admissions": "patients",
    "diversions": "patients",
    "diversion_share": "share",
    "occupancy_mean": "beds",
    "occupancy_p95": "beds",
    "utilisation": "share",
    "beds_mean": "beds",
    "share_time_full": "share",
    "offered_load": "beds",
    "days_above_85pct": "day_count",
    "days_above_100pct": "day_count",
    "overflow_days": "bed_days",
    "blocked_days": "bed_days",
    "bed_days": "bed_days",
    "wait_mean": "days",
    "wait_p90": "days",
    "still_waiting_at_end": "patients",
    "waits_unresolved": "patients",
    "episodes": "episodes",
    "municipal_share": "share",
    "deaths": "patients",
    "travel_minutes_mean": "minutes",
    "cost": "nok",
    "blocked_payments": "nok",
}
"""The unit of each KPI suffix (a ``unit.*`` label key); every ``cost.*`` KPI is in NOK."""


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


def kpi_parts(kpi: str, names: Names, lang: str = "en") -> tuple[str, str, str]:
    """``(section, subject, measure)`` of a KPI name, for tables and plot rows.

    ``facility.dms-senja-kohd.occupancy_mean`` gives ``("facility", "DMS Senja – KØHD",
    "mean beds used")``; ``cost.facility.<id>`` gives ``("cost", <facility name>, "cost (NOK)")``;
    ``cost.total`` gives ``("cost", "total cost", "")``. Unknown parts are shown as they are.
    """
    parts = kpi.split(".")
    if parts[0] in _SECTIONS and len(parts) >= 3:
        ident, suffix = ".".join(parts[1:-1]), parts[-1]
        subject = names.get(_SECTIONS[parts[0]], {}).get(ident, ident)
        return parts[0], subject, label_or(f"kpi.{suffix}", suffix, lang)
    if parts[0] == "cost" and len(parts) >= 3 and parts[1] == "facility":
        ident = ".".join(parts[2:])
        return "cost", names.get("facilities", {}).get(ident, ident), label("kpi.cost", lang)
    return parts[0], label_or(kpi, kpi, lang), ""


def kpi_label(kpi: str, names: Names, lang: str = "en") -> str:
    """One line naming a KPI: ``"DMS Senja – KØHD: mean beds used"``."""
    _, subject, measure = kpi_parts(kpi, names, lang)
    return f"{subject}: {measure}" if measure else subject


def kpi_unit(kpi: str) -> str:
    """The unit key of a KPI name (``beds``, ``share``, ``nok``, ...)."""
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
        amount = f"{100 * value:g}".replace(".", "," if lang == "nb" else ".") + NBSP + "%"
    else:
        amount = f"{value:g}".replace(".", "," if lang == "nb" else ".")
        if unit not in ("count", "nok"):
            amount += " " + label(f"unit.{unit}", lang)
        elif unit == "nok":
            amount += " " + label("unit.nok", lang)
    return f"{kpi_label(kpi, names, lang)} {_GLYPHS.get(operator, operator)}{NBSP}{amount}"
