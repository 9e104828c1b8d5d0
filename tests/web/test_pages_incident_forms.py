"""Documenting an incident in the browser: the incident form, then the act form on its page (a
forced return with its own fields, a perpetrator unit and the source that tells of it), each
re-displayed with the input and a message beside every wrong field; refused roles get 403;
hostile text is inert wherever it is typed. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from surplace.incidents import service as incident_service
from surplace.incidents.models import Act, Incident, Information
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.records.sources import SourceIn, add_source
from tests.web.conftest import WebStore

#: Invented; any likeness to a real person is chance.
VICTIM_NAME = "합성서식가"
VICTIM_LATIN = "Synthetic Formact-victim"
SOURCE = "SYN-FORM-1"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def prepare(web_store: WebStore) -> str:
    """The gazetteer, one graded source and one synthetic person; returns the pseudonym."""
    admin = web_store.actor("admin")
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)
        add_source(session, actor=admin, data=SourceIn(code=SOURCE, kind="organisation",
                                                       reliability="C", name="Synthetic org"))
        return records_service.register_person(session, actor=admin, data=PersonIn(
            names=[NameIn(full_name=VICTIM_NAME, script="hangul"),
                   NameIn(full_name=VICTIM_LATIN)], sex="F", birth_year=1993)).pseudonym


def counts(web_store: WebStore) -> tuple[int, int, int]:
    with web_store.session("admin") as session:
        return tuple(int(session.scalar(select(func.count()).select_from(table)) or 0)
                     for table in (Incident, Act, Information))  # type: ignore[return-value]


def beside(page: str, field: str) -> str:
    """The message shown beside ``field`` ('' when there is none)."""
    found = re.search(rf'id="error-{field}"[^>]*>([^<]*)<', page)
    return found.group(1) if found else ""


FORCED_RETURN = {
    "act_type": "forced_return", "date": "2024-03-12", "place": "Tumen",
    "victim_status": "handed_over", "unit": "cn_border_police",
    "degree": "direct_perpetrator", "return_from_place": "CN-JL-tumen",
    "handed_to_unit": "kp_mss", "crossing_point": "X-tumen-namyang",
    "consequences": "Synthetic consequences.", "source": SOURCE, "connection": "witness",
    "reliability": "B", "credibility": "2", "content": "Synthetic account of the return."}


@pytest.mark.parametrize("role", ["researcher", "caseworker"])
def test_document_an_incident_and_a_forced_return_act(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]], role: str) -> None:
    pseudonym = prepare(web_store)
    sign_in(client, role)
    listed = client.get("/incidents")
    assert 'href="/incidents/new"' in listed.text
    blank = client.get("/incidents/new")
    assert blank.status_code == 200 and 'name="csrf_token"' in blank.text
    assert 'list="places"' in blank.text and '<option value="CN-JL-tumen">' in blank.text
    made = client.post("/incidents", data=form(
        client, title="Synthetic return at Tumen", date="2024-03", place="도문",
        monitoring_status="investigating", description="Synthetic description."))
    assert made.status_code == 303, made.text
    incident_id = made.headers["location"].rsplit("/", 1)[-1]
    page = client.get(made.headers["location"])
    assert page.status_code == 200
    for expected in ("Synthetic return at Tumen", "Synthetic description.", "CN-JL-tumen",
                     "month known", "under investigation", f'/incidents/{incident_id}/acts'):
        assert expected in page.text, expected
    act_form = client.get(f"/incidents/{incident_id}/acts")
    assert act_form.status_code == 200 and "Synthetic return at Tumen" in act_form.text
    assert f'<option value="{SOURCE}">' in act_form.text
    added = client.post(f"/incidents/{incident_id}/acts",
                        data=form(client, victim=pseudonym, **FORCED_RETURN))
    assert added.status_code == 303, added.text
    assert added.headers["location"].startswith(f"/incidents/{incident_id}#act-")
    shown = client.get(f"/incidents/{incident_id}")
    for expected in ("forced return (refoulement)", pseudonym,
                     "border police, National Immigration Administration",
                     "direct perpetrator", "handed over to DPRK authorities", SOURCE, ">B2<",
                     "X-tumen-namyang", "Handed over to</dt><dd>Ministry of State Security",
                     "Crossing point", "Synthetic consequences."):
        assert expected in shown.text, expected
    assert "kp_mss" not in shown.text and "handed to unit" not in shown.text
    assert VICTIM_NAME not in shown.text and VICTIM_LATIN not in shown.text
    by_type = client.get("/incidents", params={"act_type": "forced_return"})
    assert f"/incidents/{incident_id}" in by_type.text
    other = client.get("/incidents", params={"act_type": "arrest"})
    assert f"/incidents/{incident_id}" not in other.text
    with web_store.session(role) as session:
        stored = incident_service.show_incident(session, actor=web_store.actor(role),
                                                incident_id=incident_id)
    assert stored.start_precision == "month" and str(stored.start_date) == "2024-03-01"
    act = stored.act_list[0]
    assert act.documented and act.victim == pseudonym and act.province == "CN-JL"
    assert act.extensions == {"return_from_place": "CN-JL-tumen", "handed_to_unit": "kp_mss",
                              "crossing_point": "X-tumen-namyang"}
    assert [(i.source, i.grade, i.link_status) for i in act.information] == [
        (SOURCE, "B2", "linked")]


def test_an_act_without_a_source_is_added_but_not_counted(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    pseudonym = prepare(web_store)
    sign_in(client, "researcher")
    made = client.post("/incidents", data=form(client, title="Synthetic arrest", date="2021"))
    incident_id = made.headers["location"].rsplit("/", 1)[-1]
    added = client.post(f"/incidents/{incident_id}/acts", data=form(
        client, act_type="arrest", victim=pseudonym, date="2021-06", detention_kind="unknown",
        legal_counsel="no", whereabouts="Synthetic whereabouts."))
    assert added.status_code == 303, added.text
    shown = client.get(f"/incidents/{incident_id}")
    assert "arrest" in shown.text and "not yet: no source attached" in shown.text
    assert "year known" in shown.text and "month known" in shown.text
    assert counts(web_store)[2] == 0
    month_end = client.post(f"/incidents/{incident_id}/acts", data=form(
        client, act_type="arrest", victim=pseudonym, date="2021-06", end_date="2021-07"))
    assert month_end.status_code == 422 and "YYYY-MM-DD" in beside(month_end.text, "end_date")


def test_incident_form_redisplays_the_input_with_a_message_beside_each_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    prepare(web_store)
    sign_in(client, "researcher")
    before = counts(web_store)
    wrong = client.post("/incidents", data=form(
        client, title=" ", date="March", end_date="2024-02-30",
        description="Synthetic kept description"))
    assert wrong.status_code == 422
    assert "title" in beside(wrong.text, "title").lower()
    assert "YYYY-MM-DD" in beside(wrong.text, "date")
    assert "calendar" in beside(wrong.text, "end_date")
    assert 'value="March"' in wrong.text and "Synthetic kept description" in wrong.text
    nowhere = client.post("/incidents", data=form(client, title="Synthetic", place="Atlantis"))
    assert nowhere.status_code == 422
    assert "gazetteer" in beside(nowhere.text, "place") and 'value="Atlantis"' in nowhere.text
    assert "Atlantis" not in beside(nowhere.text, "place")  # kept in the field, not repeated
    near = client.post("/incidents", data=form(client, title="Synthetic", place="Tumenn"))
    assert "did you mean" in beside(near.text, "place") and "Tumen" in beside(near.text, "place")
    future = client.post("/incidents", data=form(client, title="Synthetic", date="2999-01-02"))
    assert "future" in beside(future.text, "date")
    backwards = client.post("/incidents", data=form(client, title="Synthetic",
                                                    date="2024-05-02", end_date="2024-05-01"))
    assert "before" in beside(backwards.text, "end_date")
    assert counts(web_store) == before


def test_act_form_redisplays_the_input_with_a_message_beside_each_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    pseudonym = prepare(web_store)
    sign_in(client, "researcher")
    incident_id = client.post("/incidents", data=form(
        client, title="Synthetic")).headers["location"].rsplit("/", 1)[-1]
    before = counts(web_store)
    url = f"/incidents/{incident_id}/acts"
    empty = client.post(url, data=form(client, date="2024-13", method="Synthetic method",
                                       content="Synthetic words"))
    assert empty.status_code == 422
    for field in ("act_type", "victim", "date", "source"):
        assert beside(empty.text, field), field
    assert "Synthetic method" in empty.text and "Synthetic words" in empty.text
    misplaced = client.post(url, data=form(client, act_type="forced_return", victim=pseudonym,
                                           method="Synthetic method"))
    assert misplaced.status_code == 422 and "does not apply" in beside(misplaced.text, "method")
    # A name typed where a pseudonym belongs is refused without being repeated.
    named = client.post(url, data=form(client, act_type="forced_return", victim=VICTIM_LATIN))
    assert named.status_code == 422
    assert "no person" in beside(named.text, "victim")
    assert VICTIM_LATIN not in beside(named.text, "victim")
    unknown = client.post(url, data=form(client, act_type="forced_return", victim="P-NOSUCH-1"))
    assert "P-NOSUCH-1" in beside(unknown.text, "victim")
    no_connection = client.post(url, data=form(client, act_type="forced_return",
                                               victim=pseudonym, source=SOURCE))
    assert no_connection.status_code == 422 and beside(no_connection.text, "connection")
    forged = client.post(url, data=form(client, **{
        **FORCED_RETURN, "victim": pseudonym, "source": "SYN-NOPE"}))
    assert forged.status_code == 422 and "SYN-NOPE" in beside(forged.text, "source")
    assert 'value="X-tumen-namyang"' in forged.text  # the rest of the input is kept
    bad_place = client.post(url, data=form(client, **{
        **FORCED_RETURN, "victim": pseudonym, "crossing_point": "Nowhere Bridge"}))
    assert "gazetteer" in beside(bad_place.text, "crossing_point")
    bad_unit = client.post(url, data=form(client, **{
        **FORCED_RETURN, "victim": pseudonym, "unit": "cn_bordr"}))
    assert "cn_border_police" in beside(bad_unit.text, "unit")
    assert counts(web_store) == before  # the refused claim took its act with it
    assert client.post("/incidents/NO-SUCH/acts", data=form(
        client, victim=pseudonym, **FORCED_RETURN)).status_code == 404


def test_roles_without_incident_write_are_refused(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    pseudonym = prepare(web_store)
    with web_store.session("admin") as session:
        incident_id = incident_service.add_incident(session, actor=web_store.actor("admin"),
                                                    data={"title": "Synthetic"}).id
    before = counts(web_store)
    for role in ("analyst", "viewer"):
        sign_in(client, role)
        assert client.get("/incidents/new").status_code == 403
        assert client.get(f"/incidents/{incident_id}/acts").status_code == 403
        assert client.post("/incidents", data=form(client, title="Synthetic")
                           ).status_code == 403
        assert client.post(f"/incidents/{incident_id}/acts", data=form(
            client, victim=pseudonym, **FORCED_RETURN)).status_code == 403
    assert counts(web_store) == before
    sign_in(client, None)
    assert client.get("/incidents/new").headers["location"].startswith("/sign-in")


def test_script_typed_into_every_text_field_is_inert(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    pseudonym = prepare(web_store)
    sign_in(client, "researcher")
    refused = client.post("/incidents", data=form(client, title=SCRIPT, date=SCRIPT,
                                                  end_date=SCRIPT, place=SCRIPT,
                                                  description=SCRIPT))
    assert refused.status_code == 422 and "<script>" not in refused.text
    assert refused.text.count(ESCAPED) >= 5
    made = client.post("/incidents", data=form(client, title=SCRIPT, description=SCRIPT))
    incident_id = made.headers["location"].rsplit("/", 1)[-1]
    url = f"/incidents/{incident_id}/acts"
    every = dict.fromkeys(("victim", "date", "end_date", "place", "consequences",
                           "return_from_place", "crossing_point", "detention_place",
                           "whereabouts", "method", "content"), SCRIPT)
    shown_back = client.post(url, data=form(client, act_type=SCRIPT, unit=SCRIPT,
                                            source=SCRIPT, connection=SCRIPT, **every))
    assert shown_back.status_code == 422 and "<script>" not in shown_back.text
    assert shown_back.text.count(ESCAPED) >= len(every)
    for act_type, fields in (("arrest", {"whereabouts": SCRIPT}),
                             ("torture", {"method": SCRIPT})):
        added = client.post(url, data=form(
            client, act_type=act_type, victim=pseudonym, consequences=SCRIPT, source=SOURCE,
            connection="witness", content=SCRIPT, **fields))
        assert added.status_code == 303, added.text
    for page in (client.get(f"/incidents/{incident_id}"), client.get("/incidents"),
                 client.get(url)):
        assert page.status_code == 200 and "<script>" not in page.text
        assert ESCAPED in page.text
    assert client.get(f"/incidents/{incident_id}").text.count(ESCAPED) >= 4


def test_forms_in_korean_and_chinese(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    prepare(web_store)
    sign_in(client, "researcher")
    client.post("/language", data=form(client, locale="ko", next="/incidents/new"))
    korean = client.get("/incidents/new")
    assert '<html lang="ko">' in korean.text and "사건 기록하기" in korean.text
    assert "도문 (CN-JL-tumen)" in korean.text  # places named in the reader's language
    wrong = client.post("/incidents", data=form(client, title="Synthetic", date="March"))
    assert "YYYY-MM-DD, YYYY-MM 또는 YYYY" in beside(wrong.text, "date")
    incident_id = client.post("/incidents", data=form(
        client, title="Synthetic")).headers["location"].rsplit("/", 1)[-1]
    client.post("/language", data=form(client, locale="zh", next="/incidents"))
    chinese = client.get(f"/incidents/{incident_id}/acts")
    for expected in ("添加行为", "强制遣返", "来源及其可靠性", "国家移民管理局"):
        assert expected in chinese.text, expected
    assert "Add the act" not in chinese.text
