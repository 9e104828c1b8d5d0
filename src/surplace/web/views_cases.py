"""Reads the case pages need that the cases service does not offer yet: a page of the case list
(an offset, a total, a caseworker filter, the cases of given persons) and counts by status.

``cases.listing.list_cases`` has no offset and no caseworker filter, and returns every case a
supervisor may read (50,000 in a large office): a page of fifty must not build them all. The
query below is ``list_cases``'s, with the same policy clause
(:func:`surplace.cases.lookup.visible_to`, the SQL form of
:func:`surplace.access.policy.require_case`) and the same order (overdue first, then the nearest
deadline, then the case number). It belongs in ``cases.listing``; until it moves there it stays
here, read-only, and checks the policy like a service.

Also the form side of the case pages: reading the "open a case" and "transition" forms into the
services' inputs, with a message per wrong field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from surplace.access.models import User
from surplace.access.policy import Actor, require
from surplace.cases.listing import summaries_by_id
from surplace.cases.lookup import now, visible_to
from surplace.cases.models import Case, CaseAssignment, CaseMember
from surplace.cases.schemas import CaseIn, CaseSummary, check_risk
from surplace.cases.views import alert_out, case_summary
from surplace.cases.work_models import Alert
from surplace.cases.work_schemas import AlertOut
from surplace.cases.workflow import workflow
from surplace.errors import InvalidInput
from surplace.records.vocabularies import suggestion
from surplace.store import tallies
from surplace.web.i18n import N_


@dataclass
class CasePage:
    items: list[CaseSummary]
    total: int
    offset: int
    limit: int


@dataclass
class CaseFilters:
    status: str | None = None
    risk: str | None = None
    caseworker: str | None = None
    urgent: bool = False
    person_ids: list[str] | None = None

    def checked(self, session: Session) -> tuple[CaseFilters, str | None]:
        """The filters with terms checked; the caseworker given by account name becomes an id
        (second value), unknown names refused naming the field."""
        states = list(workflow().states)
        if self.status is not None and self.status not in states:
            raise InvalidInput(f"status: {self.status!r} is not a case status"
                               f"{suggestion(self.status, states)}")
        risk = None if self.risk is None else check_risk(self.risk)
        worker_id = None
        if self.caseworker is not None:
            worker_id = session.scalars(select(User.id).where(
                User.name == self.caseworker.strip())).first()
            if worker_id is None:
                raise InvalidInput("caseworker: there is no staff account by that name.")
        return CaseFilters(self.status, risk, self.caseworker, self.urgent,
                           self.person_ids), worker_id


def list_page(session: Session, *, actor: Actor, filters: CaseFilters, offset: int = 0,
              limit: int = 50) -> CasePage:
    """One page of the cases the actor may read, overdue first (see the module docstring).

    In two parts, so that a page costs what it shows rather than a sort of every case: the
    cases with open alerts (few: they are the urgent ones), in ``list_cases``'s order, then
    the others by case number, which the unique index on the number gives in order.
    """
    require(actor, "case.read")
    checked, worker_id = filters.checked(session)
    moment = now()
    alerts = (select(Alert.case_id.label("case_id"), func.count().label("open"),
                     func.sum(when((Alert.deadline < moment, 1), else_=0)).label("overdue"),
                     func.min(Alert.deadline).label("next"))
              .where(Alert.resolved_at.is_(None)).group_by(Alert.case_id).subquery())
    alerted = select(Alert.case_id).where(Alert.resolved_at.is_(None))
    conditions: list[ColumnElement[bool]] = []
    visible = visible_to(actor)
    if visible is not None:
        conditions.append(visible)
    if checked.status is not None:
        conditions.append(Case.status == checked.status)
    if checked.risk is not None:
        conditions.append(Case.risk == checked.risk)
    if worker_id is not None:
        conditions.append(Case.id.in_(select(CaseAssignment.case_id).where(
            CaseAssignment.user_id == worker_id, CaseAssignment.ended_at.is_(None))))
    if checked.person_ids is not None:
        conditions.append(Case.id.in_(select(CaseMember.case_id).where(
            CaseMember.person_id.in_(checked.person_ids or [""]))))
    if conditions or checked.urgent:
        total = session.scalar(select(func.count()).select_from(Case).where(
            *conditions, *([Case.id.in_(alerted)] if checked.urgent else []))) or 0
    else:  # every case: the store's running count, not a scan (PostgreSQL: 5 ms at 50,000)
        total = sum(tallies.counts(session, tallies.CASE_STATUS).values())
    # Each part first finds its page of case ids on narrow columns, then reads those cases
    # and their principals: joining every alerted case's row and principal only to sort them
    # and keep fifty cost more than the whole rest of the page.
    rank = (_alerted_page_joined if session.get_bind().dialect.name == "sqlite"
            else _alerted_page)
    page, with_alerts = rank(session, alerts, conditions, offset=offset, limit=limit)
    if len(page) < limit and not checked.urgent:
        if with_alerts is None:
            with_alerts = session.scalar(select(func.count()).select_from(Case).where(
                *conditions, Case.id.in_(alerted))) or 0
        calm = (select(Case.id).where(*conditions, Case.id.not_in(alerted))
                .order_by(Case.case_number)
                .offset(max(0, offset - with_alerts)).limit(limit - len(page)))
        page += [(case_id, 0, 0, None) for case_id in session.scalars(calm)]
    found = summaries_by_id(session, [case_id for case_id, *_ in page])
    items = [case_summary(found[case_id][0], found[case_id][1], open_alerts=int(open_ or 0),
                          overdue_alerts=int(overdue or 0), next_deadline=next_)
             for case_id, open_, overdue, next_ in page]
    return CasePage(items=items, total=int(total), offset=offset, limit=limit)


_AlertedPage = tuple[list[tuple[str, Any, Any, Any]], int | None]


def _overdue_first(alerts: Any) -> ColumnElement[int]:
    return when((alerts.c.overdue > 0, 0), else_=1)


def _alerted_page_joined(session: Session, alerts: Any, conditions: list[ColumnElement[bool]],
                         *, offset: int, limit: int) -> _AlertedPage:
    """:func:`_alerted_page` for SQLite, without the count (``None``: the caller counts only
    when it needs to): the alerted cases joined to their cases and ranked in SQL, which SQLite
    does by looking each case up by id. Fetching every alerted case into Python instead cost
    a web worker more (each row fetched lets the worker's other thread have the interpreter:
    the case list's server CPU rose from 14-17 to 21-25 ms a request under load)."""
    urgent = (select(Case.id, alerts.c.open, alerts.c.overdue, alerts.c.next)
              .join(alerts, alerts.c.case_id == Case.id)
              .where(*conditions)
              .order_by(_overdue_first(alerts), alerts.c.next, Case.case_number))
    return [(row[0], row[1], row[2], row[3])
            for row in session.execute(urgent.offset(offset).limit(limit))], None


def _alerted_page(session: Session, alerts: Any, conditions: list[ColumnElement[bool]], *,
                  offset: int, limit: int) -> _AlertedPage:
    """The page's share of the cases with open alerts (overdue first, then the nearest
    deadline, then the case number), and how many cases have open alerts.

    The alerted cases (some thousand in a large office) are ranked on their alerts alone; only
    the page's rows, and the rows tied with its first and last (same overdue flag and
    deadline), are then looked up for their case numbers and put in order. Joined to every
    case to sort by number, PostgreSQL hashed all 50,000 cases on every page (20 ms), and a
    case number read for each alerted case cost it 14. (SQLite: :func:`_alerted_page_joined`.)
    """
    flag = _overdue_first(alerts)
    query = (select(alerts.c.case_id, alerts.c.open, alerts.c.overdue, alerts.c.next, flag)
             .order_by(flag, alerts.c.next))
    if conditions:
        query = query.where(alerts.c.case_id.in_(select(Case.id).where(*conditions)))
    # Through the connection: the ORM would build a result row object per alerted case.
    ranked = [tuple(row) for row in session.connection().execute(query)]
    if offset >= len(ranked):
        return [], len(ranked)
    end = min(offset + limit, len(ranked))
    start, stop = offset, end
    while start > 0 and ranked[start - 1][3:] == ranked[offset][3:]:
        start -= 1
    while stop < len(ranked) and ranked[stop][3:] == ranked[end - 1][3:]:
        stop += 1
    window = ranked[start:stop]
    numbers = dict(session.execute(select(Case.id, Case.case_number).where(
        Case.id.in_([row[0] for row in window]))).all())
    window.sort(key=lambda row: (row[4], row[3], numbers[row[0]]))
    return [(row[0], row[1], row[2], row[3])
            for row in window[offset - start:end - start]], len(ranked)


def counts_by_status(session: Session, *, actor: Actor) -> dict[str, int]:
    """Cases by status: of the cases the actor may read, or of every case for a role that
    reads aggregates only (the caller suppresses small cells for that role)."""
    visible = None
    if actor.can("case.read"):
        visible = visible_to(actor)
    else:
        require(actor, "aggregate.read")
    if visible is None:  # every case: the store's running count (``store.tallies``)
        found = tallies.counts(session, tallies.CASE_STATUS)
    else:
        query = select(Case.status, func.count()).where(visible).group_by(Case.status)
        found = {str(status): int(count) for status, count in session.execute(query)}
    return {state: found[state] for state in workflow().states if state in found}


def open_alerts(session: Session, *, actor: Actor, limit: int = 10) -> tuple[list[AlertOut], int]:
    """The most pressing open alerts of the cases the actor may read (overdue first, then by
    deadline and priority: ``list_alerts``'s order) and how many are open in all;
    ``list_alerts`` itself builds every open alert of the office, thousands for a supervisor."""
    require(actor, "case.read")
    moment = now()
    conditions: list[ColumnElement[bool]] = [Alert.resolved_at.is_(None)]
    visible = visible_to(actor)
    if visible is not None:
        conditions.append(Alert.case_id.in_(select(Case.id).where(visible)))
    # The alerts alone are counted and ranked (a supervisor's thousands need no case row
    # each); only the few shown are joined to their case numbers and raisers' names.
    total = session.scalar(select(func.count()).select_from(Alert).where(*conditions)) or 0
    order = (when((Alert.deadline < moment, 0), else_=1), Alert.deadline, Alert.priority,
             Alert.id)
    ranked = select(Alert.id).where(*conditions).order_by(*order).limit(limit).subquery()
    query = (select(Alert, Case.case_number, User.name)
             .join(ranked, ranked.c.id == Alert.id)
             .join(Case, Case.id == Alert.case_id)
             .outerjoin(User, User.id == Alert.raised_by)
             .order_by(*order))
    rows = session.execute(query).all()
    names = {str(alert.raised_by): str(name) for alert, _, name in rows if name is not None}
    return [alert_out(alert, str(number), names, sealed=False) for alert, number, _ in rows], \
        int(total)


def staff_names(session: Session, *, actor: Actor) -> list[str]:
    """Account names of staff who may work on cases, for the caseworker filter (account
    names are staff logins, not identities)."""
    require(actor, "case.read")
    return [str(name) for name in session.scalars(
        select(User.name).where(User.active.is_(True), User.role.in_(("admin", "caseworker")))
        .order_by(User.name))]


# ---- forms ----

@dataclass
class Form:
    """A submitted form: what the user typed (shown again on error) and a message per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


#: Form field → CaseIn field, for routing pydantic's complaints to the right input.
_CASE_FIELDS = {"principal": "principal", "risk": "risk", "languages": "languages",
                "specific_needs": "specific_needs", "current_location": "current_location",
                "summary": "summary", "organisation": "organisation"}


def validation_message(error: Any) -> str:
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def read_case_form(values: dict[str, str]) -> tuple[CaseIn | None, Form]:
    """The "open a case" form as a :class:`CaseIn`, or the form with a message per field."""
    form = Form(values=values)
    if not values.get("principal", "").strip():
        form.fail("principal", N_("Give the pseudonym or id of a registered person."))
    data: dict[str, Any] = {
        "principal": values.get("principal", "").strip() or "-",
        "risk": values.get("risk", "normal").strip() or "normal",
        "languages": _split(values.get("languages", "")),
        "specific_needs": _split(values.get("specific_needs", "")),
        "current_location": values.get("current_location", "").strip() or None,
        "summary": values.get("summary", "").strip() or None,
        "organisation": values.get("organisation", "").strip() or "local",
    }
    try:
        parsed = CaseIn.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "principal"
            form.fail(_CASE_FIELDS.get(name, "principal"), validation_message(problem))
        return None, form
    except InvalidInput as error:  # vocabulary checks raise InvalidInput naming the field
        form.fail(_field_of(str(error), _CASE_FIELDS), str(error))
        return None, form
    return (None if form.errors else parsed), form


def _field_of(message: str, fields: dict[str, str], default: str = "") -> str:
    """The form field a service's message names (``"risk: 'x' is not …"``)."""
    head = message.split(":", 1)[0].strip().lower().replace(" ", "_")
    for name, target in fields.items():
        if head in (name, target) or head.rstrip("s") == name.rstrip("s"):
            return name
    return default or next(iter(fields))


TRANSITION_FIELDS = ("name", "on", "reason", "outcome", "modality", "notified_on",
                     "override_reason")


def read_transition_form(values: dict[str, str]) -> tuple[dict[str, Any] | None, Form]:
    """The transition form as ``(name, on, inputs)`` for ``transition``, or the form with a
    message per wrong field."""
    form = Form(values=values)
    flow = workflow()
    name = values.get("name", "").strip()
    if name not in flow.transitions:
        form.fail("name", N_("Choose a step from the list."))
    on: date | None = None
    text = values.get("on", "").strip()
    if text:
        try:
            on = date.fromisoformat(text)
        except ValueError:
            form.fail("on", N_("Give the date as YYYY-MM-DD."))
    inputs: dict[str, Any] = {}
    for key in ("reason", "outcome", "modality", "notified_on", "override_reason"):
        value = values.get(key, "").strip()
        if value:
            inputs[key] = value
    if "notified_on" in inputs:
        try:
            date.fromisoformat(inputs["notified_on"])
        except ValueError:
            form.fail("notified_on", N_("Give the date as YYYY-MM-DD."))
    if name in flow.transitions:
        for needed in flow.transitions[name].requires:
            if needed in TRANSITION_FIELDS and needed not in inputs:
                form.fail(needed, N_("This step needs this field."))
    if form.errors:
        return None, form
    return {"name": name, "on": on, "inputs": inputs}, form


def transition_error_field(message: str) -> str:
    """Which field of the transition form a service's refusal is about."""
    lowered = message.lower()
    for key in ("notified_on", "override_reason", "outcome", "modality", "reason"):
        if key in lowered or key.replace("_", " ") in lowered:
            return key
    if "date" in lowered or "future" in lowered:
        return "on"
    return "name"
