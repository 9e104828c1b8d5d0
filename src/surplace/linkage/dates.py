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

import datetime
from dataclasses import dataclass
from enum import IntEnum

from surplace.errors import InvalidInput
from surplace.io import values

EARLIEST_YEAR = values.EARLIEST_YEAR
UNKNOWN_MARKERS = frozenset({"", "?", "??", "-", "unknown", "n/a", "na", "none", "모름", "미상",
                             "불명", "不详", "不詳", "未知"})


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


def from_age(age: int, as_of: DateKey, *, text: str = "") -> DateKey:
    """The birth-year interval of someone ``age`` years old on the date ``as_of``."""
    if not 0 <= age <= 120:
        raise InvalidDate(f"{text or age!r}: age {age} is outside 0–120.")
    return DateKey(as_of.earliest_year - age - 1, as_of.latest_year - age)


def parse_date(text: str | None, *, reference_year: int | None = None,
               dayfirst: bool = True) -> DateKey | None:
    """Read a date as lists write it; None for a blank or an "unknown" marker.

    The reading is :func:`surplace.io.values.parse_date`'s, the project's one date reader,
    with two-digit years allowed and an age required to say when it was given. Accepted:
    1985-03-02, 1985.3.2, 1985/03/02, 19850302, 1985-03, 1985, 02/03/1985 (day first unless
    ``dayfirst`` is False; a number above 12 decides by itself), 03/1985, 1985년 3월 2일,
    1985年3月2日, 2 March 1985, two-digit years (85.3.2 is year first, as Korean and Chinese
    lists write it, unless its last number cannot be a day: 02.03.85; with slashes 02/03/85 is
    day first), and ages: "age 38 in 2023", "38세 (2023)", "38 at 2023-05-01".
    ``reference_year`` (default this year) bounds years and places two-digit ones.
    """
    if text is None:
        return None
    value = " ".join(text.split()).strip()
    if value.lower() in UNKNOWN_MARKERS:
        return None
    ref = reference_year if reference_year is not None else _this_year()
    try:
        found = values.parse_date(value, order="dmy" if dayfirst else "mdy", ages=True,
                                  today=datetime.date(ref, 12, 31), short_years=True)
    except values.UnreadableDate:
        raise InvalidDate(f"{value!r} is not a date surplace can read (write 1985-03-02, "
                          "1985-03 or 1985).") from None
    except values.ValueProblem as problem:
        raise InvalidDate(f"{value!r}: {problem.detail}.") from None
    if found.age is not None:
        if found.year is None:
            raise InvalidDate(f"{value!r}: an age needs the date it was given "
                              "(age 38 in 2023).")
        return from_age(found.age, DateKey(found.year, found.year), text=value)
    assert found.year is not None
    return DateKey(found.year, found.year, found.month, found.day)


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
