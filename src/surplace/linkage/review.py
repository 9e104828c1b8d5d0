"""Clerical review: the queue of uncertain pairs, the decisions on them, undo and history.

The queue is ``LinkPair`` rows, so it outlives the session that made it. Pending pairs come
first, highest probability first: those are the pairs most likely to be one person, so a
reviewer who stops early has made the merges that change the count most, and what remains is
what the model thought least likely; skipped pairs come after every pending one.

An accept merges the two persons: the links of the person holding fewer records are closed
(``unlinked_at``) and opened again to the other, all stamped with the decision's time, so an
undo finds exactly the links the accept closed and opened and restores the previous ones as
new rows. Nothing is deleted: the closed rows are the cluster's history. A reject keeps the
pair apart in every later run. Every decision, the undo included, is a ``LinkDecision``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.linkage.models import LinkDecision, LinkPair, LinkRun, RecordPerson
from surplace.linkage.store import (
    LinkConflict,
    PairNotFound,
    decision_stacks,
    open_links,
    pair_key,
    person_ref,
    record_row,
)
from surplace.records.models import Person, Record, Source
from surplace.records.service import move_names
from surplace.store.base import utcnow

DECISIONS = ("accept", "reject", "skip")
STATUS = {"accept": "accepted", "reject": "rejected", "skip": "skipped"}


@dataclass
class Side:
    """One record of a pair as a reviewer sees it (read from its sealed payload)."""

    record_id: str
    source: str
    source_row: str | None
    person_id: str | None
    pseudonym: str | None
    values: dict[str, Any]


@dataclass
class PairView:
    pair_id: str
    probability: float
    status: str
    run_id: str
    a: Side
    b: Side
    #: comparison → the level the model put the pair in ("name": "same name key" …).
    levels: dict[str, str] = field(default_factory=dict)


@dataclass
class DecisionOut:
    pair_id: str
    decision: str
    status: str
    #: Person the records belong to now (after an accept) and records that moved.
    person_id: str | None = None
    moved: list[str] = field(default_factory=list)


@dataclass
class HistoryEntry:
    record_id: str
    source: str
    how: str
    run_id: str | None
    probability: float | None
    linked_at: datetime
    unlinked_at: datetime | None


def _side(session: Session, record_id: str, links: dict[str, RecordPerson]) -> Side:
    record = session.get(Record, record_id)
    assert record is not None
    source = session.get(Source, record.source_id)
    code = source.code if source else "?"
    link = links.get(record_id)
    person = session.get(Person, link.person_id) if link else None
    row = record_row(record, code) or {}
    values = {k: v for k, v in row.items() if k not in ("record_id", "source")}
    return Side(record_id=record_id, source=code, source_row=record.source_row,
                person_id=person.id if person else None,
                pseudonym=person.pseudonym if person else None, values=values)


def next_pairs(session: Session, *, actor: Actor, limit: int = 10,
               levels: bool = True) -> list[PairView]:
    """The next ``limit`` pairs to review: pending (highest probability first), then skipped.
    Each side's payload is read (audited); ``levels`` scores the pair again with its run's
    trained model to name the comparison levels."""
    require(actor, "identity.read")
    require(actor, "identity.write")
    order = case((LinkPair.status == "pending", 0), else_=1)
    pairs = session.scalars(select(LinkPair).where(LinkPair.status.in_(("pending", "skipped")))
                            .order_by(order, LinkPair.probability.desc(), LinkPair.id)
                            .limit(limit)).all()
    ids = {r for p in pairs for r in (p.record_a_id, p.record_b_id)}
    links = open_links(session, ids)
    views = [PairView(pair_id=p.id, probability=p.probability, status=p.status, run_id=p.run_id,
                      a=_side(session, p.record_a_id, links),
                      b=_side(session, p.record_b_id, links)) for p in pairs]
    if levels:
        for view in views:
            run = session.get(LinkRun, view.run_id)
            model = (run.parameters or {}).get("model") if run else None
            if model:
                view.levels = comparison_levels(model, view.a, view.b)
    return views


def comparison_levels(model: dict[str, Any], a: Side, b: Side) -> dict[str, str]:
    """The level of every comparison for one pair under a trained Splink model."""
    import pandas as pd
    from splink import DuckDBAPI, Linker

    from surplace.linkage.features import build_features

    frame = pd.DataFrame([{"record_id": s.record_id, "source": s.source, **s.values}
                          for s in (a, b)])
    table = build_features(frame).table
    linker = Linker(DuckDBAPI().register(table), model, log_level=None)
    rows = table.to_dict("records")
    scored = linker.inference.score_pair(rows[0], rows[1]).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    out: dict[str, str] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        gamma = int(scored.iloc[0][f"gamma_{name}"])
        out[name] = "missing" if gamma < 0 else str(
            levels[len(levels) - 1 - gamma].get("label_for_charts", gamma))
    return out


def _pair(session: Session, pair_id: str) -> LinkPair:
    pair = session.get(LinkPair, pair_id)
    if pair is None:
        raise PairNotFound(pair_id)
    return pair


def _move(session: Session, actor: Actor, links: list[RecordPerson], person_id: str, *,
          how: str, at: datetime, probability: dict[str, float] | None = None) -> None:
    """Close ``links`` at ``at`` and open each record's link to ``person_id``; the names the
    records gave follow them."""
    for link in links:
        link.unlinked_at = at
        p = (probability or {}).get(link.record_id, link.probability)
        session.add(RecordPerson(record_id=link.record_id, person_id=person_id,
                                 run_id=link.run_id, probability=p, how=how, linked_at=at))
    move_names(session, actor=actor, record_ids=[link.record_id for link in links],
               person_id=person_id)


def decide(session: Session, *, actor: Actor, pair_id: str, decision: str,
           note: str | None = None) -> DecisionOut:
    """Record ``decision`` (accept, reject or skip) on a pair; an accept merges the persons."""
    require(actor, "identity.read")
    require(actor, "identity.write")
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be accept, reject or skip (got {decision!r}).")
    pair = _pair(session, pair_id)
    links = open_links(session, (pair.record_a_id, pair.record_b_id))
    if pair.record_a_id not in links or pair.record_b_id not in links:
        raise LinkConflict(f"pair {pair.id}: a record of the pair belongs to no person yet; "
                           "run the linking first.")
    person_a, person_b = links[pair.record_a_id].person_id, links[pair.record_b_id].person_id
    if decision == "reject" and person_a == person_b:
        raise LinkConflict(f"pair {pair.id}: both records already belong to person {person_a}; "
                           "undo the decision that joined them, or skip the pair.")
    at = utcnow()
    out = DecisionOut(pair_id=pair.id, decision=decision, status=STATUS[decision])
    if decision == "accept":
        out.person_id = person_a
        if person_a != person_b:
            held = {p: list(session.scalars(select(RecordPerson).where(
                RecordPerson.person_id == p, RecordPerson.unlinked_at.is_(None))))
                for p in (person_a, person_b)}
            survivor, absorbed = ((person_a, person_b) if len(held[person_a]) >= len(held[person_b])
                                  else (person_b, person_a))
            _move(session, actor, held[absorbed], survivor, how="merge", at=at,
                  probability={pair.record_a_id: pair.probability,
                               pair.record_b_id: pair.probability})
            out.person_id, out.moved = survivor, [link.record_id for link in held[absorbed]]
    session.add(LinkDecision(record_a_id=pair.record_a_id, record_b_id=pair.record_b_id,
                             decision=decision, actor_id=actor.user_id, at=at,
                             run_id=pair.run_id, note=note))
    pair.status = STATUS[decision]
    session.flush()
    return out


def undo(session: Session, *, actor: Actor, pair_id: str) -> DecisionOut:
    """Revert the last decision in force on a pair; an accepted merge gets its previous links
    back (from the rows it closed). Refused while a later merge holds the moved records."""
    require(actor, "identity.read")
    require(actor, "identity.write")
    pair = _pair(session, pair_id)
    stack = decision_stacks(session).get(pair_key(pair.record_a_id, pair.record_b_id), [])
    if not stack:
        raise LinkConflict(f"pair {pair.id}: no decision to undo.")
    last = stack[-1]
    at = utcnow()
    out = DecisionOut(pair_id=pair.id, decision="undo", status="pending")
    if last.decision == "accept":
        opened = list(session.scalars(select(RecordPerson).where(
            RecordPerson.linked_at == last.at, RecordPerson.how == "merge")))
        if any(link.unlinked_at is not None for link in opened):
            raise LinkConflict(f"pair {pair.id}: records it merged were moved again later; "
                               "undo the later decision first.")
        closed = list(session.scalars(select(RecordPerson).where(
            RecordPerson.unlinked_at == last.at)))
        for link in opened:
            link.unlinked_at = at
        for previous in closed:
            session.add(RecordPerson(record_id=previous.record_id, person_id=previous.person_id,
                                     run_id=previous.run_id, probability=previous.probability,
                                     how="undo", linked_at=at))
            out.moved.append(previous.record_id)
        session.flush()
        back_to: dict[str, list[str]] = {}
        for link in closed:
            back_to.setdefault(link.person_id, []).append(link.record_id)
        for person_id, records in back_to.items():
            move_names(session, actor=actor, record_ids=records, person_id=person_id)
        out.person_id = closed[0].person_id if closed else None
    session.add(LinkDecision(record_a_id=pair.record_a_id, record_b_id=pair.record_b_id,
                             decision="undo", actor_id=actor.user_id, at=at, run_id=pair.run_id))
    before = [d.decision for d in stack[:-1]]
    pair.status = STATUS[before[-1]] if before else "pending"
    out.status = pair.status
    session.flush()
    return out


def cluster_history(session: Session, *, actor: Actor, person: str) -> list[HistoryEntry]:
    """Every link a person ever had (by id or pseudonym), in force or closed, oldest first:
    which records joined, by which run or decision, and when they left."""
    require(actor, "identity.read")
    found = person_ref(session, person)
    rows = session.execute(
        select(RecordPerson, Source.code).join(Record, Record.id == RecordPerson.record_id)
        .join(Source, Source.id == Record.source_id)
        .where(RecordPerson.person_id == found.id)
        .order_by(RecordPerson.linked_at, RecordPerson.record_id)).all()
    return [HistoryEntry(record_id=link.record_id, source=code, how=link.how,
                         run_id=link.run_id, probability=link.probability,
                         linked_at=link.linked_at, unlinked_at=link.unlinked_at)
            for link, code in rows]
