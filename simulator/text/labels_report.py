"""Labels of the report and the tables: headings, column names and running text.

Keys ``heading.*``, ``column.*``, ``text.*`` and ``xlsx.*``, each in English
and Norwegian (bokmål), and the one-page summary's ``summary.*`` from
:mod:`simulator.text.labels_summary`. Read them through
:func:`simulator.text.labels.label`.
"""

from __future__ import annotations

from simulator.text.labels_summary import SUMMARY

__all__ = ["REPORT"]

_L = dict[str, tuple[str, str]]

_HEADING: _L = {
    "report": ("Simulation report", "Simuleringsrapport"),
    "comparison_report": ("Comparison report", "Sammenligningsrapport"),
    "warnings": ("Warnings: read before using the figures", "Advarsler: les før tallene brukes"),
    "no_warnings": ("No warnings.", "Ingen advarsler."),
    "summary": ("Summary", "Sammendrag"),
    "flows": ("Patient flows that moved", "Pasientstrømmer som endret seg"),
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
    "ci_low": ("95 % interval, low", "95 %-intervall, lav"),
    "ci_high": ("95 % interval, high", "95 %-intervall, høy"),
    "unit": ("unit", "enhet"),
    "key": ("key (stable name)", "nøkkel (fast navn)"),
    "period": ("collection period", "innsamlingsperiode"),
    "from": ("from", "fra"),
    "to": ("to", "til"),
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
        "after the warm-up only; patients still waiting for a bed at the end are followed "
        "until they get one, so their waits count.",
        "En hendelsesstyrt simulering (SimPy). Pasienter kommer fra hver kommune og "
        "pasientgruppe som en ikke-homogen Poisson-prosess (innbyggere × rate per 1 000 × "
        "vekst × sesong × ukedag), trukket eksakt ved tynning. Hvert forløp følger gruppens "
        "steg: ved hvert steg får pasienten en ledig seng på nærmeste enhet med stegets "
        "tjeneste som dekker kommunen. Er alle fulle, gjelder enhetens regel: kø (vente "
        "hjemme, eller i sengen pasienten har — utskrivningsklar), avvisning (til et annet "
        "steg eller ut av modellen) eller overbelegg (korridor). Færre senger kaster aldri ut "
        "en pasient. Tall samles bare inn etter innsvingningen; pasienter som fortsatt venter "
        "på seng ved slutten følges til de får plass, så ventetiden deres telles med.",
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


_XLSX: _L = {
    "title": (
        "samsim results: the numbers of report.html, for spreadsheets",
        "samsim-resultater: tallene i report.html, for regneark",
    ),
    "intervals": (
        "Means over replications with 95 % intervals (low, high); money in NOK for the whole "
        "collection period unless the row says per year; per-year rows are calendar years.",
        "Snitt over replikasjonene med 95 %-intervall (lav, høy); penger i kroner for hele "
        "innsamlingsperioden med mindre raden sier per år; rader per år er kalenderår.",
    ),
    "sheet": ("Sheet", "Ark"),
    "source": ("Source (file in the results folder)", "Kilde (fil i resultatmappen)"),
    "per_year": ("patients per year", "pasienter per år"),
}


REPORT: dict[str, tuple[str, str]] = {
    **{f"heading.{k}": v for k, v in _HEADING.items()},
    **{f"column.{k}": v for k, v in _COLUMN.items()},
    **{f"text.{k}": v for k, v in _TEXT.items()},
    **SUMMARY,
    **{f"xlsx.{k}": v for k, v in _XLSX.items()},
}
"""Report and table labels by key: key -> (English, Norwegian bokmål)."""
