"""The audit log a page at a time, on SQLite and PostgreSQL: newest first, pages that neither
overlap nor skip, links to other pages that keep the filters, filters by user, action and date,
a bad date named beside its field; the same through /api/v1/audit and the service."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from surplace.errors import InvalidInput
from surplace.vault import audit, audit_service
from tests.web.conftest import WebStore

EVENTS = 120


def record_events(web_store: WebStore) -> None:
    """120 synthetic events: the even ones by the researcher, the odd ones by the analyst."""
    for number in range(EVENTS):
        role = "researcher" if number % 2 == 0 else "analyst"
        with web_store.session(role) as session:
            audit.record(session, "synthetic.event", "synthetic", f"event-{number:03d}")


def object_ids(html: str) -> list[str]:
    return re.findall(r"synthetic (event-\d{3})", html)


def test_pages_newest_first_without_overlap(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    record_events(web_store)
    sign_in(client, "admin")
    first = client.get("/admin/audit?action=synthetic.event")
    assert first.status_code == 200
    assert "1–50 of 120" in first.text
    seen = object_ids(first.text)
    assert seen == [f"event-{number:03d}" for number in range(119, 69, -1)]
    links = set(re.findall(r'href="/admin/audit\?([^"]+)"', first.text))
    assert "action=synthetic.event&amp;offset=50" in links, "page 2 and Older keep the filter"
    assert "action=synthetic.event&amp;offset=100" in links, "the last page"
    for offset in (50, 100):
        page = client.get(f"/admin/audit?action=synthetic.event&offset={offset}")
        assert page.status_code == 200
        seen += object_ids(page.text)
    assert seen == [f"event-{number:03d}" for number in range(119, -1, -1)], \
        "three pages: every entry once, newest first"
    last = client.get("/admin/audit?action=synthetic.event&offset=100")
    assert "101–120 of 120" in last.text and 'rel="next"' not in last.text
    assert 'rel="prev"' in last.text


def test_filters_by_user_and_date(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    record_events(web_store)
    sign_in(client, "admin")
    mine = client.get("/admin/audit?action=synthetic.event&user=researcher-1")
    assert "1–50 of 60" in mine.text
    assert all(int(event[-3:]) % 2 == 0 for event in object_ids(mine.text))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    today = datetime.now(UTC).date().isoformat()
    assert "No entries." in client.get(f"/admin/audit?action=synthetic.event&since={tomorrow}"
                                       ).text
    until = client.get(f"/admin/audit?action=synthetic.event&until={tomorrow}&since={today}")
    assert "of 120" in until.text
    wrong = client.get("/admin/audit?since=last+week")
    assert wrong.status_code == 422
    message = re.search(r'id="error-since"[^>]*>(.*?)</span>', wrong.text, re.S)
    assert message is not None and "is not an ISO date" in message.group(1)
    assert 'value="last week"' in wrong.text, "the input is shown again"


def test_api_pages_with_total_and_next(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    record_events(web_store)
    sign_in(client, "admin")
    page = client.get("/api/v1/audit?action=synthetic.event&limit=50&offset=50").json()
    assert page["total"] == 120 and len(page["items"]) == 50
    assert [item["object_id"] for item in page["items"]][:2] == ["event-069", "event-068"]
    assert "offset=100" in page["next"] and "action=synthetic.event" in page["next"]
    last = client.get(page["next"].replace("http://testserver", "")).json()
    assert len(last["items"]) == 20 and last["next"] is None
    by_user = client.get("/api/v1/audit?action=synthetic.event&user=analyst-1").json()
    assert by_user["total"] == 60
    bad = client.get("/api/v1/audit?until=soon")
    assert bad.status_code == 422 and bad.json()["field"] == "until"
    for role in ("caseworker", "researcher", "analyst", "viewer"):
        sign_in(client, role)
        assert client.get("/api/v1/audit").status_code == 403
        assert client.get("/admin/audit").status_code == 403


def test_service_offset_and_count(web_store: WebStore) -> None:
    record_events(web_store)
    unlocked = web_store.unlocked
    assert audit_service.count_entries(unlocked, action="synthetic.event") == EVENTS
    page = audit_service.list_entries(unlocked, action="synthetic.event", limit=7, offset=113)
    assert [entry.object_id for entry in page] == [f"event-{n:03d}" for n in range(6, -1, -1)]
    with pytest.raises(InvalidInput, match="--limit"):
        audit_service.list_entries(unlocked, offset=-1)
