"""Making the briefing: ``make_report(session, actor=…, options=…, out=folder)`` writes
``surplace-report-<language>.html`` (self-contained) and ``.pdf`` into the folder.

The report is an aggregate publication: making it needs ``aggregate.read`` (and reading the
recommendations ``advocacy.read``), it reads only counts, estimates and public documents
(:mod:`.gather`), and every count table is suppressed as exports are. Each report made is one
audit entry (what was asked and which files were written; never a value from the store).
The files are written to temporary names and renamed at the end, so a failure leaves no
half-written report behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.incidents import vocabularies as incident_vocabularies
from surplace.reports import figures, gather, render
from surplace.reports.disclosure import TOTAL
from surplace.reports.recommendations import recommendations
from surplace.reports.schemas import ReportOptions, ReportOut
from surplace.reports.strings import Strings
from surplace.vault import audit

#: ``step(description)`` is called before each stage; the CLI advances its bar with it.
Step = Callable[[str], None]
STAGES = ("Counting documented acts", "Reading list overlaps", "Reading stored estimates",
          "Reading recommendations", "Drawing figures", "Writing HTML", "Writing PDF")


def _share(row: gather.EstimateRow) -> str:
    return f"{row.observed / row.estimate:.0%}" if row.estimate > 0 else "–"


def _estimate_blocks(rows: list[gather.EstimateRow], words: Strings
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    drawn, versus = [], []
    for subject in dict.fromkeys(row.subject for row in rows):
        mine = [row for row in rows if row.subject == subject]
        name = words("estimates", f"subject_{subject}")
        figure = figures.estimates_figure(mine, words)
        if figure is not None:
            drawn.append({"subject": name, "figure": render.data_uri(figure)})
        method = gather.preferred(mine)
        chart = None if method is None else figures.versus_figure(mine, method, words)
        if chart is not None and method is not None:
            label = next(row.label for row in mine if row.method == method)
            versus.append({"subject": name, "figure": render.data_uri(chart), "method": label})
    return drawn, versus


def _summary(data: gather.ReportData, words: Strings) -> list[str]:
    total = data.types_by_year.get(TOTAL, TOTAL)
    lines = [words("summary", "documented", n=words(
        "recommendations", "fewer", threshold=data.scope.threshold) if total is None
        else f"{total:,}")]
    if data.undated:
        small = data.undated < data.scope.threshold
        lines.append(words("summary", "undated", n=words(
            "recommendations", "fewer", threshold=data.scope.threshold) if small
            else f"{data.undated:,}"))
    lines.append(words("summary", "sources", n=len(data.sources)))
    shown = [row for row in data.estimates if row.shown]
    overall = [row for row in shown if not row.year] or shown
    if overall:
        best = min(overall, key=lambda r: (r.subject != "acts",
                                           gather.PREFERENCE.index(r.method)
                                           if r.method in gather.PREFERENCE else 99))
        lines.append(words("summary", "estimate", method=best.label,
                           subject=words("estimates", f"subject_{best.subject}").capitalize(),
                           estimate=f"{best.estimate:,.0f}",
                           lower=f"{best.lower:,.0f}" if best.lower is not None else "–",
                           upper=(f"{best.upper:,.0f}" if best.upper is not None
                                  else words("estimates", "open_upper")),
                           observed=f"{best.observed:,}"))
    else:
        lines.append(words("summary", "no_estimate"))
    people = [row for row in shown if row.subject == "persons" and row.year]
    method = gather.preferred(people)
    if method is not None:
        latest = max((row for row in people if row.method == method), key=lambda r: r.year)
        lines.append(words("summary", "persons", period=latest.year, method=latest.label,
                           estimate=f"{latest.estimate:,.0f}", observed=f"{latest.observed:,}",
                           lower=f"{latest.lower:,.0f}" if latest.lower is not None else "–",
                           upper=(f"{latest.upper:,.0f}" if latest.upper is not None
                                  else words("estimates", "open_upper"))))
    if data.recommendations:
        open_ = sum(item["status"] == "not_implemented" for item in data.recommendations)
        lines.append(words("summary", "recommendations", n=len(data.recommendations),
                           open=open_))
    if data.suppressed:
        lines.append(words("summary", "suppressed", n=data.suppressed))
    return lines


def _collect(session: Session, actor: Actor, options: ReportOptions, words: Strings,
             step: Step) -> gather.ReportData:
    scope = gather.resolve_scope(session, period=options.period, region=options.region,
                                 threshold=options.threshold)
    step(STAGES[0])
    scope = gather.with_period(session, actor, scope)
    types, undated = gather.types_by_year(session, actor, scope)
    provinces, names = gather.by_province(session, actor, scope)
    step(STAGES[1])
    acts = gather.acts_overlap(session, actor, scope)
    persons = gather.persons_overlap(session, actor, scope)
    if types.get(TOTAL, TOTAL) is None:
        # The period's total is one figure in three tables: hidden in one, hidden in all.
        provinces = replace(provinces, cells={**provinces.cells, (TOTAL,): None})
        if acts is not None:
            acts.total = None
    step(STAGES[2])
    estimates = gather.estimates(session, actor, scope)
    gather.link_to_table(estimates, types, undated=undated, threshold=scope.threshold)
    if persons is not None:
        gather.link_to_total(estimates, "persons", persons.total, threshold=scope.threshold)
    settings = gather.estimation_settings(session, actor, estimates)
    step(STAGES[3])
    tracked = recommendations(session, actor, scope, types, words)
    codes = sorted(acts.lists) if acts else []
    return gather.ReportData(
        scope=scope, types_by_year=types, undated=undated, provinces=provinces,
        province_names=names, acts_overlap=acts, persons_overlap=persons,
        estimates=estimates, estimation_settings=settings, recommendations=tracked,
        sources=gather.sources(session, actor, codes), link_run=gather.link_run(session, actor))


def _context(data: gather.ReportData, words: Strings, today: dt.date) -> dict[str, Any]:
    language, scope = words.language, data.scope
    labels = {t: incident_vocabularies.label("act_type", t, language)
              for t in data.types_by_year.rows}
    provinces = {code: names[language] for code, names in data.province_names.items()}
    provinces[gather.UNKNOWN] = words("province", "unknown")
    period = (f"{scope.start}–{scope.end}" if scope.start is not None
              else words("meta", "all_years"))
    region = scope.region_names.get(language) or words("meta", "all_regions")
    time_svg = figures.time_figure(data.types_by_year, labels, words)
    province_svg = figures.province_figure(data.provinces, provinces, words)
    overlaps = []
    for overlap, title, caption in (
            (data.acts_overlap, words("overlaps", "acts_title"),
             words("overlaps", "caption", threshold=scope.threshold)),
            (data.persons_overlap, words("overlaps", "persons_title"),
             words("overlaps", "persons_caption"))):
        if overlap is not None:
            overlaps.append({"title": title, "caption": caption, "rows": overlap.published,
                             "hidden": overlap.hidden, "total": overlap.total,
                             "figure": render.data_uri(figures.overlap_figure(
                                 overlap, title, words))})
    drawn, versus = _estimate_blocks(data.estimates, words)
    rows = [{"subject": words("estimates", f"subject_{row.subject}"),
             "year": row.year or words("estimates", "all_years"), "label": row.label,
             "shown": row.shown, "hidden_because": row.hidden_because,
             "observed": row.observed, "estimate": row.estimate,
             "lower": row.lower, "share": _share(row),
             "upper_text": (f"{row.upper:,.0f}" if row.upper is not None
                            else words("estimates", "open_upper"))} for row in data.estimates]
    link_run = None
    if data.link_run is not None:
        link_run = {**data.link_run, "finished": data.link_run["finished"].strftime(
            "%Y-%m-%d %H:%M UTC")}
    sections = [("summary", words("summary", "heading")), ("time", words("time", "heading")),
                ("province", words("province", "heading")),
                ("overlaps", words("overlaps", "heading")),
                ("estimates", words("estimates", "heading")),
                ("recommendations", words("recommendations", "heading")),
                ("methods", words("methods", "heading"))]
    return {
        "lang": language, "w": words, "words": words, "dash": words("labels", "dash"),
        "total": TOTAL, "threshold": scope.threshold, "sections": sections,
        "scope_line": words("meta", "scope", period=period, region=region),
        "generated": words("meta", "generated", date=today.isoformat(),
                           threshold=scope.threshold),
        "summary": _summary(data, words),
        "time": {"figure": time_svg and render.data_uri(time_svg), "table": data.types_by_year,
                 "labels": labels},
        "province": {"figure": province_svg and render.data_uri(province_svg),
                     "table": data.provinces, "names": provinces},
        "overlaps": overlaps,
        "estimates": {"rows": rows, "figures": drawn, "versus": versus,
                      "year_header": words("estimates", "year_or_period" if any(
                          "-" in row.year for row in data.estimates) else "year")},
        "recommendations": data.recommendations, "sources": data.sources,
        "link_run": link_run,
        "settings": [{**item, "subject": words("estimates", f"subject_{item['subject']}")}
                     for item in data.estimation_settings],
        "figure_count": (sum(x is not None for x in (time_svg, province_svg)) + len(overlaps)
                         + len(drawn) + len(versus)),
    }


def make_report(session: Session, *, actor: Actor, options: ReportOptions | dict[str, Any],
                out: Path, step: Step | None = None, today: dt.date | None = None) -> ReportOut:
    """Gather, draw and write the report's HTML and PDF into ``out`` (created if missing)."""
    require(actor, "aggregate.read")
    require(actor, "advocacy.read")
    chosen = options if isinstance(options, ReportOptions) else ReportOptions(**options)
    note = step or (lambda _stage: None)
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"out: {out} exists and is not a folder.")
    words = Strings(chosen.language)
    data = _collect(session, actor, chosen, words, note)
    note(STAGES[4])
    context = _context(data, words, today or dt.date.today())
    note(STAGES[5])
    document = render.html(context)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / f"surplace-report-{chosen.language}.html"
    pdf_path = out / f"surplace-report-{chosen.language}.pdf"
    html_part, pdf_part = html_path.with_suffix(".html.part"), pdf_path.with_suffix(".pdf.part")
    try:
        html_part.write_text(document, encoding="utf-8")
        note(STAGES[6])
        pages = render.pdf(document, pdf_part)
        html_part.replace(html_path)
        pdf_part.replace(pdf_path)
    finally:
        html_part.unlink(missing_ok=True)
        pdf_part.unlink(missing_ok=True)
    scope = data.scope
    period = "" if scope.start is None else f"{scope.start}-{scope.end}"
    audit.record(session, "report.write", "report", None, detail={
        "language": chosen.language, "period": period, "region": scope.region or "",
        "threshold": scope.threshold, "files": [html_path.name, pdf_path.name],
        "suppressed_cells": data.suppressed})
    return ReportOut(html=html_path, pdf=pdf_path, language=chosen.language,
                     period=period or "all", region=scope.region or "all", pages=pages,
                     figures=context["figure_count"], suppressed_cells=data.suppressed,
                     sections=[anchor for anchor, _ in context["sections"]])
