"""Every route of the app × every role (and no one signed in), against the ACCESS tables.

Allowed roles get their page (2xx/3xx for GET; for a form post, anything but 401/403/5xx — an
empty form may rightly be refused as invalid, 422); refused roles get 403; anonymous visitors are
sent to the sign-in page (pages) or answered 401 (API). Routes in a module's PUBLIC set are open
to everyone. Runs on SQLite and PostgreSQL (the ``web_store`` fixture is parametrised).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from surplace.web.api import API_PREFIX
from surplace.web.middleware import SESSION_COOKIE
from surplace.web.routes import access_table, app_routes, public_routes
from tests.web.conftest import ROLE_NAMES

SAFE = {"GET", "HEAD"}


def test_every_route_is_declared_once(app: FastAPI) -> None:
    access, public = access_table(), public_routes()
    routes = {f"{method} {path}" for method, path in app_routes(app)}
    assert "GET /sign-in" in routes and "GET /admin/users" in routes
    undeclared = sorted(routes - set(access) - public)
    assert not undeclared, f"routes missing from every ACCESS/PUBLIC table: {undeclared}"
    stale = sorted((set(access) | public) - routes)
    assert not stale, f"declared routes the app does not have: {stale}"
    assert not set(access) & public, "a route is both PUBLIC and role-restricted"
    for key, roles in access.items():
        assert roles <= set(ROLE_NAMES), f"{key} names an unknown role: {roles}"


def _fill(path: str, ids: dict[str, str]) -> str | None:
    """The path with its parameters filled from the sample ids (None if one is missing)."""
    names = [name.split(":")[0] for name in re.findall(r"\{([^}]+)\}", path)]
    if any(name not in ids for name in names):
        return None
    return re.sub(r"\{([^}]+)\}", lambda match: ids[match.group(1).split(":")[0]], path)


def _verdict(method: str, path: str, role: str | None, status: int, location: str,
             allowed: bool, public: bool) -> str | None:
    """What is wrong with this answer, or None."""
    if status >= 500:
        return f"server error {status}"
    if public:  # sign-in answers 401 to an empty form, sign-out ends at the sign-in page
        return f"public route refused with {status}" if status == 403 else None
    if role is None and not allowed:
        if path.startswith(API_PREFIX):
            return None if status == 401 else f"anonymous got {status}, expected 401"
        if status == 303 and (location == "/sign-in" or location.startswith("/sign-in?next=")):
            return None
        return f"anonymous got {status} -> {location!r}, expected 303 to /sign-in"
    if not allowed:
        return None if status == 403 else f"refused role got {status}, expected 403"
    if status in (401, 403):
        return f"allowed role got {status}"
    if status in (301, 302, 303, 307) and location.startswith("/sign-in?next="):
        return "allowed role was sent to sign in"
    if method not in SAFE and status == 303 and location == "/sign-in" and not public:
        return "allowed role was sent to sign in"
    if method in SAFE and not 200 <= status < 400:
        return f"allowed role got {status} on a page"
    return None


def test_role_route_matrix(app: FastAPI, client: TestClient, sign_in: Callable[..., TestClient],
                           csrf: Callable[[TestClient], str], sample_ids: dict[str, str]) -> None:
    access, public = access_table(), public_routes()
    routes = app_routes(app)
    assert len(routes) > 20
    # Pages first, then forms: a form (deactivating the sample account, signing out) must
    # not change what a later page shows.
    routes.sort(key=lambda item: (item[0] not in SAFE, item[1], item[0]))
    problems: list[str] = []
    checked = 0
    cookies: dict[str | None, str | None] = {}
    for method, template in routes:
        key = f"{method} {template}"
        url = _fill(template, sample_ids)
        if url is None:
            problems.append(f"{key}: no sample id for its path parameters (add one in an "
                            "add_sample_ids hook, see tests/web/conftest.py)")
            continue
        for role in (*ROLE_NAMES, None):
            # A page leaves the session as it was, so it is reused; a form may end it (sign
            # out, change the role), so every form is sent from a fresh session.
            if method in SAFE and role in cookies:
                client.cookies.delete(SESSION_COOKIE)
                if cookies[role]:
                    client.cookies.set(SESSION_COOKIE, str(cookies[role]))
            else:
                sign_in(client, role)
                cookies[role] = client.cookies.get(SESSION_COOKIE)
            allowed = key in public or (role is not None and role in access.get(key, ()))
            data = None if method in SAFE else {"csrf_token": csrf(client)}
            response = client.request(method, url, data=data)
            wrong = _verdict(method, template, role, response.status_code,
                             response.headers.get("location", ""), allowed, key in public)
            checked += 1
            if wrong:
                problems.append(f"{key} as {role or 'anonymous'}: {wrong}")
    assert not problems, f"{len(problems)} of {checked} answers wrong:\n" + "\n".join(problems)
