"""What keeps pages fast under many users without giving anything up, on SQLite and PostgreSQL.

- A page (GET) reads in a read-only transaction: on SQLite it takes no write lock, so pages are
  served while another transaction holds the lock, and two readers overlap.
- A read-only transaction refuses to write, and its reads of sensitive fields still reach the
  audit chain (in a write of their own, committed before the caller goes on).
- Who is signed in is asked of the store on every request: a session revoked by "sign out
  everywhere" stops working at the next request; the last-seen time still moves on.
- SQLite's planner has statistics (``surplace serve`` gathers them), so it picks the right index.
- ``surplace serve --workers N`` refuses a prompt for the passphrase (each worker unlocks).
- Each page sends at most a fixed number of SQL statements (the case page reads each of the
  case's tables once for its file, timeline and assessments), whatever the case holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from surplace.access import auth
from surplace.access.models import UserSession
from surplace.cases import service as case_service
from surplace.cases.models import Case
from surplace.cases.schemas import CaseIn
from surplace.incidents import service as incident_service
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.store.base import as_utc
from surplace.store.engine import WriteInReadOnlySession, refresh_statistics
from surplace.vault.audit import AuditEntry
from surplace.web.app import create_app
from surplace.web.middleware import SESSION_COOKIE
from tests.web.conftest import WebStore


def _open_case(web_store: WebStore, summary: str = "Synthetic summary.") -> str:
    with web_store.session("caseworker") as session:
        person = records_service.register_person(
            session, actor=web_store.actor("caseworker"),
            data=PersonIn(names=[NameIn(full_name="Synthetic Latency Person")], sex="F",
                          birth_year=1990))
        return case_service.open_case(session, actor=web_store.actor("caseworker"), data=CaseIn(
            principal=person.pseudonym, summary=summary)).case_number


def _audited_reads(web_store: WebStore,
                   object_type: str) -> list[tuple[str | None, str | None]]:
    with web_store.session() as session:
        return [(row.object_id, row.field) for row in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "read",
                                     AuditEntry.object_type == object_type))]


def test_pages_are_served_while_a_writer_holds_the_store(
        web_store: WebStore, client: TestClient,
        sign_in: Callable[..., TestClient]) -> None:
    number = _open_case(web_store)
    sign_in(client, "admin")
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with web_store.session() as session:
            session.execute(update(Case).where(Case.case_number == number)
                            .values(risk="high"))
            held.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(30)
        # The case list decrypts nothing, so it needs nothing written: on SQLite a page that
        # took the write lock would wait here for the writer (and fail after busy_timeout).
        answered: list[int] = []
        reader = threading.Thread(target=lambda: answered.append(client.get("/cases").status_code))
        reader.start()
        reader.join(5)
        assert answered == [200]
    finally:
        release.set()
        thread.join(30)


def test_two_read_only_transactions_overlap(web_store: WebStore) -> None:
    store = web_store.unlocked.store
    keyring = web_store.unlocked.keyring
    _open_case(web_store)
    first_open, second_done = threading.Event(), threading.Event()
    counts: list[int] = []

    def first() -> None:
        with store.session(keyring=keyring, read_only=True) as session:
            counts.append(int(session.scalar(select(func.count()).select_from(Case)) or 0))
            first_open.set()
            second_done.wait(10)  # still inside its transaction while the second one runs

    def second() -> None:
        first_open.wait(10)
        with store.session(keyring=keyring, read_only=True) as session:
            counts.append(int(session.scalar(select(func.count()).select_from(Case)) or 0))
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert second_done.is_set()
    assert counts == [1, 1]


def test_a_read_only_transaction_refuses_to_write(web_store: WebStore) -> None:
    number = _open_case(web_store)
    store, keyring = web_store.unlocked.store, web_store.unlocked.keyring
    with pytest.raises(WriteInReadOnlySession), store.session(
            keyring=keyring, read_only=True) as session:
        found = session.scalars(select(Case).where(Case.case_number == number)).one()
        found.risk = "high"
        session.flush()
    with web_store.session() as session:
        assert session.scalar(select(Case.risk).where(Case.case_number == number)) == "normal"


def test_reads_in_a_read_only_transaction_are_audited(web_store: WebStore) -> None:
    number = _open_case(web_store, summary="Synthetic summary to read.")
    store, keyring = web_store.unlocked.store, web_store.unlocked.keyring
    actor_id = web_store.user_ids["admin"]
    with store.session(keyring=keyring, actor_id=actor_id, read_only=True) as session:
        found = session.scalars(select(Case).where(Case.case_number == number)).one()
        assert found.summary == "Synthetic summary to read."
        case_id = found.id
    assert (case_id, "summary") in _audited_reads(web_store, "protection_case")
    with pytest.raises(LookupError), store.session(keyring=keyring, actor_id=actor_id,
                                                   read_only=True) as session:
        found = session.scalars(select(Case).where(Case.case_number == number)).one()
        assert found.languages is not None or found.languages is None
        raise LookupError("a failure after the read")
    assert (case_id, "languages") in _audited_reads(web_store, "protection_case")


def test_a_case_page_audits_its_reads_as_the_signed_in_user(
        web_store: WebStore, client: TestClient,
        sign_in: Callable[..., TestClient]) -> None:
    number = _open_case(web_store)
    sign_in(client, "caseworker")
    assert client.get(f"/cases/{number}").status_code == 200
    with web_store.session() as session:
        case_id = session.scalar(select(Case.id).where(Case.case_number == number))
        readers = set(session.scalars(select(AuditEntry.actor_id).where(
            AuditEntry.action == "read", AuditEntry.object_id == case_id)))
    assert readers == {web_store.user_ids["caseworker"]}


def test_sign_out_everywhere_stops_every_session_at_the_next_request(
        web_store: WebStore, app: FastAPI, sign_in: Callable[..., TestClient]) -> None:
    with TestClient(app, follow_redirects=False) as first, \
            TestClient(app, follow_redirects=False) as second:
        sign_in(first, "viewer")
        sign_in(second, "viewer")
        assert first.get("/").status_code == 200
        assert second.get("/").status_code == 200
        with web_store.session("viewer") as session:
            assert auth.sign_out_everywhere(session, actor=web_store.actor("viewer")) == 2
        for browser in (first, second):
            response = browser.get("/")
            assert response.status_code == 303
            assert "/sign-in" in response.headers["location"]


def test_the_last_seen_time_still_moves_on(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    sign_in(client, "viewer")
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    with web_store.session() as session:
        row = session.scalars(select(UserSession).where(
            UserSession.token_digest == auth.digest(token))).one()
        seen_before = as_utc(row.last_seen_at)
        assert seen_before is not None
        earlier = seen_before - 2 * auth.TOUCH_EVERY
        row.last_seen_at = earlier
        row_id = row.id
    assert client.get("/").status_code == 200
    with web_store.session() as session:
        seen = session.get(UserSession, row_id)
        assert seen is not None
        moved = as_utc(seen.last_seen_at)
        assert moved is not None
        assert moved - earlier > timedelta(minutes=1)


def test_statistics_lead_the_planner_to_the_case_index(web_store: WebStore) -> None:
    """One administrator assigned to every case: without statistics SQLite walked every
    assignment of that user to find one case's (see ``refresh_statistics``)."""
    store = web_store.unlocked.store
    for _ in range(3):
        _open_case(web_store)
    refresh_statistics(store)
    if store.is_postgres:
        # The server's autovacuum may be off: the store's own tables are analysed at start.
        with store.engine.connect() as connection:
            analysed = {row[0] for row in connection.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)")}
        assert {"protection_case", "case_assignment", "record", "audit_entry"} <= analysed
        return
    with store.engine.connect() as connection:
        analysed = {row[0] for row in connection.exec_driver_sql(
            "SELECT tbl FROM sqlite_stat1")}
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM case_assignment WHERE case_id = ? AND "
            "user_id = ? AND ended_at IS NULL", ("a", "b")))
    assert {"protection_case", "case_assignment"} <= analysed
    assert "ix_case_assignment_case_id" in plan


