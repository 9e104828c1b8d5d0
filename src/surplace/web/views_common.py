"""What every domain page shares: the roles a permission reaches (for the ACCESS tables), query
parameters as typed values with a message naming the field, vocabulary labels in the reader's
language, and the page-number arithmetic of lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Annotated, Any

from fastapi import Query, Request

from surplace.access.models import ROLES
from surplace.access.policy import role_can
from surplace.errors import InvalidInput

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def roles_with(*permissions: str) -> frozenset[str]:
    """Roles holding every one of ``permissions`` under the policy: an ACCESS row is derived
    from the policy, so it says what the services will allow (the matrix test checks it)."""
    return frozenset(role for role in ROLES if all(role_can(role, p) for p in permissions))


def needs(permission: str) -> Any:
    """A route dependency asking the policy for ``permission`` before the request's body is
    read, so a role that may not use an API call is refused (403) rather than told its input
    is wrong (422)."""
    from fastapi import Depends

    from surplace.access.policy import Actor, require
    from surplace.web.deps import signed_in_actor

    def check(actor: Actor = Depends(signed_in_actor)) -> None:  # noqa: B008 - FastAPI idiom
        require(actor, permission)

    return Depends(check)


def roles_with_any(*permissions: str) -> frozenset[str]:
    return frozenset(role for role in ROLES if any(role_can(role, p) for p in permissions))


EVERYONE = frozenset(ROLES)

#: A year as an API filter: bounded, so no back end is handed a number it cannot hold.
Year = Annotated[int | None, Query(ge=1900, le=2100, description="A year, 1900–2100.")]


def text(value: str | None) -> str | None:
    """A query or form value, ``None`` when blank (an empty filter field means no filter)."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def integer(value: str | None, name: str, *, low: int | None = None,
            high: int | None = None) -> int | None:
    """A whole number from a query or form field, refused naming the field."""
    value = text(value)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{name}: give a whole number.") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidInput(f"{name}: give a number from {low} to {high}.")
    return number


def error_field(message: str, fields: tuple[str, ...], default: str) -> str:
    """The field a refusal names (``"year: …"`` → ``year``), else ``default``."""
    head = message.split(":", 1)[0].strip().lower().replace(" ", "_")
    return head if head in fields else default


@dataclass(frozen=True)
class Pager:
    offset: int
    limit: int
    total: int

    @property
    def previous(self) -> int | None:
        return None if self.offset <= 0 else max(0, self.offset - self.limit)

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def first(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.limit)


def offset_of(value: str | None) -> int:
    """The list offset from the query; a bad one is the first page (a link typed by hand)."""
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def query_without(request: Request, *names: str, **changes: Any) -> str:
    """The current query string with ``names`` removed and ``changes`` set (page links keep the
    filters)."""
    params = {k: v for k, v in request.query_params.items() if k not in names and v}
    params.update({k: str(v) for k, v in changes.items() if v is not None})
    from urllib.parse import urlencode

    return urlencode(params)


def locale_of(request: Request) -> str:
    locale = getattr(request.state, "locale", None)
    return locale if locale in ("en", "ko", "zh") else "en"


def vocabulary_label(labels: Mapping[str, Any] | None, code: str | None, locale: str) -> str:
    """A term's label in the reader's language (the vocabularies carry en, ko and zh)."""
    if code is None:
        return ""
    if not labels:
        return code
    return str(labels.get(locale) or labels.get("en") or code)


@cache
def _vocabulary(name: str) -> Mapping[str, Mapping[str, Any]]:
    """Terms of a vocabulary by name, from whichever domain keeps it (the case workflow's
    states are ``case_status``, its decision outcomes ``case_outcome`` and its processing
    modalities ``case_modality``). Kept for the life of the process, like the vocabulary files
    themselves (read once): a list page asks for a label on every row."""
    from surplace.cases import vocabularies as cases
    from surplace.cases.workflow import workflow
    from surplace.incidents import vocabularies as incidents
    from surplace.records import vocabularies as records

    if name == "case_status":
        return workflow().states
    if name == "case_outcome":  # decision outcomes (first instance and appeal)
        return workflow().outcomes
    if name == "case_modality":
        return workflow().modalities
    if name == "case_transition":
        return {}
    for module in (cases, incidents, records):
        try:
            found: Mapping[str, Mapping[str, Any]] = module.terms(name)
            return found
        except (KeyError, InvalidInput):
            continue
    return {}


@lru_cache(maxsize=4096)
def _term(vocabulary: str, code: str, locale: str) -> str:
    labels = _vocabulary(vocabulary).get(code)
    return vocabulary_label(labels, code, locale) if labels else code.replace("_", " ")


def term_labeller(locale: str) -> Any:
    """``term(vocabulary, code)`` for templates: the code's label in ``locale``."""
    def term(vocabulary: str, code: str | None) -> str:
        return "" if code is None else _term(vocabulary, code, locale)
    return term


