"""Case pages: the list (caseworkers see only their cases; urgent first; name search by POST),
the case file, and the forms that open and move a case (re-displayed with the input and the
message beside the wrong field). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from surplace.assessment import service as assessment_service
from surplace.cases import service as case_service
from surplace.cases.schemas import CaseIn, InterviewIn, MemberIn
from surplace.cases.work_schemas import AlertIn, AssistanceIn, InterventionIn
from surplace.evidence import service as evidence_service
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from tests.web.conftest import WebStore

#: Invented names; any likeness to a real person is chance.
HANGUL_NAME = "합성웹가"
LATIN_NAME = "Synthetic Webcase-one"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def register(web_store: WebStore, *names: NameIn, role: str = "caseworker") -> str:
    """A person with the given names (synthetic); returns the pseudonym."""
    with web_store.session(role) as session:
        return records_service.register_person(session, actor=web_store.actor(role),
                                               data=PersonIn(names=list(names), sex="F",
                                                             birth_year=1990)).pseudonym


def open_case(web_store: WebStore, role: str = "caseworker", **fields: object) -> str:
    principal = register(web_store, NameIn(full_name=f"Synthetic Person {fields.pop('n', 0)}"),
                         role=role)
    with web_store.session(role) as session:
        return case_service.open_case(session, actor=web_store.actor(role), data=CaseIn(
            principal=principal, **fields)).case_number  # type: ignore[arg-type]


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    """A case of the caseworker's (so the caseworker may open it) with a registered principal."""
    pseudonym = register(web_store, NameIn(full_name=HANGUL_NAME, script="hangul"),
                         NameIn(full_name=LATIN_NAME))
    with web_store.session("caseworker") as session:
        opened = case_service.open_case(session, actor=web_store.actor("caseworker"),
                                        data=CaseIn(principal=pseudonym,
                                                    summary="Synthetic summary."))
    ids["case_id"] = opened.case_number
    ids["person_id"] = pseudonym


