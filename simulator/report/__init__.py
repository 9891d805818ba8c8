"""The HTML report of a results folder: one self-contained file a planner can mail.

:func:`write_report` writes ``<folder>/report.html`` and ``results.xlsx`` for
a run, comparison, sweep or sizing folder. Everything is inside the HTML
file: the plots as base64 PNG data URIs, the CSS inline, no scripts and no
external resources. Text read from the folder (titles, descriptions, names,
warnings) is escaped.

A run report holds, in this order: title and description; the one-page
summary in plain words (:mod:`~simulator.report.summary`: cost per year by
payer, beds needed against beds planned, hospital bed-days, waits and
utskrivningsklare days, what is uncertain); the warnings, in the report's
language with display names; the KPI tables with 95 % intervals
(facilities, groups, municipalities, costs); the plots, the patient-flow
diagram first; and a model description in the order of the STRESS-DES
checklist (Monks et al. 2019, *Strengthening the reporting of empirical
simulation studies*): objectives, logic, inputs and their sources,
assumptions, randomness, warm-up, replications, implementation. Results come
before the method because a planner reads them first; the contents list at
the top links every section.

A comparison report holds the summary of what each alternative changes per
year, the warnings, the patient flows that moved, the paired differences
(significant changes first; deaths KPIs with a caveat where they differ only
through assumed probabilities), the forest plots, and a short section per
scenario linking its own full report. Sweep and sizing reports are
:mod:`~simulator.report.studies`.

The parts: :mod:`~simulator.report.html` (escaping, numbers, tables, page),
:mod:`~simulator.report.sections` (results, plots, warnings, comparison table,
moved flows), :mod:`~simulator.report.summary`, :mod:`~simulator.report.studies`,
:mod:`~simulator.report.inputs` and :mod:`~simulator.report.description` (the
model description).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from simulator.plots import figure_files, write_figures
from simulator.report.description import model_section
from simulator.report.html import esc, h4, nav, page
from simulator.report.inputs import yaml_comments
from simulator.report.sections import (
    FACILITY_COLUMNS,
    comparison_table,
    cost_heading,
    cost_table,
    figures_section,
    flows_moved,
    kpi_table,
    results_section,
    warnings_section,
)
from simulator.report.summary import run_summary
from simulator.report.summary_compare import (
    comparison_summary,
    death_caveats,
    localise_warnings,
)
from simulator.store.folders import atomic_write
from simulator.store.readers import (
    ComparisonFolder,
    RunFolder,
    is_comparison,
    period_text,
    read_comparison,
    read_run,
)
from simulator.store.xlsx import write_workbooks
from simulator.text.labels import label

__all__ = ["folder_kind", "render_comparison", "render_run", "write_report", "yaml_comments"]


def _overrides(changes: Sequence[str], lang: str) -> str:
    """A note listing the ``path=value`` changes made on top of the scenario files."""
    if not changes:
        return ""
    text = label("text.overrides", lang, changes="; ".join(changes))
    return f'<p class="note">{esc(text)}</p>'


def _description(run: RunFolder) -> str:
    description = str(run.scenario.get("description") or "").strip()
    return f'<p class="description">{esc(description)}</p>' if description else ""


def render_run(run: RunFolder, pngs: Sequence[Path], lang: str = "en") -> str:
    """The HTML of a run report, with the given PNG files embedded."""
    settings = run.scenario.get("run") or {}
    meta = " · ".join(
        x
        for x in (
            str(run.scenario.get("name", "")),
            period_text(run.scenario, lang),
            f"{label('column.replications_run', lang)}: {run.replications}",
            f"seed {run.manifest.get('seed', settings.get('seed', ''))}",
        )
        if x
    )
    failures = len(run.manifest.get("failures") or [])
    body = [
        "<header>",
        f'<p class="kind">{esc(label("heading.report", lang))}</p>',
        f"<h1>{esc(run.title)}</h1>",
        f'<p class="meta">{esc(meta)}</p>',
        _overrides(run.overrides, lang),
        _description(run),
        "</header>",
        nav(["summary", "warnings", "results", "plots", "model"], lang),
        run_summary(run, lang),
        warnings_section(
            localise_warnings(run.manifest.get("warnings") or [], run.names, lang), failures, lang
        ),
        results_section(run, lang),
        figures_section(pngs, lang),
        model_section(run, lang),
    ]
    version = str(run.manifest.get("samsim_version", ""))
    return page(run.title, "\n".join(b for b in body if b), lang, version)


def render_comparison(comparison: ComparisonFolder, pngs: Sequence[Path], lang: str = "en") -> str:
    """The HTML of a comparison report, with the given PNG files (forest plots) embedded."""
    base = comparison.runs.get(comparison.base)
    names = base.names if base else {"facilities": {}, "groups": {}, "municipalities": {}}

    def title_of(name: str) -> str:
        run = comparison.runs.get(name)
        return run.title if run else name

    alternatives = comparison.alternatives
    title = " | ".join(title_of(n) for n in [comparison.base, *alternatives])
    m = comparison.manifest
    version = str(base.manifest.get("samsim_version", "")) if base else ""
    note = label(
        "text.comparison_note", lang, seed=m.get("seed", "?"), n=m.get("replications", "?")
    )
    warnings = [str(w) for w in m.get("warnings") or []]
    if m.get("different_periods"):
        periods = "; ".join(
            f"{name}: {period_text(run.scenario, lang)}" for name, run in comparison.runs.items()
        )
        warnings.insert(0, label("text.different_periods", lang, periods=periods))
    changes = [str(x) for x in m.get("overrides") or []]
    runs = [(title_of(alt), comparison.runs[alt]) for alt in alternatives if alt in comparison.runs]
    body = [
        "<header>",
        f'<p class="kind">{esc(label("heading.comparison_report", lang))}</p>',
        f"<h1>{esc(title)}</h1>",
        _overrides(changes, lang),
        "</header>",
        nav(["summary", "warnings", "flows", "comparison", "plots", "scenarios"], lang),
        comparison_summary(base, runs, lang) if base is not None else "",
        warnings_section(localise_warnings(warnings, names, lang), 0, lang),
        f'<h2 id="flows">{esc(label("summary.flows_moved", lang))}</h2>',
        f'<p class="note">{esc(label("summary.flows_moved_note", lang))}</p>',
    ]
    for alt_title, run in runs:
        body.append(f"<h3>{esc(alt_title)} − {esc(title_of(comparison.base))}</h3>")
        body.append(flows_moved(base, run, lang) if base is not None else "")
    body += [
        f'<h2 id="comparison">{esc(label("heading.comparison", lang))}</h2>',
        f'<p class="note">{esc(note)}</p>',
    ]
    for alt in alternatives:
        rows = comparison.comparison[comparison.comparison["scenario"] == alt]
        alt_run = comparison.runs.get(alt)
        caveats = (
            death_caveats(base.scenario, alt_run.scenario, names, lang)
            if base is not None and alt_run is not None
            else {}
        )
        body.append(f"<h3>{esc(title_of(alt))} − {esc(title_of(comparison.base))}</h3>")
        body.append(comparison_table(rows, names, lang, caveats))
    body.append(figures_section(pngs, lang))
    body.append(f'<h2 id="scenarios">{esc(label("heading.scenarios", lang))}</h2>')
    for name, run in comparison.runs.items():
        role = label("column.base" if name == comparison.base else "column.alt", lang)
        body += [
            f"<h3>{esc(title_of(name))} <small>({esc(role)}: {esc(name)})</small></h3>",
            _description(run),
            f'<p><a href="{esc(name)}/report.html">{esc(label("text.full_report", lang))}</a></p>',
            h4("kpi_facilities", lang),
            kpi_table(run, "facility", FACILITY_COLUMNS, lang),
            f"<h4>{esc(cost_heading(run, lang))}</h4>",
            cost_table(run, lang),
        ]
    return page(title, "\n".join(b for b in body if b), lang, version)


def write_report(
    folder: Path,
    lang: str = "en",
    figures: Sequence[Path] | None = None,
    workers: int | None = None,
    svg: bool = False,
) -> Path:
    """Write ``folder/report.html`` (and ``results.xlsx``) for any results folder; its path.

    Parameters
    ----------
    folder
        A run, comparison, sweep or sizing folder (:func:`folder_kind`).
    lang
        "en" or "nb".
    figures
        The files :func:`simulator.plots.write_figures` wrote for this folder; when
        None, the figures are written first (in ``lang``). For a comparison folder
        each scenario's subfolder gets its own ``report.html`` too.
    workers
        Processes that draw the figures (see :func:`simulator.plots.write_figures`).
    svg
        Also write every figure as SVG beside its PNG (the report embeds the
        PNG files only). Sweep, sizing and calibration figures are written as
        both always.

    Every folder also gets ``results.xlsx`` (:mod:`simulator.store.xlsx`).
    """
    folder = Path(folder)
    label("heading.report", lang)  # refuses an unknown language before any work
    kind = folder_kind(folder)
    if kind in ("sweep", "sizing", "calibration"):
        return _write_study_report(folder, kind, lang, figures)
    # The workbooks need no figure: written beside the drawing, in a forked process.
    workbooks = _beside(lambda: _no_result(write_workbooks(folder, lang)), workers)
    paths = list(figures) if figures is not None else write_figures(folder, lang, workers, svg)
    try:
        return _write_pages(folder, lang, paths)
    finally:
        workbooks()


def _write_pages(folder: Path, lang: str, paths: Sequence[Path]) -> Path:
    """``report.html`` of a run or comparison folder (and of a comparison's scenarios)."""
    if is_comparison(folder):
        comparison = read_comparison(folder)
        for run in comparison.runs.values():
            _write_pages(run.path, lang, [p for p in paths if _inside(p, run.path)])
        text = render_comparison(comparison, figure_files(paths, folder), lang)
    else:
        text = render_run(read_run(folder), figure_files(paths, folder), lang)
    return atomic_write(folder / "report.html", text)  # a reader never sees half a report


def _no_result(_: object) -> None:
    """Drop a task's result (a forked task returns nothing)."""


def _beside(task: Callable[[], None], workers: int | None) -> Callable[[], None]:
    """Start ``task`` in a forked process where that is safe and pays; a function that waits.

    Where it cannot fork (another platform, another thread running, one worker
    asked for) the task runs when the returned function is called. A forked
    task that fails is run again in this process, so its error is raised here.
    """
    if (
        workers == 1
        or (os.cpu_count() or 1) < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or threading.active_count() > 1
    ):
        return task
    process = multiprocessing.get_context("fork").Process(target=task, daemon=True)
    process.start()

    def wait() -> None:
        process.join()
        if process.exitcode != 0:
            task()

    return wait


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def folder_kind(folder: Path) -> str:
    """``sweep``, ``sizing``, ``calibration``, ``comparison`` or ``run``: what a folder holds."""
    folder = Path(folder)
    if (folder / "sweep.json").is_file():
        return "sweep"
    if (folder / "size.csv").is_file():
        return "sizing"
    if (folder / "goodness_of_fit.csv").is_file():
        return "calibration"
    return "comparison" if is_comparison(folder) else "run"


def _write_study_report(folder: Path, kind: str, lang: str, figures: Sequence[Path] | None) -> Path:
    """``report.html`` and ``results.xlsx`` of a sweep, sizing or calibration folder.

    The plots are drawn first unless ``figures`` names them.
    """
    import pandas as pd

    from simulator.plots.calibration import write_calibration_figures
    from simulator.plots.sizing import write_sizing_figures
    from simulator.plots.sweep import write_sweep_figures
    from simulator.report.studies import render_calibration, render_sizing, render_sweep
    from simulator.store.xlsx import write_table_workbook
    from simulator.sweeps.store import read_sweep

    if figures is None:
        draw = {
            "sweep": write_sweep_figures,
            "sizing": write_sizing_figures,
            "calibration": write_calibration_figures,
        }[kind]
        figures = draw(folder, lang)
    figures = list(figures)
    pngs = figure_files(figures, folder)
    if kind == "calibration":  # its plot lies beside its tables
        pngs = [p for p in figures if p.suffix == ".png"]
    tables: dict[str, pd.DataFrame]
    if kind == "sweep":
        sweep = read_sweep(folder)
        text = render_sweep(sweep, pngs, lang)
        tables, sources = {"Points": sweep.table}, "sweep.csv"
    elif kind == "sizing":
        text = render_sizing(folder, pngs, lang)
        tables, sources = {"Bed counts": pd.read_csv(folder / "size.csv")}, "size.csv"
    else:
        text = render_calibration(folder, pngs, lang)
        tables = {"Goodness of fit": pd.read_csv(folder / "goodness_of_fit.csv")}
        sources = "goodness_of_fit.csv"
        if (folder / "evaluations.csv").is_file():
            tables["Evaluations"] = pd.read_csv(folder / "evaluations.csv")
            sources += ", evaluations.csv"
    about: list[tuple[str, object]] = [
        ("samsim", label(f"sweep.{kind}_report", lang)),
        (label("xlsx.source", lang), sources),
    ]
    write_table_workbook(folder / "results.xlsx", about, tables)
    return atomic_write(folder / "report.html", text)
