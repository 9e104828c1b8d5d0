"""The work on a case in the browser: the interview form generated from the fact vocabulary
(every fact a labelled field of its kind, wrong fields re-displayed with a message beside them),
running the assessment and reading its draft, and a reviewer's sign-off. Every test runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from httpx import Response

from surplace.assessment import service as assessment_service
from surplace.assessment.loader import default_ruleset
from surplace.cases import service as case_service
from surplace.cases.schemas import CaseIn, InterviewIn
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from tests.web.conftest import WebStore

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
#: Facts under which a DPRK national in China meets the elements of the refugee definition.
FACTS = {"fact-dprk_national": "yes", "fact-outside_dprk": "yes", "fact-location": "china",
         "fact-fears_return": "yes", "fact-unauthorised_exit_or_stay": "unsubstantiated",
         "fact-generally_credible": "yes", "fact-times_crossed": "1",
         "fact-date_left_dprk": "2019-03-01",
         "fact-claim_summary": "Synthetic account: left without permission, fears return."}


def open_case(web_store: WebStore, role: str = "caseworker", *, n: int = 0) -> str:
    """A synthetic case waiting for its interview (registered, regular processing)."""
    actor = web_store.actor(role)
    with web_store.session(role) as session:
        principal = records_service.register_person(session, actor=actor, data=PersonIn(
            names=[NameIn(full_name=f"Synthetic Casework {n}")], sex="F",
            birth_year=1991)).pseudonym
        number = case_service.open_case(session, actor=actor,
                                        data=CaseIn(principal=principal)).case_number
        case_service.transition(session, actor=actor, case=number, name="register")
        case_service.transition(session, actor=actor, case=number, name="decide_processing",
                                inputs={"modality": "regular"})
    return number


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    """An assessed case of the caseworker's; its assessment's page is found by its own case
    even where another module's sample case fills the path."""
    number = open_case(web_store, n=99)
    worker = web_store.actor("caseworker")
    with web_store.session("caseworker") as session:
        case_service.record_interview(session, actor=worker, case=number, data=InterviewIn(
            held_on=date.today(), facts={"dprk_national": True, "outside_dprk": True}))
        ids["assessment_id"] = assessment_service.assess_case(session, actor=worker,
                                                              case=number).id
    ids.setdefault("case_id", number)


def interview(client: TestClient, form: Callable[..., dict[str, str]], number: str,
              **fields: str) -> Response:
    values = {"held_on": date.today().isoformat(), "language": "ko",
              "record": "Synthetic interview record.", **fields}
    response: Response = client.post(f"/cases/{number}/interviews", data=form(client, **values))
    return response


