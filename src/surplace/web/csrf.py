"""Cross-site request forgery protection: a token bound to the browser's session.

The token is an HMAC of the session's cookie value (before sign-in, of a random pre-session
cookie), so the server keeps no extra state and a token stops working when its session ends.
A forged request from another site cannot read the token (the cookie is HttpOnly and
SameSite=Strict, and pages are never framed). Every form carries it in a hidden ``csrf_token``
field; programs posting JSON with a cookie send it in the ``X-CSRF-Token`` header. Requests
authenticated by an API bearer token carry no cookie and need none.

Hand-written rather than a library: the check is a dozen lines and must agree with how the
sign-in middleware picks the session; the libraries for Starlette keep a second cookie of their
own that would not end with the session.

A request to the API that sends an ``Authorization: Bearer`` header is exempt even when its token
turns out to be unknown or revoked: the middleware then ignores any cookie (the request is
anonymous, answered 401 by the route's sign-in check, which is the answer a program needs), and a
browser on another site cannot add that header without a CORS preflight this server never allows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from surplace.errors import SurplaceError
from surplace.web.api import API_PREFIX

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfRejected(SurplaceError):
    """A state-changing request without the page's token: answered 403."""

    def __init__(self) -> None:
        super().__init__("The form's security token is missing or out of date.")


def new_key() -> str:
    return secrets.token_urlsafe(32)


def token_for(key: str) -> str:
    """The CSRF token of the browser whose session (or pre-session) cookie is ``key``."""
    return hmac.new(key.encode("utf-8"), b"surplace-csrf-v1", hashlib.sha256).hexdigest()


def token_of(request: Request) -> str:
    key: str | None = getattr(request.state, "csrf_key", None)
    return token_for(key) if key else ""


def _sends_bearer(request: Request) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return (request.url.path.startswith(API_PREFIX) and scheme.lower() == "bearer"
            and bool(value.strip()))


async def check_csrf(request: Request) -> None:
    """An app-wide dependency: refuse an unsafe request whose token does not match its
    session. It runs before the route's own dependencies, so a forged request changes nothing."""
    if request.method in SAFE_METHODS or _sends_bearer(request):
        return
    key: str | None = getattr(request.state, "csrf_key", None)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not key or not sent or not hmac.compare_digest(sent.encode(), token_for(key).encode()):
        raise CsrfRejected()


def context(request: Request) -> dict[str, str]:
    """Template context: ``csrf_token`` for the hidden field of every form."""
    return {"csrf_token": token_of(request)}
