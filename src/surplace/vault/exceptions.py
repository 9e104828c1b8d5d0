"""Errors of the vault. Every message names objects by id, never by an identity.

    VaultError
    ├── VaultLocked          a sensitive value was read or written without the key
    ├── WrongPassphrase      no key slot of that user opens with that passphrase
    ├── UnknownUser          no key slot for the named user
    ├── StoreShredded        the key slots were destroyed; the data is unrecoverable
    ├── TamperedCiphertext   a sealed value failed authentication (edited, swapped or corrupt)
    ├── PlaintextRefused     something tried to write an unsealed value into a sealed column
    ├── WeakKeyParameters    Argon2id parameters below the floor
    ├── AuditChainBroken     the audit chain's head does not match it: writes are refused
    └── RotationError        a key rotation cannot proceed
"""

from __future__ import annotations

from surplace.errors import SurplaceError


class VaultError(SurplaceError):
    """Base class for every vault error; its message is safe to show and to log."""


class VaultLocked(VaultError):
    def __init__(self, what: str = "a sensitive value") -> None:
        super().__init__(
            f"The store is locked: {what} cannot be read or written without the passphrase."
        )


class WrongPassphrase(VaultError):
    def __init__(self, user: str) -> None:
        super().__init__(f"Wrong passphrase for user {user!r}.")


class UnknownUser(VaultError):
    def __init__(self, user: str) -> None:
        super().__init__(f"No key slot for user {user!r}.")


class StoreShredded(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "This store was shredded: its key slots are destroyed and its data cannot be read."
        )


class TamperedCiphertext(VaultError):
    def __init__(self, where: str) -> None:
        super().__init__(
            f"Sealed value at {where} failed authentication: it was altered, moved from another "
            "row or column, or is corrupt."
        )


class PlaintextRefused(VaultError):
    def __init__(self, where: str) -> None:
        super().__init__(f"Refused to write an unsealed value into sealed column {where}.")


class WeakKeyParameters(VaultError):
    pass


class RotationError(VaultError):
    pass


class AuditChainBroken(VaultError):
    def __init__(self, why: str) -> None:
        super().__init__(
            f"The audit chain is broken ({why}); nothing more is written until an administrator "
            "runs 'surplace audit verify' and restores the store from a backup."
        )
