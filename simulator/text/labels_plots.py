"""Labels of the plots: titles, axes, legends, captions and the sweep plots.

Keys ``title.*``, ``axis.*``, ``legend.*``, ``caption.*`` and ``sweep.*``, each
in English and Norwegian (bokmål). Read them through
:func:`simulator.text.labels.label`.
"""

from __future__ import annotations

__all__ = ["PLOTS"]

_L = dict[str, tuple[str, str]]

_TITLE: _L = {
    "flows": (
        "Patient flows per year: from home through the beds and out ({total} episodes a year)",
        "Pasientstrømmer per år: hjemmefra, gjennom sengene og ut ({total} forløp i året)",
    ),
    "flows_none": ("No patient flows recorded", "Ingen pasientstrømmer registrert"),
    "occupancy": (
        "Occupied beds per day: mean over {n} replications with 5–95 % band",
        "Belagte senger per dag: snitt over {n} replikasjoner med 5–95 %-bånd",
    ),
    "occupancy_distribution": (
        "Share of open time at each number of occupied beds, with an analytic reference",
        "Andel av åpen tid med hvert antall belagte senger, med analytisk referanse",
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
    "flow_municipality": ("Municipality", "Kommune"),
    "flow_group": ("Patient group", "Pasientgruppe"),
    "flow_stay1": ("1st stay", "1. opphold"),
    "flow_stay2": ("2nd stay", "2. opphold"),
    "flow_stay3": ("3rd stay", "3. opphold"),
    "flow_end": ("Ending", "Avslutning"),
    "end_home": ("home", "hjem"),
    "end_death": ("died", "døde"),
    "end_elsewhere": ("elsewhere (no bed free)", "annet sted (ingen ledig seng)"),
    "end_open": ("still in care at the end", "fortsatt i forløp ved slutt"),
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

_CAPTION: _L = {
    "flows": (
        "Patients per year (mean over replications) along each path: where they live, "
        "their patient group, their first, second and third stay (later stays are not "
        "drawn) and how the episode ended. A bar is as tall as the patients through it; "
        "a band as wide as the patients along it, coloured as the bar it leaves. "
        "'Elsewhere': every option was full and the patient left the modelled services "
        "(another level or region). Bars below 1 % of the episodes are not named.",
        "Pasienter per år (snitt over replikasjonene) langs hver vei: hvor de bor, "
        "pasientgruppen, første, andre og tredje opphold (senere opphold er ikke tegnet) "
        "og hvordan forløpet sluttet. En søyle er like høy som pasientene gjennom den; et "
        "bånd like bredt som pasientene langs det, farget som søylen det går fra. «Annet "
        "sted»: alle alternativer var fulle og pasienten gikk ut av de modellerte "
        "tjenestene (annet nivå eller annen region). Søyler under 1 % av forløpene har "
        "ikke navn.",
    ),
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
        "How much of the time each number of beds was occupied while the unit was open "
        "(time with no bed open is left out; coloured bars; orange: full "
        "or above capacity), beside what queueing theory gives for the same offered load "
        "and beds (hatched bars, or a black outline for large wards): Erlang's loss formula "
        "for units that turn patients away, "
        "Erlang's delay formula (M/M/c) for units with a queue, and the Poisson "
        "distribution (M/G/∞) for wards that admit everyone. The theory assumes steady "
        "Poisson arrivals: seasons, weekdays and patients waiting in another bed make the "
        "simulation differ from it.",
        "Hvor stor del av tiden hvert antall senger var belagt mens enheten var åpen "
        "(tid uten åpne senger er holdt utenfor; fargede søyler; oransje: "
        "fullt eller over kapasitet), ved siden av det køteorien gir for samme belastning "
        "og sengetall (skraverte søyler, eller en svart kontur for store avdelinger): "
        "Erlangs tapsformel for enheter som avviser, "
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
    "report": ("Sweep report", "Rapport fra parameterstudie"),
    "sweep_report": ("Sweep report", "Rapport fra parameterstudie"),
    "sizing_report": ("Sizing report", "Dimensjoneringsrapport"),
    "calibration_report": ("Calibration report", "Kalibreringsrapport"),
    "calibration_text": (
        "{inside} of {n} targets are met: the simulated value lies within the observed "
        "range and its tolerance.",
        "{inside} av {n} mål er nådd: den simulerte verdien ligger innenfor det observerte "
        "spennet og toleransen.",
    ),
    "fit": ("Goodness of fit", "Tilpasning"),
    "target": ("target", "mål"),
    "observed": ("observed", "observert"),
    "simulated": ("simulated", "simulert"),
    "inside": ("met", "nådd"),
    "meta": (
        "{points} points, {n} replications each, common random numbers",
        "{points} punkter, {n} replikasjoner hver, felles tilfeldige tall",
    ),
    "varied": ("What varied", "Hva som ble variert"),
    "points": ("Table of points", "Tabell over punktene"),
    "point": ("point", "punkt"),
    "status": ("status", "status"),
    "bed_counts": ("Every bed count run", "Alle sengetall som ble kjørt"),
    "beds": ("beds", "senger"),
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

PLOTS: dict[str, tuple[str, str]] = {
    **{f"title.{k}": v for k, v in _TITLE.items()},
    **{f"axis.{k}": v for k, v in _AXIS.items()},
    **{f"legend.{k}": v for k, v in _LEGEND.items()},
    **{f"caption.{k}": v for k, v in _CAPTION.items()},
    **{f"sweep.{k}": v for k, v in _SWEEP.items()},
}
"""Plot labels by key: key -> (English, Norwegian bokmål)."""