def test_serve_with_workers_needs_the_passphrase_without_a_prompt(
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from surplace.cli.common import UsageProblem
    from surplace.cli.main import app as cli

    monkeypatch.delenv("SURPLACE_PASSPHRASE", raising=False)
    monkeypatch.delenv("SURPLACE_KEY_FILE", raising=False)
    result = CliRunner().invoke(cli, ["--store", str(tmp_path), "serve", "--workers", "2"])
    assert isinstance(result.exception, UsageProblem)
    assert "SURPLACE_PASSPHRASE or --key-file" in str(result.exception)


# ---- statements per page ----------------------------------------------------------------
#
# CPU per page request is mostly SQLAlchemy's cost per statement, so the number of statements a
# page sends is what keeps it fast (issue 7, ``benchmarks/web_profile.py``). Each bound below is
# what the page sends now, counted whatever the back end (the identity look-up, the page's
# transaction, the audit write of its sealed reads): a change that reads a table twice, or a
# row per item of a list, fails here.

#: Most statements each page may send, by page and role.
STATEMENT_BOUNDS: dict[tuple[str, str], int] = {
    ("case page", "caseworker"): 25,
    ("case page", "admin"): 24,
    ("case list", "admin"): 9,
    ("incident list", "admin"): 13,
    ("dashboard", "admin"): 15,
}


def _statements(web_store: WebStore, client: TestClient, path: str) -> int:
    from sqlalchemy import event

    engine = web_store.unlocked.store.engine
    sent: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(sent)


def _full_case(web_store: WebStore) -> str:
    """A case with something in every part of its file: steps, an interview, an assessment,
    assistance, an intervention, an alert, a family member."""
    from datetime import date

    from surplace.assessment import service as assessment_service
    from surplace.cases.schemas import InterviewIn, MemberIn
    from surplace.cases.work_schemas import AlertIn, AssistanceIn, InterventionIn

    worker = web_store.actor("caseworker")
    with web_store.session("caseworker") as session:
        member = records_service.register_person(session, actor=worker, data=PersonIn(
            names=[NameIn(full_name="Synthetic Latency Relative")], sex="M", birth_year=2012))
    number = _open_case(web_store)
    with web_store.session("caseworker") as session:
        case_service.add_member(session, actor=worker, case=number,
                                data=MemberIn(person=member.pseudonym, relationship="child"))
        case_service.transition(session, actor=worker, case=number, name="register")
        case_service.transition(session, actor=worker, case=number, name="decide_processing",
                                inputs={"modality": "regular"})
        case_service.record_interview(session, actor=worker, case=number, data=InterviewIn(
            held_on=date.today(), language="ko", record="Synthetic interview record.",
            facts={"dprk_national": True, "outside_dprk": True, "fears_return": True}))
        assessment_service.assess_case(session, actor=worker, case=number)
        case_service.record_assistance(session, actor=worker, case=number,
                                       data=AssistanceIn(kind="food", quantity=2))
        case_service.start_intervention(session, actor=worker, case=number,
                                        data=InterventionIn(kind="legal_aid"))
        case_service.raise_alert(session, actor=worker, case=number,
                                 data=AlertIn(kind="detained"))
    return number


def test_each_page_sends_a_bounded_number_of_statements(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    number = _full_case(web_store)
    for _ in range(3):
        _open_case(web_store)
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)
        for n in range(3):  # a list line shows its place's code and its acts' types
            incident_service.add_incident(
                session, actor=web_store.actor("admin"),
                data={"title": f"Synthetic guarded incident {n}", "place": "Tumen"})
    counted: dict[tuple[str, str], int] = {}
    sign_in(client, "caseworker")
    client.get(f"/cases/{number}")  # the session's last-seen time is moved on: not counted
    counted["case page", "caseworker"] = _statements(web_store, client, f"/cases/{number}")
    sign_in(client, "admin")
    client.get("/")
    counted["case page", "admin"] = _statements(web_store, client, f"/cases/{number}")
    counted["case list", "admin"] = _statements(web_store, client, "/cases")
    counted["incident list", "admin"] = _statements(web_store, client, "/incidents")
    counted["dashboard", "admin"] = _statements(web_store, client, "/")
    over = {page: (count, STATEMENT_BOUNDS[page]) for page, count in counted.items()
            if count > STATEMENT_BOUNDS[page]}
    assert not over, f"statements (sent, bound) per page: {over}; all: {counted}"


def test_the_case_page_reads_each_table_of_the_case_once(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    """The file, the timeline and the assessment list share one read of each table."""
    from sqlalchemy import event

    number = _full_case(web_store)
    sign_in(client, "caseworker")
    client.get(f"/cases/{number}")
    engine = web_store.unlocked.store.engine
    tables: list[str] = []

    def note_table(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        words = statement.split()
        if words and words[0] == "SELECT" and "FROM" in words:
            tables.append(words[words.index("FROM") + 1])

    event.listen(engine, "before_cursor_execute", note_table)
    try:
        assert client.get(f"/cases/{number}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note_table)
    for table in ("case_transition", "interview", "case_alert", "intervention", "assistance",
                  "referral", "consent", "assessment", "case_member"):
        assert tables.count(table) == 1, (table, tables)


def test_a_worker_handles_as_many_requests_at_once_as_its_settings_say(
        web_store: WebStore) -> None:
    settings = web_store.settings.model_copy(update={"web_threads": 3})

    async def at_once() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    with TestClient(create_app(web_store.unlocked, settings=settings)) as client:
        assert client.portal is not None
        assert client.portal.call(at_once) == 3
        assert client.get("/sign-in").status_code == 200
