"""What a report is asked for and what making one produced."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from surplace.reports.strings import LANGUAGES

_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def parse_period(text: str | None) -> tuple[int, int] | None:
    """``2005-2020`` or ``2012`` as (first year, last year); None for every year."""
    if text is None or not text.strip():
        return None
    match = _PERIOD.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a year or a span of years such as 2005-2020")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if end < start:
        raise ValueError(f"{text!r} ends before it starts")
    if not 1900 <= start <= 2100 or not 1900 <= end <= 2100:
        raise ValueError(f"{text!r} lies outside 1900–2100")
    return start, end


class ReportOptions(BaseModel):
    period: tuple[int, int] | None = None
    region: str | None = Field(default=None, max_length=64)
    language: str = "en"
    threshold: int = Field(default=5, ge=1, le=1000)

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: object) -> object:
        return parse_period(value) if isinstance(value, str) else value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"{value!r} is not one of {', '.join(LANGUAGES)}")
        return value


class ReportOut(BaseModel):
    html: Path
    pdf: Path
    language: str
    period: str
    region: str
    pages: int
    figures: int
    suppressed_cells: int
    sections: list[str]
