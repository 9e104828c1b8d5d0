"""What a route asks FastAPI for: the signed-in actor and a database session acting as them.

``request.state.actor`` is set by the sign-in middleware (cookie session or API bearer token)
before any route runs; a route that needs a signed-in user depends on :data:`ActorDep`, which
refuses anonymous requests (pages are redirected to the sign-in page, the API answers 401).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from surplace.access.models import ROLES
from surplace.access.policy import Actor, require, role_can
from surplace.errors import SurplaceError
from surplace.vault.service import Unlocked


class SignInRequired(SurplaceError):
    """No signed-in user: the page redirects to sign-in, the API answers 401."""

    def __init__(self) -> None:
        super().__init__("Sign in first.")


def unlocked_of(request: Request) -> Unlocked:
    unlocked: Unlocked = request.app.state.unlocked
    return unlocked


def signed_in_actor(request: Request) -> Actor:
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is None:
        raise SignInRequired
    return actor


#: Requests that only read: their transaction is read-only (on SQLite: no write lock, so
#: pages are served side by side); the reads of sensitive fields are still audited, in a write
#: of their own committed before the response (see ``surplace.store.engine``).
READ_METHODS = frozenset({"GET", "HEAD"})


def store_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed when the route returns, rolled back on an error;
    audited as the signed-in user (or as nobody before sign-in). Read-only for GET and HEAD."""
    actor: Actor | None = getattr(request.state, "actor", None)
    unlocked = unlocked_of(request)
    with unlocked.store.session(keyring=unlocked.keyring,
                                actor_id=None if actor is None else actor.user_id,
                                read_only=request.method in READ_METHODS) as session:
        yield session


ActorDep = Annotated[Actor, Depends(signed_in_actor)]
#: ``scope="function"``: the commit happens before the response is sent, so a transaction that
#: fails to commit answers with an error page instead of a success that was not stored.
SessionDep = Annotated[Session, Depends(store_session, scope="function")]


#: Every role, for routes any signed-in user may use (their own account, their tokens).
EVERY_ROLE: frozenset[str] = frozenset(ROLES)


def roles_with(*permissions: str) -> frozenset[str]:
    """The roles whose policy holds every one of ``permissions``: an ACCESS row derived from
    the policy instead of written out by hand."""
    return frozenset(role for role in ROLES if all(role_can(role, p) for p in permissions))


def requires(permission: str) -> Callable[[Request], Actor]:
    """A route dependency: the signed-in actor, once the policy grants ``permission``.

    Use it (``dependencies=[Depends(requires("users.admin"))]``) on routes that take a form or
    a body, so a refused role gets 403 before its input is validated (a refused role must not
    learn which fields a form wants, and the role × route test expects 403, not 422)."""

    def dependency(request: Request) -> Actor:
        actor = signed_in_actor(request)
        require(actor, permission)
        return actor

    dependency.__name__ = f"requires_{permission.replace('.', '_')}"
    return dependency
