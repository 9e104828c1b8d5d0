"""Errors of the incidents domain. Messages name incidents, acts and candidates by id, sources by
their code and victims by pseudonym: never a name, a title or a claim's words.

    IncidentsError
    ├── IncidentNotFound     no incident with that id
    ├── ActNotFound          no act with that id
    ├── CandidateNotFound    no claim candidate with that id
    └── ReviewRefused        that decision cannot be taken on the candidate now (says why)

Bad input (an act without a victim, dates that end before they start or lie in the future, an
unknown term, a missing source, an extension field that does not apply to the act type) raises
:class:`~surplace.errors.InvalidInput` naming the field; :class:`ClaimRowsRejected` is the
one that gathers every wrong row of a file, each with its line number.
"""

from __future__ import annotations

from surplace.errors import InvalidInput, SurplaceError


class IncidentsError(SurplaceError):
    """Base class for incident errors; the message is safe to show and to log."""


class IncidentNotFound(IncidentsError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(f"No incident {incident_id!r}.")


class ActNotFound(IncidentsError):
    def __init__(self, act_id: str) -> None:
        super().__init__(f"No act {act_id!r}.")


class CandidateNotFound(IncidentsError):
    def __init__(self, candidate_id: str) -> None:
        super().__init__(f"No claim candidate {candidate_id!r}.")


class ReviewRefused(IncidentsError):
    pass


class ClaimRowsRejected(InvalidInput):
    """Some rows of a claim file are wrong; nothing was written. ``problems`` holds one line per
    wrong row, each starting with its line number."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} row(s) are wrong; nothing was added. "
                         + "; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""))
