"""Small helpers the core's routes share for forms and redirects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.web.views_cases import Form
from surplace.web.views_common import error_field

T = TypeVar("T")


def safe_next(value: str | None, default: str = "/") -> str:
    """A path on this site to go back to; anything else (another site, ``//host``, a scheme)
    becomes ``default``, so a crafted link cannot send a user elsewhere after signing in."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 for char in value):
        return default
    return value


def see_other(path: str) -> RedirectResponse:
    """POST-redirect-GET: after a form is accepted, the browser loads the page anew."""
    return RedirectResponse(path, status_code=303)


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


async def form_values(request: Request) -> dict[str, str]:
    """The submitted form's text fields (a file, where a form has one, is read apart)."""
    data = await request.form()
    return {key: str(value) for key, value in data.items() if isinstance(value, str)}


def attempt(session: Session, form: Form, action: Callable[[], T], *,
            fields: tuple[str, ...], default: str,
            refusals: Mapping[type[Exception], tuple[str, str]] | None = None) -> T | None:
    """What ``action`` (a service call for a checked form) returns, or ``None`` when the
    service refused: then the message stands beside the field it names (``default`` when it
    names none of ``fields``) and only this attempt is undone, so the page is shown again in the
    same transaction. ``refusals`` maps an error that is not :class:`InvalidInput` but is the
    user's (an id that names nothing) to its field and a message for the catalogue."""
    known = dict(refusals or {})
    try:
        with session.begin_nested():
            return action()
    except tuple(known) as error:
        field, message = next(found for kind, found in known.items() if isinstance(error, kind))
        form.fail(field, message)
    except InvalidInput as error:
        form.fail(error_field(str(error), fields, default), str(error))
    return None
