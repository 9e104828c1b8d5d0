"""Sign-in: passwords, lock-out, throttling, second factor, sessions, sign-out everywhere, API
tokens and account administration — through the auth service and through the pages, on SQLite
and PostgreSQL."""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from surplace.access import auth, users
from surplace.access.models import ApiToken, User, UserSession
from surplace.access.policy import AccessDenied
from surplace.cases import service as case_service
from surplace.cases.schemas import CaseIn
from surplace.errors import InvalidInput
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.store.base import utcnow
from surplace.vault.audit import AuditEntry
from surplace.web.app import create_app
from surplace.web.middleware import SESSION_COOKIE
from tests.web.conftest import PASSWORD, TEST_HASHER, WebStore

RULES = auth.AuthRules(max_failures=3, lock_minutes=15, idle=timedelta(minutes=30),
                       absolute=timedelta(hours=12))


def _actions(web_store: WebStore, prefix: str) -> list[tuple[str, str | None]]:
    with web_store.session() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.object_id)
                               .where(AuditEntry.action.like(f"{prefix}%"))
                               .order_by(AuditEntry.seq))
        return [(action, object_id) for action, object_id in rows]


def _sign_in(web_store: WebStore, name: str, password: str, **kwargs: object) -> auth.SignIn:
    with web_store.session() as session:
        return auth.authenticate(session, name=name, password=password, hasher=TEST_HASHER,
                                 rules=RULES, **kwargs)  # type: ignore[arg-type]


# --- passwords and lock-out (service) ---------------------------------------------------------


def test_password_policy_and_argon2id_hash(web_store: WebStore) -> None:
    with pytest.raises(auth.WeakPassword, match="password: must be at least 12"):
        auth.check_password_policy("short pass")
    with pytest.raises(auth.WeakPassword):
        auth.check_password_policy(" " * 20)
    with web_store.session() as session:
        stored = session.get(User, web_store.user_ids["viewer"]).password_hash
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_sign_in_stores_only_the_token_digest(web_store: WebStore) -> None:
    result = _sign_in(web_store, "viewer-1", PASSWORD)
    assert result.outcome == "ok" and result.token
    with web_store.session() as session:
        digests = [bytes(row) for row in session.scalars(select(UserSession.token_digest))]
    assert hashlib.sha256(result.token.encode()).digest() in digests
    assert all(result.token.encode() not in digest for digest in digests)
    assert ("signin.ok", web_store.user_ids["viewer"]) in _actions(web_store, "signin.ok")


def test_lock_out_after_repeated_failures_then_reopens(web_store: WebStore) -> None:
    viewer = web_store.user_ids["viewer"]
    outcomes = [_sign_in(web_store, "viewer-1", "wrong password 0000").outcome
                for _ in range(RULES.max_failures)]
    assert outcomes == ["failed", "failed", "locked"]
    # The right password does not open a locked account …
    assert _sign_in(web_store, "viewer-1", PASSWORD).outcome == "locked"
    # … until the lock runs out.
    later = utcnow() + timedelta(minutes=RULES.lock_minutes + 1)
    assert _sign_in(web_store, "viewer-1", PASSWORD, now=later).outcome == "ok"
    actions = [action for action, object_id in _actions(web_store, "signin.")
               if object_id == viewer]
    assert actions == ["signin.failed", "signin.failed", "signin.lockout", "signin.refused",
                       "signin.ok"]


def test_administrator_unlocks_an_account(web_store: WebStore) -> None:
    for _ in range(RULES.max_failures):
        _sign_in(web_store, "viewer-1", "wrong password 0000")
    with web_store.session() as session:
        users.unlock(session, actor=web_store.actor("admin"),
                     user_id=web_store.user_ids["viewer"])
    assert _sign_in(web_store, "viewer-1", PASSWORD).outcome == "ok"


