"""The recommendations tracker: recommendations, status judgements, evidence and indicators.

Every function takes the session (one transaction: a refusal anywhere leaves the store as it
was) and the acting user, whom the access policy checks first (``advocacy.read`` to read,
``advocacy.write`` to add or judge). Recommendations are public documents, kept in the clear.

A recommendation's short code (``HRW-2013-1``) is its identity: it is stored as the row's id.
The schema has no code column, and a code that is unique, typed back by people and shown in
every message is what an id is for; recommendations are public, so an id that means something
reveals nothing. (Should a separate column be added, only :func:`_get` and
:func:`add_recommendation` change.)

Status judgements are append-only (also enforced by :mod:`surplace.advocacy.guards`): the
current status is the latest judgement, and every earlier one stays with who made it and why.
Evidence links point at an incident, an act or an estimate that must exist when attached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.access.models import User
from surplace.access.policy import Actor, require
from surplace.advocacy import catalogue, indicators, vocabularies
from surplace.advocacy.exceptions import EvidenceNotFound, RecommendationNotFound
from surplace.advocacy.models import Recommendation, RecommendationEvidence, RecommendationStatus
from surplace.advocacy.schemas import (
    Citation,
    EvidenceIn,
    EvidenceOut,
    IndicatorsOut,
    RecommendationIn,
    RecommendationOut,
    RecommendationSummary,
    StatusIn,
    StatusOut,
    normal_code,
    parse,
)
from surplace.errors import InvalidInput
from surplace.estimation import runs
from surplace.incidents import service as incident_service
from surplace.incidents.exceptions import ActNotFound, IncidentNotFound
from surplace.store.base import utcnow

#: What a recommendation nobody has judged yet shows instead of a status.
NOT_JUDGED = {"en": "not judged", "ko": "판단 없음", "zh": "尚未评估"}


def _get(session: Session, code: str) -> Recommendation:
    found = session.get(Recommendation, normal_code(code))
    if found is None:
        raise RecommendationNotFound(code.strip())
    return found


def _history(session: Session, ids: Sequence[str]) -> dict[str, list[RecommendationStatus]]:
    """Judgements per recommendation, oldest first."""
    out: dict[str, list[RecommendationStatus]] = {key: [] for key in ids}
    query = (select(RecommendationStatus)
             .where(RecommendationStatus.recommendation_id.in_(list(ids)))
             .order_by(RecommendationStatus.judged_at, RecommendationStatus.id))
    for row in session.scalars(query):
        out[row.recommendation_id].append(row)
    return out


def _names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {key for key in ids if key}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {str(key): str(name) for key, name in rows}


def _summary(row: Recommendation, history: list[RecommendationStatus], evidence: int,
             language: str) -> RecommendationSummary:
    latest = history[-1] if history else None
    return RecommendationSummary(
        code=row.id, addressee=row.addressee, issuer=row.issuer, issued_on=row.issued_on,
        text=row.text, status=None if latest is None else latest.status,
        status_label=(NOT_JUDGED.get(language, NOT_JUDGED["en"]) if latest is None
                      else vocabularies.label("status", latest.status, language)),
        judged_at=None if latest is None else _utc(latest.judged_at), evidence=evidence)


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive times; every time stored here is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _status_out(row: RecommendationStatus, names: Mapping[str, str],
                language: str = "en") -> StatusOut:
    judged_at = _utc(row.judged_at)
    return StatusOut(id=row.id, status=row.status,
                     label=vocabularies.label("status", row.status, language),
                     reason=row.reason, judged_by=row.judged_by,
                     judged_by_name=names.get(row.judged_by or ""), judged_at=judged_at)


def add_recommendation(session: Session, *, actor: Actor,
                       data: RecommendationIn | Mapping[str, Any]) -> RecommendationOut:
    require(actor, "advocacy.write")
    item = parse(RecommendationIn, data)
    if session.get(Recommendation, item.code) is not None:
        raise InvalidInput(f"code: {item.code} is already taken.")
    session.add(Recommendation(id=item.code, addressee=item.addressee, issuer=item.issuer,
                               issued_on=item.issued_on, text=item.text))
    session.flush()
    return show_recommendation(session, actor=actor, code=item.code)


def list_recommendations(session: Session, *, actor: Actor, status: str | None = None,
                         addressee: str | None = None, issuer: str | None = None,
                         language: str = "en") -> list[RecommendationSummary]:
    """Every recommendation with its current status, by code; optionally only those whose
    current status is ``status`` (``not_judged`` for none yet), whose addressee contains
    ``addressee`` or whose issuer contains ``issuer`` (any case)."""
    require(actor, "advocacy.read")
    wanted = None
    if status is not None:
        wanted = status.strip().lower()
        if wanted != "not_judged":
            wanted = vocabularies.check("status", wanted, field="status")
    query = select(Recommendation).order_by(Recommendation.id)
    if addressee is not None:
        query = query.where(func.lower(Recommendation.addressee).contains(
            addressee.strip().lower(), autoescape=True))
    if issuer is not None:
        query = query.where(func.lower(Recommendation.issuer).contains(
            issuer.strip().lower(), autoescape=True))
    rows = list(session.scalars(query))
    histories = _history(session, [row.id for row in rows])
    evidence = {str(key): int(count) for key, count in session.execute(
        select(RecommendationEvidence.recommendation_id, func.count())
        .group_by(RecommendationEvidence.recommendation_id))}
    found = [_summary(row, histories[row.id], evidence.get(row.id, 0), language)
             for row in rows]
    if wanted is not None:
        found = [item for item in found if (item.status or "not_judged") == wanted]
    return found


def show_recommendation(session: Session, *, actor: Actor, code: str,
                        language: str = "en") -> RecommendationOut:
    """One recommendation: its current status, every judgement (oldest first) with who and why,
    its evidence, and — when a shipped catalogue holds its code — the citation with its
    verification marks and the text in the catalogue's languages."""
    require(actor, "advocacy.read")
    row = _get(session, code)
    history = _history(session, [row.id])[row.id]
    evidence = list(session.scalars(
        select(RecommendationEvidence)
        .where(RecommendationEvidence.recommendation_id == row.id)
        .order_by(RecommendationEvidence.added_at, RecommendationEvidence.id)))
    names = _names(session, [s.judged_by for s in history] + [e.added_by for e in evidence])
    summary = _summary(row, history, len(evidence), language)
    citation, translations = None, {}
    entry = catalogue.catalogued(row.id)
    if entry is not None:
        source = entry.catalogue.source
        citation = Citation(text=source.ko if language == "ko" else source.en, url=source.url,
                            verification=source.verification,
                            recommendations_verification=source.recommendations_verification)
        translations = {"en": entry.entry.en, "ko": entry.entry.ko}
    history_out = [_status_out(status, names, language) for status in history]
    if entry is not None and entry.entry.reason is not None:
        translated = entry.entry.reason_in(language)
        for status in history_out:
            if status.reason == entry.entry.reason:
                status.translation = translated
    return RecommendationOut(
        **summary.model_dump(),
        history=history_out,
        evidence_list=[EvidenceOut(
            id=item.id, object_type=item.object_type, object_id=item.object_id,
            note=item.note, added_by=item.added_by,
            added_by_name=names.get(item.added_by or ""),
            added_at=_utc(item.added_at)) for item in evidence],
        citation=citation, translations=translations)


