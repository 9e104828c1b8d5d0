"""Dates known to a day, a month or a year, as the intervals they stand for.

Witnesses rarely know the day: "she was sent back in March 2024" is a month, "in 2019" a year.
Such a date is stored as the first day of its month or year with its precision, and compared as
the whole interval it implies, so that "March 2024" agrees with 2024-03-12 and disagrees with
2024-06-02. Two intervals are compatible when they overlap or lie within ``TOLERANCE`` of each
other: a day remembered a few days off is still the same day for counting purposes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from surplace.errors import InvalidInput

PRECISIONS = ("day", "month", "year", "unknown")
#: How far apart two reported dates may be and still describe the same act.
TOLERANCE = timedelta(days=7)
_RANK = {precision: rank for rank, precision in enumerate(PRECISIONS)}


@dataclass(frozen=True)
class Span:
    """The interval, first day to last day, that a date with its precision stands for."""

    start: date
    end: date
    precision: str


def normalise(value: date | None, precision: str) -> tuple[date | None, str]:
    """The stored form: the first day of the month or year, and ``unknown`` without a date."""
    if value is None or precision == "unknown":
        return None, "unknown"
    if precision == "month":
        return value.replace(day=1), precision
    if precision == "year":
        return value.replace(month=1, day=1), precision
    return value, precision


def span(value: date | None, precision: str, end: date | None = None) -> Span | None:
    """The interval of a date, or ``None`` when the date is unknown; an end date (a
    detention's last day) stretches it."""
    start, precision = normalise(value, precision)
    if start is None:
        return None
    if precision == "day":
        last = start
    elif precision == "month":
        last = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    else:
        last = start.replace(month=12, day=31)
    if end is not None and end > last:
        last = end
    return Span(start, last, precision)


def check_dates(start: date | None, precision: str, end: date | None, *, field: str,
                today: date | None = None) -> None:
    """Refuse a date in the future and an end before the start, naming the field."""
    today = today or date.today()
    first, precision = normalise(start, precision)
    if first is not None and first > today:
        raise InvalidInput(f"{field}: {start} is in the future.")
    if end is not None:
        if end > today:
            raise InvalidInput(f"end_date: {end} is in the future.")
        if first is not None and end < first:
            raise InvalidInput(f"end_date: {end} ends before {field} {first} starts.")


def agreement(one: Span | None, other: Span | None) -> str:
    """How well two dates agree: the coarser precision of the two when their intervals are
    within the tolerance, ``unknown`` when either is unknown, ``incompatible`` otherwise."""
    if one is None or other is None:
        return "unknown"
    gap = max(one.start - other.end, other.start - one.end, timedelta(0))
    if gap > TOLERANCE:
        return "incompatible"
    return max(one.precision, other.precision, key=_RANK.__getitem__)
