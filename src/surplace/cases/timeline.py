"""A case's history in order: every step and note, interview, alert (raised and resolved),
intervention (started and ended), assistance, referral (made and answered), consent (recorded
and withdrawn), stored assessment (with its three conclusions, from the clear columns) and its
reviews, and evidence item.

Entries are ordered by the day each thing happened (the effective date a user gave, where there
is one) and then by when it was recorded. Rows that keep only a date (interventions, assistance,
consent) take their recording time from the audit chain, which stamps every write; that is what
"recorded" means in this store. Reasons and notes are opened (and so audited); interview records
are not — the file (``show_case``) has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.assessment.models import Assessment, AssessmentReview
from surplace.cases.lookup import case_for, pseudonyms, user_names
from surplace.cases.models import CaseTransition, Consent, Interview
from surplace.cases.transitions import NOTES, history
from surplace.cases.views import utc
from surplace.cases.work_models import Alert, Assistance, Intervention, Referral
from surplace.cases.work_schemas import TimelineEntry
from surplace.evidence.models import Evidence
from surplace.store.base import as_utc
from surplace.vault.audit import AuditEntry


def _recorded(session: Session, table: str, ids: Iterable[str]) -> dict[str, list[datetime]]:
    """When each row was created and updated, from the audit chain, oldest first."""
    wanted = list(ids)
    if not wanted:
        return {}
    query = (select(AuditEntry.object_id, AuditEntry.at)
             .where(AuditEntry.object_type == table, AuditEntry.object_id.in_(wanted),
                    AuditEntry.action.in_(("create", "update")))
             .order_by(AuditEntry.seq))
    found: dict[str, list[datetime]] = {}
    for object_id, at in session.execute(query):
        moment = datetime.fromisoformat(at)
        found.setdefault(str(object_id), []).append(
            moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return found


def _fallback(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _steps(rows: list[CaseTransition], names: dict[str, str]) -> list[TimelineEntry]:
    entries = []
    for row in rows:
        if row.transition in NOTES:
            title = f"{row.transition.replace('_', ' ')}: " + ", ".join(
                f"{key} {change[0] or 'none'} → {change[1]}"
                for key, change in (row.details or {}).items() if isinstance(change, list))
        else:
            title = f"{row.transition.replace('_', ' ')}: {row.from_status} → {row.to_status}"
        detail = {key: value for key, value in {
            "outcome": row.outcome, "modality": row.modality, "reason": row.reason,
            **(row.details or {})}.items() if value is not None}
        entries.append(TimelineEntry(
            on=row.effective_on, at=utc(row.at),
            kind="note" if row.transition in NOTES else "transition", ref=row.id,
            actor=names.get(row.actor_id), title=title, detail=detail))
    return entries


def _alerts(rows: list[Alert], names: dict[str, str]) -> list[TimelineEntry]:
    entries = []
    for row in rows:
        raised = utc(row.raised_at)
        entries.append(TimelineEntry(
            on=raised.date(), at=raised, kind="alert", ref=row.id,
            actor=names.get(row.raised_by),
            title=f"alert raised: {row.kind} (priority {row.priority}, deadline "
                  f"{utc(row.deadline):%Y-%m-%d %H:%M} UTC)",
            detail={"note": row.note} if row.note else {}))
        resolved = as_utc(row.resolved_at)
        if resolved is not None:
            entries.append(TimelineEntry(
                on=resolved.date(), at=resolved, kind="alert_resolved", ref=row.id,
                actor=names.get(row.resolved_by or ""), title=f"alert resolved: {row.kind}",
                detail={"resolution": row.resolution} if row.resolution else {}))
    return entries


def _interventions(session: Session, rows: list[Intervention],
                   names: dict[str, str]) -> list[TimelineEntry]:
    times = _recorded(session, "intervention", (r.id for r in rows))
    entries = []
    for row in rows:
        stamps = times.get(row.id) or [_fallback(row.started_on)]
        entries.append(TimelineEntry(
            on=row.started_on, at=stamps[0], kind="intervention", ref=row.id,
            actor=names.get(row.actor_id),
            title=f"intervention: {row.kind}" + (f" by {row.acting_body}"
                                                  if row.acting_body else ""),
            detail={"description": row.description} if row.description else {}))
        if row.completed_on is not None:
            entries.append(TimelineEntry(
                on=row.completed_on, at=stamps[-1], kind="intervention_ended", ref=row.id,
                actor=names.get(row.actor_id), title=f"intervention {row.status}: {row.kind}",
                detail={"outcome": row.outcome_note} if row.outcome_note else {}))
    return entries


def _assistance(session: Session, rows: list[Assistance],
                names: dict[str, str]) -> list[TimelineEntry]:
    times = _recorded(session, "assistance", (r.id for r in rows))
    return [TimelineEntry(
        on=row.given_on, at=(times.get(row.id) or [_fallback(row.given_on)])[0],
        kind="assistance", ref=row.id, actor=names.get(row.given_by),
        title=f"assistance: {row.kind}, {row.quantity:g} {row.unit}",
        detail={"note": row.note} if row.note else {}) for row in rows]


def _referrals(rows: list[Referral], names: dict[str, str]) -> list[TimelineEntry]:
    entries = []
    for row in rows:
        to = row.to_organisation or names.get(row.to_user_id or "", "a caseworker")
        made = utc(row.referred_at)
        entries.append(TimelineEntry(
            on=made.date(), at=made, kind="referral", ref=row.id,
            actor=names.get(row.referred_by),
            title=f"{row.kind} to {to} ({'with' if row.shares_identity else 'without'} "
                  "identity)", detail={"reason": row.reason} if row.reason else {}))
        answered = as_utc(row.responded_at)
        if answered is not None:
            entries.append(TimelineEntry(
                on=answered.date(), at=answered, kind="referral_answered", ref=row.id,
                actor=names.get(row.responded_by or ""), title=f"{row.kind} {row.status}"))
    return entries


def _consents(session: Session, rows: list[Consent], codes: dict[str, str],
              names: dict[str, str]) -> list[TimelineEntry]:
    times = _recorded(session, "consent", (r.id for r in rows))
    entries = []
    for row in rows:
        stamps = times.get(row.id) or [_fallback(row.recorded_on)]
        who = codes.get(row.person_id, row.person_id)
        entries.append(TimelineEntry(
            on=row.recorded_on, at=stamps[0], kind="consent", ref=row.id,
            actor=names.get(row.recorded_by),
            title=f"consent {'given' if row.given else 'refused'} by {who}: {row.scope} "
                  f"for {row.recipient}", detail={"note": row.note} if row.note else {}))
        if row.withdrawn_on is not None:
            entries.append(TimelineEntry(
                on=row.withdrawn_on, at=stamps[-1], kind="consent_withdrawn", ref=row.id,
                actor=None, title=f"consent withdrawn by {who}: {row.scope} for "
                                  f"{row.recipient}"))
    return entries


def _assessments(session: Session, case_id: str) -> list[TimelineEntry]:
    """Runs of the rule engine and their reviews; a review's reasons are opened (audited)."""
    rows = list(session.scalars(select(Assessment).where(Assessment.case_id == case_id)))
    reviews = list(session.scalars(select(AssessmentReview).where(
        AssessmentReview.assessment_id.in_([row.id for row in rows])))) if rows else []
    names = user_names(session, [*(r.run_by for r in rows), *(r.reviewer_id for r in reviews)])
    entries = [TimelineEntry(
        on=utc(row.run_at).date(), at=utc(row.run_at), kind="assessment", ref=row.id,
        actor=names.get(row.run_by),
        title=f"assessment ({row.jurisdiction}, rule set {row.ruleset_version}): refugee status "
              f"{row.refugee_status}, non-refoulement {row.non_refoulement}, complementary "
              f"protection {row.complementary_protection}",
        detail={"as_of": row.as_of.isoformat()}) for row in rows]
    entries += [TimelineEntry(
        on=utc(row.at).date(), at=utc(row.at), kind="assessment_review", ref=row.id,
        actor=names.get(row.reviewer_id), title=f"assessment review: {row.verdict}",
        detail={"assessment": row.assessment_id,
                **({"reasons": row.reasons} if row.reasons else {})}) for row in reviews]
    return entries


