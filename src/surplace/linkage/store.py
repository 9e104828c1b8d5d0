"""Linking the store's records into persons: incremental, recorded, and overruled by people.

A run reads the records no person holds yet (no open ``RecordPerson``) and, to link them to
persons already found, the records those persons already hold. It reduces both to keys and
scores them with the same Splink model as ``surplace link FILE`` (trained on this run's input),
then keeps only the pairs that touch a new record: existing links are never re-decided by a
later run, so a second run adds to persons without re-linking everything.

What the importer writes into ``Record.payload`` (all optional; anything else is ignored):
``name`` (the whole name as written), ``family_name``, ``given_name``, ``sex``, ``birth`` (any
date, partial date or age the date reader understands), ``origin``. A record with none of the
three name keys cannot be linked and is left alone (counted as ``unnamed``).

Decisions override the model and are its labels. An accepted pair is linked whatever the model
says; a rejected pair is never put in one person, not directly and not through a third record.
And every decision whose two records are in the run's input (both are, once linked) trains the
run's model: after EM, m is re-estimated from the accepted and the rejected pairs with EM's
estimate as the prior (:mod:`surplace.linkage.labels` says how, and why not m from the accepted
pairs alone nor u from the rejected ones). So a kind of pair reviewers keep accepting — one
birth date missing, say — scores higher in the next run, and fewer of its kind reach the queue.
The run's ``parameters["labels"]`` records how many decisions were used, how, and the mean
probability of the accepted and rejected pairs under EM's model and after.

Two existing persons are never merged by a run (a new record strongly like both joins the best
and its pair with the other goes to review): merging persons is a person's decision. Nor does a
chain of strong pairs join records the model is sure are two persons: the run's clusters are
split as ``surplace link FILE`` splits them (:mod:`surplace.linkage.clusters`), and a strong
pair across such a split goes to review rather than linking.

Only what a run acts on leaves the database: the pairs of a new record at the lower threshold
or above, and counts of the rest (:func:`surplace.linkage.model.fit_predict`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput, SurplaceError
from surplace.linkage.features import build_features
from surplace.linkage.models import LinkDecision, LinkPair, LinkRun, RecordPerson
from surplace.linkage.run import PREDICT_FLOOR
from surplace.records.models import Person, Record, Source
from surplace.store.base import utcnow

log = logging.getLogger(__name__)

PAYLOAD_ROLES = ("name", "family_name", "given_name", "sex", "birth", "origin")
NAME_ROLES = ("name", "family_name", "given_name")
Progress = Callable[[str], None]
Pair = tuple[str, str]


class LinkageError(SurplaceError):
    """A linkage operation that cannot be done; the message names ids, never values."""


class PairNotFound(LinkageError):
    def __init__(self, pair_id: str) -> None:
        super().__init__(f"No review pair {pair_id!r}.")


class LinkConflict(LinkageError):
    """The decision contradicts the links as they stand (the message says what to do)."""


@dataclass
class LinkRunOut:
    """What a run did. ``records``: new records linked; ``compared_with``: records of existing
    persons they were scored against; ``persons``: persons holding records after the run."""

    run_id: str
    mode: str
    records: int
    compared_with: int
    persons: int
    new_persons: int
    linked_auto: int
    linked_by_decision: int
    queued: int
    kept_apart: int
    unnamed: int
    pairs_by_band: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pair_key(a: str, b: str) -> Pair:
    """The order a pair is stored in (smaller id first), so each pair has one row."""
    return (a, b) if a < b else (b, a)


def decision_stacks(session: Session) -> dict[Pair, list[LinkDecision]]:
    """Every pair's decisions still in force, oldest first: an undo removes the one before."""
    stacks: dict[Pair, list[LinkDecision]] = {}
    for row in session.scalars(select(LinkDecision).order_by(LinkDecision.at, LinkDecision.id)):
        stack = stacks.setdefault(pair_key(row.record_a_id, row.record_b_id), [])
        if row.decision == "undo":
            if stack:
                stack.pop()
        else:
            stack.append(row)
    return stacks


def verdicts(session: Session) -> dict[Pair, str]:
    """accept or reject per pair: the latest such decision in force (a skip is no verdict)."""
    out: dict[Pair, str] = {}
    for key, stack in decision_stacks(session).items():
        final = [d.decision for d in stack if d.decision in ("accept", "reject")]
        if final:
            out[key] = final[-1]
    return out


def label_frame(decided: dict[Pair, str], present: set[str]) -> pd.DataFrame:
    """The verdicts on pairs whose two records are both in ``present`` as training labels
    (unique_id_l, unique_id_r, match: 1 accepted, 0 rejected)."""
    rows = [(a, b, int(v == "accept")) for (a, b), v in sorted(decided.items())
            if a in present and b in present]
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match"])


