"""What every case operation starts with: find the case, check the actor may touch it, find
staff and persons by what a user types, and hold dates to the past.

The rule for who may see a case is the policy's (:func:`surplace.access.policy.require_case`);
this module only looks up the facts it needs (an open assignment, unrevoked grants).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, event, func, or_, select
from sqlalchemy.orm import Session

from surplace.access.models import AccessGrant, User
from surplace.access.policy import (
    CASE_GRANTS,
    Actor,
    require_case,
    role_can,
    sees_all_cases,
)
from surplace.cases.exceptions import (
    CaseInputError,
    CaseNotFound,
    FutureDate,
    UnknownCaseworker,
)
from surplace.cases.models import Case, CaseAssignment
from surplace.records.exceptions import shown_reference
from surplace.records.models import Person, PersonName
from surplace.records.service import find_person

_CASE_NUMBER = re.compile(r"^SP-\d{4}-\d{6}$", re.IGNORECASE)


def today() -> date:
    """The caseworker's calendar day (the machine's local date), against which "future" is
    judged: an office in Yanji is eight hours ahead of UTC."""
    return date.today()


def now() -> datetime:
    return datetime.now(UTC)


def in_past(value: date | None, what: str) -> date:
    """``value`` (today when not given), refused if it is after today."""
    current = today()
    if value is None:
        return current
    if value > current:
        raise FutureDate(what, value, current)
    return value


def find_case(session: Session, reference: str) -> Case:
    reference = reference.strip()
    key = reference.upper() if _CASE_NUMBER.match(reference) else reference
    case = session.scalars(
        select(Case).where(or_(Case.id == reference, Case.case_number == key))).first()
    if case is None:
        raise CaseNotFound(reference)
    return case


def assigned(session: Session, case_id: str, user_id: str) -> bool:
    query = select(CaseAssignment.id).where(
        CaseAssignment.case_id == case_id, CaseAssignment.user_id == user_id,
        CaseAssignment.ended_at.is_(None))
    return session.scalars(query).first() is not None


def grants(session: Session, case_id: str, user_id: str) -> list[str]:
    query = select(AccessGrant.permission).where(
        AccessGrant.object_type == "case", AccessGrant.object_id == case_id,
        AccessGrant.user_id == user_id, AccessGrant.revoked_at.is_(None))
    return list(session.scalars(query))


def check_access(session: Session, actor: Actor, case: Case, permission: str) -> None:
    require_case(actor, permission, case=case.case_number,
                 assigned=lambda: assigned(session, case.id, actor.user_id),
                 grants=lambda: grants(session, case.id, actor.user_id))


#: Where a transaction remembers the cases it has already found and let an actor at.
_CHECKED = "surplace.cases.checked"


def case_for(session: Session, actor: Actor, reference: str, permission: str) -> Case:
    """The case named by id or case number, once the policy allows ``permission`` on it.

    A case the actor may not see is refused by the policy, naming the case number the actor
    typed: the existence of a case number is not a secret inside the organisation.

    A page built from several services asks for the same case and permission several times
    in one transaction; the answer is remembered while the transaction has changed nothing
    (any pending change, flush or end of transaction forgets it, so an assignment ended or a
    grant revoked in the transaction is seen by the next check). Refusals are not remembered.
    """
    checked: dict[tuple[Actor, str, str], Case] = session.info.setdefault(_CHECKED, {})
    if session.new or session.dirty or session.deleted:
        checked.clear()
    key = (actor, reference, permission)
    case = checked.get(key)
    if case is None:
        case = find_case(session, reference)
        check_access(session, actor, case, permission)
        checked[key] = case
    return case


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_checked(session: Session, *_: Any) -> None:
    session.info.pop(_CHECKED, None)


def visible_to(actor: Actor) -> ColumnElement[bool] | None:
    """A WHERE clause limiting cases to those the actor may read (None: all of them); the SQL
    form of :func:`~surplace.access.policy.require_case` for lists."""
    if sees_all_cases(actor):
        return None
    levels = [level for level, given in CASE_GRANTS.items() if "case.read" in given]
    mine = select(CaseAssignment.case_id).where(CaseAssignment.user_id == actor.user_id,
                                                CaseAssignment.ended_at.is_(None))
    granted = select(AccessGrant.object_id).where(
        AccessGrant.user_id == actor.user_id, AccessGrant.object_type == "case",
        AccessGrant.revoked_at.is_(None), AccessGrant.permission.in_(levels))
    return or_(Case.id.in_(mine), Case.id.in_(granted))


def staff(session: Session, name: str, *, permission: str = "case.write") -> User:
    """An active staff account by name whose role may do ``permission`` on cases."""
    user = session.scalars(select(User).where(User.name == name.strip())).first()
    if user is None or not user.active:
        raise UnknownCaseworker(name)
    if not role_can(user.role, permission):
        raise UnknownCaseworker(name, f"the account is a {user.role}, whose role may not "
                                      f"{permission.replace('.', ' ')}")
    return user


def user_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    query = select(User.id, User.name).where(User.id.in_(wanted))
    return {str(key): str(value) for key, value in session.execute(query)}


def person(session: Session, reference: str) -> Person:
    """A registered person by id or pseudonym; only clear columns are read."""
    reference = reference.strip()
    found = find_person(session, reference)
    if found is None:
        raise CaseInputError(f"No person {shown_reference(reference)} (give a person id or "
                             "pseudonym; register the person first with 'surplace person add').")
    return found


def pseudonyms(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    query = select(Person.id, Person.pseudonym).where(Person.id.in_(wanted))
    return {str(key): str(value) for key, value in session.execute(query)}


def json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def next_case_number(session: Session, year: int) -> str:
    """``SP-<year>-<serial>``: readable aloud and on paper, and in order of opening.

    On PostgreSQL a transaction-level advisory lock makes concurrent openings take turns; on
    SQLite the store's one writer already does.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(0x53500000 + year)))
    prefix = f"SP-{year}-"
    last = session.scalar(select(func.max(Case.case_number)).where(
        Case.case_number.like(f"{prefix}%")))
    serial = int(last.removeprefix(prefix)) + 1 if last else 1
    if serial > 999_999:
        raise CaseInputError(f"Case numbers of {year} are exhausted.")
    return f"{prefix}{serial:06d}"


def names_of(session: Session, person_ids: Iterable[str]) -> dict[str, list[str]]:
    """Every written form of the persons' names (sealed: each read is audited). Only for a
    caller that has checked the actor may read identities."""
    wanted = sorted(set(person_ids))
    found: dict[str, list[str]] = {person_id: [] for person_id in wanted}
    if not wanted:
        return found
    query = (select(PersonName).where(PersonName.person_id.in_(wanted))
             .order_by(PersonName.person_id, PersonName.id))
    for row in session.scalars(query):
        if row.full_name:
            found[row.person_id].append(row.full_name)
    return found
