"""The form side of the work on a case: the interview form, generated from the assessment's fact
vocabulary, and what the assessment page shows of a stored result.

Every fact the rules may use is a labelled field of its own kind — yes/no/unknown (and
"unsubstantiated" for what only the person's own account supports), a choice, a whole number, a
date or text — so a caseworker records facts the engine can read without knowing their codes,
and a new fact in ``rules/facts.toml`` appears on the form without a change here. A fact left
blank is unknown: nothing is ever defaulted. The values are checked here field by field (the
message beside the field), then against the vocabulary's contradictions, and once more by the
interview service, which refuses anything the engine could not use.

The draft is shown from the same outline the assessment's own HTML draft is rendered from
(:func:`surplace.assessment.draft.outline`); that document carries an inline stylesheet the
pages' Content-Security-Policy forbids, so it is offered as a download and the page renders
the outline through the web's autoescaping templates (facts are typed by people: no text of a
draft is ever trusted as markup).

The JSON API takes a case to open (:class:`CaseBody`, read by the "open a case" form's own
reader) and an interview (:class:`InterviewBody`): its facts are typed JSON values, checked one
by one against the vocabulary and then together for contradictions, each refusal named as
``facts.<code>``; the interview service then checks them once more, as for the form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.assessment.draft import outline
from surplace.assessment.exceptions import FactsError
from surplace.assessment.facts import UNSUBSTANTIATED, contradictions, parse_facts
from surplace.assessment.loader import Ruleset, default_ruleset
from surplace.assessment.results import AssessmentResult
from surplace.assessment.spec import FactSpec
from surplace.cases.models import Case, Interview
from surplace.cases.schemas import InterviewIn
from surplace.errors import InvalidInput
from surplace.web.i18n import N_
from surplace.web.views_cases import Form, validation_message

#: Where each group of the interview form starts, in the vocabulary's order (a fact added to
#: the vocabulary joins the group it follows).
GROUP_STARTS: dict[str, str] = {
    "claim_summary": N_("The account"),
    "dprk_national": N_("Nationality and whereabouts"),
    "unauthorised_exit_or_stay": N_("Leaving North Korea and time abroad"),
    "contact_with_south_koreans": N_("Activities and experiences abroad"),
    "generally_credible": N_("Credibility and evidence"),
    "has_rok_citizenship": N_("South Korean nationality"),
    "exclusion_indications": N_("Exclusion, cessation and other clauses"),
}

#: Labels of the choices of the vocabulary's choice facts (the vocabulary gives codes only).
CHOICE_LABELS: dict[str, str] = {
    "china": N_("China"), "russia": N_("Russia"), "mongolia": N_("Mongolia"),
    "southeast_asia": N_("South-East Asia"), "rok": N_("South Korea"),
    "dprk": N_("North Korea"), "other": N_("elsewhere"), "none": N_("none"),
    "border_guard": N_("border guard"), "state_security": N_("state security"),
    "people_safety": N_("people's safety (police)"), "prison_camp": N_("prison camp"),
    "military": N_("military"), "party_or_state_official": N_("party or state official"),
}

#: How an engine outcome is worded on the pages (the draft's own words: met, not met, …).
OUTCOMES: dict[str, str] = {"established": N_("met"), "not_established": N_("not met"),
                            "unknown": N_("undetermined")}
JURISDICTION_LABELS: dict[str, str] = {"unhcr": N_("UNHCR"), "uk": N_("United Kingdom"),
                                       "canada": N_("Canada"), "us": N_("United States")}
VERDICTS: dict[str, str] = {"agree": N_("agrees"), "disagree": N_("disagrees")}
#: The draft's section headings, for translation (its body is the rule set's English).
DRAFT_HEADINGS = (N_("Draft assessment"), N_("Summary of the claim"), N_("Material facts"),
                  N_("Credibility"), N_("Legal analysis, element by element"),
                  N_("Exclusion and other overriding clauses"),
                  N_("Conclusion on refugee status"), N_("Non-refoulement"),
                  N_("Complementary protection"), N_("Questions to ask next"), N_("Notice"))

FACT_PREFIX = "fact-"
_BOOL = {"yes": True, "no": False}


@dataclass(frozen=True)
class FactField:
    """One fact as a form field: its code, kind, label in each language and question."""

    name: str
    kind: str  # bool, enum, int, date, text
    help: str
    question: str
    labels: dict[str, str]
    choices: tuple[str, ...] = ()
    testimonial: bool = False

    @property
    def field(self) -> str:
        return FACT_PREFIX + self.name

    def label(self, locale: str) -> str:
        """The short ko/zh label of the vocabulary, or its English help sentence."""
        return self.labels.get(locale) or self.help

    def shown(self, value: Any) -> str:
        """A stored value as the form holds it (``True`` → ``yes``)."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None else str(value)


