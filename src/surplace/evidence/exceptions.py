"""Errors of the evidence domain. Messages name evidence, cases and incidents by id only: never a
file name, a description or anything read from a file.

    EvidenceError
    ├── EvidenceNotFound       no evidence item with that id
    ├── IncidentNotFound       no incident with that id
    ├── SourceUnreadable       the file to add does not exist or cannot be read
    ├── BlobMissing            an item's encrypted file is not in the blob folder
    ├── FixityFailure          a file decrypted, but its SHA-256 or size differs from the record
    └── ExportRefused          the export folder is not empty, or an item failed its check

An unknown case raises the cases domain's :class:`~surplace.cases.exceptions.CaseNotFound`,
re-exported here (it is a ``CasesError``, not an ``EvidenceError``: one error for one fact).
A blob that fails authentication raises the vault's
:class:`~surplace.vault.exceptions.TamperedCiphertext`; a bad derivation kind or media type
raises :class:`~surplace.errors.InvalidInput`.
"""

from __future__ import annotations

from surplace.cases.exceptions import CaseNotFound
from surplace.errors import SurplaceError

__all__ = [
    "BlobMissing", "CaseNotFound", "EvidenceError", "EvidenceNotFound", "ExportRefused",
    "FixityFailure", "IncidentNotFound", "SourceUnreadable",
]


class EvidenceError(SurplaceError):
    """Base class for evidence errors; the message is safe to show and to log."""


class EvidenceNotFound(EvidenceError):
    def __init__(self, evidence_id: str) -> None:
        super().__init__(f"No evidence item {evidence_id!r}.")


class IncidentNotFound(EvidenceError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(f"No incident {incident_id!r}.")


class SourceUnreadable(EvidenceError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The file to add cannot be read: {reason} (its name is not shown).")


class BlobMissing(EvidenceError):
    def __init__(self, evidence_id: str) -> None:
        super().__init__(f"The encrypted file of evidence {evidence_id} is missing.")


class FixityFailure(EvidenceError):
    def __init__(self, evidence_id: str) -> None:
        super().__init__(
            f"Evidence {evidence_id} decrypted, but its SHA-256 or size differs from the record."
        )


class ExportRefused(EvidenceError):
    pass
