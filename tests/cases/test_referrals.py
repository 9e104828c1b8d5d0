"""Consent decides what travels with a referral; the receiver answers it; a transfer moves the
case."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from surplace.access.policy import AccessDenied
from surplace.cases import service
from surplace.cases.exceptions import UnknownCaseworker, WorkItemClosed
from surplace.cases.models import Case
from surplace.cases.work_schemas import ConsentIn, ReferralIn
from tests.cases.conftest import SECRET_NAMES, Office

IDENTITY_FIELDS = ("names", "birth_date", "contact", "document_number")


def _refer(office: Office, number: str, **fields: object) -> tuple[str, dict[str, Any]]:
    with office.session() as session:
        made = service.refer_case(session, actor=office.worker, case=number,
                                  data=ReferralIn.model_validate(fields))
    assert made.package is not None
    return made.id, made.package


def _consent(office: Office, number: str, **fields: object) -> str:
    with office.session() as session:
        return service.record_consent(session, actor=office.worker, case=number,
                                      data=ConsentIn.model_validate(fields)).id


def test_without_identity_consent_only_the_pseudonym_travels(office: Office) -> None:
    number = office.open_family()
    referral_id, package = _refer(office, number, to_organisation="Synthetic Legal Aid",
                                  reason="Synthetic: needs a lawyer.")
    text = json.dumps(package, ensure_ascii=False)
    for name in SECRET_NAMES + ["Synthetic safehouse Helong-3", "SYN-DOC-7781",
                                "QQ 5550173 synthetic", "Synthetic claim summary.",
                                "daughter (synthetic)", "survivor_of_torture", "pregnancy"]:
        assert name not in text, name
    principal = package["members"][0]
    assert principal["pseudonym"] == office.persons["principal"]
    assert not set(IDENTITY_FIELDS) & set(principal)
    assert package["case_number"] == number and package["languages"] == ["ko"]
    assert package["consent"] == {"recipient": "Synthetic Legal Aid", "scopes": []}
    with office.session() as session:
        stored = service.referral_package(session, actor=office.worker, referral=referral_id)
    assert stored.package == package and stored.shares_identity is False


def test_consent_adds_what_it_covers_for_that_recipient_only(office: Office) -> None:
    number = office.open_family()
    _consent(office, number, scope="identity", recipient="Synthetic Legal Aid")
    _consent(office, number, scope="case_file", recipient="any")
    _consent(office, number, scope="identity", recipient="Synthetic Legal Aid",
             person=office.persons["child"], note="Synthetic: mother consents for the child.")
    _, package = _refer(office, number, to_organisation="Synthetic Legal Aid")
    members = {m["pseudonym"]: m for m in package["members"]}
    principal = members[office.persons["principal"]]
    assert "Ryom Synthetic-hwa" in [n["full_name"] for n in principal["names"]]
    assert principal["document_number"] == "SYN-DOC-7781"
    assert package["current_location"] == "Synthetic safehouse Helong-3"
    assert package["summary"] == "Synthetic claim summary."
    # Non-medical needs travel with the case file; pregnancy needs medical consent.
    assert package["specific_needs"] == ["survivor_of_torture"]
    child = members[office.persons["child"]]
    assert child["names"][0]["full_name"] == "Ryom Synthetic-bom"
    assert child["relationship"] == "daughter (synthetic)"
    husband = members[office.persons["husband"]]
    assert "names" not in husband and "relationship" not in husband

    # Another recipient gets the case file (consent for any) but no identity.
    _, other = _refer(office, number, to_organisation="Synthetic Shelter")
    text = json.dumps(other, ensure_ascii=False)
    assert "Synthetic claim summary." in text
    assert not any(name in text for name in SECRET_NAMES)


def test_withdrawn_or_refused_consent_stops_identity(office: Office) -> None:
    number = office.open_family()
    consent_id = _consent(office, number, scope="identity", recipient="any")
    with office.session() as session:
        withdrawn = service.withdraw_consent(session, actor=office.worker, consent=consent_id)
    assert withdrawn.withdrawn_on is not None
    with pytest.raises(WorkItemClosed), office.session() as session:
        service.withdraw_consent(session, actor=office.worker, consent=consent_id)
    _, package = _refer(office, number, to_organisation="Synthetic Legal Aid")
    assert not any(name in json.dumps(package, ensure_ascii=False) for name in SECRET_NAMES)
    _consent(office, number, scope="identity", recipient="any")
    _consent(office, number, scope="identity", recipient="Synthetic Legal Aid", given=False)
    _, refused = _refer(office, number, to_organisation="Synthetic Legal Aid")
    assert not any(name in json.dumps(refused, ensure_ascii=False) for name in SECRET_NAMES)
    _, elsewhere = _refer(office, number, to_organisation="Synthetic Shelter")
    assert "Ryom Synthetic-hwa" in json.dumps(elsewhere, ensure_ascii=False)


def test_a_transfer_to_a_caseworker_is_answered_by_them_alone(office: Office) -> None:
    number = office.open_family()
    with pytest.raises(UnknownCaseworker, match="'nobody'"), office.session() as session:
        service.refer_case(session, actor=office.worker, case=number,
                           data=ReferralIn(to_user="nobody", kind="transfer"))
    with pytest.raises(UnknownCaseworker, match="'analyst'.*analyst"), \
            office.session() as session:
        service.refer_case(session, actor=office.worker, case=number,
                           data=ReferralIn(to_user="analyst", kind="transfer"))
    referral_id, _ = _refer(office, number, to_user="worker-b", kind="transfer")
    with office.session(office.colleague) as session:
        incoming = service.incoming_referrals(session, actor=office.colleague)
        assert [r.id for r in incoming] == [referral_id]
        # Before accepting, the receiver has the package but not the case.
        with pytest.raises(AccessDenied):
            service.show_case(session, actor=office.colleague, case=number)
    with pytest.raises(AccessDenied, match="may not answer referral"), \
            office.session() as session:
        service.respond_to_referral(session, actor=office.worker, referral=referral_id,
                                    accept=True)
    with office.session(office.colleague) as session:
        answered = service.respond_to_referral(session, actor=office.colleague,
                                               referral=referral_id, accept=True)
    assert answered.status == "accepted" and answered.responded_by == "worker-b"
    with office.session(office.colleague) as session:
        shown = service.show_case(session, actor=office.colleague, case=number)
    assert [w.name for w in shown.caseworkers] == ["worker-b"]
    with pytest.raises(AccessDenied), office.session() as session:
        service.show_case(session, actor=office.worker, case=number)
    with pytest.raises(WorkItemClosed, match="already accepted"), \
            office.session(office.colleague) as session:
        service.respond_to_referral(session, actor=office.colleague, referral=referral_id,
                                    accept=False)


def test_an_accepted_transfer_to_an_organisation_moves_the_case(office: Office) -> None:
    number = office.open()
    declined, _ = _refer(office, number, to_organisation="Synthetic Partner", kind="transfer")
    with office.session() as session:
        service.respond_to_referral(session, actor=office.worker, referral=declined,
                                    accept=False)
        assert session.scalars(select(Case.organisation).where(
            Case.case_number == number)).one() == "local"
    accepted, _ = _refer(office, number, to_organisation="Synthetic Partner", kind="transfer")
    with office.session() as session:
        service.respond_to_referral(session, actor=office.worker, referral=accepted,
                                    accept=True)
        assert session.scalars(select(Case.organisation).where(
            Case.case_number == number)).one() == "Synthetic Partner"
