"""The fields an import can fill, what kind of value each holds, and the headers that name it.

A mapping file says which column is which field (see :mod:`surplace.io.mapping`). The field names
are the keys of ``Record.payload`` that linkage reads (``name``, ``family_name``, ``given_name``,
``sex``, ``birth``, ``origin``; see :mod:`surplace.linkage.store`) plus the event's date, place
and province. ``SYNONYMS`` are the headers partners write for each field, in English, Korean and
Chinese, which ``init_mapping`` matches (exactly, then fuzzily) to propose a mapping.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HXL_TAGS_FILE = Path(__file__).with_name("hxl_tags.toml")

#: Mapping targets that are not fields: ``extra`` keeps the raw value under ``payload["extra"]``
#: (the default for a column the mapping does not name), ``ignore`` leaves it out of the record.
EXTRA = "extra"
IGNORE = "ignore"


@dataclass(frozen=True)
class FieldSpec:
    """One field: ``kind`` decides how its values are checked and normalised."""

    name: str
    kind: str  # text, sex, birth, date, place, province
    doc: str


FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in (
    FieldSpec("name", "text", "the whole name as written"),
    FieldSpec("family_name", "text", "family name alone"),
    FieldSpec("given_name", "text", "given name alone"),
    FieldSpec("sex", "sex", "sex (vocabulary 'sex': F, M, X)"),
    FieldSpec("birth", "birth", "birth date, partial date or age"),
    FieldSpec("origin", "place", "home place as written"),
    FieldSpec("origin_province", "province", "home province (ISO 3166-2 code or name)"),
    FieldSpec("event_date", "date", "date of the event the record reports"),
    FieldSpec("event_place", "place", "place of the event as written"),
    FieldSpec("event_province", "province", "province of the event (ISO 3166-2 code or name)"),
)}

#: Headers partners use for each field, compared after :func:`header_key` folding.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "fullname", "name full", "person name", "respondent name",
             "이름", "성명", "성함", "姓名", "名字", "全名"),
    "family_name": ("family name", "surname", "last name", "lastname", "family", "성", "성씨",
                    "姓", "姓氏"),
    "given_name": ("given name", "first name", "firstname", "forename", "given", "名"),
    "sex": ("sex", "gender", "성별", "性别", "性別"),
    "birth": ("birth", "birth date", "date of birth", "dob", "birthdate", "born", "birthday",
              "age", "생년월일", "출생일", "생일", "나이", "출생년도", "出生日期", "出生年月",
              "出生年月日", "生日", "年龄", "年齡"),
    "origin": ("origin", "place of origin", "hometown", "home town", "home", "home place",
               "birthplace", "place of birth", "출신지", "출신", "고향", "출생지", "籍贯", "籍貫",
               "原籍", "出生地", "老家"),
    "origin_province": ("origin province", "province of origin", "home province",
                        "출신 도", "출신도", "籍贯省份"),
    "event_date": ("event date", "incident date", "date of event", "date of incident",
                   "date of arrest", "arrest date", "date of return", "date", "사건일",
                   "체포일", "날짜", "일자", "日期", "事件日期", "被捕日期", "遣返日期"),
    "event_place": ("event place", "incident place", "place of event", "place of arrest",
                    "location", "place", "사건 장소", "장소", "체포 장소", "地点", "地點",
                    "事件地点", "被捕地点"),
    "event_province": ("event province", "province", "도", "省", "省份"),
}

#: Headers that name a row's identity in common exports (KoBoToolbox, ODK Central, plain lists).
IDENTITY_HEADERS = ("_uuid", "meta/instanceID", "meta-instanceID", "instanceID", "__id", "KEY",
                    "id", "record id", "record_id", "row id", "no", "번호", "编号", "編號", "序号")

#: Headers that say when a submission was made: the reference date of an age ("42세").
SUBMISSION_TIME_HEADERS = ("_submission_time", "SubmissionDate", "__system/submissionDate",
                           "submissiondate", "today", "end")


def header_key(header: str) -> str:
    """Fold a header for matching: the last part of a group path (``household/member/name`` →
    ``name``), lower case, ``_`` and ``-`` as spaces, one space between words."""
    last = header.replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join(last.replace("_", " ").replace("-", " ").casefold().split())


@cache
def hxl_tags() -> dict[str, str]:
    """field → HXL hashtag, from the shared table (``[record]``)."""
    with HXL_TAGS_FILE.open("rb") as handle:
        table = tomllib.load(handle)
    return {str(k): str(v) for k, v in table.get("record", {}).items()}


def hxl_key(tag: str) -> str:
    """A hashtag with its attributes sorted and lower-cased, as HXL compares them
    (``#affected +name`` = ``#affected+name``)."""
    parts = [p.strip().casefold() for p in tag.strip().split("+")]
    return "+".join([parts[0], *sorted(p for p in parts[1:] if p)])


@cache
def fields_by_hxl() -> dict[str, str]:
    """HXL hashtag (as :func:`hxl_key` folds it) → field, for the fields an import fills."""
    return {hxl_key(tag): field for field, tag in hxl_tags().items() if field in FIELDS}
