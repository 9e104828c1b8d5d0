"""Key slots: wrapping the data key under a passphrase, and opening it again.

The associated data of a wrapped key binds it to its store, slot and key generation, so a slot
copied from another store or relabelled with another generation does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.store.base import new_id, utcnow
from surplace.vault.crypto import (
    Argon2Parameters,
    DataKey,
    derive_key_encryption_key,
    unwrap,
    wrap,
)
from surplace.vault.models import KeyGeneration, KeySlot


def slot_context(store_id: str, slot_id: str, key_version: int) -> bytes:
    return f"surplace-slot|{store_id}|{slot_id}|{key_version}".encode()


def generation_context(store_id: str, version: int) -> bytes:
    return f"surplace-generation|{store_id}|{version}".encode()


def make_slot(store_id: str, user_id: str, passphrase: str, key: DataKey,
              params: Argon2Parameters) -> KeySlot:
    params.check()
    slot_id = new_id()
    salt = os.urandom(16)
    kek = derive_key_encryption_key(passphrase, salt, params)
    nonce, wrapped = wrap(kek, key.raw, slot_context(store_id, slot_id, key.version))
    return KeySlot(
        id=slot_id, user_id=user_id, key_version=key.version, salt=salt,
        time_cost=params.time_cost, memory_kib=params.memory_kib,
        parallelism=params.parallelism, nonce=nonce, wrapped_key=wrapped,
    )


def open_slot(store_id: str, slot: KeySlot, passphrase: str) -> tuple[DataKey, bytes] | None:
    """The data key a slot wraps and the slot's key-encryption key, or None if it does not open."""
    params = Argon2Parameters(slot.time_cost, slot.memory_kib, slot.parallelism)
    kek = derive_key_encryption_key(passphrase, bytes(slot.salt), params)
    try:
        raw = unwrap(kek, bytes(slot.nonce), bytes(slot.wrapped_key),
                     slot_context(store_id, slot.id, slot.key_version))
    except InvalidTag:
        return None
    return DataKey(slot.key_version, raw), kek


def rewrap_slot(store_id: str, slot: KeySlot, kek: bytes, key: DataKey) -> None:
    """Point a slot at a newer generation, reusing the key-encryption key already derived."""
    slot.nonce, slot.wrapped_key = wrap(kek, key.raw, slot_context(store_id, slot.id, key.version))
    slot.key_version = key.version
    slot.rewrapped_at = utcnow()


def follow_generations(session: Session, store_id: str, key: DataKey) -> list[DataKey]:
    """From the generation a slot opens to the newest, each unwrapped by the one before."""
    keys = [key]
    links = session.scalars(
        select(KeyGeneration).where(KeyGeneration.version > key.version)
        .order_by(KeyGeneration.version)
    ).all()
    for link in links:
        if link.wrapped_by_previous is None or link.link_nonce is None:
            break
        raw = unwrap(keys[-1].raw, bytes(link.link_nonce), bytes(link.wrapped_by_previous),
                     generation_context(store_id, link.version))
        keys.append(DataKey(link.version, raw))
    return keys
