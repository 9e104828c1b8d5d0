"""Administration: users and roles, per-case grants, the audit log — pages and API.

Every route depends on :func:`~surplace.web.deps.requires` for the permission its service checks
again (``users.admin`` or ``audit.read``), so a refused role gets 403 before its form is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from surplace.access import auth, users
from surplace.access.models import ROLES
from surplace.access.policy import Actor
from surplace.errors import InvalidInput, SurplaceError
from surplace.vault import audit_service
from surplace.vault.audit_service import AuditEntryOut
from surplace.vault.service import Unlocked
from surplace.web.api import MAX_OFFSET, PROBLEMS, Page, PageDep, make_page
from surplace.web.deps import SessionDep, requires, roles_with
from surplace.web.forms import see_other
from surplace.web.i18n import N_
from surplace.web.templating import render
from surplace.web.views_common import Pager, error_field, query_without, text

router = APIRouter()

_USERS = roles_with("users.admin")
_AUDIT = roles_with("audit.read")
ACCESS: dict[str, frozenset[str]] = {
    "GET /admin/users": _USERS,
    "POST /admin/users": _USERS,
    "GET /admin/users/{user_id}": _USERS,
    "POST /admin/users/{user_id}/role": _USERS,
    "POST /admin/users/{user_id}/password": _USERS,
    "POST /admin/users/{user_id}/active": _USERS,
    "POST /admin/users/{user_id}/unlock": _USERS,
    "POST /admin/users/{user_id}/second-factor/reset": _USERS,
    "POST /admin/users/{user_id}/grants": _USERS,
    "POST /admin/users/{user_id}/grants/revoke": _USERS,
    "GET /admin/audit": _AUDIT,
    "GET /api/v1/users": _USERS,
    "GET /api/v1/audit": _AUDIT,
}

PAGE_SIZE = 50
DONE: dict[str, str] = {
    "created": N_("The account was created."),
    "role": N_("The role was changed; the account's sessions were signed out."),
    "password": N_("The password was set; the account's sessions were signed out."),
    "active": N_("The account's status was changed."),
    "unlock": N_("The account was unlocked."),
    "second-factor": N_("The second factor was removed; the account can enrol again."),
    "grant": N_("The grant was added."),
    "revoke": N_("The grants on that case were revoked."),
}
MISMATCH = N_("The two passwords differ.")

UsersAdmin = Annotated[Actor, Depends(requires("users.admin"))]
AuditReader = Annotated[Actor, Depends(requires("audit.read"))]
Text = Annotated[str, Form()]


def _errors_from(error: SurplaceError) -> dict[str, str]:
    head, sep, rest = str(error).partition(": ")
    return {head: rest} if sep and head.isidentifier() else {"form": str(error)}


def _users_page(request: Request, session: SessionDep, actor: Actor, *, offset: int = 0,
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                status: int = 200, done: str | None = None) -> Response:
    rows, total = users.list_users(session, actor=actor, limit=PAGE_SIZE, offset=offset)
    return render(request, "admin/users.html", status_code=status, users=rows, total=total,
                  offset=offset, page_size=PAGE_SIZE, roles=list(ROLES), errors=errors or {},
                  values=values or {"role": "caseworker"}, done=DONE.get(done or ""))


@router.get("/admin/users")
def users_page(request: Request, actor: UsersAdmin, session: SessionDep,
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
               done: str | None = None) -> Response:
    return _users_page(request, session, actor, offset=offset, done=done)


@router.post("/admin/users")
def create_user(request: Request, actor: UsersAdmin, session: SessionDep, name: Text = "",
                role: Text = "", password: Text = "", confirm_password: Text = "") -> Response:
    values = {"name": name, "role": role}
    if password != confirm_password:
        return _users_page(request, session, actor, errors={"confirm_password": MISMATCH},
                           values=values, status=422)
    try:
        user_id = users.create_user(session, actor=actor, name=name, role=role,
                                    password=password, hasher=request.app.state.hasher)
    except InvalidInput as error:
        return _users_page(request, session, actor, errors=_errors_from(error), values=values,
                           status=422)
    return see_other(f"/admin/users/{user_id}?done=created")


def _user_page(request: Request, session: SessionDep, actor: Actor, user_id: str, *,
               errors: dict[str, str] | None = None, status: int = 200,
               done: str | None = None) -> Response:
    user = users.get_user(session, actor=actor, user_id=user_id)
    grants = users.list_grants(session, actor=actor, user_id=user_id)
    return render(request, "admin/user.html", status_code=status, user=user, grants=grants,
                  roles=list(ROLES), errors=errors or {}, done=DONE.get(done or ""))


@router.get("/admin/users/{user_id}")
def user_page(request: Request, user_id: str, actor: UsersAdmin, session: SessionDep,
              done: str | None = None) -> Response:
    return _user_page(request, session, actor, user_id, done=done)


def _act(request: Request, session: SessionDep, actor: Actor, user_id: str, done: str,
         action: object) -> Response:
    """Run a change on one account; a refusal re-displays the account page with the message
    beside the field it is about."""
    try:
        assert callable(action)
        action()
    except InvalidInput as error:
        return _user_page(request, session, actor, user_id, errors=_errors_from(error),
                          status=422)
    return see_other(f"/admin/users/{user_id}?done={done}")


@router.post("/admin/users/{user_id}/role")
def change_role(request: Request, user_id: str, actor: UsersAdmin, session: SessionDep,
                role: Text = "") -> Response:
    return _act(request, session, actor, user_id, "role", lambda: users.change_role(
        session, actor=actor, user_id=user_id, role=role))


@router.post("/admin/users/{user_id}/password")
def set_password(request: Request, user_id: str, actor: UsersAdmin, session: SessionDep,
                 password: Text = "", confirm_password: Text = "") -> Response:
    if password != confirm_password:
        return _user_page(request, session, actor, user_id, status=422,
                          errors={"confirm_password": MISMATCH})
    return _act(request, session, actor, user_id, "password", lambda: auth.set_password(
        session, actor=actor, user_id=user_id, password=password,
        hasher=request.app.state.hasher))


@router.post("/admin/users/{user_id}/active")
def set_active(request: Request, user_id: str, actor: UsersAdmin, session: SessionDep,
               active: Text = "") -> Response:
    return _act(request, session, actor, user_id, "active", lambda: users.set_active(
        session, actor=actor, user_id=user_id, active=active == "yes"))


@router.post("/admin/users/{user_id}/unlock")
def unlock(request: Request, user_id: str, actor: UsersAdmin, session: SessionDep) -> Response:
    return _act(request, session, actor, user_id, "unlock", lambda: users.unlock(
        session, actor=actor, user_id=user_id))


@router.post("/admin/users/{user_id}/second-factor/reset")
def reset_second_factor(request: Request, user_id: str, actor: UsersAdmin,
                        session: SessionDep) -> Response:
    return _act(request, session, actor, user_id, "second-factor",
                lambda: users.reset_second_factor(session, actor=actor, user_id=user_id))


@router.post("/admin/users/{user_id}/grants")
def grant_case(request: Request, user_id: str, actor: UsersAdmin, session: SessionDep,
               case: Text = "", permission: Text = "read") -> Response:
    return _act(request, session, actor, user_id, "grant", lambda: users.grant_case(
        session, actor=actor, user_id=user_id, case=case, permission=permission))


@router.post("/admin/users/{user_id}/grants/revoke")
def revoke_case(request: Request, user_id: str, actor: UsersAdmin, session: SessionDep,
                case: Text = "") -> Response:
    return _act(request, session, actor, user_id, "revoke", lambda: users.revoke_case(
        session, actor=actor, user_id=user_id, case=case))


AuditFilter = Annotated[str | None, Query(max_length=64)]
#: ISO dates or times; the service refuses one it cannot read, naming the field.
AuditMoment = Annotated[str | None, Query(max_length=32)]
AUDIT_FIELDS = ("user", "action", "object_type", "object_id", "since", "until")


@dataclass(frozen=True)
class AuditQuery:
    """The audit log's filters as the page and the API take them (blank means no filter)."""

    user: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: str | None = None
    until: str | None = None

    def service_filters(self) -> dict[str, str | None]:
        return {"actor_name": self.user, "action": self.action,
                "object_type": self.object_type, "object_id": self.object_id,
                "since": self.since, "until": self.until}

    def given(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}


