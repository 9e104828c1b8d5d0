"""Birth dates as lists write them, reduced to comparable keys with agreement levels.

Lists rarely agree on a date: one has 1985-03-02, another 02/03/1985 (day or month first?),
a third only 1985, a fourth "age 38" noted at an interview in 2023. A :class:`DateKey` keeps
exactly what was said — a year interval (one year for a date, two for an age, since a person
aged 38 in 2023 was born in 1984 or 1985), and the month and day when given — so that a
comparison never claims more agreement than the two records hold. A day/month swap is its own
level because it is the commonest clerical error between D/M and M/D lists.

An impossible date (1985-02-30, month 13, a birth year in the future) is refused with
:class:`InvalidDate` naming the value, never silently turned into a near date.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from enum import IntEnum

from surplace.errors import InvalidInput

EARLIEST_YEAR = 1880
UNKNOWN_MARKERS = frozenset({"", "?", "??", "-", "unknown", "n/a", "na", "none", "모름", "미상",
                             "불명", "不详", "不詳", "未知"})

_YEAR_FIRST = re.compile(r"(\d{4})(?:\s*[-./]\s*(\d{1,2})(?:\s*[-./]\s*(\d{1,2}))?)?\.?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CJK = re.compile(r"(\d{2,4})\s*[년年](?:\s*(\d{1,2})\s*[월月](?:\s*(\d{1,2})\s*[일日号號])?)?")
_SHORT = re.compile(r"(\d{1,2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{2}|\d{4})")
_SHORT_YEAR_FIRST = re.compile(r"(\d{2})\s*[-.]\s*(\d{1,2})\s*[-.]\s*(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[-./]\s*(\d{4})")
_AGE = re.compile(r"(?:aged?\s*)?(\d{1,3})\s*(?:세|살|岁|歲|years?(?:\s+old)?|y\.?o\.?)?\s*"
                  r"(?:in|at|as of|on|@|,|\(|（)\s*(.+?)\s*[)）]?", re.IGNORECASE)


class InvalidDate(InvalidInput):
    """A date that cannot be read or cannot exist; the message quotes the value."""


class DateAgreement(IntEnum):
    EXACT = 6  # same full date
    SWAPPED = 5  # same year, day and month exchanged (2/3 against 3/2)
    SAME_YEAR_MONTH = 4
    SAME_YEAR = 3
    WITHIN_ONE_YEAR = 2  # years one apart, or an age's interval containing the other year
    NONE = 0
    UNKNOWN = -1  # one side has no date


@dataclass(frozen=True)
class DateKey:
    """What a record says about a date: a year interval, and month and day when given."""

    earliest_year: int
    latest_year: int
    month: int | None = None
    day: int | None = None

    @property
    def year(self) -> int | None:
        """The year when it is known exactly (None for an age's two-year interval)."""
        return self.earliest_year if self.earliest_year == self.latest_year else None

    @property
    def precision(self) -> str:
        if self.year is None:
            return "range"
        return "day" if self.day is not None else "month" if self.month is not None else "year"


def _this_year() -> int:
    return datetime.date.today().year


def _year(text: str, digits: str, reference_year: int) -> int:
    """A four-digit year as written; a two-digit one in the century that keeps it in the past
    of ``reference_year`` (85 → 1985 and 07 → 2007 when the reference is 2025)."""
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year <= reference_year % 100 else 1900
    if not EARLIEST_YEAR <= year <= reference_year:
        raise InvalidDate(f"{text!r}: year {year} is outside {EARLIEST_YEAR}–{reference_year}.")
    return year


def _key(text: str, year: int, month: int | None, day: int | None) -> DateKey:
    if month is not None and not 1 <= month <= 12:
        raise InvalidDate(f"{text!r}: month {month} is not a month (1–12).")
    if day is not None and month is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise InvalidDate(f"{text!r}: day {day} does not exist in "
                              f"{calendar.month_name[month]} {year} (it has {last} days).")
    return DateKey(year, year, month, day)


def _number(value: str | None) -> int | None:
    return int(value) if value is not None else None


def from_age(age: int, as_of: DateKey, *, text: str = "") -> DateKey:
    """The birth-year interval of someone ``age`` years old on the date ``as_of``."""
    if not 0 <= age <= 120:
        raise InvalidDate(f"{text or age!r}: age {age} is outside 0–120.")
    return DateKey(as_of.earliest_year - age - 1, as_of.latest_year - age)


def parse_date(text: str | None, *, reference_year: int | None = None,
               dayfirst: bool = True) -> DateKey | None:
    """Read a date as lists write it; None for a blank or an "unknown" marker.

    Accepted: 1985-03-02, 1985.3.2, 1985/03/02, 19850302, 1985-03, 1985, 02/03/1985 (day
    first unless ``dayfirst`` is False; a number above 12 decides by itself), 03/1985,
    1985년 3월 2일, 1985年3月2日, two-digit years (85.3.2 is year first, as Korean and Chinese
    lists write it, unless its last number cannot be a day: 02.03.85; with slashes 02/03/85 is
    day first), and ages: "age 38 in 2023", "38세 (2023)",
    "38 at 2023-05-01". ``reference_year`` (default this year) bounds years and places
    two-digit ones.
    """
    if text is None:
        return None
    value = " ".join(text.split()).strip()
    if value.lower() in UNKNOWN_MARKERS:
        return None
    ref = reference_year if reference_year is not None else _this_year()
    if match := _CJK.fullmatch(value):
        return _key(value, _year(value, match[1], ref), _number(match[2]), _number(match[3]))
    if match := (_COMPACT.fullmatch(value) or _YEAR_FIRST.fullmatch(value)):
        return _key(value, _year(value, match[1], ref), _number(match[2]), _number(match[3]))
    if match := _MONTH_YEAR.fullmatch(value):
        return _key(value, _year(value, match[2], ref), int(match[1]), None)
    if (match := _SHORT_YEAR_FIRST.fullmatch(value)) and int(match[3]) <= 31:
        return _key(value, _year(value, match[1], ref), int(match[2]), int(match[3]))
    if match := _SHORT.fullmatch(value):
        first, second, year = int(match[1]), int(match[2]), match[3]
        day_first = first > 12 or (dayfirst and second <= 12)
        day, month = (first, second) if day_first else (second, first)
        return _key(value, _year(value, year, ref), month, day)
    if match := _AGE.fullmatch(value):
        as_of = parse_date(match[2], reference_year=ref, dayfirst=dayfirst)
        if as_of is None or as_of.year is None:
            raise InvalidDate(f"{value!r}: an age needs the date it was given (age 38 in 2023).")
        return from_age(int(match[1]), as_of, text=value)
    if re.fullmatch(r"(?:aged?\s*)?\d{1,3}\s*(?:세|살|岁|歲|years?(?:\s+old)?)?", value, re.I):
        raise InvalidDate(f"{value!r}: an age needs the date it was given (age 38 in 2023).")
    raise InvalidDate(f"{value!r} is not a date surplace can read (write 1985-03-02, 1985-03 "
                      "or 1985).")


def compare_dates(a: DateKey | None, b: DateKey | None) -> DateAgreement:
    """The agreement level of two dates (see :class:`DateAgreement`)."""
    if a is None or b is None:
        return DateAgreement.UNKNOWN
    if a.year is None or b.year is None:  # an age: only the intervals can be compared
        gap = max(a.earliest_year, b.earliest_year) - min(a.latest_year, b.latest_year)
        return DateAgreement.WITHIN_ONE_YEAR if gap <= 0 else DateAgreement.NONE
    if a.year != b.year:
        return DateAgreement.WITHIN_ONE_YEAR if abs(a.year - b.year) == 1 else \
            DateAgreement.NONE
    if None not in (a.month, a.day, b.month, b.day):
        if (a.month, a.day) == (b.month, b.day):
            return DateAgreement.EXACT
        if (a.month, a.day) == (b.day, b.month):
            return DateAgreement.SWAPPED
    if a.month is not None and a.month == b.month:
        return DateAgreement.SAME_YEAR_MONTH
    return DateAgreement.SAME_YEAR
