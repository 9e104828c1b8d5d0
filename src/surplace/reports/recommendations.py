"""The recommendations section: each recommendation's status with its reasons, the evidence
that bears on it and its indicators, through the tracker's service.

What is left out on purpose: who judged (a staff account name in a published briefing could
point at an aid worker, and aid workers are arrested) and the working notes on evidence (free
text a researcher wrote for colleagues, not for publication). The status reason is kept: it is
the judgement's public justification. Evidence is described by what it is (an act's type and
year, an estimate's figures), never by a victim or a place below the province.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.advocacy import catalogue
from surplace.advocacy import service as advocacy
from surplace.advocacy.schemas import EvidenceOut
from surplace.estimation import runs
from surplace.incidents import service as incidents
from surplace.incidents import vocabularies as incident_vocabularies
from surplace.reports.disclosure import Published
from surplace.reports.gather import Scope, derivable_sum
from surplace.reports.strings import Strings


def _number(value: float | None, words: Strings) -> str:
    if value is None:
        return words("estimates", "open_upper")
    return f"{value:,.0f}"


def _evidence(session: Session, actor: Actor, item: EvidenceOut, words: Strings) -> str:
    language = words.language
    if item.object_type == "act":
        act = incidents.get_act(session, item.object_id)
        year = (str(act.act_date.year) if act.act_date is not None
                else words("recommendations", "unknown_year"))
        return words("recommendations", "evidence_act", year=year,
                     type=incident_vocabularies.label("act_type", act.act_type, language))
    if item.object_type == "incident":
        incident = incidents.get_incident(session, item.object_id)
        year = (str(incident.start_date.year) if incident.start_date is not None
                else words("recommendations", "unknown_year"))
        return words("recommendations", "evidence_incident", year=year)
    run = runs.get_run(session, actor=actor, run_id=item.object_id)
    subject = words("estimates", f"subject_{run.subject}") if run.subject in runs.SUBJECTS \
        else run.subject
    return words("recommendations", "evidence_estimate", subject=subject, method=run.label,
                 estimate=_number(run.estimate, words), lower=_number(run.lower, words),
                 upper=_number(run.upper, words))


def _first_full_year(issued: dt.date | None) -> int | None:
    """The first whole year after a recommendation: a table by year cannot tell the acts of
    its own year before it from those after, and counting them would blame a state for what
    happened before it was asked."""
    if issued is None:
        return None
    return issued.year if (issued.month, issued.day) == (1, 1) else issued.year + 1


def _indicators(code: str, issued: dt.date | None, table: Published, scope: Scope,
                words: Strings) -> list[dict[str, str]]:
    """The recommendation's indicators read off the published table of acts by type and year:
    acts of the indicator's types in the whole years after the recommendation within the
    period. A sum the table does not let anyone work out is shown as suppressed, so an
    indicator never undoes the table's suppression (the exact counts since the day are the
    tracker's, for those allowed to see them)."""
    first = _first_full_year(issued)
    years = [year for year in table.columns if first is None or int(year) >= first]
    defined = catalogue.indicators()
    out = []
    for name in advocacy.indicator_names(code):
        indicator = defined[name]
        value = derivable_sum(table, indicator.act_types, years) if years else 0
        span = f"{years[0]}–{years[-1]}" if years else words("recommendations", "no_years")
        out.append({"label": indicator.label(words.language), "years": span,
                    "value": words("labels", "dash") if value is None else f"{value:,}"})
    return out


def recommendations(session: Session, actor: Actor, scope: Scope, table: Published,
                    words: Strings) -> list[dict[str, Any]]:
    """Every tracked recommendation as the report shows it, by code; ``table`` is the
    published table of documented acts by type and year its indicators are read from."""
    language = words.language
    out = []
    for summary in advocacy.list_recommendations(session, actor=actor, language=language):
        shown = advocacy.show_recommendation(session, actor=actor, code=summary.code,
                                             language=language)
        latest = shown.history[-1] if shown.history else None
        out.append({
            "code": shown.code,
            "text": shown.translations.get(language, shown.text),
            "issued": words("recommendations", "issued", issuer=shown.issuer,
                            addressee=shown.addressee,
                            date="" if shown.issued_on is None else shown.issued_on.isoformat()),
            "status": shown.status or "not_judged",
            "status_label": shown.status_label,
            "judged": ("" if latest is None else words(
                "recommendations", "judged", date=latest.judged_at.date().isoformat())),
            "reason": "" if latest is None else (latest.translation or latest.reason),
            "history": [{"label": s.label, "date": s.judged_at.date().isoformat(),
                         "reason": s.translation or s.reason} for s in shown.history[:-1]],
            "evidence": [_evidence(session, actor, item, words) for item in shown.evidence_list],
            "indicators": _indicators(shown.code, shown.issued_on, table, scope, words),
            "citation": None if shown.citation is None else shown.citation.model_dump(),
        })
    return out
