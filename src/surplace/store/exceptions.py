"""Errors of the store.

    StoreError
    ├── StoreNotFound            no store at the given place (not initialised)
    ├── StoreExists              ``init`` on a place that already holds a store
    ├── SchemaOutOfDate          the database needs ``surplace db upgrade``
    └── BackupError              a backup or restore cannot proceed (output exists, file unreadable)
        ├── BackupDamaged        the archive failed verification: not an archive, header edited,
        │                        a chunk altered, reordered or missing, truncated, or its audit
        │                        chain broken; the message names what failed
        ├── BackupIncompatible   the archive is from a newer format or schema than this program
        ├── BackupLocked         no key slot in the archive opens with the passphrase given
        └── RestoreTargetNotEmpty  the restore target already holds a store, tables or files

Messages name files, archive ids, chunk numbers and row ids, never a value from the store.
"""

from __future__ import annotations

from surplace.errors import SurplaceError


class StoreError(SurplaceError):
    """Base class for store errors; the message is safe to show."""


class StoreNotFound(StoreError):
    pass


class StoreExists(StoreError):
    pass


class SchemaOutOfDate(StoreError):
    pass


class BackupError(StoreError):
    """A backup or restore could not proceed; nothing was left half-written."""


class BackupDamaged(BackupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"Backup archive refused: {what}. Nothing was restored.")


class BackupIncompatible(BackupError):
    pass


class BackupLocked(BackupError):
    def __init__(self) -> None:
        super().__init__(
            "No key slot in the backup archive opens with this passphrase for this user "
            "(wrong passphrase, or the archive header was altered). Nothing was restored."
        )


class RestoreTargetNotEmpty(BackupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"Restore refused: {what}. Restore only into an empty place.")
