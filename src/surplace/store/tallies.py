"""Running counts the store keeps of its own rows, so that a page showing them does not count
every row on every view.

The dashboard shows the cases by status and the number of persons. Counted afresh, that is a
scan of 50,000 cases and 50,000 persons on every view of it: on PostgreSQL 11 ms of the
database's CPU, most of the page's own cost there. The ``tally`` table holds one row per count
(``case_status:<status>``, ``person``), kept by triggers in the database (migration 0008) on
every insert, delete and change of status, whatever made it: a service through the ORM, an
import writing in bulk, a restore, a later migration. Triggers rather than the services
because a count that one path forgot to keep would be wrong without anyone seeing it.

The table is derived: it is not backed up (a restore rebuilds it as the rows go in) and no one
writes it but the triggers.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from surplace.store.base import Base

CASE_STATUS = "case_status:"
PERSONS = "person"


class Tally(Base):
    __tablename__ = "tally"
    __table_args__ = {"info": {"derived": True}}

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def counts(session: Session, prefix: str) -> dict[str, int]:
    """The non-zero counts whose names start with ``prefix``, by the rest of their name."""
    rows = session.execute(select(Tally.name, Tally.value).where(
        Tally.name.startswith(prefix, autoescape=True), Tally.value > 0))
    return {name[len(prefix):]: int(value) for name, value in rows}


def count(session: Session, name: str) -> int:
    return int(session.scalar(select(Tally.value).where(Tally.name == name)) or 0)
