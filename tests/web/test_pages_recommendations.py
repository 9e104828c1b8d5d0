"""Recommendation pages: the list with its filters, a recommendation with its status history
(who judged, when, why), its evidence linked to the pages the reader may open and its
indicators counted from the store; the forms that add a recommendation, record a judgement and
attach evidence, re-displayed with the input and a message beside each wrong field. Both back
ends."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient

from surplace.advocacy import loader, service
from tests.web.conftest import WebStore
from tests.web.test_pages_estimates import stored_estimate
from tests.web.test_pages_incidents import document

#: Synthetic recommendations: no real body or government is quoted.
REC = {"code": "SYN-2015-1", "addressee": "Synthetic Government", "issuer": "Synthetic NGO",
       "issued_on": "2015-06-15", "text": "Stop synthetic forced returns."}
OTHER = {"code": "SYN-2019-2", "addressee": "Synthetic Ministry", "issuer": "Synthetic UN Body",
         "issued_on": "2019-01-10", "text": "Let the synthetic agency reach people in hiding."}
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
REFUSED = ("viewer", "analyst", "caseworker")


def add(web_store: WebStore, data: dict[str, str], role: str = "researcher") -> str:
    with web_store.session(role) as session:
        return service.add_recommendation(session, actor=web_store.actor(role), data=data).code


def judge(web_store: WebStore, code: str, status: str, reason: str,
          role: str = "researcher") -> None:
    with web_store.session(role) as session:
        service.record_status(session, actor=web_store.actor(role), code=code,
                              data={"status": status, "reason": reason})


def attach(web_store: WebStore, code: str, kind: str, object_id: str, note: str = "",
           role: str = "researcher") -> None:
    with web_store.session(role) as session:
        service.add_evidence(session, actor=web_store.actor(role), code=code,
                             data={"object_type": kind, "object_id": object_id, "note": note})


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    ids["code"] = add(web_store, {**REC, "code": "SYN-SAMPLE-1"})


def _row(page: str, code: str) -> str:
    """The list's table row of one recommendation."""
    found = re.search(rf'<tr>\s*<td><a href="/recommendations/{code}">.*?</tr>', page, re.S)
    assert found, code
    return found.group(0)


