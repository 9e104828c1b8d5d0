"""The store's running counts (``store.tallies``) agree with the rows after every kind of write,
on SQLite and PostgreSQL: one row and many at once, through the ORM and in bulk, a change of
status and a change of anything else, deletions, a rolled-back transaction, and a store written
before the counts existed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.orm import Session

from surplace.cases.models import Case
from surplace.records.models import Person
from surplace.store import tallies
from surplace.store.engine import Store
from surplace.store.migrate import upgrade

NOW = datetime(2026, 5, 1, 10, tzinfo=UTC)


def _counted(connection: Connection) -> dict[str, int]:
    return {str(name): int(value) for name, value in connection.execute(
        text("SELECT name, value FROM tally WHERE value <> 0"))}


def _actual(connection: Connection) -> dict[str, int]:
    found = {f"case_status:{status}": int(n) for status, n in connection.execute(
        text("SELECT status, count(*) FROM protection_case GROUP BY status"))}
    persons = int(connection.execute(text("SELECT count(*) FROM person")).scalar_one())
    return found | ({"person": persons} if persons else {})


def _cases(first: int, statuses: list[str]) -> list[dict[str, Any]]:
    return [{"id": f"c{first + n}", "case_number": f"C-{first + n}", "status": status,
             "opened_at": NOW} for n, status in enumerate(statuses)]


def _persons(first: int, count: int) -> list[dict[str, Any]]:
    return [{"id": f"p{first + n}", "pseudonym": f"PS-{first + n:04d}", "created_at": NOW}
            for n in range(count)]


def test_counts_follow_every_write(store: Store) -> None:
    upgrade(store)
    steps = [
        lambda c: c.execute(insert(Person.__table__), _persons(0, 40)),  # many rows at once
        lambda c: c.execute(insert(Person.__table__), _persons(100, 1)),
        lambda c: c.execute(insert(Case.__table__),
                            _cases(0, ["received"] * 25 + ["registered"] * 7)),
        lambda c: c.execute(insert(Case.__table__), _cases(100, ["interviewed"])),
        lambda c: c.execute(update(Case.__table__).where(Case.__table__.c.id == "c0")
                            .values(status="registered")),
        # every received case moves at once; a change of risk alone leaves the counts be
        lambda c: c.execute(update(Case.__table__).where(Case.__table__.c.status == "received")
                            .values(status="interviewed")),
        lambda c: c.execute(update(Case.__table__).values(risk="high")),
        lambda c: c.execute(update(Case.__table__).where(Case.__table__.c.id == "c1")
                            .values(status="interviewed")),  # to the status it has already
        lambda c: c.execute(delete(Case.__table__).where(Case.__table__.c.id.in_(["c0", "c5"]))),
        lambda c: c.execute(delete(Case.__table__).where(Case.__table__.c.id == "none")),
        lambda c: c.execute(delete(Person.__table__).where(Person.__table__.c.id.in_(
            [f"p{n}" for n in range(10)]))),
    ]
    for number, step in enumerate(steps):
        with store.engine.begin() as connection:
            step(connection)
        with store.engine.connect() as connection:
            assert _counted(connection) == _actual(connection), f"after step {number}"
    with store.engine.connect() as connection:
        assert _counted(connection) == {"case_status:registered": 7,
                                        "case_status:interviewed": 24, "person": 31}


def test_counts_follow_the_orm_and_ignore_what_was_rolled_back(store: Store) -> None:
    upgrade(store)
    with Session(store.engine) as session, session.begin():
        session.add_all([Case(case_number=f"C-{n}", status="received") for n in range(3)])
    with Session(store.engine) as session, session.begin():
        moved = session.scalars(select(Case).where(Case.case_number == "C-1")).one()
        moved.status = "registered"
    with Session(store.engine) as session:
        session.add(Case(case_number="C-9", status="received"))
        session.flush()
        session.rollback()
    with Session(store.engine) as session:
        assert tallies.counts(session, tallies.CASE_STATUS) == {"received": 2, "registered": 1}
        assert tallies.count(session, tallies.PERSONS) == 0


def test_counts_filled_for_a_store_written_before_them(store: Store) -> None:
    upgrade(store, "0007")
    with store.engine.begin() as connection:
        connection.execute(insert(Person.__table__), _persons(0, 12))
        connection.execute(insert(Case.__table__), _cases(0, ["received"] * 4 + ["closed"]))
    upgrade(store)
    with store.engine.connect() as connection:
        assert _counted(connection) == {"case_status:received": 4, "case_status:closed": 1,
                                        "person": 12}
    with store.engine.begin() as connection:  # and kept from then on
        connection.execute(insert(Case.__table__), _cases(10, ["closed"]))
    with store.engine.connect() as connection:
        assert _counted(connection) == _actual(connection)