def test_unknown_name_fails_like_a_wrong_password(web_store: WebStore) -> None:
    result = _sign_in(web_store, "nobody-here", PASSWORD)
    assert result == auth.SignIn(outcome="failed")
    assert ("signin.failed", None) in _actions(web_store, "signin.failed")
    # Both paths verify one Argon2id hash, so the time does not tell which names exist.
    def timed(name: str) -> float:
        start = time.perf_counter()
        _sign_in(web_store, name, "wrong password 0000")
        return time.perf_counter() - start
    _sign_in(web_store, "nobody-here", "warm up the dummy hash")
    known = statistics.median(timed("analyst-1") for _ in range(2))
    unknown = statistics.median(timed("nobody-here") for _ in range(2))
    assert unknown > 0.5 * known


def test_deactivated_account_cannot_sign_in_and_loses_sessions_and_tokens(
        web_store: WebStore) -> None:
    token = _sign_in(web_store, "analyst-1", PASSWORD).token
    analyst = web_store.actor("analyst")
    with web_store.session("analyst") as session:
        api_token, _ = auth.create_token(session, actor=analyst, label="script")
    with web_store.session() as session:
        users.set_active(session, actor=web_store.actor("admin"), user_id=analyst.user_id,
                         active=False)
    assert _sign_in(web_store, "analyst-1", PASSWORD).outcome == "failed"
    with web_store.session() as session:
        assert token is not None
        assert auth.resolve_session(session, token=token) is None
        assert auth.resolve_token(session, token=api_token) is None


def test_only_administrators_manage_accounts_and_one_admin_remains(
        web_store: WebStore) -> None:
    admin, researcher = web_store.actor("admin"), web_store.actor("researcher")
    with web_store.session() as session, pytest.raises(AccessDenied):
        users.list_users(session, actor=researcher)
    with web_store.session() as session, pytest.raises(InvalidInput, match="role: choose"):
        users.create_user(session, actor=admin, name="x-1", role="superuser",
                          password=PASSWORD, hasher=TEST_HASHER)
    with web_store.session() as session, pytest.raises(InvalidInput, match="already exists"):
        users.create_user(session, actor=admin, name="viewer-1", role="viewer",
                          password=PASSWORD, hasher=TEST_HASHER)
    with web_store.session() as session, pytest.raises(users.LastAdministrator):
        users.change_role(session, actor=admin, user_id=admin.user_id, role="viewer")
    with web_store.session() as session, pytest.raises(users.LastAdministrator):
        users.set_active(session, actor=admin, user_id=admin.user_id, active=False)


def test_per_case_grant_through_the_cases_service(web_store: WebStore) -> None:
    admin, worker = web_store.actor("admin"), web_store.actor("caseworker")
    with web_store.session() as session:
        person = records_service.register_person(session, actor=admin, data=PersonIn(
            names=[NameIn(full_name="Synthetic Grant-person")], sex="F", birth_year=1990))
        case = case_service.open_case(session, actor=admin, data=CaseIn(
            principal=person.pseudonym)).case_number
    with web_store.session("caseworker") as session, pytest.raises(AccessDenied):
        case_service.show_case(session, actor=worker, case=case)
    with web_store.session() as session:
        users.grant_case(session, actor=admin, user_id=worker.user_id, case=case)
        grants = users.list_grants(session, actor=admin, user_id=worker.user_id)
    assert [(g.object_type, g.permission) for g in grants] == [("case", "read")]
    with web_store.session("caseworker") as session:
        assert case_service.show_case(session, actor=worker, case=case).case_number == case
    with web_store.session() as session:
        assert users.revoke_case(session, actor=admin, user_id=worker.user_id, case=case) == 1


# --- sessions (service) ------------------------------------------------------------------------


def test_session_idle_and_absolute_expiry_and_revocation(web_store: WebStore) -> None:
    start = utcnow()
    with web_store.session() as session:
        token = auth.start_session(session, user_id=web_store.user_ids["viewer"], rules=RULES,
                                   now=start)
    def resolve(at: object) -> auth.ResolvedSession | None:
        with web_store.session() as session:
            return auth.resolve_session(session, token=token, rules=RULES, now=at)  # type: ignore[arg-type]
    assert resolve(start + timedelta(minutes=29)) is not None
    assert resolve(start + timedelta(minutes=29 + 31)) is None  # idle for 31 minutes
    # Kept busy, it still ends at the absolute limit.
    with web_store.session() as session:
        busy = auth.start_session(session, user_id=web_store.user_ids["viewer"], rules=RULES,
                                  now=start)
    moment = start
    while moment < start + RULES.absolute - timedelta(minutes=20):
        moment += timedelta(minutes=20)
        with web_store.session() as session:
            assert auth.resolve_session(session, token=busy, rules=RULES, now=moment)
    with web_store.session() as session:
        assert auth.resolve_session(session, token=busy, rules=RULES,
                                    now=start + RULES.absolute + timedelta(minutes=1)) is None
        auth.end_session(session, token=token)
    assert resolve(start + timedelta(minutes=1)) is None
    assert ("signout", web_store.user_ids["viewer"]) in _actions(web_store, "signout")


