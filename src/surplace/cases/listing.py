"""Lists of cases: clear columns only (no decryption, so no reads to audit), limited to the
cases the actor may read, with cases that have overdue alerts always first.

Order: cases with an overdue alert, then cases with open alerts by their nearest deadline, then
the rest by case number. ``urgent`` keeps only cases with open alerts.

A line needs a dozen clear columns of a case, so only those are selected (:data:`COLUMNS`),
never the whole row as an ORM object: building and tracking fifty full cases (sealed columns
and all) cost more than the query that found them. :func:`summaries_by_id` reads a page of
lines for callers that first find the page's ids on narrow columns.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.cases.lookup import now, visible_to
from surplace.cases.models import Case, CaseAssignment
from surplace.cases.schemas import CaseSummary, check_risk
from surplace.cases.views import case_summary
from surplace.cases.work_models import Alert
from surplace.cases.workflow import workflow
from surplace.errors import InvalidInput
from surplace.records.models import Person
from surplace.records.vocabularies import suggestion

#: The columns a line of a case list shows, in :class:`CaseSummary`'s terms.
COLUMNS = (Case.id, Case.case_number, Case.status, Case.processing, Case.risk, Case.outcome,
           Case.appeal_outcome, Case.appeal_deadline, Case.organisation, Case.opened_at,
           Case.closed_at)


def summaries_by_id(session: Session,
                    case_ids: Collection[str]) -> dict[str, tuple[Any, str | None]]:
    """The :data:`COLUMNS` row and the principal's pseudonym of each case named (no policy
    check: the caller found the ids under it)."""
    if not case_ids:
        return {}
    query = (select(*COLUMNS, Person.pseudonym)
             .outerjoin(Person, Person.id == Case.principal_id)
             .where(Case.id.in_(list(case_ids))))
    return {row.id: (row, row.pseudonym) for row in session.execute(query)}


def list_cases(session: Session, *, actor: Actor, status: str | None = None,
               risk: str | None = None, mine: bool = False, urgent: bool = False,
               limit: int | None = None) -> list[CaseSummary]:
    require(actor, "case.read")
    states = list(workflow().states)
    if status is not None and status not in states:
        raise InvalidInput(f"status: {status!r} is not a case status{suggestion(status, states)}")
    moment = now()
    alerts = (select(Alert.case_id.label("case_id"), func.count().label("open"),
                     func.sum(when((Alert.deadline < moment, 1), else_=0)).label("overdue"),
                     func.min(Alert.deadline).label("next"))
              .where(Alert.resolved_at.is_(None)).group_by(Alert.case_id).subquery())
    query = (select(*COLUMNS, Person.pseudonym, alerts.c.open, alerts.c.overdue,
                    alerts.c.next)
             .outerjoin(Person, Person.id == Case.principal_id)
             .outerjoin(alerts, alerts.c.case_id == Case.id)
             .order_by(when((func.coalesce(alerts.c.overdue, 0) > 0, 0), else_=1),
                       when((alerts.c.next.is_(None), 1), else_=0), alerts.c.next,
                       Case.case_number))
    visible = visible_to(actor)
    if visible is not None:
        query = query.where(visible)
    if status is not None:
        query = query.where(Case.status == status)
    if risk is not None:
        query = query.where(Case.risk == check_risk(risk))
    if mine:
        query = query.where(Case.id.in_(select(CaseAssignment.case_id).where(
            CaseAssignment.user_id == actor.user_id, CaseAssignment.ended_at.is_(None))))
    if urgent:
        query = query.where(alerts.c.open > 0)
    if limit is not None:
        query = query.limit(limit)
    return [case_summary(row, row.pseudonym, open_alerts=int(row.open or 0),
                         overdue_alerts=int(row.overdue or 0), next_deadline=row.next)
            for row in session.execute(query).all()]
