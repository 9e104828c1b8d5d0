"""Claims from sources, each counted once: attached to the act it describes, or queued for a
person to decide, or the first description of an act of its own.

A claim names a victim who has already been resolved to a person (by the linkage engine or by
hand): the same victim means the same person id, never a similar name. The claim is stored as
an ``Information`` row (its words and structured fields sealed) and compared with the acts of
that person and act type by :mod:`.matching`. Every act scoring at least ``REVIEW`` becomes a
``ClaimCandidate``; a single one scoring at least ``AUTO_LINK`` is accepted at once by an
``auto`` decision written in the acting user's name, so it can be rejected or undone like any
other decision.

Where the claim stands follows from its candidates alone (:func:`settle`): an accepted (or
auto) candidate links it to that act; a pending one keeps it waiting; none left makes it the
founding description of an act of its own, created once and remembered as a ``founded``
candidate, so that undoing and redoing a rejection reuses the same act. Nothing is deleted: an
act whose only claim moved elsewhere stays, counted by no one, and is no longer matched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.incidents import refs
from surplace.incidents.dates import agreement, span
from surplace.incidents.exceptions import ClaimRowsRejected
from surplace.incidents.matching import COUNTED, REVIEW, Score, score
from surplace.incidents.models import Act, ClaimCandidate, ClaimDecision, Information
from surplace.incidents.schemas import CandidateOut, ClaimIn, ClaimOut, parse
from surplace.incidents.service import get_act, get_incident, new_act
from surplace.incidents.views import pseudonyms, source_codes
from surplace.records.models import Person, Source

LINKED_STATES = ("accepted", "auto")


def add_claim(session: Session, *, actor: Actor, data: ClaimIn | Mapping[str, Any]) -> ClaimOut:
    """Record one source's claim about an act and attach, queue or found as its score says."""
    require(actor, "incident.write")
    item = parse(ClaimIn, data)
    return _add(session, actor, item, _resolve(session, item), refs.Gazetteer(session))


def add_claims(session: Session, *, actor: Actor,
               rows: Sequence[tuple[int, ClaimIn | Mapping[str, Any]]],
               unreadable: Sequence[tuple[int, str]] = (),
               on_each: Callable[[], None] | None = None) -> list[ClaimOut]:
    """Add many claims in the caller's transaction: every row is checked first, and if any is
    wrong, :class:`ClaimRowsRejected` lists each with its line number (together with the
    ``unreadable`` lines the caller could not parse) and nothing is written. Rows are added in
    order, so a later row can join an act that an earlier one founded."""
    require(actor, "incident.write")
    checked: list[tuple[ClaimIn, _Refs]] = []
    problems = list(unreadable)
    for line, raw in rows:
        try:
            item = parse(ClaimIn, raw)
            checked.append((item, _resolve(session, item)))
        except InvalidInput as error:
            problems.append((line, str(error)))
    if problems:
        raise ClaimRowsRejected([f"line {line}: {text}" for line, text in sorted(problems)])
    gazetteer = refs.Gazetteer(session)
    results = []
    for item, resolved in checked:
        results.append(_add(session, actor, item, resolved, gazetteer, detail=False))
        if on_each is not None:
            on_each()
    return results


class _Refs:
    """A claim's references, resolved before anything is written."""

    def __init__(self, source: Source, victim: Person, place_id: str | None,
                 place_code: str | None, act: Act | None) -> None:
        self.source, self.victim, self.act = source, victim, act
        self.place_id, self.place_code = place_id, place_code


def _resolve(session: Session, item: ClaimIn) -> _Refs:
    source = refs.source(session, item.source)
    victim = refs.person(session, item.victim)
    place = refs.place(session, item.place, field_name="place")
    for name in ("detention_place", "return_from_place", "crossing_point"):
        refs.place(session, getattr(item, name), field_name=name)
    for perpetrator in item.perpetrators:
        if perpetrator.person:
            refs.person(session, perpetrator.person, field_name="perpetrators.person")
    if item.incident_id is not None:
        get_incident(session, item.incident_id)
    act = None
    if item.act_id is not None:
        act = get_act(session, item.act_id)
        if act.victim_id != victim.id or act.act_type != item.act_type:
            raise InvalidInput(f"act_id: act {act.id} is a {act.act_type} against another "
                               "victim or of another type than the claim describes.")
    return _Refs(source, victim, None if place is None else place.id,
                 None if place is None else place.code, act)


def _add(session: Session, actor: Actor, item: ClaimIn, resolved: _Refs,
         gazetteer: refs.Gazetteer, *, detail: bool = True) -> ClaimOut:
    stored = item.model_dump(mode="json", exclude={"content"})
    stored.update(victim=resolved.victim.id, place=resolved.place_code)
    info = Information(
        source_id=resolved.source.id, incident_id=item.incident_id, connection=item.connection,
        reported_on=item.reported_on, language=item.language,
        reliability=item.reliability or resolved.source.reliability or "F",
        credibility=item.credibility, link_status="pending", content=item.content, claim=stored)
    session.add(info)
    session.flush()  # no ORM relationships order the inserts, so flushes do, parent first
    claim_span = span(item.date, item.date_precision, item.end_date)
    scored: list[tuple[ClaimCandidate, Score]] = []
    targets = [resolved.act] if resolved.act is not None else _comparable(
        session, resolved.victim.id, item.act_type)
    for act in targets:
        result = score(agreement(claim_span, span(act.act_date, act.date_precision,
                                                  act.end_date)),
                       gazetteer.agreement(resolved.place_id, act.place_id))
        if result.value >= REVIEW or resolved.act is not None:
            candidate = ClaimCandidate(information_id=info.id, act_id=act.id,
                                       score=result.value, status="pending")
            session.add(candidate)
            scored.append((candidate, result))
    if scored:
        session.flush()
    if resolved.act is not None:  # the documenter named the act: their decision
        record_decision(session, actor, scored[0][0], "accept", "accepted", fresh=True)
    else:
        sure = [candidate for candidate, result in scored if result.verdict == "link"]
        if len(sure) == 1:
            record_decision(session, actor, sure[0], "auto", "auto", fresh=True)
    outcome = settle(session, actor, info, item, [candidate for candidate, _ in scored])
    best = max((result.value for _, result in scored), default=None)
    shown = [candidate for candidate, _ in scored] if detail else []
    return ClaimOut(information_id=info.id, outcome=outcome, act_id=info.act_id,
                    incident_id=info.incident_id, score=best,
                    candidates=candidates_out(session, shown, {info.id: stored}))