def test_sign_out_everywhere_ends_only_that_users_sessions(web_store: WebStore) -> None:
    with web_store.session() as session:
        mine = [auth.start_session(session, user_id=web_store.user_ids["viewer"])
                for _ in range(3)]
        other = auth.start_session(session, user_id=web_store.user_ids["analyst"])
    with web_store.session("viewer") as session:
        assert auth.sign_out_everywhere(session, actor=web_store.actor("viewer")) == 3
    with web_store.session() as session:
        assert all(auth.resolve_session(session, token=t) is None for t in mine)
        assert auth.resolve_session(session, token=other) is not None


def test_change_password_keeps_this_session_and_ends_the_others(web_store: WebStore) -> None:
    viewer = web_store.actor("viewer")
    with web_store.session() as session:
        here = auth.start_session(session, user_id=viewer.user_id)
        there = auth.start_session(session, user_id=viewer.user_id)
        here_id = auth.resolve_session(session, token=here).session_id  # type: ignore[union-attr]
    with web_store.session("viewer") as session, pytest.raises(auth.WrongPassword):
        auth.change_password(session, actor=viewer, current="not my password",
                             new="a new synthetic password", hasher=TEST_HASHER)
    with web_store.session("viewer") as session:
        auth.change_password(session, actor=viewer, current=PASSWORD,
                             new="a new synthetic password", hasher=TEST_HASHER,
                             keep_session=here_id)
    with web_store.session() as session:
        assert auth.resolve_session(session, token=here) is not None
        assert auth.resolve_session(session, token=there) is None
    assert _sign_in(web_store, "viewer-1", "a new synthetic password").outcome == "ok"


# --- second factor (service) -------------------------------------------------------------------


def _enrol(web_store: WebStore, role: str) -> str:
    secret = auth.new_totp_secret()
    actor = web_store.actor(role)
    with web_store.session(role) as session, pytest.raises(auth.WrongCode):
        auth.enrol_second_factor(session, actor=actor, secret=secret, code="000000")
    with web_store.session(role) as session:
        auth.enrol_second_factor(session, actor=actor, secret=secret,
                                 code=pyotp.TOTP(secret).now())
    return secret


def test_second_factor_enrolment_is_sealed_and_required(web_store: WebStore) -> None:
    secret = _enrol(web_store, "researcher")
    with web_store.unlocked.store.session() as session:  # no keyring: only the sealed bytes
        sealed = session.execute(select(User.totp_secret_sealed).where(  # type: ignore[attr-defined]
            User.id == web_store.user_ids["researcher"])).scalar_one()
    assert sealed and secret.encode() not in bytes(sealed)
    result = _sign_in(web_store, "researcher-1", PASSWORD)
    assert result.outcome == "second_factor" and result.token
    with web_store.session() as session:
        pending = auth.resolve_session(session, token=result.token)
        assert pending is not None and not pending.second_factor_done
        assert auth.pass_second_factor(session, token=result.token, code="123456",
                                       rules=RULES) is None
    with web_store.session() as session:
        assert auth.pass_second_factor(session, token=result.token,
                                       code=pyotp.TOTP(secret).now(),
                                       rules=RULES) == web_store.user_ids["researcher"]
        assert auth.resolve_session(session, token=result.token).second_factor_done  # type: ignore[union-attr]