@dataclass(frozen=True)
class FactGroup:
    heading: str
    fields: tuple[FactField, ...]


def _field(name: str, spec: FactSpec) -> FactField:
    return FactField(name=name, kind=spec.type, help=spec.help,
                     question=spec.question or spec.help,
                     labels={"ko": spec.ko, "zh": spec.zh}, choices=tuple(spec.values),
                     testimonial=spec.testimonial)


def fact_groups(ruleset: Ruleset | None = None) -> list[FactGroup]:
    """Every fact of the vocabulary as a field, in groups (see :data:`GROUP_STARTS`)."""
    ruleset = ruleset or default_ruleset()
    groups: list[tuple[str, list[FactField]]] = []
    for name, spec in ruleset.facts.items():
        if name in GROUP_STARTS or not groups:
            groups.append((GROUP_STARTS.get(name, N_("Facts")), []))
        groups[-1][1].append(_field(name, spec))
    return [FactGroup(heading, tuple(fields)) for heading, fields in groups]


def _fact_value(item: FactField, raw: str) -> tuple[Any, str | None]:
    """A fact's typed value from its field (``None``: unknown), or the message for the field."""
    text = raw.strip()
    if not text:
        return None, None
    if item.kind == "bool":
        if text in _BOOL:
            return _BOOL[text], None
        if text == UNSUBSTANTIATED and item.testimonial:
            return UNSUBSTANTIATED, None
        return None, N_("Choose yes, no or unknown.")
    if item.kind == "int":
        if text.isdigit() and len(text) <= 4:
            return int(text), None
        return None, N_("Give a whole number from 0 to 9999.")
    if item.kind == "date":
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, N_("Give the date as YYYY-MM-DD.")
    if item.kind == "enum":
        if text in item.choices:
            return text, None
        return None, N_("Choose one of the listed answers.")
    if len(text) > 20_000:
        return None, N_("This text is too long (at most 20,000 characters).")
    return text, None


def read_facts(values: dict[str, str], form: Form,
               ruleset: Ruleset | None = None) -> dict[str, Any]:
    """The facts given on the form, typed; wrong fields get their message in ``form``, and
    facts that cannot all be true get the vocabulary's reason beside each of them."""
    ruleset = ruleset or default_ruleset()
    facts: dict[str, Any] = {}
    for group in fact_groups(ruleset):
        for item in group.fields:
            value, problem = _fact_value(item, values.get(item.field, ""))
            if problem:
                form.fail(item.field, problem)
            elif value is not None:
                facts[item.name] = value
    typed = {name: date.fromisoformat(value) if ruleset.facts[name].type == "date" else value
             for name, value in facts.items()}
    for problem in contradictions(typed, ruleset):
        for name in re.findall(r"(\w+)=", problem.split(":", 1)[0]):
            if name in ruleset.facts:
                form.fail(FACT_PREFIX + name, problem)
    return facts


#: Form field → InterviewIn field, for routing pydantic's complaints to the right input.
INTERVIEW_FIELDS = ("held_on", "interviewer", "language", "duration_minutes", "interpreter",
                    "interpreter_undertaking", "attendees", "record", "read_back",
                    "applicant_comments")


