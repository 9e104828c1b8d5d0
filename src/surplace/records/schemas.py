"""Input and output shapes for persons and their names."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator, model_validator

from surplace.records.vocabularies import check


class NameIn(BaseModel):
    full_name: str = Field(min_length=1, max_length=256)
    family_name: str | None = Field(default=None, max_length=128)
    given_name: str | None = Field(default=None, max_length=128)
    kind: str = "legal"
    script: str = "latin"
    romanisation: str | None = None
    #: The record the name was read from, when it is a source's spelling (linkage).
    record_id: str | None = Field(default=None, max_length=64)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("name_kind", value, field="name kind")

    @field_validator("script")
    @classmethod
    def _script(cls, value: str) -> str:
        return check("script", value, field="script")

    @field_validator("romanisation")
    @classmethod
    def _romanisation(cls, value: str | None) -> str | None:
        return None if value is None else check("romanisation", value, field="romanisation")


class PersonIn(BaseModel):
    names: list[NameIn] = Field(min_length=1)
    sex: str | None = None
    birth_date: date | None = None
    birth_year: int | None = None
    origin_province: str | None = None
    origin_place: str | None = Field(default=None, max_length=256)
    current_location: str | None = Field(default=None, max_length=512)
    contact: str | None = Field(default=None, max_length=512)
    document_number: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, max_length=20_000)

    @field_validator("sex")
    @classmethod
    def _sex(cls, value: str | None) -> str | None:
        return None if value is None else check("sex", value.upper(), field="sex")

    @field_validator("origin_province")
    @classmethod
    def _province(cls, value: str | None) -> str | None:
        return None if value is None else check("province", value.upper(), field="province")

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= date.today():
            raise ValueError("must be between 1900-01-01 and today")
        return value

    @field_validator("birth_year")
    @classmethod
    def _birth_year(cls, value: int | None) -> int | None:
        if value is not None and not 1900 <= value <= date.today().year:
            raise ValueError(f"must be between 1900 and {date.today().year}")
        return value

    @model_validator(mode="after")
    def _year_agrees(self) -> PersonIn:
        if self.birth_date and self.birth_year is None:
            self.birth_year = self.birth_date.year
        elif self.birth_date and self.birth_year != self.birth_date.year:
            raise ValueError(
                f"birth_year {self.birth_year} contradicts birth_date year {self.birth_date.year}"
            )
        return self


class NameOut(BaseModel):
    id: str
    full_name: str | None
    family_name: str | None
    given_name: str | None
    kind: str
    script: str
    romanisation: str | None


class PersonOut(BaseModel):
    id: str
    pseudonym: str
    sex: str | None
    birth_year: int | None
    origin_province: str | None
    birth_date: date | None = None
    origin_place: str | None = None
    current_location: str | None = None
    contact: str | None = None
    document_number: str | None = None
    notes: str | None = None
    names: list[NameOut] = []


class PersonSummary(BaseModel):
    """What anyone with access to the list may see: no identity."""

    id: str
    pseudonym: str
    sex: str | None
    birth_year: int | None
    origin_province: str | None
