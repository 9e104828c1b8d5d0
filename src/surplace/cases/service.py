"""The protection case: open, staff, change, show and list cases. The one door to the domain.

Every function takes the session and the acting user, checks the policy
(:func:`~surplace.access.policy.require_case` for one case, the same rule in SQL for lists)
before it reads or writes, and raises the errors documented in :mod:`surplace.cases.exceptions`.
The rest of the domain's operations live in modules of their own and are re-exported here, so
other domains and the faces use ``from surplace.cases import service as case_service`` alone:

- :mod:`~surplace.cases.transitions`: ``transition``, ``transitions_of``
- :mod:`~surplace.cases.interviews`: ``record_interview``
- :mod:`~surplace.cases.work`: alerts, interventions, assistance and its totals
- :mod:`~surplace.cases.referrals`: consent, referrals and transfers, the package that travels
- :mod:`~surplace.cases.timeline`: ``timeline``; :mod:`~surplace.cases.listing`: ``list_cases``

``case_file`` gives the file and the timeline together (the case page): each of the case's
tables is read once, and the policy asked once, instead of once for each.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.models import AccessGrant
from surplace.access.policy import CASE_GRANTS, Actor, require
from surplace.cases.exceptions import CaseInputError
from surplace.cases.interviews import record_interview
from surplace.cases.listing import list_cases
from surplace.cases.lookup import (
    case_for,
    names_of,
    next_case_number,
    now,
    person,
    pseudonyms,
    staff,
    today,
)
from surplace.cases.models import Case, CaseAssignment, CaseMember
from surplace.cases.referrals import (
    incoming_referrals,
    record_consent,
    refer_case,
    referral_package,
    respond_to_referral,
    withdraw_consent,
)
from surplace.cases.schemas import (
    CaseIn,
    CaseOut,
    CaseSummary,
    CaseUpdate,
    CaseworkerOut,
    MemberIn,
    MemberOut,
)
from surplace.cases.timeline import CaseRows, entries_of, load_rows, timeline
from surplace.cases.transitions import note, transition, transitions_of
from surplace.cases.views import (
    alert_out,
    assistance_out,
    case_summary,
    consent_out,
    intervention_out,
    interview_out,
    overdue,
    referral_out,
    transition_out,
    utc,
)
from surplace.cases.work import (
    assistance_totals,
    list_alerts,
    raise_alert,
    record_assistance,
    resolve_alert,
    start_intervention,
    update_intervention,
)
from surplace.cases.work_schemas import TimelineEntry
from surplace.cases.workflow import workflow

__all__ = [
    "CaseFile", "add_member", "assign_caseworker", "assistance_totals", "case_file",
    "end_assignment", "grant_access",
    "incoming_referrals", "list_alerts", "list_cases", "open_case", "raise_alert",
    "record_assistance", "record_consent", "record_interview", "refer_case", "referral_package",
    "resolve_alert", "respond_to_referral", "revoke_access", "show_case", "start_intervention",
    "timeline", "transition", "transitions_of", "update_case", "update_intervention",
    "withdraw_consent",
]

_ENDED = ("closed", "cancelled")


def _refuse_second_open_case(session: Session, person_id: str, pseudonym: str) -> None:
    query = (select(Case.case_number).join(CaseMember, CaseMember.case_id == Case.id)
             .where(CaseMember.person_id == person_id, Case.status.not_in(_ENDED)))
    number = session.scalars(query).first()
    if number is not None:
        raise CaseInputError(f"Person {pseudonym} is already on open case {number}; add to "
                             "that case, or re-open a closed one.")


def _add_member(session: Session, case: Case, data: MemberIn) -> CaseMember:
    found = person(session, data.person)
    if session.scalars(select(CaseMember.id).where(
            CaseMember.case_id == case.id, CaseMember.person_id == found.id)).first():
        raise CaseInputError(f"Person {found.pseudonym} is already on case {case.case_number}.")
    _refuse_second_open_case(session, found.id, found.pseudonym)
    member = CaseMember(case_id=case.id, person_id=found.id, role="member",
                        derivative=data.derivative, added_at=now())
    member.relationship = data.relationship
    session.add(member)
    session.flush()
    return member


def open_case(session: Session, *, actor: Actor, data: CaseIn) -> CaseSummary:
    """Open a case for a registered person (id or pseudonym) and their family; the opener is
    assigned to it. The case number is ``SP-<year>-<serial>``."""
    require(actor, "case.write")
    principal = person(session, data.principal)
    _refuse_second_open_case(session, principal.id, principal.pseudonym)
    case = Case(case_number=next_case_number(session, today().year), status=workflow().initial,
                risk=data.risk, organisation=data.organisation.strip(),
                principal_id=principal.id, opened_by=actor.user_id, opened_at=now())
    case.summary = data.summary
    case.languages = data.languages
    case.specific_needs = data.specific_needs
    case.current_location = data.current_location
    session.add(case)
    session.flush()
    session.add(CaseMember(case_id=case.id, person_id=principal.id, role="principal",
                           derivative=False, added_at=now()))
    session.add(CaseAssignment(case_id=case.id, user_id=actor.user_id,
                               assigned_by=actor.user_id, assigned_at=now()))
    session.flush()
    for member in data.members:
        if person(session, member.person).id == principal.id:
            raise CaseInputError("The principal cannot also be a family member of the case.")
        _add_member(session, case, member)
    return case_summary(case, principal.pseudonym)


def add_member(session: Session, *, actor: Actor, case: str, data: MemberIn) -> MemberOut:
    row_case = case_for(session, actor, case, "case.write")
    member = _add_member(session, row_case, data)
    return MemberOut(person_id=member.person_id,
                     pseudonym=pseudonyms(session, [member.person_id])[member.person_id],
                     role=member.role, derivative=member.derivative,
                     relationship=member.relationship)


def assign_caseworker(session: Session, *, actor: Actor, case: str,
                      user: str) -> CaseworkerOut:
    """Assign a staff account (by name) to a case; assigning twice returns the assignment."""
    row_case = case_for(session, actor, case, "case.assign")
    worker = staff(session, user)
    current = session.scalars(select(CaseAssignment).where(
        CaseAssignment.case_id == row_case.id, CaseAssignment.user_id == worker.id,
        CaseAssignment.ended_at.is_(None))).first()
    if current is None:
        current = CaseAssignment(case_id=row_case.id, user_id=worker.id,
                                 assigned_by=actor.user_id, assigned_at=now())
        session.add(current)
        session.flush()
    return CaseworkerOut(user_id=worker.id, name=worker.name, assigned_at=utc(current.assigned_at))


def end_assignment(session: Session, *, actor: Actor, case: str, user: str) -> None:
    row_case = case_for(session, actor, case, "case.assign")
    worker = staff(session, user, permission="case.read")
    rows = session.scalars(select(CaseAssignment).where(
        CaseAssignment.case_id == row_case.id, CaseAssignment.user_id == worker.id,
        CaseAssignment.ended_at.is_(None))).all()
    if not rows:
        raise CaseInputError(f"{worker.name!r} is not assigned to case {row_case.case_number}.")
    for row in rows:
        row.ended_at = now()


def grant_access(session: Session, *, actor: Actor, case: str, user: str,
                 permission: str = "read") -> str:
    """Give a staff account reach to one case without assigning it; returns the grant id."""
    row_case = case_for(session, actor, case, "case.assign")
    if permission not in CASE_GRANTS:
        raise CaseInputError(f"Grant permission must be one of {', '.join(CASE_GRANTS)}.")
    worker = staff(session, user, permission="case.read")
    grant = AccessGrant(user_id=worker.id, object_type="case", object_id=row_case.id,
                        permission=permission, granted_by=actor.user_id, granted_at=now())
    session.add(grant)
    session.flush()
    return grant.id


def revoke_access(session: Session, *, actor: Actor, case: str, user: str) -> int:
    """Revoke every open grant of a staff account on a case; returns how many."""
    row_case = case_for(session, actor, case, "case.assign")
    worker = staff(session, user, permission="case.read")
    rows = session.scalars(select(AccessGrant).where(
        AccessGrant.object_type == "case", AccessGrant.object_id == row_case.id,
        AccessGrant.user_id == worker.id, AccessGrant.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now()
    return len(rows)


def update_case(session: Session, *, actor: Actor, case: str, data: CaseUpdate) -> CaseSummary:
    """Change the file's sealed fields or its risk; a change of risk is noted in the history."""
    row_case = case_for(session, actor, case, "case.write")
    for name in ("languages", "specific_needs", "current_location", "summary"):
        value = getattr(data, name)
        if value is not None:
            setattr(row_case, name, value)
    if data.risk is not None and data.risk != row_case.risk:
        note(session, actor, row_case, "set_risk", reason=data.reason,
             details={"risk": [row_case.risk, data.risk]})
        row_case.risk = data.risk
    session.flush()
    return case_summary(row_case, pseudonyms(session, [row_case.principal_id]).get(
        row_case.principal_id or ""))