def open_links(session: Session,
               record_ids: Iterable[str] | None = None) -> dict[str, RecordPerson]:
    """record id → the link in force."""
    query = select(RecordPerson).where(RecordPerson.unlinked_at.is_(None))
    if record_ids is not None:
        query = query.where(RecordPerson.record_id.in_(list(record_ids)))
    return {link.record_id: link for link in session.scalars(query)}


def record_row(record: Record, source: str) -> dict[str, Any] | None:
    """The roles of a record for the features (decrypts its payload: audited); None if it
    carries no name."""
    payload = record.payload if isinstance(record.payload, dict) else {}
    row: dict[str, Any] = {"record_id": record.id, "source": source}
    row.update({role: payload.get(role) for role in PAYLOAD_ROLES})
    if all(row[role] is None or not str(row[role]).strip() for role in NAME_ROLES):
        return None
    row["sex"] = row["sex"] or record.sex
    row["birth"] = row["birth"] or record.birth_year
    return row


def _select_records(session: Session, *, linked: bool, source_ids: list[str] | None
                    ) -> list[Record]:
    held = exists().where(RecordPerson.record_id == Record.id, RecordPerson.unlinked_at.is_(None))
    query = select(Record).where(held if linked else ~held)
    if source_ids is not None:
        query = query.where(Record.source_id.in_(source_ids))
    return list(session.scalars(query.order_by(Record.received_at, Record.id)))


def _parameters(model: dict[str, Any]) -> dict[str, Any]:
    """m and u per level (by label, which names columns, never values) and Splink's model."""
    comparisons: dict[str, list[dict[str, Any]]] = {}
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        comparisons[comparison["output_column_name"]] = [
            {"level": lv.get("label_for_charts") or lv["sql_condition"],
             "gamma": len(levels) - 1 - i, "m": lv.get("m_probability"),
             "u": lv.get("u_probability")} for i, lv in enumerate(levels)]
    return {"probability_two_random_records_match":
            model["probability_two_random_records_match"],
            "comparisons": comparisons, "model": model}


