"""Sign-in (with the second-factor step when enrolled), sign-out, sign-out everywhere, and the
language switch. The rules are :mod:`surplace.access.auth`'s; this module moves cookies.

Failed sign-ins from one address are throttled (a sliding window in memory) on top of the
account lock-out; a throttled or failed attempt gets the same page whatever the reason, so the
page does not tell whether an account name exists.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from surplace.access import auth
from surplace.web.deps import EVERY_ROLE, ActorDep, SessionDep
from surplace.web.forms import client_address, safe_next, see_other
from surplace.web.i18n import LANG_COOKIE, LOCALES, N_
from surplace.web.middleware import SESSION_COOKIE, delete_cookie, set_cookie
from surplace.web.templating import render
from surplace.web.throttle import SlidingWindow

router = APIRouter()

PUBLIC = frozenset({
    "GET /sign-in", "POST /sign-in", "GET /sign-in/second-factor",
    "POST /sign-in/second-factor", "POST /language",
})
ACCESS: dict[str, frozenset[str]] = {
    "POST /sign-out": EVERY_ROLE,
    "POST /sign-out/everywhere": EVERY_ROLE,
}

FAILED = N_("Wrong account name or password, or the account is locked after too many failed "
            "attempts (it opens again after a while, or an administrator can unlock it).")
THROTTLED = N_("Too many failed attempts from this address. Wait a few minutes and try again.")
WRONG_CODE = N_("That code is not correct or has expired. Enter the current code from your "
                "authenticator app.")
SIGNED_OUT = N_("You are signed out.")
YEAR = 365 * 24 * 3600

Text = Annotated[str, Form()]


def _throttle(request: Request) -> SlidingWindow:
    throttle: SlidingWindow = request.app.state.sign_in_throttle
    return throttle


def _sign_in_page(request: Request, *, name: str = "", next_path: str = "/",
                  error: str | None = None, notice: str | None = None,
                  status: int = 200) -> Response:
    return render(request, "auth/sign_in.html", status_code=status, name=name,
                  next_path=next_path, error=error, notice=notice)


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/",  # noqa: A002
                 signed_out: str | None = None) -> Response:
    if request.state.actor is not None:
        return see_other(safe_next(next))
    if request.state.second_factor_pending:
        return see_other(f"/sign-in/second-factor?next={quote(safe_next(next), safe='/')}")
    return _sign_in_page(request, next_path=safe_next(next),
                         notice=SIGNED_OUT if signed_out else None)


@router.post("/sign-in")
def sign_in(request: Request, session: SessionDep, name: Text = "", password: Text = "",
            next: Text = "/") -> Response:  # noqa: A002
    target = safe_next(next)
    address = client_address(request)
    throttle = _throttle(request)
    if throttle.blocked(address):
        auth.record_throttled(session)
        response = _sign_in_page(request, name=name, next_path=target, error=THROTTLED,
                                 status=429)
        response.headers["Retry-After"] = str(throttle.retry_after(address))
        return response
    previous = request.cookies.get(SESSION_COOKIE)
    result = auth.authenticate(session, name=name, password=password,
                               hasher=request.app.state.hasher,
                               rules=request.app.state.auth_rules)
    if result.token is None:
        throttle.hit(address)
        return _sign_in_page(request, name=name, next_path=target, error=FAILED, status=401)
    if previous:
        auth.end_session(session, token=previous)  # one browser, one session: no fixation
    if result.outcome == "second_factor":
        response = see_other(f"/sign-in/second-factor?next={quote(target, safe='/')}")
    else:
        response = see_other(target)
    set_cookie(response, request, SESSION_COOKIE, result.token)
    return response


@router.get("/sign-in/second-factor")
def second_factor_form(request: Request, next: str = "/") -> Response:  # noqa: A002
    if request.state.actor is not None:
        return see_other(safe_next(next))
    if not request.state.second_factor_pending:
        return see_other("/sign-in")
    return render(request, "auth/second_factor.html", next_path=safe_next(next), error=None)


@router.post("/sign-in/second-factor")
def second_factor(request: Request, session: SessionDep, code: Text = "",
                  next: Text = "/") -> Response:  # noqa: A002
    target = safe_next(next)
    token = request.cookies.get(SESSION_COOKIE)
    address = client_address(request)
    throttle = _throttle(request)
    if token is None or not request.state.second_factor_pending:
        return see_other("/sign-in")
    if throttle.blocked(address):
        auth.record_throttled(session)
        return render(request, "auth/second_factor.html", status_code=429, next_path=target,
                      error=THROTTLED)
    if auth.pass_second_factor(session, token=token, code=code,
                               rules=request.app.state.auth_rules) is None:
        throttle.hit(address)
        return render(request, "auth/second_factor.html", status_code=401, next_path=target,
                      error=WRONG_CODE)
    return see_other(target)


@router.post("/sign-out")
def sign_out(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token is not None:
        auth.end_session(session, token=token)
    response = see_other("/sign-in?signed_out=1")
    delete_cookie(response, request, SESSION_COOKIE)
    return response


@router.post("/sign-out/everywhere")
def sign_out_everywhere(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    auth.sign_out_everywhere(session, actor=actor)
    response = see_other("/sign-in?signed_out=1")
    delete_cookie(response, request, SESSION_COOKIE)
    return response


@router.post("/language")
def set_language(request: Request, session: SessionDep, locale: Text = "en",
                 next: Text = "/") -> Response:  # noqa: A002
    chosen = locale if locale in LOCALES else "en"
    actor = request.state.actor
    if actor is not None:
        auth.set_locale(session, actor=actor, locale=chosen)
    response = see_other(safe_next(next))
    set_cookie(response, request, LANG_COOKIE, chosen, max_age=YEAR)
    return response