def test_a_second_factor_code_cannot_be_used_twice(web_store: WebStore) -> None:
    secret = _enrol(web_store, "researcher")
    code = pyotp.TOTP(secret).now()
    first = _sign_in(web_store, "researcher-1", PASSWORD)
    second = _sign_in(web_store, "researcher-1", PASSWORD)
    assert first.token and second.token
    with web_store.session() as session:
        assert auth.pass_second_factor(session, token=first.token, code=code,
                                       rules=RULES) == web_store.user_ids["researcher"]
    with web_store.session() as session:  # the same code, seen over a shoulder
        assert auth.pass_second_factor(session, token=second.token, code=code,
                                       rules=RULES) is None
    later = utcnow() + timedelta(seconds=30)
    with web_store.session() as session:  # the next step's code is fresh
        assert auth.pass_second_factor(
            session, token=second.token, code=pyotp.TOTP(secret).at(later),
            rules=RULES, now=later) == web_store.user_ids["researcher"]


def test_wrong_codes_lock_the_account_and_pending_sessions_expire(web_store: WebStore) -> None:
    _enrol(web_store, "researcher")
    result = _sign_in(web_store, "researcher-1", PASSWORD)
    assert result.token
    for _ in range(RULES.max_failures):
        with web_store.session() as session:
            assert auth.pass_second_factor(session, token=result.token, code="000000",
                                           rules=RULES) is None
    assert _sign_in(web_store, "researcher-1", PASSWORD).outcome == "locked"
    with web_store.session() as session:
        users.unlock(session, actor=web_store.actor("admin"),
                     user_id=web_store.user_ids["researcher"])
    late = _sign_in(web_store, "researcher-1", PASSWORD)
    with web_store.session() as session:
        assert late.token is not None
        assert auth.resolve_session(session, token=late.token,
                                    now=utcnow() + timedelta(minutes=6)) is None


# --- API tokens (service) ----------------------------------------------------------------------


def test_api_tokens_shown_once_resolved_listed_revoked(web_store: WebStore) -> None:
    analyst, viewer = web_store.actor("analyst"), web_store.actor("viewer")
    with web_store.session("analyst") as session:
        token, made = auth.create_token(session, actor=analyst, label="nightly export")
        short, _ = auth.create_token(session, actor=analyst, label="one day", days=1)
    assert token.startswith("sp_")
    with web_store.session() as session:
        stored = session.get(ApiToken, made.id)
        assert stored is not None and bytes(stored.token_digest) == auth.digest(token)
        resolved = auth.resolve_token(session, token=token)
        assert resolved is not None and resolved.role == "analyst"
        assert auth.resolve_token(session, token=short,
                                  now=utcnow() + timedelta(days=2)) is None
        assert auth.resolve_token(session, token="sp_not-a-token") is None
        listed = auth.list_tokens(session, actor=analyst)
    assert {t.label for t in listed} == {"nightly export", "one day"}
    assert all(not hasattr(t, "token") for t in listed)
    with web_store.session("viewer") as session, pytest.raises(auth.TokenNotFound):
        auth.revoke_token(session, actor=viewer, token_id=made.id)
    with web_store.session("analyst") as session:
        auth.revoke_token(session, actor=analyst, token_id=made.id)
    with web_store.session() as session:
        assert auth.resolve_token(session, token=token) is None
    assert ("token.create", made.id) in _actions(web_store, "token.")


# --- through the pages -------------------------------------------------------------------------


def test_sign_in_form_sets_a_strict_cookie_and_opens_pages(
        client: TestClient, csrf: Callable[[TestClient], str]) -> None:
    page = client.get("/sign-in")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    response = client.post("/sign-in", data={"name": "caseworker-1", "password": PASSWORD,
                                             "next": "/account", "csrf_token": csrf(client)})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie
    assert client.get("/account").status_code == 200


def test_wrong_password_redisplays_the_form_without_the_password(
        client: TestClient, csrf: Callable[[TestClient], str]) -> None:
    response = client.post("/sign-in", data={"name": "caseworker-1",
                                             "password": "wrong synthetic password",
                                             "csrf_token": csrf(client)})
    assert response.status_code == 401
    assert 'value="caseworker-1"' in response.text
    assert "wrong synthetic password" not in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_sign_in_does_not_redirect_to_another_site(
        client: TestClient, csrf: Callable[[TestClient], str]) -> None:
    for target in ("//elsewhere.example/", "https://elsewhere.example/", "/\\elsewhere"):
        client.cookies.delete(SESSION_COOKIE)
        response = client.post("/sign-in", data={"name": "viewer-1", "password": PASSWORD,
                                                 "next": target, "csrf_token": csrf(client)})
        assert response.headers["location"] == "/", target


