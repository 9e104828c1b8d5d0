"""The one access policy. Every service asks it before acting; no face decides on its own.

Roles are coarse and deliberately few; per-object grants widen a caseworker's or researcher's
reach to one case or person. This first version covers what the store and vault need (who may
see identities, who may administer keys and audit); the case and web issues extend the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from surplace.errors import SurplaceError

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"identity.read", "identity.write", "vault.admin", "audit.read",
                        "evidence.read", "evidence.write", "backup", "users.admin",
                        "case.read", "case.write", "case.decide", "case.assign",
                        "incident.read", "incident.write", "incident.review",
                        "aggregate.read", "aggregate.publish", "aggregate.published.read",
                        "source.read", "source.write", "advocacy.read", "advocacy.write"}),
    "caseworker": frozenset({"identity.read", "identity.write", "evidence.read",
                             "evidence.write", "case.read", "case.write", "case.decide",
                             "incident.read", "incident.write", "source.read",
                             "source.write", "advocacy.read", "aggregate.published.read"}),
    "researcher": frozenset({"evidence.read", "evidence.write", "incident.read",
                             "incident.write", "incident.review", "aggregate.read",
                             "aggregate.publish", "aggregate.published.read",
                             "source.read", "source.write", "advocacy.read",
                             "advocacy.write"}),
    "analyst": frozenset({"aggregate.read", "aggregate.published.read", "advocacy.read"}),
    "viewer": frozenset({"aggregate.published.read", "advocacy.read"}),
}


class AccessDenied(SurplaceError):
    def __init__(self, user_id: str, permission: str, *, on: str | None = None) -> None:
        where = "" if on is None else f" on {on}"
        super().__init__(f"User {user_id} may not {permission.replace('.', ' ')}{where}.")


@dataclass(frozen=True)
class Actor:
    """The acting user as services see them: an id and a role, never a name of a refugee."""

    user_id: str
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission)


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise AccessDenied(actor.user_id, permission)


#: What an access grant on one case gives, by the grant's ``permission`` column. A grant widens
#: reach to a case; it never lifts a permission the user's role lacks (a researcher granted a
#: case still may not read case identities).
CASE_GRANTS: dict[str, frozenset[str]] = {
    "read": frozenset({"case.read"}),
    "write": frozenset({"case.read", "case.write", "case.decide"}),
}

#: Roles that see every case. Everyone else sees the cases they are assigned or granted.
SEES_ALL_CASES = frozenset({"admin"})


def role_can(role: str, permission: str) -> bool:
    """Whether a role holds a permission: used to check a user before work is given to them."""
    return permission in PERMISSIONS.get(role, frozenset())


def sees_all_cases(actor: Actor) -> bool:
    """Whether the actor reads every case, not only those assigned or granted to them."""
    return actor.role in SEES_ALL_CASES and actor.can("case.read")


def case_grant_covers(grants: Iterable[str], permission: str) -> bool:
    return any(permission in CASE_GRANTS.get(level, frozenset()) for level in grants)


def require_case(actor: Actor, permission: str, *, case: str,
                 assigned: bool | Callable[[], bool],
                 grants: Iterable[str] | Callable[[], Iterable[str]] = ()) -> None:
    """Object-level check for one case: the role must hold ``permission`` and the user must be
    an administrator, assigned to the case (an open assignment), or hold an unrevoked grant on
    it that covers ``permission``. ``case`` (the case number) names it in the refusal.

    The caller looks up ``assigned`` and ``grants``; the rule is here, so the web, the API and
    the command line apply the same one. Either may be given as a function that looks it up:
    it is then called only when the rule needs the answer (an administrator's check, and a
    refusal by role, need neither: two statements fewer on every case page).
    """
    require(actor, permission)
    if sees_all_cases(actor):
        return
    if assigned() if callable(assigned) else assigned:
        return
    if case_grant_covers(grants() if callable(grants) else grants, permission):
        return
    raise AccessDenied(actor.user_id, permission, on=f"case {case}")


def require_addressee(actor: Actor, addressee_id: str, *, what: str) -> None:
    """Only the user something is addressed to may answer it (a referral to a caseworker):
    not the sender, not an administrator on the addressee's behalf."""
    if actor.user_id != addressee_id:
        raise AccessDenied(actor.user_id, f"answer {what}")
