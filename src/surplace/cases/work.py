"""Urgent work on a case: alerts and the interventions answering them, and assistance given.

Alerts. Raising an alert whose kind ``accelerates`` (detained, deportation imminent: see
cases/vocabularies.toml) puts the case at ``critical`` risk and its processing to
``accelerated`` at once, in the same transaction, and writes an ``accelerate`` note into the
case's history naming the alert — unless the case is already so. A closed or cancelled case only
has its risk raised; re-opening it then presets accelerated processing. An alert is overdue
while it is unresolved and its deadline has passed; every list puts overdue alerts first, then
open ones by deadline.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, timedelta

from sqlalchemy import case as when
from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.cases.exceptions import CaseInputError, WorkItemClosed, WorkItemNotFound
from surplace.cases.lookup import (
    case_for,
    check_access,
    in_past,
    now,
    user_names,
    visible_to,
)
from surplace.cases.models import Case
from surplace.cases.transitions import note
from surplace.cases.views import alert_out, assistance_out, intervention_out
from surplace.cases.vocabularies import alert_kind, default_unit, final_status
from surplace.cases.work_models import Alert, Assistance, Intervention
from surplace.cases.work_schemas import (
    AlertIn,
    AlertOut,
    AssistanceIn,
    AssistanceOut,
    AssistanceTotal,
    InterventionIn,
    InterventionOut,
    InterventionUpdate,
)

_ENDED = ("closed", "cancelled")


def _accelerate(session: Session, actor: Actor, case: Case, alert: Alert) -> bool:
    changed: dict[str, list[str | None]] = {}
    if case.risk != "critical":
        changed["risk"] = [case.risk, "critical"]
        case.risk = "critical"
    if case.status not in _ENDED and case.processing != "accelerated":
        changed["processing"] = [case.processing, "accelerated"]
        case.processing = "accelerated"
    if not changed:
        return False
    note(session, actor, case, "accelerate", reason=None,
         details={"alert": alert.id, "kind": alert.kind, **changed},
         modality=case.processing)
    return True


def raise_alert(session: Session, *, actor: Actor, case: str, data: AlertIn) -> AlertOut:
    """Raise an alert on a case; priority and deadline default to the kind's."""
    row_case = case_for(session, actor, case, "case.write")
    spec = alert_kind(data.kind)
    raised = now()
    deadline = (data.deadline.astimezone(UTC) if data.deadline is not None
                else raised + timedelta(hours=spec.deadline_hours))
    row = Alert(case_id=row_case.id, kind=data.kind, priority=data.priority or spec.priority,
                raised_at=raised, deadline=deadline, raised_by=actor.user_id)
    row.note = data.note
    session.add(row)
    session.flush()
    accelerated = spec.accelerates and _accelerate(session, actor, row_case, row)
    session.flush()
    return alert_out(row, row_case.case_number, user_names(session, [actor.user_id]),
                     accelerated=accelerated)


def _alert(session: Session, actor: Actor, alert_id: str, permission: str) -> tuple[Alert, Case]:
    row = session.get(Alert, alert_id.strip())
    if row is None:
        raise WorkItemNotFound("alert", alert_id)
    row_case = session.get(Case, row.case_id)
    assert row_case is not None
    check_access(session, actor, row_case, permission)
    return row, row_case


def resolve_alert(session: Session, *, actor: Actor, alert: str,
                  resolution: str | None = None) -> AlertOut:
    row, row_case = _alert(session, actor, alert, "case.write")
    if row.resolved_at is not None:
        raise WorkItemClosed(f"Alert {row.id} was resolved on {row.resolved_at:%Y-%m-%d}.")
    if resolution is not None and len(resolution) > 20_000:
        raise CaseInputError("The resolution is longer than 20000 characters.")
    row.resolved_at = now()
    row.resolved_by = actor.user_id
    row.resolution = resolution
    session.flush()
    return alert_out(row, row_case.case_number, user_names(session, [row.raised_by,
                                                                     actor.user_id]))


def list_alerts(session: Session, *, actor: Actor, case: str | None = None,
                include_resolved: bool = False) -> list[AlertOut]:
    """Alerts of the cases the actor may read: overdue first, then by deadline and priority.
    Notes are not opened (nothing is decrypted); ``show_case`` has them."""
    require(actor, "case.read")
    moment = now()
    query = select(Alert, Case.case_number).join(Case, Case.id == Alert.case_id).order_by(
        when((Alert.resolved_at.is_(None) & (Alert.deadline < moment), 0), else_=1),
        Alert.resolved_at.is_not(None), Alert.deadline, Alert.priority)
    if case is not None:
        query = query.where(Alert.case_id == case_for(session, actor, case, "case.read").id)
    elif (visible := visible_to(actor)) is not None:
        query = query.where(visible)
    if not include_resolved:
        query = query.where(Alert.resolved_at.is_(None))
    found = session.execute(query).all()
    names = user_names(session, [a.raised_by for a, _ in found] +
                       [a.resolved_by for a, _ in found])
    return [alert_out(a, number, names, sealed=False) for a, number in found]