def read_interview_form(values: dict[str, str],
                        ruleset: Ruleset | None = None) -> tuple[InterviewIn | None, Form]:
    """The interview form as an :class:`InterviewIn`, or the form with a message per field."""
    form = Form(values=values)
    held = values.get("held_on", "").strip()
    held_on: date | None = None
    if not held:
        form.fail("held_on", N_("Give the date the interview was held."))
    else:
        try:
            held_on = date.fromisoformat(held)
        except ValueError:
            form.fail("held_on", N_("Give the date as YYYY-MM-DD."))
    duration = values.get("duration_minutes", "").strip()
    if duration and not (duration.isdigit() and 1 <= int(duration) <= 24 * 60):
        form.fail("duration_minutes", N_("Give the length in minutes, from 1 to 1440."))
    facts = read_facts(values, form, ruleset)
    data: dict[str, Any] = {
        "held_on": held_on or date.today(),
        "interviewer": values.get("interviewer", "").strip() or None,
        "language": values.get("language", "").strip() or None,
        "duration_minutes": int(duration) if duration.isdigit() else None,
        "interpreter": values.get("interpreter", "").strip() or None,
        "interpreter_undertaking": bool(values.get("interpreter_undertaking")),
        "attendees": [line.strip() for line in values.get("attendees", "").splitlines()
                      if line.strip()],
        "record": values.get("record", "").strip() or None,
        "read_back": bool(values.get("read_back")),
        "applicant_comments": values.get("applicant_comments", "").strip() or None,
        "facts": facts,
    }
    try:
        parsed = InterviewIn.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "record"
            form.fail(name if name in INTERVIEW_FIELDS else "record", validation_message(problem))
        return None, form
    except InvalidInput as error:  # the language vocabulary refuses with InvalidInput
        form.fail("language", str(error))
        return None, form
    return (None if form.errors else parsed), form


def interview_error_field(message: str) -> str:
    """Which field of the interview form a service's refusal is about."""
    lowered = message.lower()
    if "interview date" in lowered or "future" in lowered:
        return "held_on"
    if "caseworker" in lowered or "staff" in lowered:
        return "interviewer"
    return "facts"


# ---- the assessment page ----

_UNVERIFIED = re.compile(r"(\[unverified:[^\]]*\])")


def pieces(text: str) -> list[tuple[str, bool]]:
    """Text cut around its "[unverified: …]" labels, each piece marked whether it is one, so
    the template can make labels stand out while escaping every piece."""
    return [(part, index % 2 == 1) for index, part in enumerate(_UNVERIFIED.split(text))
            if part]


def draft_sections(result: AssessmentResult) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The draft written assessment's outline, every string cut into :func:`pieces`."""
    sections = []
    for heading, blocks in outline(result):
        shown: list[tuple[str, Any]] = []
        for kind, body in blocks:
            if kind == "ul":
                shown.append(("ul", [pieces(str(item)) for item in body]))
            else:
                shown.append(("p", pieces(str(body))))
        sections.append((heading, shown))
    return sections


def findings(result: AssessmentResult) -> list[tuple[str, str, str]]:
    """Every rule the draft walks through as (part, title, outcome): the elements, the
    exclusion and other clauses, the non-refoulement grounds."""
    rows = [(N_("Element"), node.title, node.outcome.value) for node in result.elements]
    rows += [(N_("Exclusion and other clauses"), node.title, node.outcome.value)
             for node in result.exclusion]
    rows += [(N_("Non-refoulement"), node.title, node.outcome.value)
             for node in result.non_refoulement_grounds]
    return rows


def interview_count(session: Session, case: Case) -> int:
    """How many interviews a case has (the caller has checked the actor may see the case)."""
    return int(session.scalar(select(func.count()).select_from(Interview)
                              .where(Interview.case_id == case.id)) or 0)


def jurisdictions(ruleset: Ruleset | None = None) -> list[str]:
    """The doctrines the rule set can apply (its ``jurisdiction`` parameter)."""
    ruleset = ruleset or default_ruleset()
    parameter = ruleset.parameters.get("jurisdiction")
    return list(parameter.values) if parameter is not None else ["unhcr"]