def _comparable(session: Session, victim_id: str, act_type: str) -> list[Act]:
    """The victim's acts of this type, less acts whose founding claim moved elsewhere and
    that no other source describes."""
    acts = list(session.scalars(select(Act).where(
        Act.victim_id == victim_id, Act.act_type == act_type).order_by(Act.created_at, Act.id)))
    if not acts:
        return []
    founded = set(session.scalars(select(ClaimCandidate.act_id).where(
        ClaimCandidate.status == "founded", ClaimCandidate.act_id.in_([a.id for a in acts]))))
    if not founded:
        return acts
    counted = set(session.scalars(select(Information.act_id).where(
        Information.act_id.in_(founded), Information.link_status.in_(COUNTED))))
    return [act for act in acts if act.id not in founded - counted]


def record_decision(session: Session, actor: Actor, candidate: ClaimCandidate, decision: str,
                    status: str, reason: str | None = None, *, fresh: bool = False) -> None:
    """Append a decision and set the candidate's status. Times are kept strictly increasing
    per candidate, so that replaying the decisions in time order is exact (``fresh``: the
    candidate is new and has no decision yet)."""
    last = None if fresh else session.scalars(select(ClaimDecision.at).where(
        ClaimDecision.candidate_id == candidate.id).order_by(ClaimDecision.at.desc())).first()
    at = datetime.now(UTC)
    if last is not None:
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        at = max(at, last + timedelta(microseconds=1))
    row = ClaimDecision(candidate_id=candidate.id, decision=decision, actor_id=actor.user_id,
                        at=at)
    if reason is not None:
        row.reason = reason
    session.add(row)
    candidate.status = status


def settle(session: Session, actor: Actor, info: Information, item: ClaimIn | None = None,
           candidates: Sequence[ClaimCandidate] | None = None) -> str:
    """Put the claim where its candidates say; returns ``linked``, ``pending`` or ``new``.
    ``item`` and ``candidates`` spare a claim just added from being read back."""
    if candidates is None:
        candidates = session.scalars(select(ClaimCandidate).where(
            ClaimCandidate.information_id == info.id).order_by(ClaimCandidate.created_at,
                                                              ClaimCandidate.id)).all()
    linked = [c for c in candidates if c.status in LINKED_STATES]
    if linked:
        act = get_act(session, linked[0].act_id)
        info.act_id, info.incident_id, info.link_status = act.id, act.incident_id, "linked"
    elif any(c.status == "pending" for c in candidates):
        claim = item or ClaimIn.model_validate(info.claim)
        info.act_id, info.incident_id, info.link_status = None, claim.incident_id, "pending"
    else:
        own = next((c for c in candidates if c.status == "founded"), None)
        if own is None:
            claim = item or ClaimIn.model_validate(info.claim)
            victim = refs.person(session, claim.victim)
            act = new_act(session, actor, claim, victim=victim, incident_id=claim.incident_id)
            session.add(ClaimCandidate(information_id=info.id, act_id=act.id, score=1.0,
                                       status="founded"))
        else:
            act = get_act(session, own.act_id)
        info.act_id, info.incident_id, info.link_status = act.id, act.incident_id, "new"
    session.flush()
    return info.link_status


def candidates_out(session: Session, candidates: Sequence[ClaimCandidate],
                   claims: Mapping[str, Mapping[str, Any]] | None = None) -> list[CandidateOut]:
    """What a reviewer compares: the claim's date and place against the act's. The claim's
    structured fields are sealed, so reading them here is an audited read."""
    if not candidates:
        return []
    infos = {row.id: row for row in session.scalars(select(Information).where(
        Information.id.in_({c.information_id for c in candidates})))}
    acts = {row.id: row for row in session.scalars(select(Act).where(
        Act.id.in_({c.act_id for c in candidates})))}
    names = pseudonyms(session, [a.victim_id for a in acts.values()])
    codes = source_codes(session, [i.source_id for i in infos.values()])
    gazetteer = refs.Gazetteer(session)
    out = []
    for candidate in candidates:
        info, act = infos[candidate.information_id], acts[candidate.act_id]
        claim = (claims or {}).get(info.id) or info.claim or {}
        out.append(CandidateOut(
            id=candidate.id, information_id=info.id, act_id=act.id, score=candidate.score,
            status=candidate.status, source=codes.get(info.source_id, info.source_id),
            victim=names.get(act.victim_id, act.victim_id), act_type=act.act_type,
            claim_date=claim.get("date"), claim_precision=claim.get("date_precision", "unknown"),
            claim_place=claim.get("place"), act_date=act.act_date,
            act_precision=act.date_precision, act_place=gazetteer.code(act.place_id)))
    return out
