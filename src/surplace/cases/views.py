"""Rows to output shapes. Staff are shown by account name; sealed fields are read (and so
audited) only when ``sealed`` is true, so lists can stay free of decryption."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from surplace.cases.lookup import now
from surplace.cases.models import Case, CaseTransition, Consent, Interview
from surplace.cases.schemas import CaseSummary, InterviewOut, TransitionOut
from surplace.cases.work_models import Alert, Assistance, Intervention, Referral
from surplace.cases.work_schemas import (
    AlertOut,
    AssistanceOut,
    ConsentOut,
    InterventionOut,
    ReferralOut,
)
from surplace.store.base import as_utc


def utc(value: datetime) -> datetime:
    result = as_utc(value)
    assert result is not None
    return result


def case_summary(case: Case | Any, principal: str | None, *, open_alerts: int = 0,
                 overdue_alerts: int = 0, next_deadline: datetime | None = None) -> CaseSummary:
    """A line of a case list from a case, or from a row of only the columns a line shows
    (``cases.listing.COLUMNS``, what the lists select)."""
    return CaseSummary(
        id=case.id, case_number=case.case_number, status=case.status,
        processing=case.processing, risk=case.risk, outcome=case.outcome,
        appeal_outcome=case.appeal_outcome, appeal_deadline=case.appeal_deadline,
        principal=principal, organisation=case.organisation, opened_at=utc(case.opened_at),
        closed_at=as_utc(case.closed_at), open_alerts=open_alerts,
        overdue_alerts=overdue_alerts, next_deadline=as_utc(next_deadline))


def transition_out(row: CaseTransition, number: str, names: dict[str, str], *,
                   sealed: bool = True) -> TransitionOut:
    return TransitionOut(
        id=row.id, case_number=number, transition=row.transition, from_status=row.from_status,
        to_status=row.to_status, actor=names.get(row.actor_id), effective_on=row.effective_on,
        at=utc(row.at), outcome=row.outcome, modality=row.modality,
        reason=row.reason if sealed else None, details=row.details if sealed else None)


def interview_out(row: Interview, number: str, names: dict[str, str], *, sealed: bool = True,
                  transition: str | None = None) -> InterviewOut:
    extra: dict[str, Any] = {}
    if sealed:
        extra = {"interpreter": row.interpreter, "attendees": row.attendees or [],
                 "record": row.record, "applicant_comments": row.applicant_comments,
                 "facts": row.facts or {}}
    return InterviewOut(
        id=row.id, case_number=number, held_on=row.held_on,
        interviewer=names.get(row.interviewer_id or ""), language=row.language,
        duration_minutes=row.duration_minutes,
        interpreter_undertaking=row.interpreter_undertaking, read_back=row.read_back,
        recorded_at=utc(row.recorded_at), transition=transition, **extra)


def overdue(alert: Alert, moment: datetime | None = None) -> bool:
    return alert.resolved_at is None and utc(alert.deadline) < (moment or now())


def alert_out(row: Alert, number: str, names: dict[str, str], *, sealed: bool = True,
              accelerated: bool = False) -> AlertOut:
    return AlertOut(
        id=row.id, case_number=number, kind=row.kind, priority=row.priority,
        raised_at=utc(row.raised_at), deadline=utc(row.deadline),
        raised_by=names.get(row.raised_by), resolved_at=as_utc(row.resolved_at),
        resolved_by=names.get(row.resolved_by or ""), overdue=overdue(row),
        note=row.note if sealed else None, resolution=row.resolution if sealed else None,
        accelerated=accelerated)


def intervention_out(row: Intervention, number: str, names: dict[str, str], *,
                     sealed: bool = True) -> InterventionOut:
    return InterventionOut(
        id=row.id, case_number=number, kind=row.kind, acting_body=row.acting_body,
        started_on=row.started_on, status=row.status, completed_on=row.completed_on,
        alert_id=row.alert_id, actor=names.get(row.actor_id),
        description=row.description if sealed else None,
        outcome_note=row.outcome_note if sealed else None)


def assistance_out(row: Assistance, number: str, names: dict[str, str], *,
                   sealed: bool = True) -> AssistanceOut:
    return AssistanceOut(
        id=row.id, case_number=number, kind=row.kind, given_on=row.given_on,
        given_by=names.get(row.given_by), quantity=row.quantity, unit=row.unit,
        note=row.note if sealed else None)


def referral_out(row: Referral, number: str, names: dict[str, str], *,
                 sealed: bool = True) -> ReferralOut:
    return ReferralOut(
        id=row.id, case_number=number, kind=row.kind, to_organisation=row.to_organisation,
        to_user=names.get(row.to_user_id or ""), referred_by=names.get(row.referred_by),
        referred_at=utc(row.referred_at), status=row.status,
        responded_at=as_utc(row.responded_at), responded_by=names.get(row.responded_by or ""),
        shares_identity=row.shares_identity, reason=row.reason if sealed else None,
        package=row.package if sealed else None)


def consent_out(row: Consent, number: str, pseudonym: str, names: dict[str, str], *,
                sealed: bool = True) -> ConsentOut:
    return ConsentOut(
        id=row.id, case_number=number, person=pseudonym, scope=row.scope,
        recipient=row.recipient, given=row.given, recorded_on=row.recorded_on,
        recorded_by=names.get(row.recorded_by), withdrawn_on=row.withdrawn_on,
        note=row.note if sealed else None)