def test_login_throttling_per_address(app: FastAPI, web_store: WebStore) -> None:
    from tests.web.conftest import csrf_token_of

    with TestClient(app, client=("198.51.100.7", 4000), follow_redirects=False) as attacker, \
            TestClient(app, client=("198.51.100.8", 4000), follow_redirects=False) as other:
        statuses = []
        for serial in range(11):  # many accounts, one wrong password each: no lock-out
            statuses.append(attacker.post("/sign-in", data={
                "name": f"sprayed-{serial}", "password": "guess synthetic 01",
                "csrf_token": csrf_token_of(attacker)}).status_code)
        assert statuses[:10] == [401] * 10 and statuses[10] == 429
        blocked = attacker.post("/sign-in", data={"name": "viewer-1", "password": PASSWORD,
                                                  "csrf_token": csrf_token_of(attacker)})
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        allowed = other.post("/sign-in", data={"name": "viewer-1", "password": PASSWORD,
                                               "csrf_token": csrf_token_of(other)})
        assert allowed.status_code == 303
    assert ("signin.throttled", None) in _actions(web_store, "signin.throttled")


def test_sign_in_with_second_factor_through_the_pages(
        client: TestClient, csrf: Callable[[TestClient], str], web_store: WebStore) -> None:
    secret = _enrol(web_store, "caseworker")
    response = client.post("/sign-in", data={"name": "caseworker-1", "password": PASSWORD,
                                             "next": "/account", "csrf_token": csrf(client)})
    assert response.headers["location"].startswith("/sign-in/second-factor")
    # Half signed in is not signed in.
    assert client.get("/account").headers["location"].startswith("/sign-in")
    assert client.get("/sign-in/second-factor").status_code == 200
    wrong = client.post("/sign-in/second-factor", data={"code": "000000", "next": "/account",
                                                        "csrf_token": csrf(client)})
    assert wrong.status_code == 401
    right = client.post("/sign-in/second-factor", data={
        "code": pyotp.TOTP(secret).now(), "next": "/account", "csrf_token": csrf(client)})
    assert right.status_code == 303 and right.headers["location"] == "/account"
    assert client.get("/account").status_code == 200


def test_enrol_second_factor_through_the_account_page(
        client: TestClient, sign_in: Callable[..., TestClient], form: Callable[..., dict[str, str]],
        web_store: WebStore) -> None:
    sign_in(client, "analyst")
    page = client.get("/account/second-factor")
    secret = page.text.split('name="secret" value="')[1].split('"')[0]
    assert "otpauth://totp/" in page.text
    refused = client.post("/account/second-factor", data=form(client, secret=secret,
                                                              code="000000"))
    assert refused.status_code == 422 and secret in refused.text
    done = client.post("/account/second-factor", data=form(
        client, secret=secret, code=pyotp.TOTP(secret).now()))
    assert done.status_code == 303
    with web_store.session() as session:
        assert auth.has_second_factor(session, user_id=web_store.user_ids["analyst"])
    off = client.post("/account/second-factor/disable", data=form(client, password=PASSWORD))
    assert off.status_code == 303


def test_sign_out_and_sign_out_everywhere(
        app: FastAPI, sign_in: Callable[..., TestClient], form: Callable[..., dict[str, str]]
) -> None:
    with TestClient(app, follow_redirects=False) as laptop, \
            TestClient(app, follow_redirects=False) as phone:
        sign_in(laptop, "viewer")
        old = laptop.cookies.get(SESSION_COOKIE)
        out = laptop.post("/sign-out", data=form(laptop))
        assert out.status_code == 303 and 'surplace_session=""' in out.headers["set-cookie"]
        laptop.cookies.set(SESSION_COOKIE, str(old))  # a copied cookie is dead too
        assert laptop.get("/account").status_code == 303
        sign_in(laptop, "viewer")
        sign_in(phone, "viewer")
        assert phone.post("/sign-out/everywhere", data=form(phone)).status_code == 303
        assert laptop.get("/account").headers["location"].startswith("/sign-in")


