"""What an assessment returns: conclusions, justification trees, questions; all JSON-ready.

Every citation carries its verification mark and a ``label`` that is empty only for a citation
checked against its source ([V]); anything else is labelled unverified wherever it is shown.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from surplace.assessment.logic import Outcome
from surplace.assessment.spec import Mark

DRAFT_NOTICE = "DRAFT — for a person's decision"

LABELS = {
    Mark.V: "",
    Mark.V2: "[unverified: secondary source only]",
    Mark.R: "[unverified: recalled, not checked]",
}


def mark_label(mark: Mark) -> str:
    return LABELS[mark]


class CitationOut(BaseModel):
    instrument: str
    pinpoint: str
    mark: Mark
    verified: bool
    label: str
    note: str = ""


class FactUse(BaseModel):
    name: str
    condition: str
    value: Any = None
    known: bool
    outcome: Outcome
    via_benefit_of_the_doubt: bool = False


class ClaimUse(BaseModel):
    id: str
    statement: str
    source: str
    url: str
    date: date
    mark: Mark
    verified: bool
    label: str


class Node(BaseModel):
    """One rule's finding and why: its own facts, claims and parameters, and its sub-rules."""

    rule: str
    title: str
    text: str
    outcome: Outcome
    condition: str
    citations: list[CitationOut]
    facts: list[FactUse] = []
    claims: list[ClaimUse] = []
    parameters: dict[str, Any] = {}
    children: list[Node] = []
    exceptions: list[Node] = []
    #: The first ordered exception that is established, if any: it defeats the rule.
    defeated_by: str | None = None


class Question(BaseModel):
    fact: str
    question: str
    help: str
    #: How many of the three conclusions some answer to this question would change.
    conclusions_changed: int
    conclusions: list[str]
    #: How many elements, exclusion clauses and non-refoulement grounds it would change.
    findings_changed: int


class Conflict(BaseModel):
    fact: str
    earlier: Any
    later: Any
    earlier_interview: int
    later_interview: int


class AssessmentResult(BaseModel):
    notice: str = DRAFT_NOTICE
    ruleset_version: str
    jurisdiction: str
    as_of: date
    state_bound_iccpr: bool
    facts_sha256: str
    facts: dict[str, Any]
    conclusions: dict[str, Outcome]
    refugee_status: Node
    non_refoulement: Node
    complementary_protection: Node
    #: Shallow nodes (no children), in the draft's order.
    elements: list[Node]
    exclusion: list[Node]
    non_refoulement_grounds: list[Node]
    questions: list[Question]
    conflicts: list[Conflict] = []
    #: Ids of the stored interviews the facts were merged from, oldest first (a conflict's
    #: interview numbers count from 1 in this list); empty for facts from a file.
    interviews: list[str] = []
    claims_after_as_of: list[str] = []
    unverified_citations: int
    cited_rules: list[str]
