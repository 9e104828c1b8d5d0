"""Consent, and the referrals and transfers that it governs.

Consent. Each member of a case consents for themselves (a guardian's consent for a child is
recorded on the child), per scope (identity, case_file, medical, statistics) and recipient (an
organisation's name, a staff account name, or ``any``). A consent is in force when it was given,
is not withdrawn, and no refusal of the same scope for that recipient (or ``any``) was recorded
on the same day or later: when records disagree, the refusal wins.

The package. What travels with a referral is decided and built when the referral is made, and
sealed with it, so that it is what the receiver was actually given. Without consent it carries
the case number, the principal's pseudonym and the non-identifying facts a receiver needs to
help: status, processing, risk, outcome, languages, members' pseudonyms with sex and birth year,
and the open alerts' kinds and deadlines. Each scope in force adds its part: ``case_file`` the
summary and the non-medical specific needs; ``medical`` the medical ones; ``identity`` (per
member) names, birth date, contact and document number, and for the principal the current
location and the relationships of the family.

Answers. A referral to a staff account is answered by that account alone; accepting assigns them
to the case. A referral to an organisation is answered for it by a caseworker of the case. An
accepted transfer also ends the referrer's assignment (to a user) or moves the case to the
organisation (``Case.organisation``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require, require_addressee
from surplace.cases.exceptions import CaseInputError, WorkItemClosed, WorkItemNotFound
from surplace.cases.lookup import (
    assigned,
    case_for,
    check_access,
    in_past,
    now,
    person,
    staff,
    user_names,
)
from surplace.cases.models import Case, CaseAssignment, CaseMember, Consent
from surplace.cases.views import consent_out, referral_out, utc
from surplace.cases.vocabularies import consent_needed
from surplace.cases.work_models import Alert, Referral
from surplace.cases.work_schemas import ConsentIn, ConsentOut, ReferralIn, ReferralOut
from surplace.records.models import Person, PersonName

PACKAGE_FORMAT = "surplace-referral/1"


def _recipient(value: str) -> str:
    value = value.strip()
    return "any" if value.lower() == "any" else value


def record_consent(session: Session, *, actor: Actor, case: str, data: ConsentIn) -> ConsentOut:
    """Record a consent given (or refused) by a member of the case, the principal by default."""
    row_case = case_for(session, actor, case, "case.write")
    who = person(session, data.person) if data.person else None
    person_id = who.id if who else row_case.principal_id
    on_case = session.scalars(select(CaseMember.id).where(
        CaseMember.case_id == row_case.id, CaseMember.person_id == person_id)).first()
    if person_id is None or on_case is None:
        raise CaseInputError(f"Person {data.person} is not a member of case "
                             f"{row_case.case_number}.")
    row = Consent(case_id=row_case.id, person_id=person_id, scope=data.scope,
                  recipient=_recipient(data.recipient), given=data.given,
                  recorded_on=in_past(data.recorded_on, "consent date"),
                  recorded_by=actor.user_id)
    row.note = data.note
    session.add(row)
    session.flush()
    code = session.scalars(select(Person.pseudonym).where(Person.id == person_id)).one()
    return consent_out(row, row_case.case_number, code, user_names(session, [actor.user_id]))


def withdraw_consent(session: Session, *, actor: Actor, consent: str,
                     on: date | None = None) -> ConsentOut:
    row = session.get(Consent, consent.strip())
    if row is None:
        raise WorkItemNotFound("consent", consent)
    row_case = session.get(Case, row.case_id)
    assert row_case is not None
    check_access(session, actor, row_case, "case.write")
    if row.withdrawn_on is not None:
        raise WorkItemClosed(f"Consent {row.id} was withdrawn on {row.withdrawn_on}.")
    withdrawn = in_past(on, "withdrawal date")
    if withdrawn < row.recorded_on:
        raise CaseInputError(f"Withdrawal date {withdrawn} is before the consent was recorded "
                             f"({row.recorded_on}).")
    row.withdrawn_on = withdrawn
    session.flush()
    code = session.scalars(select(Person.pseudonym).where(Person.id == row.person_id)).one()
    return consent_out(row, row_case.case_number, code, user_names(session, [row.recorded_by]))


def consents_in_force(session: Session, case_id: str, person_id: str,
                      recipient: str) -> set[str]:
    """The scopes this member has consented to share with ``recipient`` (see the docstring)."""
    rows = session.scalars(select(Consent).where(
        Consent.case_id == case_id, Consent.person_id == person_id,
        Consent.recipient.in_([recipient, "any"]), Consent.withdrawn_on.is_(None))).all()
    scopes = set()
    for scope in {row.scope for row in rows}:
        given = [row.recorded_on for row in rows if row.scope == scope and row.given]
        refused = [row.recorded_on for row in rows if row.scope == scope and not row.given]
        if given and not (refused and max(refused) >= max(given)):
            scopes.add(scope)
    return scopes


def _identity(session: Session, person_id: str) -> dict[str, Any]:
    found = session.get(Person, person_id)
    assert found is not None
    names = session.scalars(select(PersonName).where(PersonName.person_id == person_id)
                            .order_by(PersonName.id)).all()
    return {"names": [{"full_name": n.full_name, "kind": n.kind, "script": n.script}
                      for n in names],
            "birth_date": found.birth_date.isoformat() if found.birth_date else None,
            "contact": found.contact, "document_number": found.document_number}


def build_package(session: Session, actor: Actor, case: Case, recipient: str
                  ) -> tuple[dict[str, Any], bool]:
    """The package for ``recipient`` and whether it carries the principal's identity."""
    members = session.execute(
        select(CaseMember, Person.pseudonym, Person.sex, Person.birth_year)
        .join(Person, Person.id == CaseMember.person_id).where(CaseMember.case_id == case.id)
        .order_by(CaseMember.added_at, CaseMember.id)).all()
    alerts = session.scalars(select(Alert).where(Alert.case_id == case.id,
                                                 Alert.resolved_at.is_(None))
                             .order_by(Alert.deadline)).all()
    principal_scopes = consents_in_force(session, case.id, case.principal_id or "", recipient)
    package: dict[str, Any] = {
        "format": PACKAGE_FORMAT, "case_number": case.case_number, "status": case.status,
        "processing": case.processing, "risk": case.risk,
        "outcome": case.appeal_outcome or case.outcome, "languages": case.languages or [],
        "open_alerts": [{"kind": a.kind, "priority": a.priority,
                         "deadline": utc(a.deadline).isoformat()} for a in alerts],
        "consent": {"recipient": recipient, "scopes": sorted(principal_scopes)},
        "members": [],
    }
    needs = case.specific_needs or []
    shared_needs = [n for n in needs if consent_needed(n) in principal_scopes]
    if shared_needs:
        package["specific_needs"] = shared_needs
    if "case_file" in principal_scopes:
        package["summary"] = case.summary
    shares_identity = "identity" in principal_scopes
    if shares_identity:
        require(actor, "identity.read")
        package["current_location"] = case.current_location
    for member, pseudonym, sex, birth_year in members:
        entry: dict[str, Any] = {"pseudonym": pseudonym, "role": member.role,
                                 "derivative": member.derivative, "sex": sex,
                                 "birth_year": birth_year}
        scopes = (principal_scopes if member.person_id == case.principal_id
                  else consents_in_force(session, case.id, member.person_id, recipient))
        if "identity" in scopes:
            require(actor, "identity.read")
            entry.update(_identity(session, member.person_id))
            if shares_identity and member.role != "principal":
                entry["relationship"] = member.relationship
        package["members"].append(entry)
    return package, shares_identity


