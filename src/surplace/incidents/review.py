"""The review queue for claims that may describe an act already documented.

The discipline is the one person linkage uses: a reviewer accepts or rejects a candidate, or
undoes their last decision on it; each is an append-only ``ClaimDecision``, and the candidate's
status is what replaying its decisions gives. Undo steps back one decision (an undone accept
is pending again; an undone automatic link sends the claim to the queue). After every decision
the claim is settled again from its candidates (:func:`surplace.incidents.claims.settle`), so
a rejection that leaves no candidate founds (or re-uses) the claim's own act.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.incidents.claims import LINKED_STATES, candidates_out, record_decision, settle
from surplace.incidents.exceptions import CandidateNotFound, ReviewRefused
from surplace.incidents.models import ClaimCandidate, ClaimDecision, Information
from surplace.incidents.schemas import CandidateOut, ClaimOut

DECISIONS = ("accept", "reject", "undo")
_STATUS_AFTER = {"accept": "accepted", "reject": "rejected", "auto": "auto"}


def review_queue(session: Session, *, actor: Actor, include_decided: bool = False,
                 limit: int = 200) -> list[CandidateOut]:
    """Candidates waiting for a verdict (oldest first); with ``include_decided`` every
    candidate that was ever proposed, with its current status."""
    require(actor, "incident.review")
    query = select(ClaimCandidate).where(ClaimCandidate.status != "founded")
    if not include_decided:
        query = query.join(Information, Information.id == ClaimCandidate.information_id).where(
            ClaimCandidate.status == "pending", Information.link_status == "pending")
    query = query.order_by(ClaimCandidate.created_at, ClaimCandidate.id).limit(limit)
    return candidates_out(session, session.scalars(query).all())


def history(session: Session, candidate_id: str) -> list[str]:
    """The candidate's statuses, oldest first, replayed from its decisions."""
    stack = ["pending"]
    for decision in session.scalars(select(ClaimDecision.decision).where(
            ClaimDecision.candidate_id == candidate_id).order_by(ClaimDecision.at)):
        if decision == "undo":
            if len(stack) > 1:
                stack.pop()
        else:
            stack.append(_STATUS_AFTER[decision])
    return stack


def decide(session: Session, *, actor: Actor, candidate_id: str, decision: str,
           reason: str | None = None) -> ClaimOut:
    """Accept, reject or undo on one candidate; returns where the claim now stands."""
    require(actor, "incident.review")
    if decision not in DECISIONS:
        raise InvalidInput(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}.")
    candidate = session.get(ClaimCandidate, candidate_id.strip())
    if candidate is None or candidate.status == "founded":
        raise CandidateNotFound(candidate_id)
    states = history(session, candidate.id)
    current = states[-1]
    if decision == "accept":
        if current != "pending":
            raise ReviewRefused(f"Candidate {candidate.id} is {current}; only a pending "
                                "candidate can be accepted (undo first).")
        status = "accepted"
    elif decision == "reject":
        if current not in ("pending", "auto"):
            raise ReviewRefused(f"Candidate {candidate.id} is {current}; only a pending or "
                                "automatically linked candidate can be rejected (undo first).")
        status = "rejected"
    else:
        if len(states) < 2:
            raise ReviewRefused(f"Candidate {candidate.id} has no decision to undo.")
        status = states[-2]
    if status in LINKED_STATES:
        other = session.scalars(select(ClaimCandidate).where(
            ClaimCandidate.information_id == candidate.information_id,
            ClaimCandidate.id != candidate.id,
            ClaimCandidate.status.in_(LINKED_STATES))).first()
        if other is not None:
            raise ReviewRefused(f"The claim is already linked to act {other.act_id} through "
                                f"candidate {other.id}; undo or reject that first.")
    record_decision(session, actor, candidate, decision, status, reason)
    info = session.get(Information, candidate.information_id)
    assert info is not None
    outcome = settle(session, actor, info)
    siblings = session.scalars(select(ClaimCandidate).where(
        ClaimCandidate.information_id == info.id, ClaimCandidate.status != "founded")
        .order_by(ClaimCandidate.created_at)).all()
    return ClaimOut(information_id=info.id, outcome=outcome, act_id=info.act_id,
                    incident_id=info.incident_id, score=candidate.score,
                    candidates=candidates_out(session, siblings))
