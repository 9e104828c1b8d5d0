"""Clerical review on SQLite and PostgreSQL: the queue persists, accept merges, undo restores
the exact previous links, decisions override the model in later runs."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from sqlalchemy import select

from surplace.linkage.models import LinkDecision, LinkPair, RecordPerson
from surplace.linkage.review import cluster_history, decide, next_pairs, undo
from surplace.linkage.store import LinkConflict, PairNotFound, link_records
from surplace.records.models import Person, Record, Source
from surplace.vault.service import Unlocked
from tests.linkage.test_store import Lists, make_lists, person_of


@pytest.fixture
def queued(unlocked: Unlocked) -> Lists:
    """Simulated lists linked with a high upper threshold, so the queue has pairs."""
    lists = make_lists(unlocked, persons=50, seed=3)
    with unlocked.session() as session:
        out = link_records(session, actor=unlocked.actor, lower=0.2, upper=0.995)
    assert out.queued >= 3
    return lists


def test_queue_persists_across_sessions_and_orders_pending_first(
        unlocked: Unlocked, queued: Lists) -> None:
    with unlocked.session() as session:
        first = next_pairs(session, actor=unlocked.actor, limit=50, levels=False)
        decide(session, actor=unlocked.actor, pair_id=first[0].pair_id, decision="skip")
    with unlocked.session() as session:
        again = next_pairs(session, actor=unlocked.actor, limit=50, levels=False)
    assert [v.pair_id for v in again] == [v.pair_id for v in first[1:]] + [first[0].pair_id]
    assert again[-1].status == "skipped"
    pending = [v.probability for v in again if v.status == "pending"]
    assert pending == sorted(pending, reverse=True)
    assert all(v.a.person_id != v.b.person_id for v in again)
    assert all(v.a.values.get("name") or v.a.values.get("family_name") for v in again)


def test_levels_name_each_comparison(unlocked: Unlocked, queued: Lists) -> None:
    with unlocked.session() as session:
        view = next_pairs(session, actor=unlocked.actor, limit=1)[0]
    assert set(view.levels) == {"name", "birth", "sex", "origin"}
    assert all(isinstance(level, str) and level for level in view.levels.values())


def test_accept_merges_and_undo_restores_the_exact_links(
        unlocked: Unlocked, queued: Lists) -> None:
    before = person_of(unlocked)
    with unlocked.session() as session:
        view = next_pairs(session, actor=unlocked.actor, limit=1, levels=False)[0]
        merged = decide(session, actor=unlocked.actor, pair_id=view.pair_id, decision="accept",
                        note="same birth place and date")
    after = person_of(unlocked)
    assert after[view.a.record_id] == after[view.b.record_id] == merged.person_id
    absorbed = ({view.a.person_id, view.b.person_id} - {merged.person_id}).pop()
    assert absorbed not in after.values() and merged.moved
    assert all(after[r] == merged.person_id for r in merged.moved)
    with unlocked.session() as session:
        undone = undo(session, actor=unlocked.actor, pair_id=view.pair_id)
        assert session.get(LinkPair, view.pair_id).status == "pending"  # type: ignore[union-attr]
    assert person_of(unlocked) == before
    assert sorted(undone.moved) == sorted(merged.moved)
    with unlocked.session() as session:
        history = cluster_history(session, actor=unlocked.actor, person=str(absorbed))
        decisions = [d.decision for d in session.scalars(
            select(LinkDecision).order_by(LinkDecision.at))]
        pseudonym = session.get(Person, merged.person_id).pseudonym  # type: ignore[union-attr]
        survivor = cluster_history(session, actor=unlocked.actor, person=pseudonym)
    assert decisions == ["accept", "undo"]
    hows = [h.how for h in history]
    assert hows.count("undo") == len(merged.moved) and any(h.unlinked_at for h in history)
    assert [h.how for h in survivor if h.how == "merge"] == ["merge"] * len(merged.moved)
    assert all(h.unlinked_at is not None for h in survivor if h.how == "merge")
    with pytest.raises(LinkConflict, match="no decision"), unlocked.session() as session:
        undo(session, actor=unlocked.actor, pair_id=view.pair_id)


def test_a_rejected_pair_is_never_merged_by_a_later_run(
        unlocked: Unlocked, queued: Lists) -> None:
    with unlocked.session() as session:
        view = next_pairs(session, actor=unlocked.actor, limit=1, levels=False)[0]
        decide(session, actor=unlocked.actor, pair_id=view.pair_id, decision="reject")
    copies = pd.DataFrame([{"record_id": f"copy-{side.record_id}", "source": "copies",
                            **side.values} for side in (view.a, view.b)])
    queued.add(copies)
    with unlocked.session() as session:
        link_records(session, actor=unlocked.actor, lower=0.2, upper=0.6)
        pair = session.get(LinkPair, view.pair_id)
        assert pair is not None and pair.status == "rejected"
    links = person_of(unlocked)
    assert links[view.a.record_id] != links[view.b.record_id]


def _record(session: object, source: Source, payload: dict[str, str]) -> str:
    record = Record(source_id=source.id, payload=payload,
                    content_digest=hashlib.sha256(repr(payload).encode()).digest())
    session.add(record)  # type: ignore[attr-defined]
    return record.id


def test_decisions_override_the_model(unlocked: Unlocked, queued: Lists) -> None:
    twin = {"name": "Kang Ok Ryon", "birth": "1981-04-05", "origin": "Hoeryong"}
    with unlocked.session() as session:
        source = Source(code="LATE", kind="list", name="Synthetic late list")
        session.add(source)
        session.flush()
        a, b = _record(session, source, twin), _record(session, source, {**twin, "sex": "F"})
        c = _record(session, source, {"name": "Synthetic Yom Tae-gun", "birth": "1950"})
        d = _record(session, source, {"name": "Synthetic Bae Hwa-jong", "birth": "2001-12-01"})
        session.flush()
        for x, y, verdict in ((a, b, "reject"), (c, d, "accept")):
            session.add(LinkDecision(record_a_id=min(x, y), record_b_id=max(x, y),
                                     decision=verdict, actor_id=unlocked.actor.user_id))
    with unlocked.session() as session:
        out = link_records(session, actor=unlocked.actor)
    links = person_of(unlocked)
    assert links[a] != links[b] and links[c] == links[d]
    assert out.linked_by_decision == 2 and out.kept_apart >= 1
    with unlocked.session() as session:
        how = {link.record_id: link.how for link in session.scalars(select(RecordPerson))}
    assert {how[c], how[d]} == {"accepted"}


def test_unknown_pair_and_reject_inside_one_person(unlocked: Unlocked, queued: Lists) -> None:
    with pytest.raises(PairNotFound), unlocked.session() as session:
        decide(session, actor=unlocked.actor, pair_id="nothing", decision="accept")
    with unlocked.session() as session:
        views = next_pairs(session, actor=unlocked.actor, limit=1, levels=False)
        decide(session, actor=unlocked.actor, pair_id=views[0].pair_id, decision="accept")
    with pytest.raises(LinkConflict, match="already belong"), unlocked.session() as session:
        decide(session, actor=unlocked.actor, pair_id=views[0].pair_id, decision="reject")
