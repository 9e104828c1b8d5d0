"""Every route module, in the order their routers are included.

Each module defines ``router`` (an ``APIRouter``; pages at ``/…``, JSON under ``/api/v1/…``) and
``ACCESS``: for each route it declares, as ``"METHOD /path"``, the roles that may use it. The
role × route test (tests/web/test_access_matrix.py) checks every route of the app is declared and
that each role gets exactly what its row says — the declaration is checked against the services'
policy, so a route cannot quietly widen access. A module may also define ``PUBLIC``: routes
anyone may use, signed in or not (the sign-in page, the language switch, the API description).

To add a module, append it to ``ROUTERS`` (one line).
"""

from __future__ import annotations

from types import ModuleType

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from surplace.web.routes import (
    account,
    admin,
    aggregates,
    auth,
    case_work,
    cases,
    dashboard,
    estimates,
    incident_forms,
    incidents,
    linkage,
    meta,
    person_forms,
    persons,
    recommendations,
    sources,
)

ROUTERS: list[ModuleType] = [
    auth,
    account,
    admin,
    meta,
    dashboard,
    cases,
    person_forms,  # before persons: /persons/new is not a person id
    persons,
    incident_forms,  # before incidents: /incidents/new is not an incident id
    incidents,
    sources,
    linkage,
    estimates,
    aggregates,
    recommendations,
    case_work,
]


def access_table() -> dict[str, frozenset[str]]:
    """Every module's ACCESS in one table."""
    table: dict[str, frozenset[str]] = {}
    for module in ROUTERS:
        table.update(getattr(module, "ACCESS", {}))
    return table


def public_routes() -> frozenset[str]:
    found: set[str] = set()
    for module in ROUTERS:
        found.update(getattr(module, "PUBLIC", frozenset()))
    return frozenset(found)


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app answers with a route of ours (not static files).
    FastAPI keeps included routers as lazy entries; ``iter_route_contexts`` walks them."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.path is not None:
            found.extend((method, context.path) for method in sorted(context.methods or ()))
    return found
