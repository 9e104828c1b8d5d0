"""Vault operations: create a store's keys, unlock, add users, change passphrases.

Rotation and shredding live in :mod:`surplace.vault.rotation` and :mod:`surplace.vault.shred`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from surplace.access.models import ROLES, Role, User
from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.store.base import new_id
from surplace.store.engine import Store
from surplace.store.exceptions import StoreExists, StoreNotFound
from surplace.vault import audit
from surplace.vault.crypto import Argon2Parameters, DataKey, random_key, unwrap
from surplace.vault.exceptions import StoreShredded, UnknownUser, WrongPassphrase
from surplace.vault.keyring import Keyring
from surplace.vault.models import KeyGeneration, KeySlot, VaultState
from surplace.vault.slots import follow_generations, make_slot, open_slot, rewrap_slot


@dataclass
class Unlocked:
    """An unlocked store: the keyring and the acting user."""

    store: Store
    keyring: Keyring
    actor: Actor

    def session(self) -> AbstractContextManager[Session]:
        """A transaction acting as this user with this keyring."""
        return self.store.session(keyring=self.keyring, actor_id=self.actor.user_id)


def vault_state(session: Session) -> VaultState:
    try:
        state = session.get(VaultState, 1)
    except (OperationalError, ProgrammingError):
        # No vault table: an empty database or schema, not a store.
        raise StoreNotFound("This database holds no store: run 'surplace init' first.") from None
    if state is None:
        raise StoreNotFound("This store has no vault: run 'surplace init' first.")
    if state.shredded_at is not None:
        raise StoreShredded()
    return state


def back_link_context(store_id: str, version: int) -> bytes:
    """Associated data of the back link held by generation ``version``."""
    return f"surplace-generation-back|{store_id}|{version}".encode()


def with_rotation_source(session: Session, state: VaultState,
                         keys: list[DataKey]) -> list[DataKey]:
    """During a rotation, add the generation being rotated from if ``keys`` cannot reach it.

    A slot already rewrapped to the new generation (or made during the rotation) opens only
    the new key; the back link on the new generation's row gives the old one, which values not
    yet re-sealed still need. See :mod:`surplace.vault.rotation`.
    """
    old = state.rotating_from_version
    if old is None or any(key.version == old for key in keys):
        return keys
    first = keys[0]
    link = session.get(KeyGeneration, first.version)
    if (first.version != old + 1 or link is None or link.previous_wrapped is None
            or link.back_nonce is None):
        return keys
    raw = unwrap(first.raw, bytes(link.back_nonce), bytes(link.previous_wrapped),
                 back_link_context(state.store_id, first.version))
    return [DataKey(old, raw), *keys]


def initialise(store: Store, *, admin_name: str, passphrase: str,
               params: Argon2Parameters) -> Unlocked:
    """Create the store's first data key, the roles, and the first administrator with a slot."""
    from surplace.store.migrate import upgrade

    params.check()
    upgrade(store)
    with store.session() as session:
        if session.get(VaultState, 1) is not None:
            raise StoreExists(f"{store.location} already holds a store.")
    store_id = new_id()
    key = DataKey(1, random_key())
    keyring = Keyring(store_id, [key])
    admin = User(name=admin_name, role="admin")
    with store.session(keyring=keyring, actor_id=admin.id) as session:
        session.add(VaultState(id=1, store_id=store_id, current_key_version=1))
        session.add(KeyGeneration(version=1))
        session.add_all(Role(name=name, description=text) for name, text in ROLES.items())
        session.flush()
        session.add(admin)
        session.flush()
        session.add(make_slot(store_id, admin.id, passphrase, key, params))
        audit.record(session, "store.init", "vault_state", "1")
    return Unlocked(store, keyring, Actor(admin.id, admin.name, admin.role))


def unlock(store: Store, *, user_name: str, passphrase: str, record: bool = True) -> Unlocked:
    """Open the data key with one user's passphrase. Writes nothing if the passphrase is wrong.

    With ``record`` (the default) the unlock is written to the audit chain and a slot still on an
    older key generation is rewrapped. ``audit verify`` unlocks without recording, so that it can
    examine a chain that refuses new entries; it records its own check once the chain is sound.
    """
    with store.session() as session:
        state = vault_state(session)
        store_id, current = state.store_id, state.current_key_version
        user = session.scalars(select(User).where(User.name == user_name, User.active)).first()
        if user is None:
            raise UnknownUser(user_name)
        slots = session.scalars(
            select(KeySlot).where(KeySlot.user_id == user.id, KeySlot.active)
        ).all()
        if not slots:
            raise UnknownUser(user_name)
        for slot in slots:
            opened = open_slot(store_id, slot, passphrase)
            if opened is not None:
                break
        else:
            raise WrongPassphrase(user_name)
        key, kek = opened
        keys = with_rotation_source(session, state,
                                    follow_generations(session, store_id, key))
        actor = Actor(user.id, user.name, user.role)
        slot_id = slot.id
    keyring = Keyring(store_id, keys)
    if not record:
        return Unlocked(store, keyring, actor)
    with store.session(keyring=keyring, actor_id=actor.user_id) as session:
        if keys[-1].version > key.version and keys[-1].version == current:
            fresh = session.get(KeySlot, slot_id)
            assert fresh is not None
            rewrap_slot(store_id, fresh, kek, keys[-1])
        audit.record(session, "vault.unlock", "user_account", actor.user_id)
    return Unlocked(store, keyring, actor)


def add_user(unlocked: Unlocked, *, name: str, role: str, passphrase: str,
             params: Argon2Parameters) -> str:
    """Create a user with a key slot of their own; returns the user's id."""
    require(unlocked.actor, "users.admin")
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    with unlocked.store.session(keyring=unlocked.keyring,
                                actor_id=unlocked.actor.user_id) as session:
        if session.scalars(select(User).where(User.name == name)).first():
            raise InvalidInput(f"A user named {name!r} already exists.")
        user = User(name=name, role=role)
        session.add(user)
        session.flush()
        session.add(make_slot(unlocked.keyring.store_id, user.id, passphrase,
                              unlocked.keyring.current, params))
        return user.id


def change_passphrase(unlocked: Unlocked, *, old_passphrase: str, new_passphrase: str,
                      params: Argon2Parameters) -> None:
    """Rewrap the acting user's slot under a new passphrase; other slots are untouched."""
    store_id = unlocked.keyring.store_id
    with unlocked.store.session(keyring=unlocked.keyring,
                                actor_id=unlocked.actor.user_id) as session:
        slots = session.scalars(select(KeySlot).where(
            KeySlot.user_id == unlocked.actor.user_id, KeySlot.active)).all()
        target = next((s for s in slots if open_slot(store_id, s, old_passphrase)), None)
        if target is None:
            raise WrongPassphrase(unlocked.actor.name)
        session.delete(target)
        session.add(make_slot(store_id, unlocked.actor.user_id, new_passphrase,
                              unlocked.keyring.current, params))
