"""Reading one cell: size and character checks, dates as partners write them, vocabulary terms.

Every function here raises :class:`ValueProblem` with a reason a user can act on. A reason never
quotes the value (it may be a name); the rejects file puts the value beside it for the person
who owns the input.

Dates are read by hand-written patterns rather than ``dateutil``: a parser that guesses would
turn 05/04/2003 into whichever day it prefers and 2003年4月 into a full date, where an import must
keep exactly what was written (a partial date stays partial) and refuse what it cannot read.
Accepted (after NFKC, so full-width digits count): 2003-04-05, 2003/4/5, 2003.4.5, 20030405,
2003-04, 2003, 05/04/2003 and 05.04.2003 (day and month in the mapping's ``date_order``; a
number above 12 decides by itself), 5 April 2003, April 5, 2003, 2003年4月5日, 2003년 4월 5일,
二〇〇三年四月五日 and 二〇〇三年十二月二十五日, ISO date-times (the date is kept), and for birth
dates ages: 42, 42세, 만 42세, 42살, 42岁, 42周岁, age 42, 42 years old, "age 42 in 2023",
"42세 (2023)", "42 at 2023-05-01". Two-digit years (85.3.2, 02/03/85) only when the caller
asks (``short_years``): an import refuses them, record linkage reads them.

This is the one date reader of the project: :mod:`surplace.linkage.dates` reads the dates of
records through it and keeps only its own key and comparison.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from surplace.records.vocabularies import LANGUAGES, terms

#: The longest value a field may hold (characters). A name, a date or a place is a few dozen; a
#: cell of megabytes is a mistake or an attack, and sealing it would bloat the store.
MAX_FIELD_CHARS = 10_000
EARLIEST_YEAR = 1880
DATE_ORDERS = ("dmy", "mdy", "ymd")
UNKNOWN = frozenset({"", "?", "??", "-", "--", "unknown", "n/a", "na", "none", "null",
                     "모름", "미상", "불명", "不详", "不詳", "未知", "无", "無"})


_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


class ValueProblem(ValueError):
    """A value that cannot be imported; ``reason`` names the rule, never the value.

    ``detail`` is the same reason with the parts of the value it is about (the year, the month
    by name), for callers whose messages may quote the value (record linkage); it defaults to
    ``reason``.
    """

    def __init__(self, reason: str, *, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason


class UnreadableDate(ValueProblem):
    """No form of date (or age) the reader knows matches the text."""


def check_text(value: str, *, limit: int = MAX_FIELD_CHARS) -> str:
    """The value with surrounding white space removed, refused when enormous or when it holds
    control characters (other than tab and line breaks) or U+FFFD, which a wrong encoding
    leaves behind."""
    if len(value) > limit:
        raise ValueProblem(f"the value has {len(value):,} characters; the limit is {limit:,} "
                           "(a cell that large is a mistake or an attack, not a record)")
    found = _UNWANTED.search(value)
    if found is not None:
        code = ord(found.group(0))
        if code == 0xFFFD:
            raise ValueProblem("the value holds U+FFFD (a character lost to a wrong encoding)")
        raise ValueProblem(f"the value holds the control character U+{code:04X}")
    return value.strip()


def is_blank(value: str | None) -> bool:
    return value is None or value.strip().casefold() in UNKNOWN


# --- dates ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PartialDate:
    """A date as precise as it was written; an age when ``age`` is set (then ``year`` is the
    year the age was given in, if known)."""

    year: int | None
    month: int | None = None
    day: int | None = None
    age: int | None = None

    def normalised(self) -> str:
        if self.age is not None:
            return f"age {self.age}" + (f" in {self.year}" if self.year else "")
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def birth_year(self) -> int | None:
        """The year of the date itself; None for an age (it gives a two-year interval)."""
        return None if self.age is not None else self.year


_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN_RUN = re.compile("[〇零○一二两三四五六七八九十]+")
_MONTHS = {name.casefold(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.casefold(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9

_ISO_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[T ]\d{1,2}:\d{2}.*")
_YMD = re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?")
_YM = re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})\.?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEAR = re.compile(r"(\d{4})\.?")
_CJK = re.compile(r"(\d{4})\s*[년年]\s*(?:(\d{1,2})\s*[월月]\s*(?:(\d{1,2})\s*[일日号號]?)?)?")
_SHORT = re.compile(r"(\d{1,2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{4})")
# Two-digit years (``short_years``): year first as Korean and Chinese lists write them (85.3.2,
# 85년 3월 2일), unless the last number cannot be a day (02.03.85); with slashes day or month
# first (02/03/85).
_CJK_YY = re.compile(r"(\d{2})\s*[년年]\s*(?:(\d{1,2})\s*[월月]\s*(?:(\d{1,2})\s*[일日号號]?)?)?")
_YY_FIRST = re.compile(r"(\d{2})\s*[-.]\s*(\d{1,2})\s*[-.]\s*(\d{1,2})\.?")
_SHORT_YY = re.compile(r"(\d{1,2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{2})")
_MY = re.compile(r"(\d{1,2})\s*[-./]\s*(\d{4})")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?[\s,-]+(\d{4})")
_MONTH_NAME_DAY = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_MONTH_NAME_YEAR = re.compile(r"([A-Za-z]{3,9})\.?[\s,-]+(\d{4})")
_AGE = re.compile(r"(?:aged?\s*:?\s*)?(?:만\s*)?(\d{1,3})\s*(?:세|살|周岁|週歲|岁|歲|"
                  r"years?(?:\s+old)?|yrs?\.?|y\.?o\.?)?", re.IGNORECASE)
_AGE_IN = re.compile(r"(.+?)\s*(?:\bin\b|\bat\b|\bas of\b|\bon\b|[(（,@])\s*(\d.*?)\s*[)）]?",
                     re.I)


def _chinese_number(run: str) -> str:
    """二〇〇三 → 2003 (digit by digit); 十二 → 12, 二十五 → 25, 三十 → 30."""
    if "十" not in run:
        return "".join(str(_CN_DIGIT[c]) for c in run)
    tens, _, units = run.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return run  # not a number a date holds; left for the patterns to refuse
    return str((_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[units] if units else 0))


def _prepare(text: str) -> str:
    if text.isascii():  # the usual case: nothing for NFKC or the numerals to change
        return " ".join(text.split())
    value = unicodedata.normalize("NFKC", text).strip()
    value = _CN_RUN.sub(lambda m: _chinese_number(m.group(0)), value)
    return " ".join(value.split())


def _checked(year: int, month: int | None, day: int | None, *, today: date) -> PartialDate:
    if not EARLIEST_YEAR <= year <= today.year:
        raise ValueProblem(f"the year is outside {EARLIEST_YEAR}–{today.year}",
                           detail=f"year {year} is outside {EARLIEST_YEAR}–{today.year}")
    if month is not None and not 1 <= month <= 12:
        raise ValueProblem(f"month {month} is not a month (1–12)")
    if day is not None and month is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueProblem(f"day {day} does not exist in month {month} of that year "
                               f"(it has {last} days)",
                               detail=f"day {day} does not exist in {calendar.month_name[month]} "
                                      f"{year} (it has {last} days)")
        if date(year, month, day) > today:
            raise ValueProblem("the date is in the future")
    return PartialDate(year, month, day)


def _month(name: str) -> int:
    number = _MONTHS.get(name.casefold())
    if number is None:
        raise ValueProblem("the month name is not an English month")
    return number


def _day_and_month(first: int, second: int, order: str) -> tuple[int, int]:
    """(day, month) of two numbers written before a year, in the mapping's order; a number
    above 12 can only be the day. With ``ymd`` (no order for this shape) they must decide."""
    if first > 12 >= second:
        return first, second
    if second > 12 >= first:
        return second, first
    if order == "ymd":
        raise ValueProblem("day and month cannot be told apart; set date_order (dmy or mdy) "
                           "in the mapping")
    return (first, second) if order == "dmy" else (second, first)


def _century(digits: str, today: date) -> int:
    """A two-digit year in the century that keeps it in the past (85 → 1985 and 07 → 2007
    when today is in 2025)."""
    year = int(digits)
    return year + (2000 if year <= today.year % 100 else 1900)


def parse_date(text: str, *, order: str = "dmy", ages: bool = False,
               reference_year: int | None = None, today: date | None = None,
               short_years: bool = False) -> PartialDate:
    """Read one date (see the module docstring); raises :class:`ValueProblem`, and
    :class:`UnreadableDate` when no form matches.

    ``ages`` allows an age (birth dates), given in ``reference_year`` unless the text says
    ("42세 (2023)"). ``today`` bounds dates (default: the real today) and places two-digit
    years, which are read only with ``short_years``.
    """
    now = today or date.today()
    value = _prepare(text)
    if match := (_ISO_TIME.fullmatch(value) or _YMD.fullmatch(value)
                 or _COMPACT.fullmatch(value) or _CJK.fullmatch(value)):
        return _checked(int(match[1]), _int(match[2]), _int(match[3]), today=now)
    if match := (_YM.fullmatch(value) or _YEAR.fullmatch(value)):
        return _checked(int(match[1]), _int(match[2]) if match.re is _YM else None, None,
                        today=now)
    if short_years and ((match := _CJK_YY.fullmatch(value)) or (
            (match := _YY_FIRST.fullmatch(value)) and int(match[3]) <= 31)):
        return _checked(_century(match[1], now), _int(match[2]), _int(match[3]), today=now)
    if (match := _SHORT.fullmatch(value)) or (short_years and (match := _SHORT_YY.fullmatch(
            value))):
        day, month = _day_and_month(int(match[1]), int(match[2]), order)
        year = int(match[3]) if len(match[3]) == 4 else _century(match[3], now)
        return _checked(year, month, day, today=now)
    if match := _MY.fullmatch(value):
        return _checked(int(match[2]), int(match[1]), None, today=now)
    if match := _DAY_MONTH_NAME.fullmatch(value):
        return _checked(int(match[3]), _month(match[2]), int(match[1]), today=now)
    if match := _MONTH_NAME_DAY.fullmatch(value):
        return _checked(int(match[3]), _month(match[1]), int(match[2]), today=now)
    if match := _MONTH_NAME_YEAR.fullmatch(value):
        return _checked(int(match[2]), _month(match[1]), None, today=now)
    if ages:
        return _age(value, reference_year, now, order, short_years)
    raise UnreadableDate("not a date surplace can read (write 2003-04-05, 2003-04 or 2003)")


def _age(value: str, reference_year: int | None, today: date, order: str,
         short_years: bool) -> PartialDate:
    """An age, said in ``reference_year`` unless the text names a year or a date after it
    ("age 42 in 2023", "42세 (2023)", "42 at 2023-05-01")."""
    said_in = reference_year
    if match := _AGE_IN.fullmatch(value):
        value = match[1]
        try:
            said_in = parse_date(match[2], order=order, today=today,
                                 short_years=short_years).year
        except UnreadableDate:
            raise UnreadableDate("neither a date nor an age surplace can read (the age is "
                                 "given in a year or on a date that cannot be read)") from None
        except ValueProblem as problem:
            raise ValueProblem(f"the date the age was given in: {problem.reason}",
                               detail=f"the date the age was given in: {problem.detail}"
                               ) from None
    match = _AGE.fullmatch(value)
    if match is None:
        raise UnreadableDate("neither a date nor an age surplace can read (write 2003-04-05, "
                             "2003-04, 2003 or an age such as 42세)")
    age = int(match[1])
    if not 0 <= age <= 120:
        raise ValueProblem(f"age {age} is outside 0–120")
    if said_in is not None and not EARLIEST_YEAR <= said_in <= today.year:
        raise ValueProblem(f"the year the age was given in is outside {EARLIEST_YEAR}–"
                           f"{today.year}")
    return PartialDate(said_in, age=age)


def date_order_evidence(text: str) -> str | None:
    """"dmy" or "mdy" when a date written with day and month before the year can only be read
    one way (a number above 12), else None: what ``init-mapping`` looks at to propose the
    mapping's ``date_order``."""
    match = _SHORT.fullmatch(_prepare(text))
    if match is None:
        return None
    first, second = int(match[1]), int(match[2])
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


