"""Errors of the store.

    StoreError
    ├── StoreNotFound        no store at the given place (not initialised)
    ├── StoreExists          ``init`` on a place that already holds a store
    └── SchemaOutOfDate      the database needs ``surplace db upgrade``
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
