"""The assessment domain's errors.

``AssessmentError`` is the root; every message names the file, rule or fact at fault and is safe
to show (fact names and rule ids, never a fact's free-text value).

- :class:`RuleFileError`: a rule, country-information or vocabulary file breaks the schema or
  refers to something that does not exist. A packaging or authoring bug, found on load.
- :class:`FactsError`: facts that cannot be used: unknown names, wrong types, contradictions.
- :class:`AssessmentNotFound`: no stored assessment with that id.
- :class:`AssessmentRefused`: a stored-assessment step the rules do not allow (a review by the
  person who ran the assessment, a disagreement without reasons, assessing a closed case).

Access refusals are the policy's :class:`~surplace.access.policy.AccessDenied`; a workflow step
refused by the case workflow is the cases domain's ``IllegalTransition``.
"""

from __future__ import annotations

from surplace.errors import InvalidInput, SurplaceError


class AssessmentError(SurplaceError):
    """Root of the assessment domain's errors."""


class RuleFileError(AssessmentError):
    """A rule-set data file is malformed or refers to something unknown."""


class FactsError(AssessmentError, InvalidInput):
    """Facts that cannot be used as given; the message names each fact at fault."""


class AssessmentNotFound(AssessmentError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"No stored assessment {reference!r} (give an assessment id).")


class AssessmentRefused(AssessmentError, InvalidInput):
    """A step on a stored assessment that breaks a rule; the message names the rule."""
