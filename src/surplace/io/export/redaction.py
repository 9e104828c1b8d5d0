"""Who may export what, and how much of the identities goes with it.

The rule is the access policy's (:mod:`surplace.access.policy`); this module only applies it
to exports:

- Identities — names, birth dates, home places, contacts, record payloads — go only to a role
  holding ``identity.read``. A role that sees every case (the policy's ``sees_all_cases``: the
  administrator) gets them for everyone (:attr:`Level.full`). Any other such role (a
  caseworker) gets them only for the principals of the cases it may see, found through the
  cases service's own listing, so that the rule for "may see this case" stays in one place
  (:attr:`Level.cases`); everyone else in that export appears by pseudonym.
- Everyone else with the read permission of the kind gets pseudonyms and the clear statistical
  columns (sex, birth year, province, event year) (:attr:`Level.pseudonymised`).
- Aggregate tables need ``aggregate.read``, and are the only export of the analyst role.

Read permissions by kind (the policy has no export permission of its own, so each kind is held
to the nearest permission that already lets a role read it in the clear columns): persons by
``incident.read`` (a researcher already sees victims by pseudonym in incidents) or
``identity.read``; records by ``source.read`` (records are sources' observations) or
``identity.read``; incidents and acts by ``incident.read``; cases by ``case.read``.

Never exported at any level, because a bulk file is the wrong place for them: where a person
is now, their family, document numbers, notes, and the narrative fields of case files.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import AccessDenied, Actor, require, sees_all_cases
from surplace.io.export.schemas import Kind, Level
from surplace.records.models import Person

READ_PERMISSION: dict[Kind, str] = {
    Kind.persons: "incident.read",
    Kind.records: "source.read",
    Kind.incidents: "incident.read",
    Kind.acts: "incident.read",
    Kind.cases: "case.read",
}
#: Kinds a role with ``identity.read`` may export even without the kind's read permission.
IDENTITY_SUFFICES = frozenset({Kind.persons, Kind.records})


@dataclass(frozen=True)
class Scope:
    """The redaction of one export: its level and, for :attr:`Level.cases`, the persons whose
    identities it may carry."""

    level: Level
    persons: frozenset[str] = frozenset()

    @property
    def identities(self) -> bool:
        """Whether the export has identity columns at all (blank where not revealed)."""
        return self.level in (Level.full, Level.cases)

    def reveals(self, person_id: str | None) -> bool:
        if person_id is None:
            return self.level is Level.full
        if self.level is Level.full:
            return True
        return self.level is Level.cases and person_id in self.persons


def scope_for(session: Session, actor: Actor, kind: Kind) -> Scope:
    """The redaction ``actor`` gets for an export of ``kind``; refused if the role may not."""
    permission = READ_PERMISSION[kind]
    allowed = actor.can(permission) or (kind in IDENTITY_SUFFICES and actor.can("identity.read"))
    if not allowed:
        raise AccessDenied(actor.user_id, f"export {kind.value}")
    if not actor.can("identity.read"):
        return Scope(Level.pseudonymised)
    if sees_all_cases(actor):
        return Scope(Level.full)
    return Scope(Level.cases, case_principals(session, actor))


def aggregate_scope(actor: Actor) -> Scope:
    require(actor, "aggregate.read")
    return Scope(Level.aggregate)


def case_principals(session: Session, actor: Actor) -> frozenset[str]:
    """Ids of the principals of every case ``actor`` may read, by the cases service's listing
    (which applies the policy's per-case rule); none for a role that reads no cases."""
    if not actor.can("case.read"):
        return frozenset()
    from surplace.cases import service as case_service

    pseudonyms = sorted({case.principal for case in case_service.list_cases(session, actor=actor)
                         if case.principal})
    found: set[str] = set()
    for start in range(0, len(pseudonyms), 1000):
        chunk = pseudonyms[start:start + 1000]
        found.update(session.scalars(select(Person.id).where(Person.pseudonym.in_(chunk))))
    return frozenset(found)