# ---- the JSON API ----

Term = Annotated[str, Field(max_length=64)]


class CaseBody(BaseModel):
    """A case to open for a registered person: what ``POST /cases/new`` takes, as JSON."""

    model_config = ConfigDict(extra="forbid")

    principal: str = Field(max_length=64, description="Pseudonym or id of a registered "
                           "person (register them first: POST /api/v1/persons).")
    risk: str = Field(default="normal", max_length=32)
    languages: list[Term] = Field(default=[], max_length=20)
    specific_needs: list[Term] = Field(default=[], max_length=50)
    current_location: str | None = Field(default=None, max_length=512, description="Sealed.")
    summary: str | None = Field(default=None, max_length=50_000, description="Sealed.")
    organisation: str = Field(default="local", max_length=64)


def case_values(body: CaseBody) -> dict[str, str]:
    """The body as the "open a case" form's fields (lists as the form types them)."""
    values = {name: value or "" for name, value in body.model_dump(
        exclude={"languages", "specific_needs"}).items()}
    return values | {"languages": ", ".join(body.languages),
                     "specific_needs": ", ".join(body.specific_needs)}


#: A fact's value as JSON: true/false (or "unsubstantiated" for a testimonial fact), a whole
#: number, a date written YYYY-MM-DD, a choice's code or text; null is unknown.
FactJson = Annotated[str, Field(max_length=20_000)] | int | float | bool | None


class InterviewBody(BaseModel):
    """An interview held (not in the future): what the interview form takes, as JSON."""

    model_config = ConfigDict(extra="forbid")

    held_on: date
    interviewer: str | None = Field(default=None, max_length=64,
                                    description="Staff account name; the caller by default.")
    language: str | None = Field(default=None, max_length=16)
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    interpreter: str | None = Field(default=None, max_length=512, description="Sealed.")
    interpreter_undertaking: bool = False
    attendees: list[Annotated[str, Field(max_length=256)]] = Field(default=[], max_length=50)
    record: str | None = Field(default=None, max_length=500_000, description="Sealed.")
    read_back: bool = False
    applicant_comments: str | None = Field(default=None, max_length=50_000)
    facts: dict[Annotated[str, Field(max_length=64)], FactJson] = Field(
        default={}, description="Fact code → value, from the assessment's fact vocabulary "
                                "(rules/facts.toml); a fact left out is unknown.")


def fact_problems(facts: Mapping[str, object], ruleset: Ruleset | None = None
                  ) -> dict[str, str]:
    """Each wrong fact under its body field (``facts.<code>``): an unknown code or a value of
    the wrong type by itself, then facts that cannot all be true beside each of them (the
    form's rule, :func:`read_facts`), so a program learns every wrong fact at once."""
    ruleset = ruleset or default_ruleset()
    problems: dict[str, str] = {}
    typed: dict[str, Any] = {}
    for name, value in facts.items():
        try:
            typed |= parse_facts({name: value}, ruleset).values
        except FactsError as error:
            problems[f"facts.{name}"] = str(error)
    if problems:
        return problems
    for problem in contradictions(typed, ruleset):
        for name in re.findall(r"(\w+)=", problem.split(":", 1)[0]):
            if name in ruleset.facts:
                problems.setdefault(f"facts.{name}", problem)
    return problems


def read_interview_body(body: InterviewBody) -> tuple[InterviewIn | None, dict[str, str]]:
    """The body as :class:`InterviewIn`, or each wrong field's message."""
    problems = fact_problems(body.facts)
    if problems:
        return None, problems
    try:
        return InterviewIn.model_validate(body.model_dump()), {}
    except ValidationError as error:
        return None, {".".join(str(part) for part in problem["loc"]) or "record":
                      validation_message(problem) for problem in error.errors()}
    except InvalidInput as error:  # the language vocabulary refuses with InvalidInput
        return None, {"language": str(error)}