def refer_case(session: Session, *, actor: Actor, case: str, data: ReferralIn) -> ReferralOut:
    """Refer or transfer a case; the package is built now, from the consent now in force."""
    row_case = case_for(session, actor, case, "case.write")
    to_user = None
    if data.to_user is not None:
        to_user = staff(session, data.to_user)
        if to_user.id == actor.user_id:
            raise CaseInputError("A case cannot be referred to the referring caseworker.")
    recipient = to_user.name if to_user else _recipient(data.to_organisation or "")
    if recipient == "any":
        raise CaseInputError("'any' is not an organisation; name the recipient.")
    package, shares = build_package(session, actor, row_case, recipient)
    row = Referral(case_id=row_case.id, kind=data.kind, to_organisation=None if to_user
                   else recipient, to_user_id=to_user.id if to_user else None,
                   referred_by=actor.user_id, referred_at=now(), status="pending",
                   shares_identity=shares)
    row.reason = data.reason
    row.package = package
    session.add(row)
    session.flush()
    return referral_out(row, row_case.case_number,
                        user_names(session, [actor.user_id, row.to_user_id]))


def _referral(session: Session, referral: str) -> tuple[Referral, Case]:
    row = session.get(Referral, referral.strip())
    if row is None:
        raise WorkItemNotFound("referral", referral)
    row_case = session.get(Case, row.case_id)
    assert row_case is not None
    return row, row_case


def respond_to_referral(session: Session, *, actor: Actor, referral: str,
                        accept: bool) -> ReferralOut:
    row, row_case = _referral(session, referral)
    if row.to_user_id is not None:
        require_addressee(actor, row.to_user_id, what=f"referral {row.id}")
    else:
        check_access(session, actor, row_case, "case.write")
    if row.status != "pending":
        raise WorkItemClosed(f"Referral {row.id} was already {row.status}.")
    row.status, row.responded_at, row.responded_by = (
        "accepted" if accept else "declined", now(), actor.user_id)
    if accept and row.to_user_id is not None:
        if not assigned(session, row_case.id, row.to_user_id):
            session.add(CaseAssignment(case_id=row_case.id, user_id=row.to_user_id,
                                       assigned_by=row.referred_by, assigned_at=now()))
        if row.kind == "transfer":
            for assignment in session.scalars(select(CaseAssignment).where(
                    CaseAssignment.case_id == row_case.id,
                    CaseAssignment.user_id == row.referred_by,
                    CaseAssignment.ended_at.is_(None))):
                assignment.ended_at = now()
    elif accept and row.kind == "transfer" and row.to_organisation:
        row_case.organisation = row.to_organisation
    session.flush()
    return referral_out(row, row_case.case_number, user_names(
        session, [row.referred_by, row.to_user_id, actor.user_id]), sealed=False)


def referral_package(session: Session, *, actor: Actor, referral: str) -> ReferralOut:
    """A referral with its package, for its addressee or a reader of the case."""
    row, row_case = _referral(session, referral)
    if row.to_user_id != actor.user_id:
        check_access(session, actor, row_case, "case.read")
    return referral_out(row, row_case.case_number, user_names(
        session, [row.referred_by, row.to_user_id, row.responded_by]))


def incoming_referrals(session: Session, *, actor: Actor) -> list[ReferralOut]:
    """Pending referrals addressed to the actor, oldest first (packages not opened)."""
    require(actor, "case.write")
    found = session.execute(
        select(Referral, Case.case_number).join(Case, Case.id == Referral.case_id)
        .where(Referral.to_user_id == actor.user_id, Referral.status == "pending")
        .order_by(Referral.referred_at)).all()
    names = user_names(session, [r.referred_by for r, _ in found] + [actor.user_id])
    return [referral_out(r, number, names, sealed=False) for r, number in found]
