"""The review queue: accept, reject and undo, each an append-only decision; nothing deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surplace.access.policy import AccessDenied
from surplace.incidents import claims, counts, review
from surplace.incidents.exceptions import CandidateNotFound, ReviewRefused
from surplace.incidents.models import Act, ClaimDecision
from surplace.incidents.schemas import ClaimOut
from tests.incidents.conftest import Office


def _pending(office: Office) -> tuple[ClaimOut, ClaimOut]:
    """A documented return, and a year-only claim that may be the same return."""
    with office.unlocked.session() as session:
        known = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26", place="CN-JL"))
        vague = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-B", "kum", date="2024-05-01", date_precision="year"))
    assert vague.outcome == "pending"
    return known, vague


def _decide(office: Office, candidate: str, decision: str) -> ClaimOut:
    with office.unlocked.session() as session:
        return review.decide(session, actor=office.staff["researcher"],
                             candidate_id=candidate, decision=decision, reason="synthetic")


def _counted(office: Office) -> int:
    with office.unlocked.session() as session:
        return counts.count_acts(session, actor=office.admin).total


def test_accept_then_undo_then_reject_then_undo(office: Office) -> None:
    known, vague = _pending(office)
    candidate = vague.candidates[0].id
    accepted = _decide(office, candidate, "accept")
    assert accepted.outcome == "linked" and accepted.act_id == known.act_id
    assert _counted(office) == 1
    undone = _decide(office, candidate, "undo")
    assert undone.outcome == "pending" and undone.act_id is None
    with office.unlocked.session() as session:
        assert [c.id for c in review.review_queue(session, actor=office.admin)] == [candidate]
    rejected = _decide(office, candidate, "reject")
    assert rejected.outcome == "new" and rejected.act_id not in (None, known.act_id)
    assert _counted(office) == 2
    again = _decide(office, candidate, "undo")
    assert again.outcome == "pending"
    assert _counted(office) == 1  # the act the rejection founded is kept but counts no more
    redone = _decide(office, candidate, "reject")
    assert redone.act_id == rejected.act_id  # the same act again, not a new one
    with office.unlocked.session() as session:
        decisions = session.scalars(select(ClaimDecision.decision).order_by(
            ClaimDecision.at)).all()
        assert session.scalar(select(func.count()).select_from(Act)) == 2
        assert review.history(session, candidate) == ["pending", "rejected"]
    assert decisions == ["accept", "undo", "reject", "undo", "reject"]


def test_rejecting_an_automatic_link_founds_an_act(office: Office) -> None:
    with office.unlocked.session() as session:
        first = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "chol", date="2021-02-10", place="CN-LN"))
        second = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-B", "chol", date="2021-02-12", place="CN-LN"))
    assert second.outcome == "linked"
    separate = _decide(office, second.candidates[0].id, "reject")
    assert separate.outcome == "new" and separate.act_id != first.act_id
    assert _counted(office) == 2
    back = _decide(office, second.candidates[0].id, "undo")
    assert back.outcome == "linked" and back.act_id == first.act_id
    assert _counted(office) == 1


def test_refusals(office: Office) -> None:
    known, vague = _pending(office)
    candidate = vague.candidates[0].id
    with pytest.raises(ReviewRefused, match="no decision to undo"):
        _decide(office, candidate, "undo")
    _decide(office, candidate, "accept")
    with pytest.raises(ReviewRefused, match="only a pending candidate can be accepted"):
        _decide(office, candidate, "accept")
    with pytest.raises(ReviewRefused, match="undo first"):
        _decide(office, candidate, "reject")
    with pytest.raises(CandidateNotFound):
        _decide(office, "no-such-candidate", "accept")
    with office.unlocked.session() as session:
        with pytest.raises(AccessDenied):
            review.decide(session, actor=office.staff["caseworker"], candidate_id=candidate,
                          decision="undo")
        with pytest.raises(AccessDenied):
            review.review_queue(session, actor=office.staff["analyst"])


def test_a_claim_links_to_one_act_at_most(office: Office) -> None:
    with office.unlocked.session() as session:
        spring = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-03-20", place="CN-JL"))
        summer = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-07-02", place="CN-JL"))
        vague = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-C", "kum", date="2024-01-01", date_precision="year", place="CN-JL"))
    assert {c.act_id for c in vague.candidates} == {spring.act_id, summer.act_id}
    by_act = {c.act_id: c.id for c in vague.candidates}
    _decide(office, by_act[spring.act_id], "accept")
    with pytest.raises(ReviewRefused, match="already linked"):
        _decide(office, by_act[summer.act_id], "accept")
    with office.unlocked.session() as session:
        assert review.review_queue(session, actor=office.admin) == []
        everything = review.review_queue(session, actor=office.admin, include_decided=True)
    assert {c.status for c in everything} == {"accepted", "pending"}
