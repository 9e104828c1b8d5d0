"""Dates as intervals and the score between a claim and an act, without a store."""

from __future__ import annotations

from datetime import date

import pytest

from surplace.incidents.dates import agreement, normalise, span
from surplace.incidents.matching import AUTO_LINK, REVIEW, score


def test_spans_of_each_precision() -> None:
    assert normalise(date(2024, 3, 17), "month") == (date(2024, 3, 1), "month")
    assert normalise(date(2024, 3, 17), "unknown") == (None, "unknown")
    month = span(date(2024, 2, 17), "month")
    assert month is not None and (month.start, month.end) == (date(2024, 2, 1), date(2024, 2, 29))
    year = span(date(2023, 6, 1), "year")
    assert year is not None and (year.start, year.end) == (date(2023, 1, 1), date(2023, 12, 31))
    held = span(date(2024, 1, 5), "day", end=date(2024, 3, 1))
    assert held is not None and held.end == date(2024, 3, 1)
    assert span(None, "day") is None


@pytest.mark.parametrize(("one", "other", "expected"), [
    ((date(2024, 4, 26), "day"), (date(2024, 4, 29), "day"), "day"),
    ((date(2024, 4, 26), "day"), (date(2024, 5, 3), "day"), "day"),  # 7 days: tolerated
    ((date(2024, 4, 26), "day"), (date(2024, 5, 4), "day"), "incompatible"),
    ((date(2024, 4, 26), "day"), (date(2024, 4, 1), "month"), "month"),
    ((date(2024, 5, 6), "day"), (date(2024, 4, 1), "month"), "month"),  # 6 days after April
    ((date(2024, 6, 2), "day"), (date(2024, 4, 1), "month"), "incompatible"),
    ((date(2024, 6, 2), "day"), (date(2024, 1, 1), "year"), "year"),
    ((date(2024, 6, 2), "day"), (None, "unknown"), "unknown"),
])
def test_date_agreement(one: tuple[date | None, str], other: tuple[date | None, str],
                        expected: str) -> None:
    assert agreement(span(*one), span(*other)) == expected
    assert agreement(span(*other), span(*one)) == expected


@pytest.mark.parametrize(("dates", "places", "verdict"), [
    ("day", "same", "link"), ("day", "province", "link"), ("day", "unknown", "link"),
    ("day", "country", "link"), ("day", "different", "review"),
    ("month", "same", "link"), ("month", "province", "link"), ("month", "unknown", "review"),
    ("year", "same", "review"), ("year", "unknown", "review"), ("year", "different", "new"),
    ("unknown", "same", "review"), ("unknown", "different", "new"),
    ("incompatible", "same", "new"),
])
def test_verdicts(dates: str, places: str, verdict: str) -> None:
    result = score(dates, places)
    assert result.verdict == verdict
    assert 0.0 <= result.value <= 1.0
    assert (result.value >= AUTO_LINK) == (verdict == "link")
    assert (result.value < REVIEW) == (verdict == "new")