class _Clusters:
    """Union-find over new records and existing persons that keeps rejected pairs apart and
    never joins two existing persons."""

    def __init__(self, new: Iterable[str], existing: dict[str, str],
                 rejected: dict[str, set[str]]) -> None:
        self.node = {r: r for r in new} | {r: f"P:{p}" for r, p in existing.items()}
        self.parent: dict[str, str] = {n: n for n in self.node.values()}
        self.members: dict[str, set[str]] = {n: set() for n in self.parent}
        for record, node in self.node.items():
            self.members[node].add(record)
        self.person = {f"P:{p}": p for p in existing.values()}
        self.rejected = rejected

    def find(self, record: str) -> str:
        node = self.node[record]
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, a: str, b: str) -> str:
        """"joined", "together" (already), "persons" (two existing persons) or "rejected"."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return "together"
        if ra in self.person and rb in self.person:
            return "persons"
        if any(self.rejected.get(m, set()) & self.members[rb] for m in self.members[ra]):
            return "rejected"
        if rb in self.person:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        return "joined"


def link_records(session: Session, *, actor: Actor, source_codes: list[str] | None = None,
                 lower: float = 0.5, upper: float = 0.95, progress: Progress | None = None
                 ) -> LinkRunOut:
    """Link the records no person holds yet (of ``source_codes``, or all) into persons; see
    the module docstring. Pairs at or above ``upper`` link; pairs in [lower, upper) that end in
    different persons go to the review queue. Writes one ``LinkRun``."""
    require(actor, "identity.write")
    if not 0 < lower < upper < 1:
        raise InvalidInput(f"thresholds must satisfy 0 < lower < upper < 1 (got {lower}, {upper}).")
    note = progress or (lambda _stage: None)
    codes = {s.id: s.code for s in session.scalars(select(Source))}
    source_ids = None
    if source_codes:
        unknown = sorted(set(source_codes) - set(codes.values()))
        if unknown:
            raise InvalidInput(f"no source {unknown[0]!r}.")
        source_ids = [i for i, c in codes.items() if c in source_codes]
    note("reading records")
    new_rows, unnamed = [], 0
    for record in _select_records(session, linked=False, source_ids=source_ids):
        row = record_row(record, codes[record.source_id])
        if row is None:
            unnamed += 1
        else:
            new_rows.append(row)
    links = open_links(session)
    old_rows = [row for record in _select_records(session, linked=True, source_ids=None)
                if (row := record_row(record, codes[record.source_id])) is not None]
    mode = "incremental" if old_rows else "full"
    floor = min(lower, PREDICT_FLOOR)
    run = LinkRun(actor_id=actor.user_id, mode=mode, lower_threshold=lower,
                  upper_threshold=upper, records=len(new_rows) + len(old_rows))
    session.add(run)
    session.flush()
    decided = verdicts(session)
    settings: dict[str, Any] = {
        "kind": "surplace", "sources": sorted(source_codes) if source_codes else "all",
        "floor": floor, "payload_keys": list(PAYLOAD_ROLES),
        "labels": {"accepted": sum(v == "accept" for v in decided.values()),
                   "rejected": sum(v == "reject" for v in decided.values()),
                   "use": "constraints on clustering, and training m (parameters.labels)"}}
    pairs = pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability"])
    new_ids = {row["record_id"] for row in new_rows}
    at_least = {upper: 0, lower: 0, floor: 0}
    persons_of: dict[str, str] = {}
    if new_rows and len(new_rows) + len(old_rows) >= 2:
        from surplace.linkage.model import describe, fit_predict  # Splink loads only to link

        note("reading names, dates and places")
        features = build_features(pd.DataFrame(new_rows + old_rows))
        labels = label_frame(decided, set(features.table["unique_id"]))
        # only the pairs of a new record that may link or be reviewed come out of the database
        fitted = fit_predict(features.table, threshold=upper, floor=floor, progress=note,
                             labels=labels, keep=lower, bands=(lower, upper), touching=new_ids)
        settings["splink"] = describe("surplace")
        run.parameters = {**_parameters(fitted.model), "labels": fitted.labels or {
            "used": 0, "method": "none: no decision on two records of this run"}}
        pairs, at_least = fitted.pairs, fitted.at_least
        persons_of = dict(zip(fitted.clusters["unique_id"].astype(str),
                              fitted.clusters["cluster_id"].astype(str), strict=True))
    run.settings = settings
    pairs = pairs.sort_values("match_probability", ascending=False)
    scored = {pair_key(str(a), str(b)): float(p) for a, b, p in pairs.itertuples(index=False)}
    outcome = _cluster(session, run=run, new_ids=new_ids, links=links, scored=scored,
                       decided=decided, lower=lower, upper=upper, persons_of=persons_of)
    note("registering persons")
    new_persons = _write_links(session, actor=actor, run=run, rows=new_rows, **outcome)
    bands = {f"≥{upper:g}": at_least[upper], f"{lower:g}–{upper:g}": at_least[lower] -
             at_least[upper], f"{floor:g}–{lower:g}": at_least[floor] - at_least[lower]}
    run.pairs_by_band = bands
    session.flush()
    run.persons = session.scalar(select(func.count(func.distinct(RecordPerson.person_id)))
                                 .where(RecordPerson.unlinked_at.is_(None))) or 0
    run.finished_at = utcnow()
    session.flush()
    out = LinkRunOut(run_id=run.id, mode=mode, records=len(new_rows), compared_with=len(old_rows),
                     persons=run.persons, new_persons=new_persons,
                     linked_auto=sum(h == "auto" for h, _ in outcome["how"].values()),
                     linked_by_decision=sum(h == "accepted" for h, _ in outcome["how"].values()),
                     queued=outcome["queued"], kept_apart=outcome["kept_apart"], unnamed=unnamed,
                     pairs_by_band=bands)
    log.info("link run %s: %d new records, %d new persons, %d queued", run.id, out.records,
             out.new_persons, out.queued)
    return out


def _cluster(session: Session, *, run: LinkRun, new_ids: set[str],
             links: dict[str, RecordPerson], scored: dict[Pair, float],
             decided: dict[Pair, str], lower: float, upper: float,
             persons_of: dict[str, str]) -> dict[str, Any]:
    """Apply accepted decisions, then strong pairs, strongest first; queue the uncertain.

    ``persons_of`` (record → the model's person, :mod:`surplace.linkage.clusters`) vetoes
    strong pairs the model's clustering put in two persons: a chain A–B–C whose ends the model
    is sure are two people is split there, and the strong pair across the split goes to review
    instead of linking (a person may still accept it)."""
    rejected: dict[str, set[str]] = {}
    for (a, b), verdict in decided.items():
        if verdict == "reject":
            rejected.setdefault(a, set()).add(b)
            rejected.setdefault(b, set()).add(a)
    clusters = _Clusters(new_ids, {r: link.person_id for r, link in links.items()}, rejected)
    edges = [(1.0 if key not in scored else scored[key], key, "accepted")
             for key, verdict in decided.items() if verdict == "accept"
             and (key[0] in new_ids or key[1] in new_ids) and all(k in clusters.node for k in key)]
    edges += [(p, key, "auto") for key, p in scored.items() if p >= upper and key not in decided]
    how: dict[str, tuple[str, float]] = {}
    review: list[tuple[Pair, float]] = []
    kept_apart = sum(p >= upper and decided.get(key) == "reject" for key, p in scored.items())
    for p, (a, b), kind in sorted(edges, key=lambda e: (e[2] != "accepted", -e[0])):
        if kind == "auto" and persons_of.get(a, a) != persons_of.get(b, b):
            review.append(((a, b), p))  # split apart by the model's clustering
            continue
        result = clusters.join(a, b)
        if result in ("joined", "together"):
            for record in (a, b):  # accepted edges come first, then the strongest
                if record in new_ids and record not in how:
                    how[record] = (kind, p)
        elif result == "persons":
            review.append(((a, b), p))
        else:
            kept_apart += 1
    review += [(key, p) for key, p in scored.items() if lower <= p < upper and key not in decided]
    known = {pair_key(a, b) for a, b in session.execute(
        select(LinkPair.record_a_id, LinkPair.record_b_id))}
    queued = 0
    for (a, b), p in review:
        if clusters.find(a) != clusters.find(b) and (a, b) not in known:
            session.add(LinkPair(run_id=run.id, record_a_id=a, record_b_id=b, probability=p))
            known.add((a, b))
            queued += 1
    groups: dict[str, list[str]] = {}
    for record in sorted(new_ids):
        groups.setdefault(clusters.find(record), []).append(record)
    return {"groups": {root: (clusters.person.get(root), members)
                       for root, members in groups.items()},
            "how": how, "queued": queued, "kept_apart": kept_apart}


def name_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """A ``NameIn`` dictionary for a record's name as written, with its script."""
    family, given = (str(row[k]).strip() if row.get(k) else None
                     for k in ("family_name", "given_name"))
    full = str(row["name"]).strip() if row.get("name") else " ".join(
        p for p in (family, given) if p)
    if not full:
        return None
    from surplace.linkage.hangul import is_han, is_hangul

    script = "hangul" if any(map(is_hangul, full)) else "hanja" if any(map(is_han, full)) \
        else "latin"
    return {"full_name": full[:256], "family_name": family and family[:128],
            "given_name": given and given[:128], "kind": "as_recorded", "script": script,
            "record_id": row.get("record_id")}


def _person_in(rows: list[dict[str, Any]], records: list[Record]) -> Any:
    from pydantic import ValidationError

    from surplace.records.schemas import NameIn, PersonIn

    names = [NameIn(**n) for row in rows[:1] if (n := name_of(row))]

    def common(values: Iterable[Any]) -> Any:
        found = Counter(v for v in values if v is not None).most_common(1)
        return found[0][0] if found else None

    sex = common(str(s).upper() for r in records if (s := r.sex))
    facts = {"sex": sex, "birth_year": common(r.birth_year for r in records),
             "origin_province": common(r.origin_province for r in records)}
    try:
        return PersonIn(names=names, **facts)
    except (ValidationError, InvalidInput):  # a clear field the vocabularies do not know
        return PersonIn(names=names)


def _write_links(session: Session, *, actor: Actor, run: LinkRun, rows: list[dict[str, Any]],
                 groups: dict[str, tuple[str | None, list[str]]],
                 how: dict[str, tuple[str, float]], **_: Any) -> int:
    """Open a link for every new record; register a person for each group that has none.
    Each record's spelling of the name becomes one of its person's names (through the records
    service, which owns names), tied to the record so it moves with it."""
    from surplace.records import service as records_service
    from surplace.records.schemas import NameIn

    by_id = {row["record_id"]: row for row in rows}
    now = utcnow()
    created = 0
    for person_id, members in groups.values():
        named = [by_id[m] for m in members]
        if person_id is None:
            records = [r for m in members if (r := session.get(Record, m)) is not None]
            person = records_service.register_person(session, actor=actor,
                                                     data=_person_in(named, records))
            person_id = person.id
            named = named[1:]  # the first record's name is the person's first name
            created += 1
        names = [NameIn(**name) for row in named if (name := name_of(row)) is not None]
        if names:
            records_service.add_names(session, actor=actor, person_id=person_id, names=names)
        for member in members:
            kind, p = how.get(member, ("new", None))
            session.add(RecordPerson(record_id=member, person_id=person_id, run_id=run.id,
                                     probability=p, how=kind, linked_at=now))
    return created


def person_ref(session: Session, reference: str) -> Person:
    """A person by id or pseudonym (clear columns only: nothing is decrypted)."""
    from surplace.records.service import get_person

    return get_person(session, reference)
