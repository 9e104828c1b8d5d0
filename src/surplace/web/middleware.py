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
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    app.add_middleware(SurplaceMiddleware)


class SurplaceMiddleware:
    """The middleware as a plain ASGI application rather than Starlette's ``BaseHTTPMiddleware``
    (``@app.middleware("http")``), which runs the rest of the application in a task of its own
    and passes the response through a memory stream: that machinery cost every request, the
    static file's included, a share of the little CPU a request may take (issue 7's latency
    goal). Here the response's headers are decorated on their way out, as they are sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        stale = False
        started = False

        async def send_decorated(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                _decorate(request, MutableHeaders(scope=message), stale=stale)
            await send(message)

        try:
            stale = await _identify(request)
            await self.app(scope, receive, send_decorated)
        except Exception as error:  # noqa: BLE001 - every failure must end as a safe page
            if started:  # the answer is on its way: it cannot become an error page now
                raise
            await errors.last_resort(request, error)(scope, receive, send_decorated)


def _decorate(request: Request, headers: MutableHeaders, *, stale: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if request.app.state.secure_cookies:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.url.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    new_pre: Any = getattr(request.state, "new_pre_key", None)
    expire = stale and not any(SESSION_COOKIE in value
                               for value in headers.getlist("set-cookie"))
    if not (new_pre or expire):
        return
    cookies = Response()  # only to build the Set-Cookie lines as every other cookie of ours
    if new_pre:
        set_cookie(cookies, request, PRE_COOKIE, new_pre)
    if expire:
        delete_cookie(cookies, request, SESSION_COOKIE)
    for value in cookies.headers.getlist("set-cookie"):
        headers.append("set-cookie", value)
