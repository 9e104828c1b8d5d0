"""The navigation bar: each role sees the links the routes' ACCESS tables give it, so the menu
and the policy cannot disagree."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from surplace.web.i18n import N_

#: (path, label) in menu order; a link shows when ``GET path`` exists and the role may use it.
LINKS: list[tuple[str, str]] = [
    ("/", N_("Dashboard")),
    ("/cases", N_("Cases")),
    ("/persons", N_("Persons")),
    ("/incidents", N_("Incidents")),
    ("/sources", N_("Sources")),
    ("/linkage", N_("Review queue")),
    ("/linkage/review", N_("Review queue")),
    ("/estimates", N_("Estimates")),
    ("/aggregates", N_("Aggregates")),
    ("/published", N_("Published")),
    ("/recommendations", N_("Recommendations")),
    ("/admin/users", N_("Users")),
    ("/admin/audit", N_("Audit log")),
]


ROLE_LABELS: dict[str, str] = {
    "admin": N_("Administrator"),
    "caseworker": N_("Caseworker"),
    "researcher": N_("Researcher"),
    "analyst": N_("Analyst"),
    "viewer": N_("Viewer"),
}


def links_for(access: dict[str, frozenset[str]], role: str) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    labels: set[str] = set()
    for path, label in LINKS:
        roles = access.get(f"GET {path}")
        if roles is not None and role in roles and label not in labels:
            shown.append((path, label))
            labels.add(label)
    return shown


def context(request: Request) -> dict[str, Any]:
    actor = getattr(request.state, "actor", None)
    access: dict[str, frozenset[str]] = getattr(request.app.state, "access", {})
    return {"nav": links_for(access, actor.role) if actor is not None else [],
            "role_labels": ROLE_LABELS}