def test_list_shows_current_status_date_and_evidence_and_filters(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    first, second = add(web_store, REC), add(web_store, OTHER)
    judge(web_store, first, "partially", "Synthetic first reading.")
    judge(web_store, first, "not_implemented", "Synthetic later reading.")
    made = document(web_store, suffix="L")
    attach(web_store, first, "incident", made.incident_id)
    attach(web_store, first, "act", made.act_id)
    sign_in(client, "viewer")
    page = client.get("/recommendations")
    assert page.status_code == 200
    row = _row(page.text, first)
    assert "not implemented" in row and "partially" not in row  # the latest judgement
    assert "Jun 15, 2015" in row and "Synthetic NGO" in row and "<td>2</td>" in row
    assert "not judged" in _row(page.text, second) and "<td>0</td>" in _row(page.text, second)
    menu = page.text.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert 'href="/recommendations"' in menu  # the menu entry
    assert "/recommendations/new" not in page.text  # a viewer may not add
    by_status = client.get("/recommendations", params={"status": "not_judged"}).text
    assert f"/recommendations/{second}" in by_status and f"/recommendations/{first}" \
        not in by_status
    by_issuer = client.get("/recommendations", params={"issuer": "un body"}).text
    assert f"/recommendations/{second}" in by_issuer and f"/recommendations/{first}" \
        not in by_issuer
    by_addressee = client.get("/recommendations", params={"addressee": "GOVERNMENT"}).text
    assert f"/recommendations/{first}" in by_addressee and f"/recommendations/{second}" \
        not in by_addressee
    wrong = client.get("/recommendations", params={"status": "implementd"})
    assert wrong.status_code == 200
    assert re.search(r'id="error-status"[^>]*>[^<]*implemented', wrong.text)  # the suggestion


def _next_and_previous(page: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The query strings of the pager's "next" and "previous" links ({} where there is none)."""
    links = {}
    for rel in ("next", "prev"):
        found = re.search(rf'<a rel="{rel}" href="\?([^"]*)"', page)
        links[rel] = parse_qs(html.unescape(found.group(1))) if found else {}
    return links["next"], links["prev"]


def test_the_list_shows_fifty_at_a_time_and_its_page_links_keep_the_filters(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    codes = [add(web_store, {**REC, "code": f"SYN-PAGE-{number:02d}",
                             "issuer": "Synthetic Paging Body"}) for number in range(1, 53)]
    add(web_store, OTHER)  # filtered out on every page
    sign_in(client, "viewer")
    first = client.get("/recommendations", params={"issuer": "paging"}).text
    assert re.findall(r'<td><a href="/recommendations/([^"]+)">', first) == codes[:50]
    assert "1–50 of 52" in first
    forward, back = _next_and_previous(first)
    assert forward == {"issuer": ["paging"], "offset": ["50"]} and back == {}
    second = client.get("/recommendations", params=forward).text
    assert re.findall(r'<td><a href="/recommendations/([^"]+)">', second) == codes[50:]
    assert "51–52 of 52" in second
    forward, back = _next_and_previous(second)
    assert forward == {} and back == {"issuer": ["paging"], "offset": ["0"]}
    typed = client.get("/recommendations", params={"issuer": "paging", "offset": "x"})
    assert typed.status_code == 200 and "1–50 of 52" in typed.text  # a bad offset: page one


def test_page_shows_history_with_who_when_why_and_the_indicators(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    code = add(web_store, REC)
    judge(web_store, code, "unknown", "Synthetic: no information yet.", role="admin")
    judge(web_store, code, "not_implemented", "Synthetic: returns documented since.")
    document(web_store, suffix="H", date="2023-05-02")
    document(web_store, suffix="J", date="2014-01-02")  # before the recommendation
    sign_in(client, "researcher")
    page = client.get(f"/recommendations/{code.lower()}")
    assert page.status_code == 200
    history = page.text.split('id="history"')[1].split('id="evidence"')[0]
    older = history.index("Synthetic: no information yet.")
    newer = history.index("Synthetic: returns documented since.")
    assert older < newer  # oldest first
    assert web_store.user_names["admin"] in history[:newer]
    assert web_store.user_names["researcher"] in history[older:]
    assert "unknown" in history and "not implemented" in history
    figures = page.text.split('id="indicators"')[1]
    returns = re.search(r"<tr><td>Documented forced returns since the recommendation</td>"
                        r"<td><strong>(\d+)</strong></td>\s*<td>([^<]*)</td>", figures)
    assert returns and returns.groups() == ("1", "2023: 1")
    assert "Jun 15, 2015" in figures
    for role in ("viewer", "caseworker"):  # no aggregate.read: history yes, figures no
        sign_in(client, role)
        page = client.get(f"/recommendations/{code}")
        assert page.status_code == 200 and "Synthetic: returns documented since." in page.text
        assert "Documented forced returns" not in page.text
        assert "does not see the counts" in page.text
        assert 'action="/recommendations/' not in page.text  # no forms either


def test_add_a_recommendation_and_invalid_input_is_shown_beside_each_field(
        client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    sign_in(client, "researcher")
    assert client.get("/recommendations/new").status_code == 200
    added = client.post("/recommendations", data=form(client, **{**REC, "code": "syn-new-1"}))
    assert added.status_code == 303 and added.headers["location"] == "/recommendations/SYN-NEW-1"
    page = client.get("/recommendations/SYN-NEW-1")
    assert "Stop synthetic forced returns." in page.text and "Synthetic Government" in page.text
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    wrong = client.post("/recommendations", data=form(
        client, code="x", addressee="", issuer="Synthetic NGO", issued_on=tomorrow,
        text="Synthetic text kept."))
    assert wrong.status_code == 422
    for name in ("code", "addressee", "issued_on"):
        assert f'id="error-{name}"' in wrong.text, name
    assert 'id="error-issuer"' not in wrong.text and 'id="error-text"' not in wrong.text
    assert "in the future" in wrong.text
    assert "Synthetic text kept." in wrong.text and 'value="Synthetic NGO"' in wrong.text
    bad_date = client.post("/recommendations", data=form(client, **{**REC, "code": "SYN-3",
                                                                   "issued_on": "15/06/2015"}))
    assert bad_date.status_code == 422
    assert re.search(r'id="error-issued_on"[^>]*>Give the date as YYYY-MM-DD', bad_date.text)
    taken = client.post("/recommendations", data=form(client, **{**REC, "code": "SYN-NEW-1"}))
    assert taken.status_code == 422
    assert re.search(r'id="error-code"[^>]*>[^<]*already taken', taken.text)


def test_a_judgement_shows_in_the_history_with_the_user(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    code = add(web_store, REC)
    judge(web_store, code, "unknown", "Synthetic first judgement.", role="admin")
    sign_in(client, "researcher")
    done = client.post(f"/recommendations/{code}/status", data=form(
        client, status="partially", reason="Synthetic: some returns stopped."))
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/recommendations/{code}")
    page = client.get(f"/recommendations/{code}").text
    history = page.split('id="history"')[1].split("<form")[0]
    last_row = history.split("<tr>")[-1]
    assert "partially implemented" in last_row and "Synthetic: some returns stopped." in last_row
    assert web_store.user_names["researcher"] in last_row
    assert "Synthetic first judgement." in history  # the earlier one stays
    listed = client.get("/recommendations").text
    assert "partially implemented" in _row(listed, code)
    wrong = client.post(f"/recommendations/{code}/status", data=form(
        client, status="halfway", reason=""))
    assert wrong.status_code == 422
    assert 'id="error-status"' in wrong.text and 'id="error-reason"' in wrong.text
    with web_store.session() as session:
        assert len(service.show_recommendation(session, actor=web_store.actor("admin"),
                                               code=code).history) == 2
    missing = client.post("/recommendations/SYN-NONE/status", data=form(
        client, status="unknown", reason="Synthetic."))
    assert missing.status_code == 404


def test_attach_evidence_links_to_the_objects_and_refuses_an_unknown_id(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    code = add(web_store, REC)
    made = document(web_store, suffix="E")
    run_id = stored_estimate(web_store)
    sign_in(client, "researcher")
    for kind, object_id in (("incident", made.incident_id), ("act", made.act_id),
                            ("estimate", run_id)):
        done = client.post(f"/recommendations/{code}/evidence", data=form(
            client, object_type=kind, object_id=object_id, note=f"Synthetic {kind} note."))
        assert done.status_code == 303, done.text
    page = client.get(f"/recommendations/{code}").text
    evidence = page.split('id="evidence"')[1].split('id="indicators"')[0]
    assert f'href="/incidents/{made.incident_id}"' in evidence
    assert f'href="/incidents/{made.incident_id}#act-{made.act_id}"' in evidence
    assert f'href="/estimates/{run_id}"' in evidence
    assert "Synthetic act note." in evidence and web_store.user_names["researcher"] in evidence
    unknown = client.post(f"/recommendations/{code}/evidence", data=form(
        client, object_type="incident", object_id="00000000-0000-4000-8000-00000000dead",
        note="Synthetic note kept."))
    assert unknown.status_code == 422
    assert re.search(r'id="error-object_id"[^>]*>There is no object of this kind',
                     unknown.text)
    assert 'value="00000000-0000-4000-8000-00000000dead"' in unknown.text
    assert "Synthetic note kept." in unknown.text
    again = client.post(f"/recommendations/{code}/evidence", data=form(
        client, object_type="act", object_id=made.act_id))
    assert again.status_code == 422
    assert re.search(r'id="error-object_id"[^>]*>[^<]*already evidence', again.text)
    blank = client.post(f"/recommendations/{code}/evidence", data=form(
        client, object_type="rumour", object_id=""))
    assert 'id="error-object_type"' in blank.text and 'id="error-object_id"' in blank.text
    sign_in(client, "viewer")  # may read the tracker, not incidents or estimates: no links
    seen = client.get(f"/recommendations/{code}").text.split('id="evidence"')[1]
    assert made.act_id in seen and 'href="/incidents/' not in seen
    assert 'href="/estimates/' not in seen


@pytest.mark.parametrize("role", REFUSED)
def test_roles_without_advocacy_write_are_refused_every_form(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]], role: str) -> None:
    code = add(web_store, REC)
    sign_in(client, role)
    assert client.get(f"/recommendations/{code}").status_code == 200
    for url, data in (("/recommendations", {**REC, "code": "SYN-REFUSED"}),
                      (f"/recommendations/{code}/status",
                       {"status": "implemented", "reason": "Synthetic."}),
                      (f"/recommendations/{code}/evidence",
                       {"object_type": "incident", "object_id": "x"}),
                      ("/recommendations", {})):
        assert client.post(url, data=form(client, **data)).status_code == 403, url
    assert client.get("/recommendations/new").status_code == 403
    with web_store.session() as session:
        shown = service.show_recommendation(session, actor=web_store.actor("admin"), code=code)
        assert shown.history == [] and shown.evidence_list == []
        assert [r.code for r in service.list_recommendations(
            session, actor=web_store.actor("admin"))] == [code]


def test_stored_markup_is_rendered_inert(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    code = add(web_store, {"code": "SYN-XSS-1", "addressee": f"Gov {SCRIPT}",
                           "issuer": f"NGO {SCRIPT}", "issued_on": "2015-06-15",
                           "text": f"Text {SCRIPT}"})
    judge(web_store, code, "unknown", f"Reason {SCRIPT}")
    made = document(web_store, suffix="X")
    attach(web_store, code, "incident", made.incident_id, note=f"Note {SCRIPT}")
    sign_in(client, "admin")
    for url in ("/recommendations", f"/recommendations/{code}"):
        page = client.get(url)
        assert page.status_code == 200
        assert SCRIPT not in page.text and "<script" not in page.text, url
        assert ESCAPED in page.text, url
    detail = client.get(f"/recommendations/{code}").text
    for field in ("Gov", "NGO", "Text", "Reason", "Note"):
        assert f"{field} {ESCAPED}" in detail, field


def test_the_pages_speak_korean_and_chinese(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    code = add(web_store, REC)
    judge(web_store, code, "implemented", "Synthetic reason.")
    sign_in(client, "researcher")
    client.post("/language", data=form(client, locale="ko", next="/recommendations"))
    korean = client.get(f"/recommendations/{code}").text
    assert '<html lang="ko">' in korean and "이행됨" in korean and "상태 이력" in korean
    assert "Status history" not in korean
    client.post("/language", data=form(client, locale="zh", next="/recommendations"))
    chinese = client.get("/recommendations").text
    assert "已落实" in chinese and "建议" in chinese


def test_a_catalogued_recommendation_shows_its_source_and_translation(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    with web_store.session("admin") as session:
        loader.load_hrw(session, web_store.actor("admin"))
    sign_in(client, "viewer")
    page = client.get("/recommendations/HRW-2013-3").text
    assert "Human Rights Watch" in page and 'href="https://www.hrw.org/news/2013/05/30' in page
    assert "UNHCR" in page
    client.post("/language", data=form(client, locale="ko", next="/recommendations"))
    korean = client.get("/recommendations/HRW-2013-3").text
    assert "유엔난민기구" in korean and "이행되지 않음" in korean
