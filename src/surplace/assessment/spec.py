"""The schema of the rule-set data files, checked by pydantic when they are loaded.

The law lives in TOML files beside this module (``rules/``); these models say what a file may
contain, so that an authoring slip (a missing citation, a verification mark that is not one of
the reference's, a condition with two operators) fails on load with the file and rule named,
instead of silently changing an assessment. References between files (a rule naming a fact,
another rule or a country-information risk factor) are checked afterwards by the loader.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class Mark(StrEnum):
    """Verification marks, as defined in the reference file's section 0.

    ``V``: checked against the source; ``V2``: checked only through a secondary source quoting
    or summarising it; ``R``: recalled, not checked. Only ``V`` may be shown as authoritative.
    """

    V = "V"
    V2 = "V2"
    R = "R"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitationSpec(Strict):
    instrument: str = Field(min_length=1)
    pinpoint: str = ""
    mark: Mark
    note: str = ""


class AllSpec(Strict):
    all: list[CondSpec] = Field(min_length=1)


class AnySpec(Strict):
    any: list[CondSpec] = Field(min_length=1)


class NotSpec(Strict):
    not_: CondSpec = Field(alias="not")


#: A condition: an atom such as ``"fact:contact_with_south_koreans"``, ``"rule:nexus"``,
#: ``"param:jurisdiction=uk"``, ``"coi:returnee_torture"`` or ``"fact:times_crossed>=2"``, or a
#: table with exactly one of ``all``, ``any``, ``not``.
CondSpec = str | AllSpec | AnySpec | NotSpec


class RuleSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    version: str = Field(min_length=1)
    citations: list[CitationSpec] = Field(min_length=1)
    when: CondSpec
    #: Ordered overriding exceptions: rule ids; the first one established defeats the rule.
    unless: list[str] = []


class RuleFileSpec(Strict):
    rule: list[RuleSpec] = Field(min_length=1)


class ClaimSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    risk_factors: list[str] = Field(min_length=1)
    statement: str = Field(min_length=1)
    source: str = Field(min_length=1)
    url: str = ""
    date: date
    mark: Mark
    note: str = ""


class CoiFileSpec(Strict):
    #: Risk factors a rule may name with ``coi:``, each with what it means.
    risk_factors: dict[str, str] = Field(min_length=1)
    claim: list[ClaimSpec] = Field(min_length=1)


FactType = Literal["bool", "date", "enum", "int", "text"]


class FactSpec(Strict):
    type: FactType
    help: str = Field(min_length=1)
    #: The question a caseworker asks; the help text is used when there is none.
    question: str = ""
    values: list[str] = []
    #: The applicant's own account may be all there is; ``"unsubstantiated"`` is then allowed and
    #: counts as established only through the benefit of the doubt (Handbook 203-204).
    testimonial: bool = False
    ko: str = ""
    zh: str = ""


class ContradictionSpec(Strict):
    why: str = Field(min_length=1)
    all: list[str] = Field(min_length=2)


class VocabularySpec(Strict):
    fact: dict[str, FactSpec] = Field(min_length=1)
    contradiction: list[ContradictionSpec] = []


class ParameterSpec(Strict):
    type: Literal["bool", "enum"]
    help: str = Field(min_length=1)
    values: list[str] = []
    default: str | bool


class RulesetSpec(Strict):
    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    rule_files: list[str] = Field(min_length=1)
    conclusions: list[str] = Field(min_length=1)
    #: Rule ids shown, in this order, in the draft's element-by-element analysis.
    elements: list[str] = Field(min_length=1)
    exclusion: list[str] = []
    non_refoulement: list[str] = []
    parameter: dict[str, ParameterSpec] = {}
