"""Capture histories of linked persons, from the store, on SQLite and PostgreSQL.

Most tests write ``RecordPerson`` links directly, with generated records that carry only clear
columns (source, event year, sex, province code), so that each pattern's count is known; one
links simulated records (invented names) through :func:`surplace.linkage.link_records` and
checks the table against the links it made.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from itertools import count

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.access.models import User
from surplace.access.policy import AccessDenied, Actor
from surplace.errors import InvalidInput
from surplace.estimation.histories import histories_from_frame, strata_from_frame
from surplace.linkage import link_records, person_capture_histories
from surplace.linkage.models import RecordPerson
from surplace.records.models import Person, Record, Source
from surplace.vault.service import Unlocked
from tests.linkage.test_store import make_lists

_serial = count()


class Store:
    """Sources, persons and their records, written as the linkage would leave them."""

    def __init__(self, unlocked: Unlocked) -> None:
        self.unlocked = unlocked
        self.sources: dict[str, str] = {}

    def person(self, *records: tuple[str, int | None, str | None, str | None],
               unlinked: tuple[str, int | None, str | None, str | None] | None = None) -> str:
        """A person linked to records (source code, event year, sex, province); ``unlinked``
        adds one more record whose link to them was undone."""
        with self.unlocked.session() as session:
            person = Person(pseudonym=f"P-TEST-{next(_serial):05d}")
            session.add(person)
            session.flush()
            for index, facts in enumerate([*records, *([unlinked] if unlinked else [])]):
                record = self._record(session, *facts)
                closed = datetime.now(UTC) if index == len(records) else None
                session.add(RecordPerson(record_id=record.id, person_id=person.id, how="test",
                                         unlinked_at=closed))
            return person.id

    def _record(self, session: Session, code: str, year: int | None, sex: str | None,
                province: str | None, supersedes: str | None = None) -> Record:
        if code not in self.sources:
            source = Source(code=code, kind="list", name=f"Synthetic list {code}")
            session.add(source)
            session.flush()
            self.sources[code] = source.id
        record = Record(source_id=self.sources[code], source_row=str(next(_serial)),
                        content_digest=hashlib.sha256(str(next(_serial)).encode()).digest(),
                        event_year=year, sex=sex, origin_province=province,
                        supersedes_id=supersedes, payload={})
        session.add(record)
        session.flush()
        return record

    def histories(self, *, sources: list[str] | None = None,
                  strata: list[str] | None = None) -> pd.DataFrame:
        with self.unlocked.session() as session:
            return person_capture_histories(session, actor=self.unlocked.actor,
                                            sources=sources, strata=strata or [])


def patterns(frame: pd.DataFrame) -> dict[tuple[object, ...], int]:
    columns = [c for c in frame.columns if c != "count"]
    return {tuple(row[c] for c in columns): int(row["count"]) for _, row in frame.iterrows()}


@pytest.fixture
def three_lists(unlocked: Unlocked) -> Store:
    """Five persons over lists A, B, C in 2019–2020."""
    store = Store(unlocked)
    store.person(("A", 2019, "F", "KP-09"), ("B", 2019, "F", "KP-09"))
    store.person(("A", 2019, "M", "KP-09"), ("C", 2020, "M", "KP-09"))
    store.person(("B", 2020, "F", "KP-05"), unlinked=("A", 2020, "F", "KP-05"))
    store.person(("C", 2020, "F", "KP-05"), ("C", 2020, "F", "KP-05"))
    store.person(("A", None, None, None), ("B", 2019, "m", "KP-05"), ("C", 2019, "M", "KP-09"))
    return store


def test_one_column_per_source_and_a_count(three_lists: Store) -> None:
    frame = three_lists.histories()
    assert list(frame.columns) == ["A", "B", "C", "count"]
    assert patterns(frame) == {(1, 1, 0): 1, (1, 0, 1): 1, (0, 1, 0): 1, (0, 0, 1): 1,
                               (1, 1, 1): 1}
    assert all(str(frame[c].dtype) == "int64" for c in frame.columns)
    # what the estimation reads: five persons on three lists
    histories = histories_from_frame(frame)
    assert histories.n == 5 and list(histories.lists) == ["A", "B", "C"]


def test_undone_links_do_not_count(three_lists: Store) -> None:
    # the third person's record on A was unlinked: they are on B only
    frame = three_lists.histories(sources=["A", "B"])
    assert list(frame.columns) == ["A", "B", "count"]
    assert patterns(frame) == {(1, 1): 2, (1, 0): 1, (0, 1): 1}


def test_sources_narrow_the_lists_in_the_order_given(three_lists: Store) -> None:
    frame = three_lists.histories(sources=["C", "A"])
    assert list(frame.columns) == ["C", "A", "count"]
    # the person on B alone is seen by neither list and drops out
    assert patterns(frame) == {(0, 1): 1, (1, 1): 2, (1, 0): 1}


def test_years_count_persons_in_each_year_they_were_recorded(three_lists: Store) -> None:
    frame = three_lists.histories(strata=["year"])
    assert list(frame.columns) == ["year", "A", "B", "C", "count"]
    assert patterns(frame) == {
        ("2019", 1, 1, 0): 1, ("2019", 1, 0, 0): 1, ("2020", 0, 0, 1): 2,
        ("2020", 0, 1, 0): 1, ("2019", 0, 1, 1): 1, ("unknown", 1, 0, 0): 1}
    by_year = strata_from_frame(frame, strata=["year"])
    assert [g.label for g in by_year.groups] == ["year=2019", "year=2020", "year=unknown"]


def test_province_and_sex_are_one_per_person(three_lists: Store) -> None:
    frame = three_lists.histories(strata=["sex", "province"])
    assert list(frame.columns) == ["sex", "province", "A", "B", "C", "count"]
    assert patterns(frame) == {
        ("F", "KP-09", 1, 1, 0): 1, ("M", "KP-09", 1, 0, 1): 1, ("F", "KP-05", 0, 1, 0): 1,
        ("F", "KP-05", 0, 0, 1): 1,
        # records say KP-05 once and KP-09 once: a tie goes to the first code, once
        ("M", "KP-05", 1, 1, 1): 1}
    assert frame["count"].sum() == 5


def test_a_superseded_record_gives_way_to_its_successor(unlocked: Unlocked) -> None:
    store = Store(unlocked)
    person = store.person(("A", 2018, "F", "KP-09"))
    with unlocked.session() as session:
        old = session.scalars(select(RecordPerson).where(
            RecordPerson.person_id == person)).one()
        previous = session.get(Record, old.record_id)
        assert previous is not None
        newer = store._record(session, "A", 2019, "F", "KP-09", supersedes=previous.id)
        session.add(RecordPerson(record_id=newer.id, person_id=person, how="test"))
    assert patterns(store.histories(strata=["year"])) == {("2019", 1): 1}


def test_empty_store_gives_an_empty_table(unlocked: Unlocked) -> None:
    frame = Store(unlocked).histories()
    assert frame.empty and list(frame.columns) == ["count"]


@pytest.mark.parametrize(("options", "message"), [
    ({"strata": ["region"]}, "strata: 'region' is not one of year, province, sex"),
    ({"strata": ["year", "year"]}, "strata: 'year' is given twice"),
    ({"sources": ["A", "Z"]}, "sources: no source 'Z'"),
    ({"sources": ["A", "A"]}, "sources: 'A' given twice"),
    ({"sources": []}, "sources: give one or more source codes"),
])
def test_bad_options_are_named(three_lists: Store, options: dict[str, list[str]],
                               message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        three_lists.histories(**options)


def test_a_source_code_that_is_a_column_name_is_refused(unlocked: Unlocked) -> None:
    store = Store(unlocked)
    store.person(("count", 2019, None, None), ("A", 2019, None, None))
    with pytest.raises(InvalidInput, match="the code 'count' is also the name of a column"):
        store.histories()


def test_needs_aggregate_read(three_lists: Store, unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        user = User(name="viewer-1", role="viewer")
        session.add(user)
        session.flush()
        viewer = Actor(user.id, user.name, user.role)
        with pytest.raises(AccessDenied):
            person_capture_histories(session, actor=viewer)
        analyst = Actor(user.id, user.name, "analyst")
        assert person_capture_histories(session, actor=analyst)["count"].sum() == 5


def test_persons_linked_by_the_linkage_are_counted_once(unlocked: Unlocked) -> None:
    make_lists(unlocked, persons=40)
    with unlocked.session() as session:
        link_records(session, actor=unlocked.actor)
    with unlocked.session() as session:
        frame = person_capture_histories(session, actor=unlocked.actor)
        held: dict[str, set[str]] = {}
        for person, code in session.execute(
                select(RecordPerson.person_id, Source.code)
                .join(Record, Record.id == RecordPerson.record_id)
                .join(Source, Source.id == Record.source_id)
                .where(RecordPerson.unlinked_at.is_(None))):
            held.setdefault(person, set()).add(code)
        persons = session.scalar(select(func.count(func.distinct(RecordPerson.person_id))))
    lists = [c for c in frame.columns if c != "count"]
    expected = Counter(tuple(int(code in codes) for code in lists) for codes in held.values())
    assert patterns(frame) == dict(expected)
    assert frame["count"].sum() == persons == len(held)
    assert histories_from_frame(frame).n == persons
