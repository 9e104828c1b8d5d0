"""The case list's pages: cases with an overdue alert first, then the others with open alerts by
their nearest deadline, then the calm cases, ties broken by case number; page after page, the
same order as one sort of everything, whoever reads and wherever the pages cut a tie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from surplace.access.policy import Actor
from surplace.cases import service
from surplace.cases.lookup import visible_to
from surplace.cases.models import Case
from surplace.cases.work_models import Alert
from surplace.cases.work_schemas import AlertIn
from surplace.web.views_cases import CaseFilters, list_page
from tests.cases.conftest import Office


def _expected(office: Office, actor: Actor) -> list[str]:
    """Every case the actor may read, in the list's order, sorted here in one go."""
    moment = datetime.now(UTC)
    with office.session(actor) as session:
        visible = visible_to(actor)
        query = session.query(Case.id, Case.case_number)
        cases = dict((query.filter(visible) if visible is not None else query).all())
        open_alerts: dict[str, list[datetime]] = {}
        for case_id, deadline in session.query(Alert.case_id, Alert.deadline).filter(
                Alert.resolved_at.is_(None)):
            open_alerts.setdefault(case_id, []).append(deadline.replace(tzinfo=UTC))

    def key(case_id: str) -> tuple[int, int, datetime, str]:
        deadlines = open_alerts.get(case_id)
        if not deadlines:
            return (1, 0, datetime.max.replace(tzinfo=UTC), cases[case_id])
        overdue = any(deadline < moment for deadline in deadlines)
        return (0, 0 if overdue else 1, min(deadlines), cases[case_id])

    return [cases[case_id] for case_id in sorted(cases, key=key)]


def _paged(office: Office, actor: Actor, size: int) -> list[str]:
    numbers: list[str] = []
    offset = 0
    while True:
        with office.session(actor) as session:
            page = list_page(session, actor=actor, filters=CaseFilters(), offset=offset,
                             limit=size)
        numbers += [item.case_number for item in page.items]
        offset += size
        if offset >= page.total:
            return numbers


def test_pages_cut_through_tied_deadlines_keep_one_order(office: Office) -> None:
    numbers = [office.open() for _ in range(11)]
    others = [office.open(office.admin) for _ in range(3)]  # the worker may not read these
    past = datetime(2020, 5, 1, 8, 0, tzinfo=UTC)
    future = datetime.now(UTC) + timedelta(days=30)
    deadlines = [past, past, past, future, future, future, future, future + timedelta(hours=1)]
    for number, deadline in zip(numbers[::-1] + others, deadlines * 2, strict=False):
        with office.session(office.admin) as session:
            alert_id = service.raise_alert(session, actor=office.admin, case=number,
                                           data=AlertIn(kind="missing",
                                                        note="Synthetic alert")).id
        with office.session(office.admin) as session:  # tied deadlines, as a clock could make
            session.execute(update(Alert).where(Alert.id == alert_id)
                            .values(deadline=deadline))
    for actor in (office.admin, office.worker):
        expected = _expected(office, actor)
        assert len(expected) == (14 if actor is office.admin else 11)
        # Ties straddle every cut of pages of 2 and 3; then one page holds them all.
        for size in (2, 3, 50):
            assert _paged(office, actor, size) == expected, (actor.role, size)
    overdue = sorted(numbers[-3:] + numbers[:3])  # given the past deadline
    assert _expected(office, office.admin)[:6] == overdue
