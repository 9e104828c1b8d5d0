"""The vault's tables: store identity and state, data-key generations, and key slots.

No table here holds a key in the clear. A key slot holds the data key wrapped under a key derived
from one user's passphrase; a generation link holds a newer data key wrapped under the one before
it, so a slot made before a rotation still reaches the current key (and is rewrapped on its next
unlock); during a rotation a back link lets a slot already on the new generation reach the old one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow


class VaultState(Base):
    """One row: the store's identity, current key generation, rotation and shred state."""

    __tablename__ = "vault_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36))
    current_key_version: Mapped[int] = mapped_column(Integer)
    rotating_from_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shredded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KeyGeneration(Base):
    """A data-key generation; from the second on, wrapped under the generation before it.

    While the rotation to this generation is in progress, the row also holds the previous
    generation wrapped under this one (the *back link*), so that a slot already rewrapped to this
    generation (or made during the rotation) still opens values not yet re-sealed. The rotation
    erases the back link when it finishes.
    """

    __tablename__ = "key_generation"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    link_nonce: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    wrapped_by_previous: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    back_nonce: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    previous_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class KeySlot(IdMixin, Base):
    """One user's way in: the data key wrapped under Argon2id(passphrase)."""

    __tablename__ = "key_slot"

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    key_version: Mapped[int] = mapped_column(Integer)
    kdf: Mapped[str] = mapped_column(String(16), default="argon2id")
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    time_cost: Mapped[int] = mapped_column(Integer)
    memory_kib: Mapped[int] = mapped_column(Integer)
    parallelism: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rewrapped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
