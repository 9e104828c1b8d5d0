"""Small helpers the core's routes share for forms and redirects."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse


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