def record_status(session: Session, *, actor: Actor, code: str,
                  data: StatusIn | Mapping[str, Any]) -> StatusOut:
    """A new judgement of how far the recommendation is implemented, with the reason. It
    becomes the current status; earlier judgements stay as they were."""
    require(actor, "advocacy.write")
    item = parse(StatusIn, data)
    row = _get(session, code)
    history = _history(session, [row.id])[row.id]
    now = utcnow()
    if history:
        # The order of judgements is their time; a clock that has not moved on (or went back)
        # must not put a new judgement before the one it replaces.
        last = _utc(history[-1].judged_at)
        if now <= last:
            now = last + timedelta(microseconds=1)
    status = RecommendationStatus(recommendation_id=row.id, status=item.status,
                                  judged_by=actor.user_id, judged_at=now, reason=item.reason)
    session.add(status)
    session.flush()
    return _status_out(status, _names(session, [actor.user_id]))


def _check_exists(session: Session, actor: Actor, kind: str, object_id: str) -> str:
    """The object's id if it exists; the actor must be allowed to read that kind of object."""
    if kind in ("incident", "act"):
        require(actor, "incident.read")
        try:
            if kind == "incident":
                return incident_service.get_incident(session, object_id).id
            return incident_service.get_act(session, object_id).id
        except (IncidentNotFound, ActNotFound):
            raise EvidenceNotFound(kind, object_id) from None
    try:
        return runs.get_run(session, actor=actor, run_id=object_id).id
    except runs.EstimateNotFound:
        raise EvidenceNotFound(kind, object_id) from None


def add_evidence(session: Session, *, actor: Actor, code: str,
                 data: EvidenceIn | Mapping[str, Any]) -> EvidenceOut:
    """Link an incident, act or stored estimate to the recommendation, with why it matters."""
    require(actor, "advocacy.write")
    item = parse(EvidenceIn, data)
    row = _get(session, code)
    object_id = _check_exists(session, actor, item.object_type, item.object_id.strip())
    taken = session.scalars(select(RecommendationEvidence.id).where(
        RecommendationEvidence.recommendation_id == row.id,
        RecommendationEvidence.object_type == item.object_type,
        RecommendationEvidence.object_id == object_id)).first()
    if taken is not None:
        raise InvalidInput(f"object_id: {item.object_type} {object_id} is already evidence "
                           f"for {row.id}.")
    evidence = RecommendationEvidence(recommendation_id=row.id, object_type=item.object_type,
                                      object_id=object_id, note=item.note,
                                      added_by=actor.user_id, added_at=utcnow())
    session.add(evidence)
    session.flush()
    return EvidenceOut(id=evidence.id, object_type=evidence.object_type,
                       object_id=evidence.object_id, note=evidence.note,
                       added_by=actor.user_id,
                       added_by_name=_names(session, [actor.user_id]).get(actor.user_id),
                       added_at=_utc(evidence.added_at))


def indicator_names(code: str) -> list[str]:
    """The indicators that bear on a recommendation: its catalogue's list, or every one."""
    entry = catalogue.catalogued(code)
    if entry is not None and entry.entry.indicators:
        return list(entry.entry.indicators)
    return list(catalogue.indicators())


def compute_indicators(session: Session, *, actor: Actor, code: str,
                       names: Sequence[str] | None = None, since: dt.date | None = None,
                       until: int | None = None, province: str | None = None,
                       language: str = "en") -> IndicatorsOut:
    """The indicators of a recommendation (``names``, or those that bear on it), counted from
    ``since`` (default: the recommendation's date) up to year ``until``, in ``province``."""
    require(actor, "advocacy.read")
    row = _get(session, code)
    defined = catalogue.indicators()
    chosen = list(names) if names else indicator_names(row.id)
    for name in chosen:
        if name not in defined:
            raise InvalidInput(f"indicator: {name!r} is not defined; known: "
                               f"{', '.join(defined)}.")
    start = since or row.issued_on
    return IndicatorsOut(code=row.id, since=start, indicators=[
        indicators.compute(session, actor=actor, indicator=defined[name], since=start,
                           until=until, province=province, language=language)
        for name in chosen])
