"""Labels of the report's one-page summary: its headings, sentences and table columns.

Keys ``summary.*``, each in English and Norwegian (bokmål), for
:mod:`simulator.report.summary` and :mod:`simulator.report.summary_compare`.
:mod:`simulator.text.labels_report` adds them to the report's labels; read
them through :func:`simulator.text.labels.label`.
"""

from __future__ import annotations

__all__ = ["SUMMARY"]

_L = dict[str, tuple[str, str]]

_SUMMARY: _L = {
    "heading": ("Summary", "Sammendrag"),
    "mnok": ("million NOK", "mill. kr"),
    "interval": ("(95 % interval {low} – {high})", "(95 %-intervall {low} – {high})"),
    "changed": ("changed", "endret"),
    "no_clear_change": (
        "no clear change",
        "ingen klar endring",
    ),
    "per_year_note": (
        "Every figure is per year: the mean over the {years}-year collection period, with its "
        "95 % interval over the replications. Details, plots and the method follow below.",
        "Alle tall er per år: snittet over innsamlingsperioden på {years} år, med "
        "95 %-intervall over replikasjonene. Detaljer, figurer og metode følger nedenfor.",
    ),
    "compare_note": (
        "Every figure is per year (the {years}-year collection period divided by its years). "
        "A change is the alternative minus the base, paired by replication; it is called "
        "'changed' only when its 95 % interval excludes 0, else 'no clear change' (the "
        "difference is within the random variation).",
        "Alle tall er per år (innsamlingsperioden på {years} år delt på antall år). En "
        "endring er alternativet minus basis, parvis per replikasjon; den kalles «endret» "
        "bare når 95 %-intervallet utelukker 0, ellers «ingen klar endring» (forskjellen "
        "ligger innenfor den tilfeldige variasjonen).",
    ),
    "costs": ("Cost per year, by payer", "Kostnad per år, etter betaler"),
    "cost_text": (
        "The municipalities pay {municipality} a year {m_range}; the health trust pays "
        "{trust} a year {t_range}. All payers together: {total} a year.",
        "Kommunene betaler {municipality} i året {m_range}; helseforetaket betaler {trust} i "
        "året {t_range}. Alle betalere til sammen: {total} i året.",
    ),
    "paid_per_year": (
        "paid by the municipality (own net cost), per year",
        "betalt av kommunen (egen nettokostnad), per år",
    ),
    "caused_per_year": (
        "caused by its residents (all payers), per year",
        "forårsaket av innbyggerne (alle betalere), per år",
    ),
    "caused_note": (
        "'Caused by its residents' is what the care of the municipality's residents costs "
        "all payers together, not the municipality's own bill.",
        "«Forårsaket av innbyggerne» er hva behandlingen av kommunens innbyggere koster alle "
        "betalere til sammen, ikke kommunens egen regning.",
    ),
    "year": ("Year", "År"),
    "beds": ("Beds needed against beds planned", "Senger som trengs mot senger som er planlagt"),
    "beds_planned": ("beds planned", "planlagte senger"),
    "beds_needed": (
        "beds needed (enough 95 % of the time)",
        "senger som trengs (nok 95 % av tiden)",
    ),
    "beds_used": ("beds used on average", "belagte senger i snitt"),
    "days_full": ("days full, per year", "dager fullt, per år"),
    "turned_away": ("patients turned away, per year", "avviste pasienter, per år"),
    "verdict": ("in short", "kort sagt"),
    "too_few": ("too few beds", "for få senger"),
    "tight": ("tight", "trangt"),
    "room": ("room to spare", "god plass"),
    "enough": ("enough", "nok"),
    "beds_note": (
        "Beds needed: the number of beds that were enough on 95 % of the time. Days full: "
        "the share of time with every bed taken, as days a year. Turned away: patients who "
        "found the unit full and were sent elsewhere. In short: too few where patients lie "
        "in the corridor, 5 % are turned away or the mean wait is 2 days or more; tight "
        "where the unit is full 15 % of the time, 1 % are turned away or the mean wait is "
        "half a day. A unit that turns patients away or lets them wait never uses more "
        "beds than it has: there the turn-aways and waits show the shortfall, and samsim "
        "size finds the beds that meet a target.",
        "Senger som trengs: antall senger som var nok 95 % av tiden. Dager fullt: andelen av "
        "tiden med alle senger belagt, regnet som dager i året. Avviste: pasienter som fant "
        "enheten full og ble sendt et annet sted. Kort sagt: for få der pasienter ligger på "
        "korridor, 5 % avvises eller ventetiden i snitt er 2 dager eller mer; trangt der "
        "enheten er full 15 % av tiden, 1 % avvises eller ventetiden i snitt er en halv dag. "
        "En enhet som avviser eller lar pasienter vente bruker aldri flere senger enn den "
        "har: der viser avviste og ventetid underskuddet, og samsim size finner sengetallet "
        "som når et mål.",
    ),
    "beds_unchanged": (
        "No unit's beds needed, days full or patients turned away changed clearly.",
        "Ingen enhet fikk klar endring i senger som trengs, dager fullt eller avviste pasienter.",
    ),
    "hospital": ("Hospital bed-days and admissions", "Liggedøgn og innleggelser i sykehus"),
    "hospital_text": (
        "Hospitals: {bed_days} bed-days a year {b_range} and {admissions} admissions a year "
        "{a_range} of the region's own patients. Municipal beds (KØHD, short-term places): "
        "{local} bed-days a year.",
        "Sykehus: {bed_days} liggedøgn i året {b_range} og {admissions} innleggelser i året "
        "{a_range} for regionens egne pasienter. Kommunale senger (KØHD, korttidsplasser): "
        "{local} liggedøgn i året.",
    ),
    "waits": (
        "Waits and patients ready for discharge",
        "Ventetid og utskrivningsklare pasienter",
    ),
    "waits_text": (
        "Longest mean waits for a bed: {longest}.",
        "Lengst ventetid på seng i snitt: {longest}.",
    ),
    "no_waits": ("Hardly anyone waited for a bed.", "Nesten ingen ventet på seng."),
    "blocked_text": (
        "Patients ready for discharge held a bed while waiting for a municipal place for "
        "{days} bed-days a year {d_range} (utskrivningsklare døgn); the municipalities pay "
        "{payments} a year for them.",
        "Utskrivningsklare pasienter lå i {days} døgn i året {d_range} mens de ventet på "
        "kommunal plass (utskrivningsklare døgn); kommunene betaler {payments} i året for dem.",
    ),
    "uncertain": ("What is uncertain", "Hva som er usikkert"),
    "uncertain_random": (
        "The intervals show the random variation between {n} replications only; they do not "
        "include uncertainty in the inputs.",
        "Intervallene viser bare den tilfeldige variasjonen mellom {n} replikasjoner; de tar "
        "ikke med usikkerheten i inndataene.",
    ),
    "uncertain_inputs": (
        "Many inputs are estimates or illustrative assumptions (rates, lengths of stay, "
        "where patients go next, prices): see the inputs and their sources below. Test the "
        "important ones with a sweep.",
        "Mange inndata er anslag eller illustrerende forutsetninger (rater, liggetider, hvor "
        "pasientene går videre, priser): se inndata og kilder nedenfor. Test de viktigste "
        "med en parameterstudie (sweep).",
    ),
    "uncertain_wide": (
        "Least precise figures (95 % half-width as a share of the mean): {kpis}.",
        "Minst presise tall (95 %-halvintervall som andel av snittet): {kpis}.",
    ),
    "base_per_year": ("base, per year", "basis, per år"),
    "alt_per_year": ("alternative, per year", "alternativ, per år"),
    "change_per_year": ("change per year", "endring per år"),
    "row_municipalities": ("Paid by the municipalities", "Betalt av kommunene"),
    "row_trust": ("Paid by the health trust", "Betalt av helseforetaket"),
    "row_paid": ("{municipality}: paid by the municipality", "{municipality}: betalt av kommunen"),
    "row_caused": (
        "{municipality}: caused by its residents (all payers)",
        "{municipality}: forårsaket av innbyggerne (alle betalere)",
    ),
    "hospital_days_word": ("hospital bed-days", "liggedøgn i sykehus"),
    "admissions_word": ("hospital admissions", "innleggelser i sykehus"),
    "avoided": (
        "{amount} {what} a year avoided {interval}",
        "{amount} {what} i året unngått {interval}",
    ),
    "added": ("{amount} {what} a year more {interval}", "{amount} flere {what} i året {interval}"),
    "row_hospital_days": ("Hospital bed-days", "Liggedøgn i sykehus"),
    "row_hospital_admissions": ("Hospital admissions", "Innleggelser i sykehus"),
    "row_municipal_days": ("Municipal bed-days", "Liggedøgn i kommunen"),
    "row_blocked": ("Utskrivningsklare bed-days", "Utskrivningsklare døgn"),
    "only_base": ("only in the base: 0 in the alternative", "bare i basis: 0 i alternativet"),
    "only_alt": ("only in the alternative: 0 in the base", "bare i alternativet: 0 i basis"),
    "deaths_change": (
        "{group}: deaths change by {change} a year.",
        "{group}: dødsfall endres med {change} i året.",
    ),
    "death_caveat": (
        "Caution: in the model, deaths among {group} follow only from an assumed probability "
        "of dying at each step ({probabilities}); moving patients between sites changes deaths "
        "by that assumption, not by a measured effect of the care.",
        "Forsiktig: i modellen følger dødsfall blant {group} bare av en antatt sannsynlighet "
        "for å dø i hvert steg ({probabilities}); å flytte pasienter mellom steder endrer "
        "dødsfall gjennom denne forutsetningen, ikke gjennom en målt effekt av behandlingen.",
    ),
    "flows_moved": ("Patient flows that moved", "Pasientstrømmer som endret seg"),
    "flows_moved_note": (
        "Patients per year along each path, base and alternative, the largest changes first "
        "(means over replications).",
        "Pasienter per år langs hver vei, basis og alternativ, største endringer først (snitt "
        "over replikasjonene).",
    ),
    "flow_path": ("from → to", "fra → til"),
    "flow_none_moved": ("No patient flow moved.", "Ingen pasientstrømmer endret seg."),
}

SUMMARY: dict[str, tuple[str, str]] = {f"summary.{k}": v for k, v in _SUMMARY.items()}
"""Summary labels by key: key -> (English, Norwegian bokmål)."""