def start_intervention(session: Session, *, actor: Actor, case: str,
                       data: InterventionIn) -> InterventionOut:
    row_case = case_for(session, actor, case, "case.write")
    started = in_past(data.started_on, "start date")
    if data.alert_id is not None:
        alert = session.get(Alert, data.alert_id)
        if alert is None or alert.case_id != row_case.id:
            raise CaseInputError(f"No alert {data.alert_id!r} on case {row_case.case_number}.")
    row = Intervention(case_id=row_case.id, alert_id=data.alert_id, kind=data.kind,
                       actor_id=actor.user_id, acting_body=data.acting_body,
                       started_on=started, status=data.status,
                       completed_on=started if final_status(data.status) else None)
    row.description = data.description
    session.add(row)
    session.flush()
    return intervention_out(row, row_case.case_number, user_names(session, [actor.user_id]))


def update_intervention(session: Session, *, actor: Actor, intervention: str,
                        data: InterventionUpdate) -> InterventionOut:
    """Move an intervention on; once it is over (succeeded, failed, abandoned) it stays so."""
    row = session.get(Intervention, intervention.strip())
    if row is None or row.case_id is None:
        raise WorkItemNotFound("case intervention", intervention)
    row_case = session.get(Case, row.case_id)
    assert row_case is not None
    check_access(session, actor, row_case, "case.write")
    if final_status(row.status):
        raise WorkItemClosed(f"Intervention {row.id} is over ({row.status}).")
    if final_status(data.status):
        done = in_past(data.completed_on, "completion date")
        if done < row.started_on:
            raise CaseInputError(f"Completion date {done.isoformat()} is before the start "
                                 f"({row.started_on.isoformat()}).")
        row.completed_on = done
    row.status = data.status
    if data.outcome_note is not None:
        row.outcome_note = data.outcome_note
    session.flush()
    return intervention_out(row, row_case.case_number, user_names(session, [row.actor_id]))


def record_assistance(session: Session, *, actor: Actor, case: str,
                      data: AssistanceIn) -> AssistanceOut:
    """Record what was given; the unit defaults to the kind's (cases/vocabularies.toml)."""
    row_case = case_for(session, actor, case, "case.write")
    row = Assistance(case_id=row_case.id, kind=data.kind,
                     given_on=in_past(data.given_on, "date given"), given_by=actor.user_id,
                     quantity=data.quantity, unit=(data.unit or default_unit(data.kind)).strip())
    row.note = data.note
    session.add(row)
    session.flush()
    return assistance_out(row, row_case.case_number, user_names(session, [actor.user_id]))


def assistance_totals(session: Session, *, actor: Actor, case: str | None = None,
                      since: date | None = None, until: date | None = None,
                      by_month: bool = True) -> list[AssistanceTotal]:
    """Quantities given by kind and unit, per month (or over the period), ``until`` included.

    Of one case; or of every case for a role that reads aggregates; or else of the cases the
    actor may read. Nothing sealed is opened.
    """
    query = select(Assistance.kind, Assistance.unit, Assistance.given_on, Assistance.quantity,
                   Assistance.case_id)
    if case is not None:
        query = query.where(Assistance.case_id == case_for(session, actor, case,
                                                           "case.read").id)
    elif not actor.can("aggregate.read"):
        require(actor, "case.read")
        visible = visible_to(actor)
        if visible is not None:
            query = query.where(Assistance.case_id.in_(select(Case.id).where(visible)))
    if since is not None:
        query = query.where(Assistance.given_on >= since)
    if until is not None:
        query = query.where(Assistance.given_on <= until)
    cells: dict[tuple[str, str, str | None], list[float]] = defaultdict(list)
    cases: dict[tuple[str, str, str | None], set[str]] = defaultdict(set)
    for kind, unit, given_on, quantity, case_id in session.execute(query):
        key = (kind, unit, given_on.strftime("%Y-%m") if by_month else None)
        cells[key].append(float(quantity))
        cases[key].add(case_id)
    return [AssistanceTotal(kind=kind, unit=unit, month=month, quantity=sum(values),
                            count=len(values), cases=len(cases[(kind, unit, month)]))
            for (kind, unit, month), values in sorted(cells.items(),
                                                      key=lambda item: (item[0][2] or "",
                                                                        item[0][0], item[0][1]))]