def audit_query(user: AuditFilter = None, action: AuditFilter = None,
                object_type: AuditFilter = None, object_id: AuditFilter = None,
                since: AuditMoment = None, until: AuditMoment = None) -> AuditQuery:
    return AuditQuery(*(text(value) for value in (user, action, object_type, object_id,
                                                 since, until)))


AuditQueryDep = Annotated[AuditQuery, Depends(audit_query)]


def _acting(request: Request, actor: Actor) -> Unlocked:
    server: Unlocked = request.app.state.unlocked
    return Unlocked(server.store, server.keyring, actor)


def page_links(pager: Pager, *, around: int = 3) -> list[tuple[int, int]]:
    """(page number, offset) of the first and last pages and those around the current one."""
    count = max(1, -(-pager.total // pager.limit))
    current = pager.offset // pager.limit + 1
    shown = sorted({1, count, *range(max(1, current - around), min(count, current + around) + 1)})
    return [(number, (number - 1) * pager.limit) for number in shown]


@router.get("/admin/audit")
def audit_page(request: Request, actor: AuditReader, query: AuditQueryDep,
               offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> Response:
    acting = _acting(request, actor)
    filters = query.service_filters()
    try:
        total = audit_service.count_entries(acting, **filters)
        entries = audit_service.list_entries(acting, **filters, limit=PAGE_SIZE, offset=offset)
        errors: dict[str, str] = {}
    except InvalidInput as error:
        total, entries = 0, []
        message = str(error)
        errors = {error_field(message.lstrip("-"), AUDIT_FIELDS, "user"): message}
    pager = Pager(offset, PAGE_SIZE, total)
    return render(request, "admin/audit.html", status_code=422 if errors else 200,
                  entries=entries, pager=pager, pages=page_links(pager),
                  current=offset // PAGE_SIZE + 1, filters=query, errors=errors,
                  page_query=lambda **changes: query_without(request, "offset", **changes))


@router.get("/api/v1/users", response_model=Page[users.UserOut], responses=PROBLEMS)
def api_users(request: Request, actor: UsersAdmin, session: SessionDep,
              page: PageDep) -> Page[users.UserOut]:
    """Staff accounts, in name order."""
    rows, total = users.list_users(session, actor=actor, limit=page.limit, offset=page.offset)
    return make_page(request, rows, page, total)


@router.get("/api/v1/audit", response_model=Page[AuditEntryOut], responses=PROBLEMS)
def api_audit(request: Request, actor: AuditReader, page: PageDep,
              query: AuditQueryDep) -> Page[AuditEntryOut]:
    """Audit entries, newest first; filters: user (name), action, object_type, object_id,
    since and until (ISO dates or times, UTC unless an offset is given)."""
    acting = _acting(request, actor)
    filters = query.service_filters()
    try:
        total = audit_service.count_entries(acting, **filters)
    except InvalidInput as error:  # the service names the command line's option: --since
        raise InvalidInput(str(error).lstrip("-")) from None
    entries = audit_service.list_entries(acting, **filters, limit=page.limit,
                                         offset=page.offset)
    return make_page(request, entries, page, total)