# --- vocabulary terms ------------------------------------------------------------------------

#: Words for the sex terms beyond their labels in vocabularies.toml.
SEX_WORDS: dict[str, str] = {
    "f": "F", "female": "F", "woman": "F", "w": "F", "girl": "F", "여": "F", "여자": "F",
    "여성": "F", "녀": "F", "녀자": "F", "女": "F", "女性": "F", "女子": "F",
    "m": "M", "male": "M", "man": "M", "boy": "M", "남": "M", "남자": "M", "남성": "M",
    "男": "M", "男性": "M", "男子": "M",
    "x": "X", "other": "X", "not stated": "X", "기타": "X", "其他": "X",
}


class Vocabulary:
    """Terms of one vocabulary, answering to their codes, their labels in every language and
    the extra words given; unknown values are refused with the closest term suggested
    (rapidfuzz's WRatio over the codes and labels)."""

    def __init__(self, name: str, extra_words: dict[str, str] | None = None) -> None:
        self.name = name
        self._known: dict[str, str] = {}
        for code, labels in terms(name).items():
            self._known[code.casefold()] = code
            for language in LANGUAGES:
                if language in labels:
                    self._known[str(labels[language]).casefold()] = code
        for word, code in (extra_words or {}).items():
            self._known[word.casefold()] = code
        self._labels = {code: f"{code} ({labels.get('en', code)})"
                        for code, labels in terms(name).items()}

    def term(self, value: str, value_map: dict[str, str] | None = None) -> str:
        """The vocabulary code a value means: the mapping's value map first, then the codes,
        labels and known words (case ignored)."""
        if value_map:
            mapped = value_map.get(value, value_map.get(value.casefold()))
            if mapped is not None:
                return mapped
        found = self._known.get(unicodedata.normalize("NFKC", value).casefold())
        if found is not None:
            return found
        raise ValueProblem(f"not a known {self.name.replace('_', ' ')} term"
                           f"{self.suggest(value)}; add it to the mapping's values")

    def closest(self, value: str) -> str | None:
        """The code of the known word nearest to ``value``, if any is near."""
        best = process.extractOne(unicodedata.normalize("NFKC", value).casefold(),
                                  list(self._known), scorer=fuzz.WRatio, score_cutoff=50)
        return None if best is None else self._known[best[0]]

    def suggest(self, value: str) -> str:
        code = self.closest(value)
        if code is None:
            return f" (known: {', '.join(self._labels.values())})"
        return f"; closest known term: {self._labels[code]}"


def sex_vocabulary() -> Vocabulary:
    return Vocabulary("sex", SEX_WORDS)
