"""Who may see a case: administrators all; caseworkers the cases assigned or granted to them;
researchers, analysts and viewers none, grant or not."""

from __future__ import annotations

import pytest

from surplace.access.policy import AccessDenied, Actor
from surplace.cases import service
from surplace.cases.exceptions import CaseInputError, CaseNotFound, UnknownCaseworker
from surplace.cases.schemas import MemberIn
from tests.cases.conftest import SECRET_NAMES, Office


def _show(office: Office, actor: Actor, number: str) -> None:
    with office.session(actor) as session:
        service.show_case(session, actor=actor, case=number)


def _numbers(office: Office, actor: Actor) -> set[str]:
    with office.session(actor) as session:
        return {c.case_number for c in service.list_cases(session, actor=actor)}


def test_a_caseworker_sees_only_assigned_or_granted_cases(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    other = office.colleague
    for call in (
        lambda s: service.show_case(s, actor=other, case=number),
        lambda s: service.timeline(s, actor=other, case=number),
        lambda s: service.transition(s, actor=other, case=number, name="register"),
        lambda s: service.list_alerts(s, actor=other, case=number),
        lambda s: service.assistance_totals(s, actor=other, case=number),
    ):
        with pytest.raises(AccessDenied, match=f"on case {number}") as refused, \
                office.session(other) as session:
            call(session)
        assert not any(name in str(refused.value) for name in SECRET_NAMES)
    assert number not in _numbers(office, other)
    assert number in _numbers(office, office.worker)
    assert number in _numbers(office, office.admin)

    with office.session(office.admin) as session:
        service.grant_access(session, actor=office.admin, case=number, user="worker-b")
    _show(office, other, number)
    assert number in _numbers(office, other)
    with pytest.raises(AccessDenied, match="case write"), office.session(other) as session:
        service.transition(session, actor=other, case=number, name="register")
    with office.session(office.admin) as session:
        service.grant_access(session, actor=office.admin, case=number, user="worker-b",
                             permission="write")
    with office.session(other) as session:
        service.transition(session, actor=other, case=number, name="register")
    with office.session(office.admin) as session:
        assert service.revoke_access(session, actor=office.admin, case=number,
                                     user="worker-b") == 2
    with pytest.raises(AccessDenied):
        _show(office, other, number)


def test_ending_an_assignment_ends_access(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    with office.session(office.admin) as session:
        assigned = service.assign_caseworker(session, actor=office.admin, case=number,
                                             user="worker-b")
        again = service.assign_caseworker(session, actor=office.admin, case=number,
                                          user="worker-b")
    assert assigned == again
    _show(office, office.colleague, number)
    with office.session(office.admin) as session:
        service.end_assignment(session, actor=office.admin, case=number, user="worker-b")
    with pytest.raises(AccessDenied):
        _show(office, office.colleague, number)
    with pytest.raises(CaseInputError, match="not assigned"), \
            office.session(office.admin) as session:
        service.end_assignment(session, actor=office.admin, case=number, user="worker-b")


def test_access_ended_inside_a_transaction_is_checked_again(shared_office: Office) -> None:
    """A transaction remembers the cases it let an actor at (a page asks several services
    for the same case), but not past a change: the next check sees the assignment ended."""
    office = shared_office
    number = office.open()
    with office.session(office.admin) as session:
        service.assign_caseworker(session, actor=office.admin, case=number, user="worker-b")
    with office.session(office.admin) as session:
        service.show_case(session, actor=office.colleague, case=number)
        service.timeline(session, actor=office.colleague, case=number)
        service.end_assignment(session, actor=office.admin, case=number, user="worker-b")
        with pytest.raises(AccessDenied):
            service.timeline(session, actor=office.colleague, case=number)


@pytest.mark.parametrize("who", ["researcher", "analyst"])
def test_other_roles_never_read_cases_even_with_a_grant(shared_office: Office,
                                                        who: str) -> None:
    office = shared_office
    number = office.open()
    actor = getattr(office, who)
    with pytest.raises(UnknownCaseworker, match=f"'{who}'.*{who}"), \
            office.session(office.admin) as session:
        service.grant_access(session, actor=office.admin, case=number, user=who)
    with pytest.raises(AccessDenied, match="case read"):
        _show(office, actor, number)
    with pytest.raises(AccessDenied, match="case read"), office.session(actor) as session:
        service.list_cases(session, actor=actor)


def test_only_an_administrator_assigns_and_only_known_staff(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    with pytest.raises(AccessDenied, match="case assign"), office.session() as session:
        service.assign_caseworker(session, actor=office.worker, case=number, user="worker-b")
    with pytest.raises(UnknownCaseworker, match="Unknown caseworker 'ghost': there is no "
                                                "active staff account"), \
            office.session(office.admin) as session:
        service.assign_caseworker(session, actor=office.admin, case=number, user="ghost")
    with pytest.raises(CaseNotFound, match="SP-1999-000001"), \
            office.session(office.admin) as session:
        service.show_case(session, actor=office.admin, case="SP-1999-000001")


def test_case_numbers_are_readable_unique_and_in_order(shared_office: Office) -> None:
    office = shared_office
    numbers = [office.open() for _ in range(3)]
    year = numbers[0][3:7]
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert all(n.startswith(f"SP-{year}-") and len(n) == 14 for n in numbers)
    assert serials == list(range(serials[0], serials[0] + 3))
    with office.session() as session:  # found by number in any case
        assert service.show_case(session, actor=office.worker,
                                 case=numbers[0].lower()).case_number == numbers[0]


def test_a_person_is_on_one_open_case_at_a_time(shared_office: Office) -> None:
    office = shared_office
    person = office.new_person()
    number = office.open(principal=next(k for k, v in office.persons.items() if v == person))
    with pytest.raises(CaseInputError, match=f"already on open case {number}"):
        office.open(principal=next(k for k, v in office.persons.items() if v == person))
    with pytest.raises(CaseInputError, match="already on case"), office.session() as session:
        service.add_member(session, actor=office.worker, case=number,
                           data=MemberIn(person=person))
    with pytest.raises(CaseInputError, match="No person 'P-NOONE'"), \
            office.session() as session:
        service.add_member(session, actor=office.worker, case=number,
                           data=MemberIn(person="P-NOONE"))
    # A name typed where an id belongs is refused without being repeated back.
    with pytest.raises(CaseInputError, match="neither a person id nor a pseudonym") as refused, \
            office.session() as session:
        service.add_member(session, actor=office.worker, case=number,
                           data=MemberIn(person="박순희"))
    assert "박순희" not in str(refused.value)