def test_change_password_page_shows_errors_beside_fields(
        client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    sign_in(client, "viewer")
    mismatch = client.post("/account/password", data=form(
        client, current_password=PASSWORD, new_password="new synthetic pass 1",
        confirm_password="new synthetic pass 2"))
    assert mismatch.status_code == 422 and 'id="error-confirm_password"' in mismatch.text
    wrong = client.post("/account/password", data=form(
        client, current_password="not the password", new_password="new synthetic pass 1",
        confirm_password="new synthetic pass 1"))
    assert wrong.status_code == 422 and 'id="error-current_password"' in wrong.text
    done = client.post("/account/password", data=form(
        client, current_password=PASSWORD, new_password="new synthetic pass 1",
        confirm_password="new synthetic pass 1"))
    assert done.status_code == 303
    assert client.get("/account").status_code == 200  # this session survives


def test_api_token_from_the_page_authenticates_the_api_only(
        client: TestClient, app: FastAPI, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    sign_in(client, "researcher")
    page = client.post("/account/tokens", data=form(client, label="analysis script"))
    token = page.text.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("sp_")
    assert token not in client.get("/account/tokens").text  # shown once
    with TestClient(app, follow_redirects=False) as program:
        bearer = {"Authorization": f"Bearer {token}"}
        me = program.get("/api/v1/me", headers=bearer)
        assert me.status_code == 200 and me.json()["role"] == "researcher"
        assert program.get("/account", headers=bearer).status_code == 303  # not for pages
        anonymous = program.get("/api/v1/me")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.headers["www-authenticate"] == "Bearer"
        token_id = client.get("/account/tokens").text.split("/account/tokens/")[1].split("/")[0]
        assert client.post(f"/account/tokens/{token_id}/revoke",
                           data=form(client)).status_code == 303
        assert program.get("/api/v1/me", headers=bearer).status_code == 401


def test_secure_cookies_when_served_over_tls(web_store: WebStore) -> None:
    from tests.web.conftest import csrf_token_of

    app = create_app(web_store.unlocked, settings=web_store.settings, secure_cookies=True)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/sign-in")
        assert "Secure" in page.headers["set-cookie"]
        assert page.headers["strict-transport-security"].startswith("max-age=")
        response = client.post("/sign-in", data={"name": "viewer-1", "password": PASSWORD,
                                                 "csrf_token": csrf_token_of(client)})
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_admin_creates_an_account_that_can_sign_in(
        client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]], csrf: Callable[[TestClient], str]) -> None:
    sign_in(client, "admin")
    short = client.post("/admin/users", data=form(
        client, name="new-worker", role="caseworker", password="short",
        confirm_password="short"))
    assert short.status_code == 422 and 'id="error-password"' in short.text
    assert 'value="new-worker"' in short.text
    made = client.post("/admin/users", data=form(
        client, name="new-worker", role="caseworker", password="synthetic pass for new",
        confirm_password="synthetic pass for new"))
    assert made.status_code == 303 and made.headers["location"].startswith("/admin/users/")
    assert "new-worker" in client.get(made.headers["location"]).text
    sign_in(client, None)
    signed = client.post("/sign-in", data={"name": "new-worker",
                                           "password": "synthetic pass for new",
                                           "csrf_token": csrf(client)})
    assert signed.status_code == 303


def test_role_change_takes_effect_at_once(
        app: FastAPI, sign_in: Callable[..., TestClient], form: Callable[..., dict[str, str]],
        web_store: WebStore) -> None:
    with TestClient(app, follow_redirects=False) as admin, \
            TestClient(app, follow_redirects=False) as worker:
        sign_in(admin, "admin")
        sign_in(worker, "caseworker")
        target = web_store.user_ids["caseworker"]
        assert admin.post(f"/admin/users/{target}/role",
                          data=form(admin, role="viewer")).status_code == 303
        # The old session ended; a new one carries the new role.
        assert worker.get("/account").headers["location"].startswith("/sign-in")
