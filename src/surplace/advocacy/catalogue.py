"""The tracker's reference data: indicator definitions (``indicators.toml``) and catalogues of
published recommendations (``recommendations_*.toml``, e.g. Human Rights Watch's to China).

Both are data files beside this module so that a researcher can review and extend them without
a programmer. They are read once per process and checked on reading: a wrong file is refused
with :class:`~surplace.advocacy.exceptions.CatalogueFileError` naming the file and the entry
(the shape by pydantic; act types against the incidents vocabulary; statuses against this
domain's). A catalogue's entries carry what the ``recommendation`` table has no column for —
the citation with its verification marks, translations, and which indicators bear on each —
looked up by the recommendation's code.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from surplace.advocacy import vocabularies
from surplace.advocacy.exceptions import CatalogueFileError
from surplace.advocacy.schemas import CODE
from surplace.errors import InvalidInput
from surplace.incidents import vocabularies as incident_vocabularies

HERE = Path(__file__).parent
INDICATOR_FILE = HERE / "indicators.toml"
HRW_FILE = HERE / "recommendations_hrw.toml"
MARKS = ("V", "V2", "R")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Indicator(_Strict):
    code: str = ""
    en: str = Field(min_length=1)
    ko: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    act_types: tuple[str, ...] = Field(min_length=1)

    def label(self, language: str = "en") -> str:
        return str(getattr(self, language, self.en))


class Source(_Strict):
    issuer: str = Field(min_length=1, max_length=128)
    addressee: str = Field(min_length=1, max_length=128)
    date: dt.date
    url: str | None = None
    en: str = Field(min_length=1)
    ko: str = Field(min_length=1)
    verification: str
    recommendations_verification: str


class Entry(_Strict):
    code: str
    indicators: tuple[str, ...] = ()
    en: str = Field(min_length=1)
    ko: str = Field(min_length=1)
    status: str | None = None
    reason: str | None = None
    reason_ko: str | None = None

    def text(self, language: str = "en") -> str:
        return str(getattr(self, language, self.en))

    def reason_in(self, language: str) -> str | None:
        """The catalogue's reason in another language (None in English or when absent)."""
        return self.reason_ko if language == "ko" else None


class Catalogue(_Strict):
    source: Source
    recommendation: tuple[Entry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Catalogued:
    """One catalogued recommendation with the catalogue it belongs to."""

    catalogue: Catalogue
    entry: Entry


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise CatalogueFileError(path.name, "file", error.strerror or "cannot be read") from None
    except tomllib.TOMLDecodeError as error:
        raise CatalogueFileError(path.name, "file", f"not valid TOML ({error})") from None


def _validated(model: type[_Strict], raw: Any, file: str, where: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise CatalogueFileError(file, f"{where}.{field}" if field else where,
                                 str(first["msg"])) from None


def _check_act_types(indicator: Indicator, file: str, where: str) -> None:
    for act_type in indicator.act_types:
        try:
            incident_vocabularies.check("act_type", act_type, field="act_types")
        except InvalidInput as error:
            raise CatalogueFileError(file, where, str(error)) from None


@cache
def indicators(path: Path = INDICATOR_FILE) -> dict[str, Indicator]:
    """Every indicator by code, checked."""
    raw = _read(path).get("indicator")
    if not isinstance(raw, dict) or not raw:
        raise CatalogueFileError(path.name, "[indicator]", "no indicator is defined")
    found: dict[str, Indicator] = {}
    for code, fields in raw.items():
        where = f"indicator.{code}"
        indicator = _validated(Indicator, fields, path.name, where)
        indicator = indicator.model_copy(update={"code": code})
        _check_act_types(indicator, path.name, where)
        found[code] = indicator
    return found


@cache
def catalogue(path: Path) -> Catalogue:
    """A recommendation catalogue, checked: codes well formed and distinct, indicators defined,
    statuses known and given with a reason, verification marks known."""
    found: Catalogue = _validated(Catalogue, _read(path), path.name, "catalogue")
    known = indicators()
    for mark, where in ((found.source.verification, "source.verification"),
                        (found.source.recommendations_verification,
                         "source.recommendations_verification")):
        if mark not in MARKS:
            raise CatalogueFileError(path.name, where, f"{mark!r} is not one of "
                                     f"{', '.join(MARKS)}")
    seen: set[str] = set()
    for index, entry in enumerate(found.recommendation):
        where = f"recommendation[{index}] ({entry.code})"
        if not CODE.match(entry.code):
            raise CatalogueFileError(path.name, where, "the code must be 2–36 upper-case "
                                     "letters, digits, '.', '-' or '_'")
        if entry.code in seen:
            raise CatalogueFileError(path.name, where, "the code is used twice")
        seen.add(entry.code)
        for name in entry.indicators:
            if name not in known:
                raise CatalogueFileError(path.name, f"{where}.indicators",
                                         f"{name!r} is not defined in {INDICATOR_FILE.name}")
        if entry.status is not None:
            if entry.status not in vocabularies.terms("status"):
                raise CatalogueFileError(path.name, f"{where}.status",
                                         f"{entry.status!r} is not a known status")
            if not entry.reason:
                raise CatalogueFileError(path.name, f"{where}.reason",
                                         "a status needs its reason")
    return found


def catalogues() -> list[Path]:
    """Every catalogue file shipped beside this module."""
    return sorted(HERE.glob("recommendations_*.toml"))


def catalogued(code: str) -> Catalogued | None:
    """The catalogue entry of a recommendation code, if any shipped catalogue holds it."""
    for path in catalogues():
        found = catalogue(path)
        for entry in found.recommendation:
            if entry.code == code:
                return Catalogued(found, entry)
    return None