def _members(session: Session, actor: Actor, case: Case) -> list[MemberOut]:
    rows = session.scalars(select(CaseMember).where(CaseMember.case_id == case.id)
                           .order_by(CaseMember.added_at, CaseMember.id)).all()
    codes = pseudonyms(session, [row.person_id for row in rows])
    names = (names_of(session, [row.person_id for row in rows])
             if actor.can("identity.read") else {})
    return [MemberOut(person_id=row.person_id, pseudonym=codes[row.person_id], role=row.role,
                      derivative=row.derivative, relationship=row.relationship,
                      names=names.get(row.person_id, [])) for row in rows]


def show_case(session: Session, *, actor: Actor, case: str) -> CaseOut:
    """The whole file: every sealed field is read, so every read is in the audit chain.
    Members' names are included for a reader whose role may read identities."""
    return case_file(session, actor=actor, case=case, with_timeline=False).case


@dataclass(frozen=True)
class CaseFile:
    """What the case page shows: the file, its timeline, and the rows both were built from
    (the assessment list is built from ``rows`` too; see ``assessment.service``)."""

    case: CaseOut
    timeline: list[TimelineEntry]
    rows: CaseRows


def case_file(session: Session, *, actor: Actor, case: str,
              with_timeline: bool = True) -> CaseFile:
    """The file (``show_case``) and the timeline (``timeline``) of one case, from one read of
    each of its tables and one check of the policy. ``with_timeline=False``: the file alone (its
    timeline empty), reading nothing the file does not show."""
    row = case_for(session, actor, case, "case.read")
    number = row.case_number
    assignments = session.scalars(select(CaseAssignment).where(
        CaseAssignment.case_id == row.id, CaseAssignment.ended_at.is_(None))
        .order_by(CaseAssignment.assigned_at)).all()
    rows = load_rows(session, actor, row, extra_user_ids=[a.user_id for a in assignments],
                     file_only=not with_timeline)
    names = rows.names
    members = _members(session, actor, row)
    codes = {m.person_id: m.pseudonym for m in members}
    alerts = rows.alerts
    open_alerts = [a for a in alerts if a.resolved_at is None]
    summary = case_summary(row, codes.get(row.principal_id or ""),
                           open_alerts=len(open_alerts),
                           overdue_alerts=sum(overdue(a) for a in open_alerts),
                           next_deadline=min((a.deadline for a in open_alerts), default=None))
    shown = CaseOut(
        **summary.model_dump(), summary=row.summary, languages=row.languages or [],
        specific_needs=row.specific_needs or [], current_location=row.current_location,
        members=members,
        caseworkers=[CaseworkerOut(user_id=a.user_id, name=names.get(a.user_id, a.user_id),
                                   assigned_at=utc(a.assigned_at)) for a in assignments],
        transitions=[transition_out(s, number, names) for s in rows.steps],
        interviews=[interview_out(i, number, names) for i in rows.interviews],
        alerts=sorted((alert_out(a, number, names) for a in alerts),  # overdue first
                      key=lambda a: (not a.overdue, a.resolved_at is not None, a.deadline)),
        interventions=[intervention_out(x, number, names) for x in rows.actions],
        assistance=[assistance_out(g, number, names) for g in rows.given],
        referrals=[referral_out(r, number, names) for r in rows.referrals],
        consents=[consent_out(c, number, codes.get(c.person_id, c.person_id), names)
                  for c in rows.consents])
    return CaseFile(case=shown, timeline=entries_of(session, rows, codes) if with_timeline else [],
                    rows=rows)
