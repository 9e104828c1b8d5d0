"""The mapping file: how one source's file becomes records.

A YAML file per source says which column is which field, how written values map to vocabulary
terms, in which order ambiguous dates put day and month, which column identifies a row, and how
repeat groups become records::

    version: 1
    format: kobo-json          # optional: found from the file when absent
    encoding: cp949            # optional: detected when absent
    identity: _uuid            # the column that identifies a row in its source
    date_order: dmy            # dmy, mdy or ymd: how 05/04/2003 is read
    age_reference: _submission_time   # the date an age was given: a column or a year
    columns:                   # column → field, or extra (kept as written), or ignore
      이름: name
      성별: sex
      group_person/birth: birth
      _submission_time: extra
    values:
      sex: {남: M, 여: F}
    select_multiple:           # a question exported as one 0/1 column per choice
      needs: [needs/food, needs/medicine]
    parent_record: true        # is each row also a record (else only its repeat entries)?
    repeats:
      household/member:        # each entry is one observed person: one record
        columns: {household/member/name: name, household/member/age: birth}
        copy: [origin, event_date]     # fields copied in from the parent row
      household/member/document:       # a repeat inside a repeat: one record per document
        columns: {household/member/document/name: name}
        copy: [sex]                    # copied from the member the document belongs to

Every key is checked (pydantic) and a wrong one is named with the closest right one. A column
the mapping does not name goes to ``payload["extra"]`` unless ``unmapped: ignore``.

Repeat groups nest to any depth. In a JSON export the nesting is the file's; a group in a file
of its own (ODK Central's CSV) names the group it is nested in with ``parent:``. A nested
group's entries copy from the entry they belong to, and a group left out of ``repeats`` is kept,
with whatever is nested in it, in its parent's ``extra``.
:func:`init_mapping` (see :mod:`surplace.io.propose`) writes a first version from a file.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from surplace.errors import InvalidInput
from surplace.io.fields import EXTRA, FIELDS, IGNORE
from surplace.io.readers.base import FORMATS
from surplace.io.readers.encoding import checked_encoding
from surplace.io.values import DATE_ORDERS, MAX_FIELD_CHARS, sex_vocabulary
from surplace.records.vocabularies import terms

TARGETS = (*FIELDS, EXTRA, IGNORE)
#: Fields whose values are vocabulary terms, with the vocabulary.
VOCABULARY_FIELDS = {"sex": "sex"}
#: Fields a repeat entry may copy from its parent by default.
COPYABLE = ("origin", "origin_province", "event_date", "event_place", "event_province")


class MappingError(InvalidInput):
    """The mapping file is wrong; the message names the file and the key."""


def _closest(value: str, known: list[str] | tuple[str, ...]) -> str:
    near = difflib.get_close_matches(value, list(known), n=1, cutoff=0.5)
    return f"; did you mean {near[0]!r}?" if near else f"; one of {', '.join(known)}"


def _check_targets(columns: dict[str, str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for column, target in columns.items():
        if target not in TARGETS:
            raise ValueError(f"{column!r} → {target!r} is not a field{_closest(target, TARGETS)}")
        if target in FIELDS:
            if target in fields:
                raise ValueError(f"{fields[target]!r} and {column!r} are both mapped to "
                                 f"{target}; map one and send the other to extra")
            fields[target] = column
    return columns


class RepeatMapping(BaseModel):
    """How the entries of one repeat group become records."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = Field(default_factory=dict)
    copy_fields: list[str] = Field(default_factory=list, alias="copy")
    #: A file of its own (ODK Central CSV), relative to the mapped file, joined by
    #: ``parent_key`` in the main file and ``key`` in this one.
    file: str | None = None
    parent_key: str = "KEY"
    key: str = "PARENT_KEY"
    #: The group this group's file is nested in (its ``parent_key`` is that file's column).
    parent: str | None = None

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_targets(value)

    @field_validator("copy_fields")
    @classmethod
    def _copyable(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in FIELDS:
                raise ValueError(f"{name!r} is not a field{_closest(name, tuple(FIELDS))}")
        return value


class Mapping(BaseModel):
    """One source's mapping (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    version: Literal[1] = 1
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    identity: str | None = None
    date_order: str = "dmy"
    age_reference: str | int | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    select_multiple: dict[str, list[str]] = Field(default_factory=dict)
    unmapped: Literal["extra", "ignore"] = "extra"
    parent_record: bool = True
    repeats: dict[str, RepeatMapping] = Field(default_factory=dict)
    max_field_chars: int = Field(default=MAX_FIELD_CHARS, ge=1, le=1_000_000)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_targets(value)

    @field_validator("format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is not None and value not in FORMATS:
            raise ValueError(f"{value!r} is not a format{_closest(value, FORMATS)}")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        return None if value is None else checked_encoding(value, "mapping")

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("one character (\",\", \";\", \"\\t\" or \"|\")")
        return value

    @field_validator("date_order")
    @classmethod
    def _order(cls, value: str) -> str:
        if value not in DATE_ORDERS:
            raise ValueError(f"{value!r} is not a date order{_closest(value, DATE_ORDERS)}")
        return value

    @field_validator("age_reference")
    @classmethod
    def _reference(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, int) and not 1880 <= value <= 2200:
            raise ValueError(f"{value} is not a year")
        return value

    @field_validator("values")
    @classmethod
    def _values(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for field, written in value.items():
            if field not in VOCABULARY_FIELDS:
                raise ValueError(f"{field!r} has no vocabulary; value maps are for "
                                 f"{', '.join(VOCABULARY_FIELDS)}")
            known = list(terms(VOCABULARY_FIELDS[field]))
            for source_value, term in written.items():
                if term not in known:
                    raise ValueError(f"{field}: {source_value!r} → {term!r} is not a term"
                                     f"{_closest(term, known)}")
        return {field: {str(k): str(v) for k, v in written.items()}
                for field, written in value.items()}

    @model_validator(mode="after")
    def _repeats_need_records(self) -> Mapping:
        if not self.parent_record and not self.repeats:
            raise ValueError("parent_record is false but no repeat group is mapped: the "
                             "import would make no record")
        for group, repeat in self.repeats.items():
            if repeat.parent is None:
                continue
            above = self.repeats.get(repeat.parent)
            if above is None or above.file is None or repeat.file is None:
                raise ValueError(f"repeats.{group}.parent: {repeat.parent!r} is not a mapped "
                                 "repeat group with a file of its own (parent is for groups "
                                 "in files of their own)")
            seen = {group}
            while above is not None and above.parent is not None:
                if above.parent in seen:
                    raise ValueError(f"repeats.{group}.parent: the groups are nested in "
                                     "each other")
                seen.add(above.parent)
                above = self.repeats.get(above.parent)
        return self

    def fields(self) -> dict[str, str]:
        """field → column, for the main table."""
        return {target: column for column, target in self.columns.items() if target in FIELDS}

    def value_maps(self) -> dict[str, dict[str, str]]:
        return self.values

    def as_yaml(self, *, header: str = "") -> str:
        data = self.model_dump(by_alias=True, exclude_defaults=False)
        for key in ("delimiter", "sheet", "encoding", "format", "age_reference", "identity"):
            if data.get(key) is None:
                data.pop(key, None)
        if data.get("max_field_chars") == MAX_FIELD_CHARS:
            data.pop("max_field_chars")
        for repeat in data.get("repeats", {}).values():
            if repeat.get("file") is None:
                for key in ("file", "parent_key", "key"):
                    repeat.pop(key, None)
            if repeat.get("parent") is None:
                repeat.pop("parent", None)
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        return header + body


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top)"
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            known = list(Mapping.model_fields) if len(item["loc"]) == 1 else \
                ["columns", "copy", "file", "parent_key", "key", "parent"]
            message = f"not a mapping key{_closest(str(item['loc'][-1]), known)}"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def parse_mapping(data: Any, *, name: str = "mapping") -> Mapping:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MappingError(f"{name}: a mapping file holds one YAML mapping (key: value lines)")
    try:
        return Mapping.model_validate(data)
    except ValidationError as error:
        raise MappingError(f"{name}: {_describe(error)}") from None
    except InvalidInput as error:
        raise MappingError(f"{name}: {error}") from None


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; every mistake is named with its key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"mapping {path}: no such file; 'surplace import init-mapping "
                           "FILE' proposes one") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise MappingError(f"mapping {path}: cannot read it ({reason})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise MappingError(f"mapping {path.name}: not valid YAML{where}") from None
    return parse_mapping(data, name=f"mapping {path.name}")


def sex_terms_unknown(values: list[str], value_map: dict[str, str]) -> dict[str, str]:
    """Written sex values the vocabulary and value map do not know → the closest term."""
    vocabulary = sex_vocabulary()
    unknown: dict[str, str] = {}
    for value in values:
        try:
            vocabulary.term(value, value_map)
        except ValueError:
            unknown[value] = vocabulary.suggest(value)
    return unknown


def init_mapping(path: Path, xlsform: Path | None = None, *, format: str | None = None,
                 encoding: str | None = None) -> tuple[Mapping, list[str]]:
    """A proposed mapping for ``path`` and notes for the person checking it (see
    :func:`surplace.io.propose.propose`)."""
    from surplace.io.propose import propose

    return propose(path, xlsform=xlsform, format=format, encoding=encoding)