def test_interview_form_has_a_field_of_the_right_kind_for_every_fact(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    number = open_case(web_store, n=1)
    sign_in(client, "caseworker")
    page = client.get(f"/cases/{number}/interviews/new")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    for name, spec in default_ruleset().facts.items():
        assert f'<label for="fact-{name}">' in page.text, name
        tag = {"bool": "select", "enum": "select", "text": "textarea"}.get(spec.type, "input")
        assert re.search(f'<{tag} id="fact-{name}"', page.text), name
    assert re.search(r'<input id="fact-date_left_dprk" name="fact-date_left_dprk" '
                     r'type="date"', page.text)
    assert 'value="unsubstantiated"' in page.text  # testimonial facts may be uncorroborated
    assert "The person is a national of the DPRK (North Korea)." in page.text
    assert f'value="{date.today().isoformat()}"' in page.text  # held today, by default
    case_page = client.get(f"/cases/{number}")
    assert f'href="/cases/{number}/interviews/new"' in case_page.text
    assert f'href="/cases/{number}/assessment"' in case_page.text


def test_interview_recorded_with_its_facts_and_the_case_moves(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=2)
    sign_in(client, "caseworker")
    done = interview(client, form, number, duration_minutes="75", read_back="1",
                     interpreter="Synthetic Interpreter", interpreter_undertaking="1",
                     attendees="Synthetic Lawyer\nSynthetic Social Worker", **FACTS)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/cases/{number}#interviews"
    with web_store.session("caseworker") as session:
        shown = case_service.show_case(session, actor=web_store.actor("caseworker"),
                                       case=number)
    assert shown.status == "interviewed"
    recorded = shown.interviews[0]
    assert recorded.facts == {
        "dprk_national": True, "outside_dprk": True, "location": "china", "fears_return": True,
        "unauthorised_exit_or_stay": "unsubstantiated", "generally_credible": True,
        "times_crossed": 1, "date_left_dprk": "2019-03-01",
        "claim_summary": "Synthetic account: left without permission, fears return."}
    assert recorded.duration_minutes == 75 and recorded.read_back
    assert recorded.interpreter_undertaking and recorded.language == "ko"
    assert recorded.attendees == ["Synthetic Lawyer", "Synthetic Social Worker"]
    page = client.get(f"/cases/{number}")
    for expected in ("Synthetic interview record.", "dprk_national", "2019-03-01",
                     "Synthetic Interpreter"):
        assert expected in page.text, expected


def test_wrong_fields_are_redisplayed_with_a_message_beside_each(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=3)
    sign_in(client, "caseworker")
    wrong = interview(client, form, number, held_on="yesterday", duration_minutes="0",
                      **{"fact-age": "about thirty", "fact-location": "atlantis",
                         "fact-date_left_dprk": "2019-13-45", "fact-dprk_national": "maybe",
                         "fact-credibility_notes": "Synthetic typed notes"})
    assert wrong.status_code == 422
    text = wrong.text
    for field in ("held_on", "duration_minutes", "fact-age", "fact-location",
                  "fact-date_left_dprk", "fact-dprk_national"):
        assert f'id="error-{field}"' in text, field
    assert 'value="yesterday"' in text and 'value="about thirty"' in text
    assert "Synthetic typed notes" in text and "Synthetic interview record." in text
    assert "The interview was not recorded" in text
    contradictory = interview(client, form, number, **{"fact-outside_dprk": "yes",
                                                      "fact-location": "dprk"})
    assert contradictory.status_code == 422
    for field in ("fact-outside_dprk", "fact-location"):
        assert re.search(f'id="error-{field}"[^>]*>[^<]*not outside',
                         contradictory.text), field
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = interview(client, form, number, held_on=tomorrow)
    assert future.status_code == 422
    assert re.search(r'id="error-held_on"[^>]*>[^<]*future', future.text)
    with web_store.session("caseworker") as session:
        shown = case_service.show_case(session, actor=web_store.actor("caseworker"),
                                       case=number)
    assert shown.interviews == [] and shown.status == "processing_decided"


def test_assessment_run_shows_a_draft_that_follows_from_the_facts(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    outside, inside = open_case(web_store, n=4), open_case(web_store, n=5)
    sign_in(client, "caseworker")
    assert interview(client, form, outside, **FACTS).status_code == 303
    assert interview(client, form, inside, **{**FACTS, "fact-outside_dprk": "no",
                                              "fact-location": "dprk"}
                     ).status_code == 303
    choose = client.get(f"/cases/{outside}/assessment")
    assert choose.status_code == 200 and 'value="uk"' in choose.text
    pages = {}
    for number in (outside, inside):
        run = client.post(f"/cases/{number}/assessment", data=form(client, jurisdiction="uk"))
        assert run.status_code == 303, run.text
        assert run.headers["location"].startswith(f"/cases/{number}/assessments/")
        pages[number] = client.get(run.headers["location"])
        assert pages[number].status_code == 200
    met, not_met = pages[outside].text, pages[inside].text
    for text in (met, not_met):
        assert "Draft written assessment" in text and "Questions to ask next" in text
        assert "Synthetic account: left without permission, fears return." in text
        assert "The person is a national of the DPRK (North Korea). — yes" in text
        assert "jurisdiction uk" in text
        assert "Does the person hold Chinese nationality" in text  # an unknown fact, asked
    assert "Outside the country of nationality: met." in met
    assert "Where the person is now. — china" in met
    assert "Outside the country of nationality: not met." in not_met
    assert "Where the person is now. — dprk" in not_met
    assert re.search(r"Refugee status</dt><dd[^>]*>not met<", not_met)
    with web_store.session("caseworker") as session:
        listed = assessment_service.list_assessments(
            session, actor=web_store.actor("caseworker"), case=outside)
        shown = case_service.show_case(session, actor=web_store.actor("caseworker"),
                                       case=outside)
    assert len(listed) == 1 and listed[0].jurisdiction == "uk" and shown.status == "assessed"
    case_page = client.get(f"/cases/{outside}")
    assert f'href="/cases/{outside}/assessments/{listed[0].id}"' in case_page.text
    draft = client.get(f"/cases/{outside}/assessments/{listed[0].id}/draft.html")
    assert draft.status_code == 200
    assert draft.headers["content-disposition"].startswith("attachment;")
    assert "DRAFT" in draft.text and "Outside the country of nationality: met." in draft.text
    wrong_case = client.get(f"/cases/{inside}/assessments/{listed[0].id}")
    assert wrong_case.status_code == 303
    assert wrong_case.headers["location"] == f"/cases/{outside}/assessments/{listed[0].id}"
    bad = client.post(f"/cases/{outside}/assessment", data=form(client, jurisdiction="mars"))
    assert bad.status_code == 422 and 'id="error-jurisdiction"' in bad.text


def test_review_by_someone_else_agrees_and_a_disagreement_needs_reasons(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=6)
    sign_in(client, "admin")
    interview(client, form, number, **FACTS)
    run = client.post(f"/cases/{number}/assessment", data=form(client))
    page_url = run.headers["location"]
    review_url = f"{page_url}/review"
    own = client.get(page_url)
    assert own.status_code == 200 and 'name="verdict"' not in own.text  # not one's own
    refused = client.post(review_url, data=form(client, verdict="agree"))
    assert refused.status_code == 422
    assert re.search(r'id="error-verdict"[^>]*>[^<]*someone else', refused.text)
    sign_in(client, "caseworker")
    assert 'name="verdict"' in client.get(page_url).text
    bare = client.post(review_url, data=form(client, verdict="disagree",
                                             reasons="  "))
    assert bare.status_code == 422 and 'id="error-reasons"' in bare.text
    agreed = client.post(review_url, data=form(client, verdict="agree",
                                               reasons="Synthetic reviewer note."))
    assert agreed.status_code == 303
    shown = client.get(page_url)
    assert "Synthetic reviewer note." in shown.text and "agrees" in shown.text
    with web_store.session("caseworker") as session:
        assert case_service.show_case(session, actor=web_store.actor("caseworker"),
                                      case=number).status == "reviewed"


def test_refused_roles_get_403_and_other_caseworkers_cases_stay_closed(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=7)
    ids: dict[str, str] = {}
    add_sample_ids(web_store, ids)
    case, assessment = ids["case_id"], ids["assessment_id"]
    for role in ("researcher", "analyst", "viewer"):
        sign_in(client, role)
        assert client.get(f"/cases/{number}/interviews/new").status_code == 403, role
        assert interview(client, form, number).status_code == 403, role
        assert client.post(f"/cases/{number}/assessment",
                           data=form(client)).status_code == 403, role
        assert client.get(f"/cases/{case}/assessments/{assessment}").status_code == 403, role
        assert client.post(f"/cases/{case}/assessments/{assessment}/review",
                           data=form(client, verdict="agree")).status_code == 403, role
    other = open_case(web_store, "admin", n=8)  # not the caseworker's
    sign_in(client, "caseworker")
    assert client.get(f"/cases/{other}/interviews/new").status_code == 403
    assert interview(client, form, other, **FACTS).status_code == 403
    assert client.post(f"/cases/{other}/assessment", data=form(client)).status_code == 403
    assert client.get("/cases/C-0000-99999/interviews/new").status_code == 404


def test_script_in_every_text_field_is_inert(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=9)
    sign_in(client, "caseworker")
    hostile = {"record": SCRIPT, "interpreter": SCRIPT, "attendees": SCRIPT,
               "applicant_comments": SCRIPT, "fact-claim_summary": SCRIPT,
               "fact-credibility_notes": SCRIPT}
    redisplayed = interview(client, form, number, held_on="never", **hostile)
    assert redisplayed.status_code == 422
    assert "<script>" not in redisplayed.text
    assert redisplayed.text.count(ESCAPED) >= len(hostile)
    assert interview(client, form, number, **{**FACTS, **hostile}
                     ).status_code == 303
    run = client.post(f"/cases/{number}/assessment", data=form(client))
    sign_in(client, "admin")
    review = client.post(f"{run.headers['location']}/review",
                         data=form(client, verdict="disagree", reasons=SCRIPT))
    assert review.status_code == 303
    for url in (f"/cases/{number}", run.headers["location"]):
        page = client.get(url)
        assert page.status_code == 200 and "<script>" not in page.text, url
        assert ESCAPED in page.text, url
    draft = client.get(f"{run.headers['location']}/draft.html")
    assert "<script>" not in draft.text and ESCAPED in draft.text


def test_interview_form_and_assessment_in_korean_and_chinese(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    number = open_case(web_store, n=10)
    sign_in(client, "caseworker")
    client.post("/language", data=form(client, locale="ko", next="/cases"))
    page = client.get(f"/cases/{number}/interviews/new")
    for korean in ("면담 기록하기", "북한 국적", "국적과 현재 위치", "모름", "중국",
                   "면담 기록"):
        assert korean in page.text, korean
    assert "Record an interview" not in page.text
    interview(client, form, number, **FACTS)
    run = client.post(f"/cases/{number}/assessment", data=form(client))
    shown = client.get(run.headers["location"])
    for korean in ("서면 평가 초안", "규칙별 판단", "충족", "다음에 물어볼 질문"):
        assert korean in shown.text, korean
    client.post("/language", data=form(client, locale="zh", next="/cases"))
    chinese = client.get(run.headers["location"])
    for text in ("书面评估草稿", "逐条规则的认定", "满足"):
        assert text in chinese.text, text
    assert "朝鲜国籍" in client.get(f"/cases/{number}/interviews/new").text
