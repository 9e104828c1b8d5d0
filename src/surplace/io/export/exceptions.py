"""Errors of the exporters. Every message names an option, a column or an id, never a value
from the store (a name, a birth date) and never the output file's name (which a user may have
chosen to describe its content).

- :class:`ExportError` — the root; a :class:`~surplace.errors.SurplaceError`.
- :class:`OutputProblem` — the output file cannot be written (exists, folder missing).
- Refusals by role are the policy's :class:`~surplace.access.policy.AccessDenied`.
- Bad options (an unknown dimension, a filter that does not apply) are
  :class:`~surplace.errors.InvalidInput`.
"""

from __future__ import annotations

from surplace.errors import SurplaceError


class ExportError(SurplaceError):
    """An export that cannot be made; nothing was written."""


class OutputProblem(ExportError):
    """The output file cannot be written where asked."""
