"""The dashboard: each block only for roles whose policy allows it; small counts hidden from
roles that see aggregates only. Both back ends."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from surplace.cases import service as case_service
from surplace.cases.work_schemas import AlertIn
from surplace.web.routes.dashboard import suppress
from tests.web.conftest import WebStore
from tests.web.test_pages_cases import open_case
from tests.web.test_pages_estimates import stored_estimate
from tests.web.test_pages_incidents import document


def blocks(text: str) -> set[str]:
    return {name for name in ("cases", "alerts", "incidents", "persons", "estimates")
            if f'id="{name}"' in text}


def test_each_role_sees_only_its_blocks(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    number = open_case(web_store, n=1)
    with web_store.session("caseworker") as session:
        case_service.raise_alert(session, actor=web_store.actor("caseworker"), case=number,
                                 data=AlertIn(kind="deportation_imminent"))
    made = document(web_store)
    run_id = stored_estimate(web_store)
    expected = {
        "admin": {"cases", "alerts", "incidents", "persons", "estimates"},
        "caseworker": {"cases", "alerts", "incidents", "persons"},
        "researcher": {"cases", "incidents", "persons", "estimates"},  # aggregates too
        "analyst": {"cases", "persons", "estimates"},
        "viewer": set(),
    }
    for role, wanted in expected.items():
        sign_in(client, role)
        page = client.get("/")
        assert page.status_code == 200, role
        assert blocks(page.text) == wanted, role
    sign_in(client, "caseworker")
    page = client.get("/")
    assert number in page.text and f"/incidents/{made.incident_id}" in page.text
    assert f"/estimates/{run_id}" not in page.text
    sign_in(client, "analyst")
    page = client.get("/")
    assert number not in page.text  # counts only, no case
    assert "<svg" in page.text and f"/estimates/{run_id}" in page.text


def test_small_cells_are_suppressed_with_a_second_cell_and_no_total() -> None:
    shown, hidden = suppress({"received": 40, "registered": 3, "closed": 12, "decided": 0})
    assert hidden and shown == {"received": 40, "registered": None, "closed": None,
                                "decided": 0}
    shown, hidden = suppress({"received": 40, "registered": 30})
    assert not hidden and shown == {"received": 40, "registered": 30}


def test_analyst_sees_counts_of_every_case_with_small_ones_hidden(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    for index in range(6):
        open_case(web_store, n=10 + index)
    open_case(web_store, role="admin", n=20)
    sign_in(client, "analyst")
    page = client.get("/")
    assert ">7<" in page.text  # every case received, caseworker's and admin's
    sign_in(client, "caseworker")
    assert ">6<" in client.get("/").text  # only the caseworker's own


def test_open_alerts_are_the_most_pressing_with_their_case_and_raiser(
        web_store: WebStore) -> None:
    """Overdue first, then the nearest deadline; the count is of every open alert; each
    shown alert carries its case number and who raised it."""
    from datetime import UTC, datetime, timedelta

    from surplace.web.views_cases import open_alerts

    now = datetime.now(UTC)
    deadlines = {1: now + timedelta(days=3), 2: now - timedelta(hours=2),
                 3: now + timedelta(hours=5), 4: now + timedelta(days=9)}
    numbers = {n: open_case(web_store, n=30 + n) for n in deadlines}
    with web_store.session("caseworker") as session:
        for n, deadline in deadlines.items():
            case_service.raise_alert(session, actor=web_store.actor("caseworker"),
                                     case=numbers[n], data=AlertIn(
                                         kind="deportation_imminent", deadline=deadline))
    with web_store.session("caseworker") as session:
        shown, total = open_alerts(session, actor=web_store.actor("caseworker"), limit=3)
    assert total == 4
    assert [alert.case_number for alert in shown] == [numbers[2], numbers[3], numbers[1]]
    assert [alert.overdue for alert in shown] == [True, False, False]
    assert {alert.raised_by for alert in shown} == {web_store.user_names["caseworker"]}
