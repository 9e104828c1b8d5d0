"""The signed-in user's own account: password, second factor, language, API tokens.

Every role has an account page; each form acts on the signed-in user only (the services take the
actor, never a user id from the form).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from surplace.access import auth
from surplace.errors import InvalidInput
from surplace.web.api import PROBLEMS
from surplace.web.deps import EVERY_ROLE, ActorDep, SessionDep
from surplace.web.forms import see_other
from surplace.web.i18n import N_
from surplace.web.templating import render

router = APIRouter()

ACCESS: dict[str, frozenset[str]] = {
    "GET /account": EVERY_ROLE,
    "POST /account/password": EVERY_ROLE,
    "GET /account/second-factor": EVERY_ROLE,
    "POST /account/second-factor": EVERY_ROLE,
    "POST /account/second-factor/disable": EVERY_ROLE,
    "GET /account/tokens": EVERY_ROLE,
    "POST /account/tokens": EVERY_ROLE,
    "POST /account/tokens/{token_id}/revoke": EVERY_ROLE,
    "GET /api/v1/me": EVERY_ROLE,
}

DONE: dict[str, str] = {
    "password": N_("Your password was changed. Your other sessions were signed out."),
    "second-factor-on": N_("The second factor is on: signing in now asks for a code."),
    "second-factor-off": N_("The second factor is off."),
    "token-revoked": N_("The token was revoked."),
}
MISMATCH = N_("The two new passwords differ.")
WRONG_PASSWORD = N_("The current password is not correct.")
WRONG_CODE = N_("That code is not correct or has expired. Enter the current code from your "
                "authenticator app.")
TOO_SHORT = N_("Use at least 12 characters.")
LABEL_NEEDED = N_("Give the token a label of 1 to 64 characters.")
DAYS_RANGE = N_("Give a number of days from 1 to 3650, or leave it empty.")

Text = Annotated[str, Form()]


class Me(BaseModel):
    id: str
    name: str
    role: str
    locale: str


def _account_page(request: Request, session: SessionDep, actor: ActorDep, *,
                  errors: dict[str, str] | None = None, status: int = 200,
                  done: str | None = None) -> Response:
    return render(request, "account/index.html", status_code=status, errors=errors or {},
                  second_factor=auth.has_second_factor(session, user_id=actor.user_id),
                  done=DONE.get(done or ""))


@router.get("/account")
def account(request: Request, actor: ActorDep, session: SessionDep,
            done: str | None = None) -> Response:
    return _account_page(request, session, actor, done=done)


@router.post("/account/password")
def change_password(request: Request, actor: ActorDep, session: SessionDep,
                    current_password: Text = "", new_password: Text = "",
                    confirm_password: Text = "") -> Response:
    errors: dict[str, str] = {}
    if new_password != confirm_password:
        errors["confirm_password"] = MISMATCH
    else:
        try:
            auth.check_password_policy(new_password)
        except auth.WeakPassword:
            errors["new_password"] = TOO_SHORT
    if not errors:
        try:
            auth.change_password(session, actor=actor, current=current_password,
                                 new=new_password, hasher=request.app.state.hasher,
                                 keep_session=request.state.session_id)
        except auth.WrongPassword:
            errors["current_password"] = WRONG_PASSWORD
    if errors:
        return _account_page(request, session, actor, errors=errors, status=422)
    return see_other("/account?done=password")


@router.get("/account/second-factor")
def second_factor_form(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    secret = auth.new_totp_secret()
    return render(request, "account/second_factor.html", secret=secret,
                  uri=auth.totp_uri(secret, account=actor.name), error=None,
                  enrolled=auth.has_second_factor(session, user_id=actor.user_id))


@router.post("/account/second-factor")
def enrol_second_factor(request: Request, actor: ActorDep, session: SessionDep,
                        secret: Text = "", code: Text = "") -> Response:
    try:
        auth.enrol_second_factor(session, actor=actor, secret=secret, code=code)
    except auth.WrongCode:
        cleaned = secret.strip() or auth.new_totp_secret()
        return render(request, "account/second_factor.html", status_code=422, secret=cleaned,
                      uri=auth.totp_uri(cleaned, account=actor.name), error=WRONG_CODE,
                      enrolled=False)
    return see_other("/account?done=second-factor-on")


@router.post("/account/second-factor/disable")
def disable_second_factor(request: Request, actor: ActorDep, session: SessionDep,
                          password: Text = "") -> Response:
    try:
        auth.disable_second_factor(session, actor=actor, password=password,
                                   hasher=request.app.state.hasher)
    except auth.WrongPassword:
        return _account_page(request, session, actor, status=422,
                             errors={"disable_password": WRONG_PASSWORD})
    return see_other("/account?done=second-factor-off")


def _tokens_page(request: Request, actor: ActorDep, session: SessionDep, *,
                 created: str | None = None, label: str = "", error: str | None = None,
                 status: int = 200, done: str | None = None) -> Response:
    return render(request, "account/tokens.html", status_code=status,
                  tokens=auth.list_tokens(session, actor=actor), created=created,
                  label=label, error=error, done=DONE.get(done or ""))


@router.get("/account/tokens")
def tokens(request: Request, actor: ActorDep, session: SessionDep,
           done: str | None = None) -> Response:
    return _tokens_page(request, actor, session, done=done)


@router.post("/account/tokens")
def create_token(request: Request, actor: ActorDep, session: SessionDep,
                 label: Text = "", days: Text = "") -> Response:
    """The new token is shown in this response only (a redirect would lose it); the page is
    never cached."""
    try:
        lifetime = int(days) if days.strip() else None
        token, _ = auth.create_token(session, actor=actor, label=label, days=lifetime)
    except (InvalidInput, ValueError) as error:
        wrong_days = isinstance(error, ValueError) or str(error).startswith("days")
        return _tokens_page(request, actor, session, label=label, status=422,
                            error=DAYS_RANGE if wrong_days else LABEL_NEEDED)
    return _tokens_page(request, actor, session, created=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: str, actor: ActorDep, session: SessionDep) -> Response:
    auth.revoke_token(session, actor=actor, token_id=token_id)
    return see_other("/account/tokens?done=token-revoked")


@router.get("/api/v1/me", response_model=Me, responses=PROBLEMS)
def me(request: Request, actor: ActorDep) -> Me:
    """The account the token (or session) acts as."""
    return Me(id=actor.user_id, name=actor.name, role=actor.role,
              locale=getattr(request.state, "locale", "en"))
