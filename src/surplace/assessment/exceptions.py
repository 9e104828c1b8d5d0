"""The assessment domain's errors.

``AssessmentError`` is the root; every message names the file, rule or fact at fault and is safe
to show (fact names and rule ids, never a fact's free-text value).

- :class:`RuleFileError`: a rule, country-information or vocabulary file breaks the schema or
  refers to something that does not exist. A packaging or authoring bug, found on load.
- :class:`FactsError`: facts that cannot be used: unknown names, wrong types, contradictions.
"""

from __future__ import annotations

from surplace.errors import InvalidInput, SurplaceError


class AssessmentError(SurplaceError):
    """Root of the assessment domain's errors."""


class RuleFileError(AssessmentError):
    """A rule-set data file is malformed or refers to something unknown."""


class FactsError(AssessmentError, InvalidInput):
    """Facts that cannot be used as given; the message names each fact at fault."""
