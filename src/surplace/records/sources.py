"""Sources: the organisations, lists and informants that records and claims come from.

A source is known day to day by its code (``SYN-SHELTER``); its name, contact and description
are sealed, because an informant's name is as dangerous to them as a victim's. Reading those
needs ``identity.read``; anyone who documents may list codes, kinds and reliability grades.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.records.exceptions import RecordsError
from surplace.records.models import Source
from surplace.records.vocabularies import check

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


class SourceNotFound(RecordsError):
    def __init__(self, code: str) -> None:
        super().__init__(f"No source {code!r}; 'surplace source list' shows the codes.")


class SourceIn(BaseModel):
    code: str
    kind: str
    reliability: str | None = None
    name: str = Field(min_length=1, max_length=256)
    contact: str | None = Field(default=None, max_length=512)
    description: str | None = Field(default=None, max_length=20_000)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        code = value.strip().upper()
        if not _CODE.match(code):
            raise InvalidInput(f"source code: {value!r} must be 2–32 letters, digits, '-' or "
                               "'_' (e.g. SYN-SHELTER); it is shown everywhere, so it must not "
                               "name anyone.")
        return code

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("source_kind", value.strip().lower(), field="source kind")

    @field_validator("reliability")
    @classmethod
    def _reliability(cls, value: str | None) -> str | None:
        return None if value is None else check("reliability", value.strip().upper(),
                                                field="reliability")


class SourceOut(BaseModel):
    id: str
    code: str
    kind: str
    reliability: str | None
    name: str | None = None
    contact: str | None = None
    description: str | None = None


def add_source(session: Session, *, actor: Actor, data: SourceIn) -> SourceOut:
    require(actor, "source.write")
    if session.scalars(select(Source.id).where(Source.code == data.code)).first():
        raise InvalidInput(f"source code: {data.code} is already taken.")
    source = Source(code=data.code, kind=data.kind, reliability=data.reliability,
                    name=data.name, contact=data.contact, description=data.description)
    session.add(source)
    session.flush()
    return SourceOut(id=source.id, code=source.code, kind=source.kind,
                     reliability=source.reliability)


def list_sources(session: Session, *, actor: Actor) -> list[SourceOut]:
    """Codes, kinds and grades only: nothing sealed is opened, so nothing is audited."""
    require(actor, "source.read")
    rows = session.execute(select(Source.id, Source.code, Source.kind, Source.reliability)
                           .order_by(Source.code))
    return [SourceOut(id=row.id, code=row.code, kind=row.kind, reliability=row.reliability)
            for row in rows]


def show_source(session: Session, *, actor: Actor, code: str) -> SourceOut:
    """The whole source; its name, contact and description only for those who may see
    identities (each read audited)."""
    require(actor, "source.read")
    source = session.scalars(select(Source).where(Source.code == code.strip().upper())).first()
    if source is None:
        raise SourceNotFound(code)
    out = SourceOut(id=source.id, code=source.code, kind=source.kind,
                    reliability=source.reliability)
    if actor.can("identity.read"):
        out.name, out.contact, out.description = (source.name, source.contact,
                                                  source.description)
    return out
