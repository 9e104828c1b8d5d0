"""The one access policy. Every service asks it before acting; no face decides on its own.

Roles are coarse and deliberately few; per-object grants widen a caseworker's or researcher's
reach to one case or person. This first version covers what the store and vault need (who may
see identities, who may administer keys and audit); the case and web issues extend the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from surplace.errors import SurplaceError

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"identity.read", "identity.write", "vault.admin", "audit.read",
                        "evidence.read", "evidence.write", "backup", "users.admin",
                        "case.read", "case.write", "case.decide", "case.assign",
                        "incident.read", "incident.write", "incident.review",
                        "aggregate.read"}),
    "caseworker": frozenset({"identity.read", "identity.write", "evidence.read",
                             "evidence.write", "case.read", "case.write", "case.decide",
                             "incident.read", "incident.write"}),
    "researcher": frozenset({"evidence.read", "evidence.write", "incident.read",
                             "incident.write", "incident.review", "aggregate.read"}),
    "analyst": frozenset({"aggregate.read"}),
    "viewer": frozenset(),
}


class AccessDenied(SurplaceError):
    def __init__(self, user_id: str, permission: str) -> None:
        super().__init__(f"User {user_id} may not {permission.replace('.', ' ')}.")


@dataclass(frozen=True)
class Actor:
    """The acting user as services see them: an id and a role, never a name of a refugee."""

    user_id: str
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise AccessDenied(actor.user_id, permission)
