"""Two witnesses of one forced return make one act; a second return of the same person is a
second act; the counts say two."""

from __future__ import annotations

from sqlalchemy import func, select

from surplace.incidents import claims, counts, review, service
from surplace.incidents.models import Act, ClaimCandidate, ClaimDecision, Information
from tests.incidents.conftest import Office


def test_two_sources_one_return_a_third_another_return(office: Office) -> None:
    with office.unlocked.session() as session:
        first = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26", place="CN-JL", credibility=2,
            handed_to_unit="kp_mss", perpetrators=[{"unit": "cn_border_police",
                                                    "degree": "direct_perpetrator"}]))
        second = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-B", "kum", date="2024-04-29", place="Jilin", connection="relative"))
        third = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-C", "kum", date="2023-10-09", place="CN-LN", connection="hearsay"))
    assert first.outcome == "new"
    assert second.outcome == "linked" and second.act_id == first.act_id
    assert second.score is not None and second.score >= 0.85
    assert third.outcome == "new" and third.act_id != first.act_id
    with office.unlocked.session() as session:
        act = service.show_act(session, actor=office.admin, act_id=str(first.act_id))
        assert sorted(info.source for info in act.information) == ["NGO-A", "NGO-B"]
        assert [p.unit for p in act.involvements] == ["cn_border_police"]
        assert act.extensions["handed_to_unit"] == "kp_mss"
        assert session.scalar(select(func.count()).select_from(Act)) == 2
        result = counts.count_acts(session, actor=office.admin, by=["type"])
    assert result.total == 2
    assert [(row.key, row.acts) for row in result.rows] == [({"act_type": "forced_return"}, 2)]
    assert sorted(result.rows[0].act_ids) == sorted([str(first.act_id), str(third.act_id)])
    assert result.rows[0].sources == ["NGO-A", "NGO-B", "NGO-C"]


def test_an_automatic_link_is_a_decision_in_the_adders_name(office: Office) -> None:
    with office.unlocked.session() as session:
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26", place="CN-JL"))
        linked = claims.add_claim(session, actor=office.staff["researcher"], data=office.claim(
            "NGO-B", "kum", date="2024-04-25", place="CN-JL"))
        decisions = session.scalars(select(ClaimDecision)).all()
    assert [(d.decision, d.actor_id) for d in decisions] == [
        ("auto", office.staff["researcher"].user_id)]
    assert [c.status for c in linked.candidates] == ["auto"]


def test_month_and_day_agree_other_victims_and_types_never_match(office: Office) -> None:
    with office.unlocked.session() as session:
        day = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-03-12", place="CN-JL"))
        month = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-B", "kum", date="2024-03-01", date_precision="month", place="CN-JL"))
        other_victim = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-C", "chol", date="2024-03-12", place="CN-JL"))
        other_type = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-C", "kum", act_type="arrest", date="2024-03-12", place="CN-JL"))
    assert month.outcome == "linked" and month.act_id == day.act_id
    assert other_victim.outcome == "new" and other_type.outcome == "new"
    assert len({day.act_id, other_victim.act_id, other_type.act_id}) == 3


def test_uncertain_claims_wait_for_review_and_do_not_count(office: Office) -> None:
    with office.unlocked.session() as session:
        known = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26", place="CN-JL"))
        vague = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-B", "kum", date="2024-01-01", date_precision="year"))
        elsewhere = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-C", "kum", date="2024-04-27", place="KP-09"))
    assert vague.outcome == "pending" and vague.act_id is None
    assert [c.act_id for c in vague.candidates] == [known.act_id]
    assert 0.55 <= vague.candidates[0].score < 0.85
    assert elsewhere.outcome == "pending"
    with office.unlocked.session() as session:
        queue = review.review_queue(session, actor=office.admin)
        assert {c.information_id for c in queue} == {vague.information_id,
                                                     elsewhere.information_id}
        total = counts.count_acts(session, actor=office.admin).total
        pending = session.scalars(select(Information).where(
            Information.link_status == "pending")).all()
    assert total == 1 and len(pending) == 2


def test_a_claim_naming_its_act_is_attached_by_decision(office: Office) -> None:
    with office.unlocked.session() as session:
        act = service.add_act(session, actor=office.admin, data={
            "act_type": "arrest", "victim": office.people["chol"], "date": "2022-07-01",
            "place": "CN-JL", "detention_kind": "cn_police_cell"})
        assert not act.documented
        assert counts.count_acts(session, actor=office.admin).total == 0
        named = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "chol", act_type="arrest", date="2022-06-01", date_precision="month",
            act_id=act.id))
        assert named.outcome == "linked" and named.act_id == act.id
        assert [c.status for c in named.candidates] == ["accepted"]
        assert counts.count_acts(session, actor=office.admin).total == 1
        assert session.scalar(select(func.count()).select_from(ClaimCandidate)) == 1
