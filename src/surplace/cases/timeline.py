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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.assessment.models import Assessment, AssessmentReview
from surplace.cases.lookup import case_for, pseudonyms, user_names
from surplace.cases.models import Case, CaseTransition, Consent, Interview
from surplace.cases.transitions import NOTES, history
from surplace.cases.views import utc
from surplace.cases.work_models import Alert, Assistance, Intervention, Referral
from surplace.cases.work_schemas import TimelineEntry
from surplace.evidence.models import Evidence
from surplace.store.base import as_utc
from surplace.vault.audit import AuditEntry


def _recorded(session: Session, wanted: dict[str, list[str]]) -> dict[str, list[datetime]]:
    """When each row was created and updated, from the audit chain, oldest first: for the
    rows of several tables (``wanted``: ids by table) in one statement."""
    clauses = [and_(AuditEntry.object_type == table, AuditEntry.object_id.in_(ids))
               for table, ids in wanted.items() if ids]
    if not clauses:
        return {}
    query = (select(AuditEntry.object_id, AuditEntry.at)
             .where(or_(*clauses), AuditEntry.action.in_(("create", "update")))
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


def _interventions(rows: list[Intervention], names: dict[str, str],
                   times: dict[str, list[datetime]]) -> list[TimelineEntry]:
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


def _assistance(rows: list[Assistance], names: dict[str, str],
                times: dict[str, list[datetime]]) -> list[TimelineEntry]:
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


def _consents(rows: list[Consent], codes: dict[str, str], names: dict[str, str],
              times: dict[str, list[datetime]]) -> list[TimelineEntry]:
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


def _assessments(rows: list[Assessment], reviews: list[AssessmentReview],
                 names: dict[str, str]) -> list[TimelineEntry]:
    """Runs of the rule engine and their reviews; a review's reasons are opened (audited)."""
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


@dataclass
class CaseRows:
    """Every row of one case's file and history, each table read once: the file
    (``show_case``), the timeline and the assessment list are all built from these, so a page
    showing the three reads each table once instead of three times."""

    case: Case
    steps: list[CaseTransition]
    interviews: list[Interview]
    alerts: list[Alert]
    actions: list[Intervention]
    given: list[Assistance]
    referrals: list[Referral]
    consents: list[Consent]
    assessments: list[Assessment]
    reviews: list[AssessmentReview]
    #: ``None`` when the reader may not see evidence: it was not read.
    evidence: list[Evidence] | None
    names: dict[str, str] = field(default_factory=dict)
    #: False when loaded ``file_only``: the assessments, reviews and evidence were not read.
    complete: bool = True

    def user_ids(self) -> list[str | None]:
        """Every staff account the rows name (one look-up of their names for all of them)."""
        return [
            *(s.actor_id for s in self.steps), *(i.interviewer_id for i in self.interviews),
            *(a.raised_by for a in self.alerts), *(a.resolved_by for a in self.alerts),
            *(x.actor_id for x in self.actions), *(g.given_by for g in self.given),
            *(r.referred_by for r in self.referrals), *(r.to_user_id for r in self.referrals),
            *(r.responded_by for r in self.referrals), *(c.recorded_by for c in self.consents),
            *(a.run_by for a in self.assessments), *(r.reviewer_id for r in self.reviews)]


def load_rows(session: Session, actor: Actor, case: Case, *,
              extra_user_ids: Iterable[str | None] = (), file_only: bool = False) -> CaseRows:
    """The rows of a case the caller has already been allowed to read (``case_for``), in the
    order the file shows them; ``names`` holds the names of every account they (and
    ``extra_user_ids``) name. Evidence is read only for a reader the policy lets see it.
    ``file_only``: not the assessments, their reviews and the evidence, which only the
    timeline shows (they are then empty)."""
    case_id = case.id
    timeline_too = not file_only
    rows = CaseRows(
        case=case, steps=history(session, case_id),
        interviews=list(session.scalars(select(Interview).where(Interview.case_id == case_id)
                                        .order_by(Interview.held_on, Interview.recorded_at))),
        alerts=list(session.scalars(select(Alert).where(Alert.case_id == case_id)
                                    .order_by(Alert.raised_at))),
        actions=list(session.scalars(select(Intervention).where(
            Intervention.case_id == case_id).order_by(Intervention.started_on,
                                                      Intervention.id))),
        given=list(session.scalars(select(Assistance).where(Assistance.case_id == case_id)
                                   .order_by(Assistance.given_on, Assistance.id))),
        referrals=list(session.scalars(select(Referral).where(Referral.case_id == case_id)
                                       .order_by(Referral.referred_at))),
        consents=list(session.scalars(select(Consent).where(Consent.case_id == case_id)
                                      .order_by(Consent.recorded_on, Consent.id))),
        assessments=list(session.scalars(select(Assessment).where(
            Assessment.case_id == case_id).order_by(Assessment.run_at, Assessment.id)))
        if timeline_too else [],
        reviews=[],
        evidence=list(session.scalars(select(Evidence).where(Evidence.case_id == case_id)))
        if timeline_too and actor.can("evidence.read") else None, complete=timeline_too)
    if rows.assessments:
        rows.reviews = list(session.scalars(
            select(AssessmentReview)
            .where(AssessmentReview.assessment_id.in_([row.id for row in rows.assessments]))
            .order_by(AssessmentReview.at, AssessmentReview.id)))
    rows.names = user_names(session, [*rows.user_ids(), *extra_user_ids])
    return rows


def entries_of(session: Session, rows: CaseRows,
               codes: dict[str, str] | None = None) -> list[TimelineEntry]:
    """The timeline of loaded rows, oldest first; ``codes``: pseudonyms already known (the
    members'), the others are looked up."""
    names = rows.names
    entries = _steps(rows.steps, names) + _alerts(rows.alerts, names)
    entries += [TimelineEntry(
        on=row.held_on, at=utc(row.recorded_at), kind="interview", ref=row.id,
        actor=names.get(row.interviewer_id or ""),
        title="interview" + (f" in {row.language}" if row.language else "")
              + (f", {row.duration_minutes} min" if row.duration_minutes else ""),
        detail={"read_back": row.read_back,
                "interpreter_undertaking": row.interpreter_undertaking})
        for row in rows.interviews]
    times = _recorded(session, {"intervention": [r.id for r in rows.actions],
                                "assistance": [r.id for r in rows.given],
                                "consent": [r.id for r in rows.consents]})
    entries += (_interventions(rows.actions, names, times)
                + _assistance(rows.given, names, times))
    entries += _referrals(rows.referrals, names) + _assessments(rows.assessments, rows.reviews,
                                                                names)
    known = dict(codes or {})
    missing = [c.person_id for c in rows.consents if c.person_id not in known]
    if missing:
        known.update(pseudonyms(session, missing))
    entries += _consents(rows.consents, known, names, times)
    entries += [TimelineEntry(
        on=(as_utc(item.captured_at) or utc(item.added_at)).date(), at=utc(item.added_at),
        kind="evidence", ref=item.id, actor=None,
        title=f"evidence {item.derivation or 'added'}: {item.media_type}, {item.size} bytes")
        for item in rows.evidence or []]
    return sorted(entries, key=lambda e: (e.on, e.at, e.kind, e.ref))


def timeline(session: Session, *, actor: Actor, case: str) -> list[TimelineEntry]:
    """Everything that happened to a case, oldest first (see the module docstring)."""
    row_case = case_for(session, actor, case, "case.read")
    return entries_of(session, load_rows(session, actor, row_case))
