"""Every error as the user should see it: a page for the browser, problem+json for the API.

- not signed in → pages redirect (303) to ``/sign-in``; the API answers 401
- the policy refuses (:class:`AccessDenied`), a forged form (:class:`CsrfRejected`) → 403
- an object that does not exist (any error class named ``…NotFound``) → 404
- invalid input (:class:`InvalidInput`, request validation) → 422 naming the field; a value
  the database refuses (``DataError``: beyond its integers) → 422 as well
- any other expected error (:class:`SurplaceError`) → 422 with its message, which is written to
  be shown
- the store cannot be reached, is busy beyond its timeout, or is locked → 503
- anything else → 500 with an error id only; the log has the id, the exception's type and where
  it was raised — never its message (it might hold a value), a SQL fragment or an identity.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from surplace.access.policy import AccessDenied
from surplace.errors import SurplaceError
from surplace.store.exceptions import StoreNotFound
from surplace.vault.exceptions import StoreShredded, VaultLocked
from surplace.web.api import FieldProblem, is_api, problem
from surplace.web.csrf import CsrfRejected
from surplace.web.deps import SignInRequired
from surplace.web.i18n import N_
from surplace.web.templating import render

log = logging.getLogger("surplace.web")

TITLES: dict[int, str] = {
    400: N_("Bad request"),
    401: N_("Sign in first"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    422: N_("Check what you entered"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
    503: N_("The store is not available"),
}
FORBIDDEN_TEXT = N_("Your role does not allow this. Ask an administrator if you need it.")
CSRF_TEXT = N_("This form has expired or did not come from this site. Go back, reload the "
               "page and try again.")
NOT_FOUND_TEXT = N_("There is nothing at this address, or it was removed.")
UNAVAILABLE_TEXT = N_("The store cannot be reached right now: it is busy, locked or its "
                      "database is down. Nothing was changed. Try again in a minute; if it "
                      "persists, tell the operator who started the server.")
INTERNAL_TEXT = N_("Nothing was changed by the failed step. If it happens again, give an "
                   "administrator this error id:")

OUT_OF_RANGE_TEXT = N_("A value is outside what the store accepts (too large, or malformed). "
                       "Check the numbers and dates you entered.")

#: Store failures that mean "not available" rather than a bug.
UNAVAILABLE = (StoreNotFound, StoreShredded, VaultLocked, OperationalError, InterfaceError)


def error_page(request: Request, status: int, *, message: str | None = None,
               detail: str | None = None, fields: list[FieldProblem] | None = None,
               error_id: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """``message`` is an English source string shown translated; ``detail`` is shown as is
    (a service's message, safe by construction)."""
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    if is_api(request):
        first = fields[0].field if fields else None
        return problem(status, title, detail=detail or message, field=first, errors=fields,
                       error_id=error_id, headers=headers)
    response: Response
    try:
        response = render(request, "errors/error.html", status_code=status, title=title,
                          message=message, detail=detail, fields=fields or [],
                          error_id=error_id)
    except Exception:  # noqa: BLE001 - a page that cannot render still answers safely
        response = Response(f"{status} {title}", status_code=status, media_type="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _not_found(error: BaseException) -> bool:
    return type(error).__name__.endswith("NotFound") and not isinstance(error, StoreNotFound)


def _field_of(error: BaseException) -> str | None:
    named = getattr(error, "field", None)
    if isinstance(named, str):
        return named
    head, sep, _rest = str(error).partition(": ")
    return head if sep and head.replace("_", "").replace(".", "").isalnum() else None


def handle_surplace(request: Request, error: Exception) -> Response:
    if isinstance(error, SignInRequired):
        if is_api(request):
            return error_page(request, 401, detail=str(error),
                              headers={"WWW-Authenticate": "Bearer"})
        # Back to the page after signing in; a form post is not repeated (its data is gone).
        if request.method != "GET":
            return RedirectResponse("/sign-in", status_code=303)
        return RedirectResponse(f"/sign-in?next={quote(request.url.path, safe='/')}",
                                status_code=303)
    if isinstance(error, CsrfRejected):
        return error_page(request, 403, message=CSRF_TEXT)
    if isinstance(error, AccessDenied):
        return error_page(request, 403, message=FORBIDDEN_TEXT, detail=str(error))
    if isinstance(error, UNAVAILABLE):
        return unavailable(request, error)
    if _not_found(error):
        return error_page(request, 404, message=NOT_FOUND_TEXT, detail=str(error))
    field = _field_of(error)
    fields = [FieldProblem(field=field, message=str(error))] if field else None
    return error_page(request, 422, detail=str(error), fields=fields)


def handle_validation(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    fields: list[FieldProblem] = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query",
                                                                              "path", "header",
                                                                              "cookie")]
        fields.append(FieldProblem(field=".".join(location) or "request",
                                   message=str(item.get("msg", "invalid"))))
    return error_page(request, 422, fields=fields,
                      detail="; ".join(f"{f.field}: {f.message}" for f in fields))


def handle_http(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    message = NOT_FOUND_TEXT if status == 404 else None
    return error_page(request, status, message=message, headers=dict(error.headers or {}))


def out_of_range(request: Request, error: Exception) -> Response:
    """The database refused a value (a number beyond its integers, an impossible date): the
    request's fault, answered 422. Routes should bound their inputs so this stays a safety net."""
    log.warning("value refused by the database: %s", type(error).__name__)
    return error_page(request, 422, message=OUT_OF_RANGE_TEXT)


def unavailable(request: Request, error: BaseException) -> Response:
    log.warning("store unavailable: %s", type(error).__name__)
    return error_page(request, 503, message=UNAVAILABLE_TEXT, headers={"Retry-After": "30"})


def _where(error: BaseException) -> str:
    """Where it was raised: the innermost frame and the innermost frames of our own code
    (file, line, function — never a message or a local variable)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "(no traceback)"
    ours = [frame for frame in frames if "/surplace/" in frame.filename
            or "/tests/" in frame.filename]
    chosen = [frames[-1], *[frame for frame in reversed(ours[-4:]) if frame is not frames[-1]]]
    return " < ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
                      for frame in chosen)


def last_resort(request: Request, error: BaseException) -> Response:
    """An exception nothing else handled (or a store failure before any route ran)."""
    if isinstance(error, UNAVAILABLE) or (isinstance(error, DBAPIError)
                                          and error.connection_invalidated):
        return unavailable(request, error)
    if isinstance(error, SurplaceError):
        return handle_surplace(request, error)
    error_id = uuid.uuid4().hex[:12]
    log.error("internal error %s: %s at %s", error_id, type(error).__name__, _where(error))
    try:
        return error_page(request, 500, message=INTERNAL_TEXT, error_id=error_id)
    except Exception:  # noqa: BLE001
        return Response(f"500 (error id {error_id})", status_code=500, media_type="text/plain")


def install(app: FastAPI) -> None:
    handlers: dict[Any, Any] = {
        SurplaceError: handle_surplace,
        RequestValidationError: handle_validation,
        StarletteHTTPException: handle_http,
        OperationalError: unavailable,
        DataError: out_of_range,
        InterfaceError: unavailable,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