def test_caseworker_sees_only_their_cases_and_urgent_first(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    mine = open_case(web_store, n=1)
    urgent = open_case(web_store, n=2)
    other = open_case(web_store, role="admin", n=3)
    with web_store.session("caseworker") as session:
        case_service.raise_alert(session, actor=web_store.actor("caseworker"), case=urgent,
                                 data=AlertIn(kind="detained", note="Synthetic alert"))
    sign_in(client, "caseworker")
    page = client.get("/cases")
    assert page.status_code == 200
    assert mine in page.text and urgent in page.text
    assert other not in page.text
    assert page.text.index(urgent) < page.text.index(mine)  # open alerts first
    only_urgent = client.get("/cases", params={"urgent": "1"})
    assert urgent in only_urgent.text and mine not in only_urgent.text
    sign_in(client, "admin")
    everything = client.get("/cases")
    assert all(number in everything.text for number in (mine, urgent, other))
    by_worker = client.get("/cases", params={"caseworker": web_store.user_names["caseworker"]})
    assert mine in by_worker.text and other not in by_worker.text


def test_list_filters_refuse_unknown_terms_beside_the_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    sign_in(client, "admin")
    page = client.get("/cases", params={"status": "lost"})
    assert page.status_code == 200
    assert re.search(r'id="error-status"[^>]*>[^<]*status', page.text)


def test_name_search_finds_the_case_by_hangul_name_through_a_post(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    pseudonym = register(web_store, NameIn(full_name=HANGUL_NAME, script="hangul"))
    with web_store.session("caseworker") as session:
        number = case_service.open_case(session, actor=web_store.actor("caseworker"),
                                        data=CaseIn(principal=pseudonym)).case_number
    decoy = open_case(web_store, n=9)
    sign_in(client, "caseworker")
    found = client.post("/cases/search", data=form(client, name=HANGUL_NAME))
    assert found.status_code == 200
    assert number in found.text and decoy not in found.text
    assert HANGUL_NAME not in str(found.url)
    missing = client.post("/cases/search", data=form(client, name="없는이름"))
    assert number not in missing.text
    empty = client.post("/cases/search", data=form(client, name=" "))
    assert empty.status_code == 422 and 'id="error-name"' in empty.text


def test_case_page_shows_the_file_with_names_for_the_caseworker(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    principal = register(web_store, NameIn(full_name=HANGUL_NAME, script="hangul"))
    child = register(web_store, NameIn(full_name="Synthetic Child-web"))
    with web_store.session("caseworker") as session:
        worker = web_store.actor("caseworker")
        number = case_service.open_case(session, actor=worker, data=CaseIn(
            principal=principal, members=[MemberIn(person=child, relationship="daughter")],
            languages=["ko"], summary="Synthetic summary of the claim.")).case_number
        case_service.transition(session, actor=worker, case=number, name="register")
    sign_in(client, "caseworker")
    page = client.get(f"/cases/{number}")
    assert page.status_code == 200
    for expected in (number, principal, child, HANGUL_NAME, "Synthetic summary of the claim.",
                     "daughter", "register"):
        assert expected in page.text
    assert 'name="csrf_token"' in page.text
    sign_in(client, "researcher")
    assert client.get(f"/cases/{number}").status_code == 403
    assert client.get("/cases").status_code == 403


def test_open_case_form_redisplays_input_with_the_error_beside_the_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    sign_in(client, "caseworker")
    blank = client.get("/cases/new")
    assert blank.status_code == 200 and 'name="csrf_token"' in blank.text
    wrong = client.post("/cases/new", data=form(
        client, principal="P-NOSUCH-ONE", risk="normal", languages="ko",
        summary="Synthetic typed summary"))
    assert wrong.status_code == 422
    assert 'value="P-NOSUCH-ONE"' in wrong.text
    assert "Synthetic typed summary" in wrong.text
    assert re.search(r'id="error-principal"[^>]*>[^<]*P-NOSUCH-ONE', wrong.text)
    bad_risk = client.post("/cases/new", data=form(
        client, principal="P-NOSUCH-ONE", risk="apocalyptic", specific_needs="flying"))
    assert bad_risk.status_code == 422
    assert 'id="error-risk"' in bad_risk.text or 'id="error-specific_needs"' in bad_risk.text
    pseudonym = register(web_store, NameIn(full_name="Synthetic Formcase"))
    made = client.post("/cases/new", data=form(client, principal=pseudonym, risk="high",
                                                languages="ko, zh"))
    assert made.status_code == 303
    number = made.headers["location"].rsplit("/", 1)[-1]
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and pseudonym in page.text and number in page.text


def test_transition_form_refuses_an_illegal_step_beside_the_field_and_makes_a_legal_one(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=4)
    sign_in(client, "caseworker")
    illegal = client.post(f"/cases/{number}/transition",
                          data=form(client, name="decide", reason="Synthetic reason"))
    assert illegal.status_code == 422
    assert re.search(r'id="error-(name|outcome)"', illegal.text)
    assert "Synthetic reason" in illegal.text
    bad_date = client.post(f"/cases/{number}/transition",
                           data=form(client, name="register", on="yesterday"))
    assert bad_date.status_code == 422 and 'id="error-on"' in bad_date.text
    assert 'value="yesterday"' in bad_date.text
    done = client.post(f"/cases/{number}/transition", data=form(client, name="register"))
    assert done.status_code == 303
    assert "registered" in client.get(f"/cases/{number}").text or "등록" in done.text
    with web_store.session("caseworker") as session:
        shown = case_service.show_case(session, actor=web_store.actor("caseworker"),
                                       case=number)
    assert shown.status == "registered"


def test_stored_script_in_every_text_field_is_escaped_on_the_case_page(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    principal = register(web_store, NameIn(full_name=SCRIPT))
    member = register(web_store, NameIn(full_name=f"{SCRIPT} member"))
    with web_store.session("caseworker") as session:
        worker = web_store.actor("caseworker")
        number = case_service.open_case(session, actor=worker, data=CaseIn(
            principal=principal, members=[MemberIn(person=member, relationship=SCRIPT)],
            summary=SCRIPT, current_location=SCRIPT, organisation=SCRIPT)).case_number
        case_service.raise_alert(session, actor=worker, case=number,
                                 data=AlertIn(kind="missing", note=SCRIPT))
        case_service.transition(session, actor=worker, case=number, name="register")
        case_service.transition(session, actor=worker, case=number, name="close",
                                inputs={"reason": SCRIPT})
    sign_in(client, "caseworker")
    page = client.get(f"/cases/{number}")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert page.text.count(ESCAPED) >= 6
    listed = client.get("/cases")
    assert "<script>" not in listed.text and number in listed.text


def test_case_pages_in_korean_and_chinese_with_vocabulary_labels(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=7, risk="high")
    sign_in(client, "caseworker")
    client.post("/language", data=form(client, locale="ko", next="/cases"))
    page = client.get(f"/cases/{number}")
    assert '<html lang="ko">' in page.text
    for korean in ("주신청인", "경과", "사례 진행", "접수", "높음"):  # labels and vocabulary
        assert korean in page.text
    assert "Summary of the claim" not in page.text and "Timeline" not in page.text
    client.post("/language", data=form(client, locale="zh", next="/cases"))
    listed = client.get("/cases")
    assert "下一个期限" in listed.text and "接待" in listed.text  # column, status label


def test_case_page_shows_every_part_of_the_file(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        tmp_path: Path) -> None:
    """Interview, assessment with its three conclusions, assistance, intervention and an
    evidence item, each in its section and in the timeline."""
    number = open_case(web_store, n=8)
    worker = web_store.actor("caseworker")
    with web_store.session("caseworker") as session:
        case_service.transition(session, actor=worker, case=number, name="register")
        case_service.transition(session, actor=worker, case=number, name="decide_processing",
                                inputs={"modality": "regular"})
        case_service.record_interview(session, actor=worker, case=number, data=InterviewIn(
            held_on=date.today(), language="ko", duration_minutes=90, read_back=True,
            record="Synthetic interview record.", facts={
                "dprk_national": True, "outside_dprk": True, "fears_return": True,
                "unauthorised_exit_or_stay": True, "generally_credible": True}))
        assessment_service.assess_case(session, actor=worker, case=number)
        case_service.record_assistance(session, actor=worker, case=number,
                                       data=AssistanceIn(kind="food", quantity=3))
        case_service.start_intervention(session, actor=worker, case=number, data=InterventionIn(
            kind="legal_aid", acting_body="Synthetic legal clinic"))
    document = tmp_path / "statement.txt"
    document.write_text("Synthetic statement.")
    evidence_service.add_evidence(replace(web_store.unlocked, actor=worker), path=document,
                                  case=number, description="Synthetic statement")
    sign_in(client, "caseworker")
    page = client.get(f"/cases/{number}")
    assert page.status_code == 200
    for expected in ("Synthetic interview record.", "Refugee status", "Non-refoulement",
                     "legal aid", "Synthetic legal clinic", "food", "text/plain",
                     "assessment (unhcr", "interview in ko"):
        assert expected in page.text, expected
    # The assessment section words the engine's outcomes, not its codes.
    assert re.search(r"Refugee status</dt><dd>(met|not met|undetermined)</dd>", page.text)
    assert "<dd>established</dd>" not in page.text and "(UNHCR)" in page.text
    sign_in(client, "admin")
    assert "Synthetic interview record." in client.get(f"/cases/{number}").text


def test_decision_outcomes_are_shown_by_their_label_in_the_readers_language(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    """The decision section names the outcome in words (the workflow vocabulary's labels), as
    do the outcome and modality choices of the transition form; never the stored code."""
    from sqlalchemy import update

    from surplace.cases.models import Case

    number = open_case(web_store, n=9)
    with web_store.session() as session:  # a decided and appealed case, set directly
        session.execute(update(Case).where(Case.case_number == number).values(
            status="appeal_decided", outcome="rejection", appeal_outcome="refugee_status"))
    sign_in(client, "caseworker")
    english = client.get(f"/cases/{number}").text
    assert "<dd>rejection</dd>" in english and "<dd>refugee status</dd>" in english
    assert "refugee_status</" not in english
    client.post("/language", data=form(client, locale="ko", next="/cases"))
    korean = client.get(f"/cases/{number}").text
    assert "<dd>불인정</dd>" in korean and "<dd>난민 지위</dd>" in korean
    assert ">보충적 보호</option>" in korean and ">일반</option>" in korean  # the form's choices
    client.post("/language", data=form(client, locale="zh", next="/cases"))
    chinese = client.get(f"/cases/{number}").text
    assert "<dd>驳回</dd>" in chinese and "<dd>难民身份</dd>" in chinese
