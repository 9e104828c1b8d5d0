"""What happens around every request: who is signing in, in which language, and the security
headers on every response.

The signed-in user comes from the session cookie, or — for ``/api/v1`` only — from an
``Authorization: Bearer`` API token (a bearer token on a page is ignored, so a leaked token
cannot drive the browser interface). ``request.state`` then holds ``actor`` (an
:class:`~surplace.access.policy.Actor` or ``None``), ``locale``, ``csrf_key`` (what the CSRF
token is derived from), ``via_bearer`` and ``session_id``.

This is also the last line of defence: an unexpected exception becomes a 500 page carrying an
error id only (logged with that id, its type and where it happened — never its message, which
might hold a value), and a store that cannot be reached or is locked becomes a 503 page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from surplace.access import auth
from surplace.access.policy import Actor
from surplace.vault.service import Unlocked
from surplace.web import csrf, errors, i18n
from surplace.web.api import API_PREFIX

SESSION_COOKIE = "surplace_session"
#: Before sign-in: a random value the CSRF token of the sign-in and language forms derives from.
PRE_COOKIE = "surplace_pre"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

log = logging.getLogger("surplace.web")


def _resolve(unlocked: Unlocked, *, token: str | None, bearer: str | None,
             rules: auth.AuthRules) -> auth.ResolvedSession | None:
    """Who is signed in, asked afresh on every request (a revoked session stops at once), in a
    read-only transaction: on SQLite it takes no write lock, so requests do not queue for each
    other here. The last-seen time, when due (once a minute), moves on in a write of its own."""
    with unlocked.store.session(keyring=unlocked.keyring, read_only=True) as session:
        if bearer is not None:
            resolved = auth.resolve_token(session, token=bearer, touch=False)
        elif token is not None:
            resolved = auth.resolve_session(session, token=token, rules=rules, touch=False)
        else:
            return None
    if resolved is not None and resolved.touch_due:
        try:
            with unlocked.store.session(keyring=unlocked.keyring,
                                        actor_id=resolved.actor_id) as session:
                if bearer is not None:
                    auth.touch_token(session, token_id=resolved.session_id)
                else:
                    auth.touch_session(session, session_id=resolved.session_id)
        except OperationalError:
            # Another process holds the write lock: the request may still read. The time is
            # still due, so the next request moves it on.
            log.warning("last-seen time of session %s not moved on: store busy",
                        resolved.session_id)
    return resolved


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def set_cookie(response: Response, request: Request, name: str, value: str, *,
               max_age: int | None = None) -> None:
    """Every cookie of ours: HttpOnly, SameSite=Strict, Secure when served over TLS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=bool(request.app.state.secure_cookies))


def delete_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="strict",
                           secure=bool(request.app.state.secure_cookies))


async def _identify(request: Request) -> bool:
    """Fill ``request.state``; returns whether a session cookie was sent but is no longer valid
    (the response then deletes it)."""
    state = request.state
    state.actor, state.via_bearer, state.session_id, state.second_factor_pending = (
        None, False, None, False)
    is_api = request.url.path.startswith(API_PREFIX)
    static = request.url.path.startswith("/static/")  # the stylesheet needs no one signed in
    bearer = _bearer(request) if is_api else None
    token = request.cookies.get(SESSION_COOKIE) if bearer is None and not static else None
    resolved: auth.ResolvedSession | None = None
    if bearer is not None or token is not None:
        resolved = await run_in_threadpool(_resolve, request.app.state.unlocked, token=token,
                                           bearer=bearer, rules=request.app.state.auth_rules)
    if resolved is not None and resolved.second_factor_done:
        state.actor = Actor(resolved.actor_id, resolved.actor_name, resolved.role)
        state.session_id = resolved.session_id
        state.via_bearer = bearer is not None
    elif resolved is not None:
        state.second_factor_pending = True
    state.locale = i18n.locale_for(
        request, resolved.locale if resolved is not None and state.actor else None)
    state.new_pre_key = None
    if bearer is not None:
        state.csrf_key = None  # a program with a token: no cookie, no CSRF token to derive
    elif resolved is not None and token is not None:
        state.csrf_key = token
    else:
        state.csrf_key = request.cookies.get(PRE_COOKIE)
        if not state.csrf_key:
            state.csrf_key = state.new_pre_key = csrf.new_key()
    return token is not None and resolved is None and not static


def install(app: FastAPI) -> None:
    """Add the middleware to ``app`` (outermost of the application's own)."""

    @app.middleware("http")
    async def surplace_middleware(request: Request,
                                  call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        stale = False
        try:
            stale = await _identify(request)
            response = await call_next(request)
        except Exception as error:  # noqa: BLE001 - every failure must end as a safe page
            response = errors.last_resort(request, error)
        _decorate(request, response, stale=stale)
        return response


def _decorate(request: Request, response: Response, *, stale: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.app.state.secure_cookies:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    new_pre: Any = getattr(request.state, "new_pre_key", None)
    if new_pre:
        set_cookie(response, request, PRE_COOKIE, new_pre)
    if stale and SESSION_COOKIE not in response.headers.get("set-cookie", ""):
        delete_cookie(response, request, SESSION_COOKIE)