def timeline(session: Session, *, actor: Actor, case: str) -> list[TimelineEntry]:
    """Everything that happened to a case, oldest first (see the module docstring)."""
    row_case = case_for(session, actor, case, "case.read")
    case_id = row_case.id
    steps = history(session, case_id)
    interviews = list(session.scalars(select(Interview).where(Interview.case_id == case_id)))
    alerts = list(session.scalars(select(Alert).where(Alert.case_id == case_id)))
    actions = list(session.scalars(select(Intervention).where(Intervention.case_id == case_id)))
    given = list(session.scalars(select(Assistance).where(Assistance.case_id == case_id)))
    referrals = list(session.scalars(select(Referral).where(Referral.case_id == case_id)))
    consents = list(session.scalars(select(Consent).where(Consent.case_id == case_id)))
    names = user_names(session, [
        *(s.actor_id for s in steps), *(i.interviewer_id for i in interviews),
        *(a.raised_by for a in alerts), *(a.resolved_by for a in alerts),
        *(x.actor_id for x in actions), *(g.given_by for g in given),
        *(r.referred_by for r in referrals), *(r.to_user_id for r in referrals),
        *(r.responded_by for r in referrals), *(c.recorded_by for c in consents)])
    entries = _steps(steps, names) + _alerts(alerts, names)
    entries += [TimelineEntry(
        on=row.held_on, at=utc(row.recorded_at), kind="interview", ref=row.id,
        actor=names.get(row.interviewer_id or ""),
        title="interview" + (f" in {row.language}" if row.language else "")
              + (f", {row.duration_minutes} min" if row.duration_minutes else ""),
        detail={"read_back": row.read_back,
                "interpreter_undertaking": row.interpreter_undertaking})
        for row in interviews]
    entries += _interventions(session, actions, names) + _assistance(session, given, names)
    entries += _referrals(referrals, names) + _assessments(session, case_id)
    entries += _consents(session, consents, pseudonyms(session, [c.person_id for c in consents]),
                         names)
    if actor.can("evidence.read"):
        items = session.scalars(select(Evidence).where(Evidence.case_id == row_case.id)).all()
        entries += [TimelineEntry(
            on=(as_utc(item.captured_at) or utc(item.added_at)).date(), at=utc(item.added_at),
            kind="evidence", ref=item.id, actor=None,
            title=f"evidence {item.derivation or 'added'}: {item.media_type}, {item.size} bytes")
            for item in items]
    return sorted(entries, key=lambda e: (e.on, e.at, e.kind, e.ref))
