"""Security of every response: headers, CSRF on every unsafe route, error pages that show no
traceback, SQL or identity, a locked or unreachable store answered with a clear page, and stored
markup rendered inert."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from surplace.access import auth, users
from surplace.access.models import User
from surplace.config import Settings
from surplace.store.engine import Store, open_store
from surplace.vault.service import Unlocked
from surplace.web.app import create_app
from surplace.web.deps import SessionDep
from surplace.web.middleware import CSP
from surplace.web.routes import app_routes
from tests.web.conftest import PASSWORD, TEST_HASHER, WebStore
from tests.web.test_access_matrix import SAFE, _fill

HOSTILE = '<script>alert("x")</script>'
#: An invented name standing for an identity that must never reach a page or a log.
SYNTHETIC_IDENTITY = "Synthetic Hidden-name"


def _check_headers(response: Any, where: str) -> None:
    headers = response.headers
    assert headers.get("content-security-policy") == CSP, where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("cache-control") == "no-store", where


def test_security_headers_and_no_inline_code_on_every_page(
        app: FastAPI, client: TestClient, sign_in: Callable[..., TestClient],
        sample_ids: dict[str, str]) -> None:
    pages = 0
    for role in ("admin", None):
        sign_in(client, role)
        for method, template in app_routes(app):
            url = _fill(template, sample_ids)
            if method not in SAFE or url is None:
                continue
            response = client.get(url)
            _check_headers(response, f"GET {template} as {role}")
            if response.headers.get("content-type", "").startswith("text/html"):
                pages += 1
                # The CSP forbids inline code; the pages must not need it.
                assert "<script" not in response.text, template
                assert not re.search(r"\sstyle=|\son[a-z]+=", response.text), template
    assert pages > 5
    for url in ("/no/such/page", "/api/v1/no-such-resource"):
        _check_headers(client.get(url), url)
    static = client.get("/static/style.css")
    assert static.status_code == 200 and static.headers["x-content-type-options"] == "nosniff"
    assert static.headers.get("cache-control") != "no-store"  # the stylesheet may be cached


def test_every_unsafe_route_refuses_a_missing_or_foreign_csrf_token(
        app: FastAPI, client: TestClient, sign_in: Callable[..., TestClient],
        sample_ids: dict[str, str], web_store: WebStore) -> None:
    with TestClient(app) as other:
        sign_in(other, "admin")
        foreign = {"csrf_token": other.get("/account").text.split(
            'name="csrf_token" value="')[1].split('"')[0]}
    sign_in(client, "admin")
    checked = 0
    with web_store.session() as session:
        before = session.scalar(select(User.id).order_by(User.id).limit(1))
        count_before = len(session.scalars(select(User.id)).all())
    for method, template in app_routes(app):
        url = _fill(template, sample_ids)
        if method in SAFE or url is None:
            continue
        for data in (None, {"name": "forged", "role": "admin", "password": "x" * 20,
                            "confirm_password": "x" * 20}, foreign):
            response = client.request(method, url, data=data)
            assert response.status_code == 403, f"{method} {template} with {data}"
            if not url.startswith("/api/"):
                assert "did not come from this site" in response.text
        checked += 1
    assert checked >= 15
    with web_store.session() as session:  # nothing was created by the forged posts
        assert len(session.scalars(select(User.id)).all()) == count_before
        assert session.scalar(select(User.id).order_by(User.id).limit(1)) == before
    # Still signed in: the refused posts (sign-out among them) did nothing.
    assert client.get("/account").status_code == 200


def test_json_post_with_cookie_needs_the_header_but_a_bearer_token_does_not(
        app: FastAPI, client: TestClient, sign_in: Callable[..., TestClient],
        csrf: Callable[[TestClient], str]) -> None:
    router = APIRouter()

    @router.post("/api/v1/echo-test")
    def echo() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(router)
    sign_in(client, "viewer")
    assert client.post("/api/v1/echo-test", json={}).status_code == 403
    assert client.post("/api/v1/echo-test", json={},
                       headers={"X-CSRF-Token": csrf(client)}).status_code == 200



def test_an_unknown_bearer_token_is_answered_401_not_a_csrf_refusal_and_ignores_the_cookie(
        client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    """A program whose token was revoked must be told it is not signed in; and a browser's
    session cookie sent along with a bearer header must not act for the program."""
    sign_in(client, "admin")
    answer = client.post("/api/v1/recommendations", json={},
                         headers={"Authorization": "Bearer revoked-or-made-up"})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    # Without the bearer header the same signed-in browser still needs its CSRF token.
    assert client.post("/api/v1/recommendations", json={}).status_code == 403

def _failing_app(web_store: WebStore) -> FastAPI:
    app = create_app(web_store.unlocked, settings=web_store.settings)
    router = APIRouter()

    @router.get("/test-crash")
    def crash() -> None:
        raise RuntimeError(f"crashed on {SYNTHETIC_IDENTITY} in SELECT name FROM person")

    @router.get("/api/v1/test-crash")
    def api_crash() -> None:
        raise KeyError(SYNTHETIC_IDENTITY)

    @router.post("/test-commit-fails")  # GET sessions are read-only: only a POST may write
    def commit_fails(session: SessionDep) -> dict[str, bool]:
        session.add(User(name="viewer-1", role="viewer"))  # a duplicate name: refused at commit
        session.add(User(name=SYNTHETIC_IDENTITY, role="viewer"))
        return {"ok": True}

    app.include_router(router)
    return app


def test_error_pages_show_an_id_never_a_traceback_sql_or_identity(
        web_store: WebStore, caplog: pytest.LogCaptureFixture) -> None:
    app = _failing_app(web_store)
    caplog.set_level(logging.INFO)
    with TestClient(app) as client:
        page = client.get("/test-crash")
        api = client.get("/api/v1/test-crash")
        from tests.web.conftest import csrf_token_of
        commit = client.post("/test-commit-fails", data={"csrf_token": csrf_token_of(client)})
    assert page.status_code == api.status_code == commit.status_code == 500
    assert api.headers["content-type"] == "application/problem+json"
    ids = [re.search(r'class="error-id">([0-9a-f]{12})<', text)
           for text in (page.text, commit.text)]
    assert all(ids) and api.json()["error_id"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for error_id in (ids[0].group(1), ids[1].group(1),  # type: ignore[union-attr]
                     api.json()["error_id"]):
        assert error_id in logged
    for text in (page.text, api.text, commit.text, logged):
        assert SYNTHETIC_IDENTITY not in text
        assert "Traceback" not in text and "SELECT" not in text and "INSERT" not in text
    assert "IntegrityError" in logged  # the log says what failed, by type and place
    with web_store.session() as session:  # and the failed transaction left nothing
        assert session.scalars(select(User).where(User.name == SYNTHETIC_IDENTITY)).first() \
            is None


def test_not_found_and_invalid_input_answers(
        client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    sign_in(client, "admin")
    missing = client.get("/admin/users/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and "<h1>" in missing.text
    invalid = client.get("/api/v1/users?limit=0")
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json()["field"] == "limit"
    huge = client.get("/api/v1/users?offset=99999999999999999999")
    assert huge.status_code == 422 and huge.json()["field"] == "offset"
    assert client.get("/no/such/page").status_code == 404


def _slow_to_wait(store: Store) -> None:
    """Wait 0.2 s instead of 10 for a busy SQLite file (after the store's own settings)."""
    @event.listens_for(store.engine, "connect")
    def _short_timeout(connection: Any, record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=200")


def test_locked_store_answers_a_clear_page(web_store: WebStore, backend: str) -> None:
    """Another process holds SQLite's write lock for a long time: what must write (signing in,
    an API call that changes something) answers 503 with a clear page; reading goes on (WAL)."""
    if backend != "sqlite":
        pytest.skip("a file lock is SQLite's; PostgreSQL's outage is the next test")
    with web_store.unlocked.session() as session:
        token, _ = auth.create_token(session, actor=web_store.unlocked.actor, label="locked")
    store = open_store(web_store.settings)
    _slow_to_wait(store)
    unlocked = Unlocked(store, web_store.unlocked.keyring, web_store.unlocked.actor)
    app = create_app(unlocked, settings=web_store.settings)
    assert store.sqlite_path is not None
    holder = sqlite3.connect(store.sqlite_path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process writing for a long time
        with TestClient(app) as client:
            from tests.web.conftest import csrf_token_of
            response = client.post("/sign-in", data={"name": "viewer-1", "password": PASSWORD,
                                                     "csrf_token": csrf_token_of(client)})
            bearer = {"Authorization": f"Bearer {token}"}
            read = client.get("/api/v1/me", headers=bearer)
            write = client.post("/api/v1/recommendations", headers=bearer,
                                json={"code": "LOCK-1", "addressee": "a", "issuer": "b",
                                      "issued_on": "2020-01-01", "text": "t"})
    finally:
        holder.rollback()
        holder.close()
        store.dispose()
    assert response.status_code == 503 and "store cannot be reached" in response.text
    assert response.headers["retry-after"] == "30"
    assert "Traceback" not in response.text and "locked" in response.text
    assert read.status_code == 200
    assert write.status_code == 503, write.text
    assert write.headers["content-type"] == "application/problem+json"


def test_unreachable_database_answers_a_clear_page(web_store: WebStore, tmp_path: Any) -> None:
    settings = Settings(store="postgresql://postgres@127.0.0.1:9/none", blob_dir=tmp_path,
                        passphrase=None)
    store = open_store(settings)
    unlocked = Unlocked(store, web_store.unlocked.keyring, web_store.unlocked.actor)
    app = create_app(unlocked, settings=settings)
    try:
        with TestClient(app) as client:
            client.cookies.set("surplace_session", "some-token")
            page = client.get("/account")
    finally:
        store.dispose()
    assert page.status_code == 503 and "store cannot be reached" in page.text
    assert "psycopg" not in page.text and "127.0.0.1" not in page.text


def test_stored_script_in_a_user_name_is_rendered_inert(
        client: TestClient, sign_in: Callable[..., TestClient], web_store: WebStore,
        csrf: Callable[[TestClient], str]) -> None:
    with web_store.session() as session:
        user_id = users.create_user(session, actor=web_store.actor("admin"), name=HOSTILE,
                                    role="viewer", password=PASSWORD, hasher=TEST_HASHER)
    sign_in(client, "admin")
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    for url in ("/admin/users", f"/admin/users/{user_id}"):
        page = client.get(url)
        assert escaped in page.text and HOSTILE not in page.text, url
    # Signed in as that user, the name in the header is inert too.
    sign_in(client, None)
    signed = client.post("/sign-in", data={"name": HOSTILE, "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert signed.status_code == 303
    page = client.get("/account")
    assert escaped in page.text and HOSTILE not in page.text
    # Typed into the sign-in form, it comes back escaped as well.
    sign_in(client, None)
    again = client.post("/sign-in", data={"name": HOSTILE, "password": "wrong password 99",
                                          "csrf_token": csrf(client)})
    assert again.status_code == 401 and HOSTILE not in again.text
