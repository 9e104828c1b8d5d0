"""Dates as lists write them, and their agreement levels."""

from __future__ import annotations

import pytest

from surplace.linkage import DateAgreement, DateKey, InvalidDate, compare_dates, parse_date


def parse(text: str, **options: bool) -> DateKey | None:
    return parse_date(text, reference_year=2025, **options)


@pytest.mark.parametrize("text", ["1985-03-02", "1985.3.2", "1985/03/02", "02/03/1985",
                                  "1985년 3월 2일", "1985年3月2日", "19850302", "85.3.2",
                                  "02.03.85", "02/03/85", "1985. 3. 2.", " 1985-3-2 "])
def test_full_dates(text: str) -> None:
    assert parse(text) == DateKey(1985, 1985, 3, 2)


def test_partial_dates() -> None:
    assert parse("1985") == DateKey(1985, 1985)
    assert parse("1985-03") == DateKey(1985, 1985, 3)
    assert parse("03/1985") == DateKey(1985, 1985, 3)
    assert parse("1985년 3월") == DateKey(1985, 1985, 3)
    assert parse("1985年") == DateKey(1985, 1985)
    assert parse("1985").precision == "year"  # type: ignore[union-attr]


def test_month_first_and_unambiguous_orders() -> None:
    assert parse("02/03/1985", dayfirst=False) == DateKey(1985, 1985, 2, 3)
    assert parse("13/03/1985", dayfirst=False) == DateKey(1985, 1985, 3, 13)
    assert parse("03/13/1985") == DateKey(1985, 1985, 3, 13)


def test_two_digit_years_stay_in_the_past() -> None:
    assert parse("07.1.5") == DateKey(2007, 2007, 1, 5)
    assert parse("85.1.5") == DateKey(1985, 1985, 1, 5)


@pytest.mark.parametrize("text", ["age 38 in 2023", "aged 38 in 2023", "38세 (2023)",
                                  "38 at 2023-05-01", "38岁 (2023年)", "38 years old in 2023"])
def test_ages_give_a_birth_year_interval(text: str) -> None:
    key = parse(text)
    assert key == DateKey(1984, 1985)
    assert key.year is None and key.precision == "range"  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [None, "", "  ", "unknown", "?", "모름", "不详"])
def test_unknown_is_none(text: str | None) -> None:
    assert parse_date(text, reference_year=2025) is None


@pytest.mark.parametrize(("text", "message"), [
    ("1985-02-30", "'1985-02-30': day 30 does not exist in February 1985"),
    ("1985-13-01", "'1985-13-01': month 13 is not a month"),
    ("31/04/1990", "day 31 does not exist in April 1990"),
    ("1900-02-29", "day 29 does not exist in February 1900"),
    ("2099", "'2099': year 2099 is outside 1880–2025"),
    ("1850-01-01", "year 1850 is outside"),
    ("age 38", "'age 38': an age needs the date it was given"),
    ("age 200 in 2023", "age 200 is outside 0–120"),
    ("March the second", "'March the second' is not a date"),
    ("1985-03-02-04", "'1985-03-02-04' is not a date"),
])
def test_impossible_dates_are_refused_naming_the_value(text: str, message: str) -> None:
    with pytest.raises(InvalidDate) as raised:
        parse(text)
    assert message in str(raised.value)


def test_leap_day_is_a_date() -> None:
    assert parse("2000-02-29") == DateKey(2000, 2000, 2, 29)


@pytest.mark.parametrize(("a", "b", "level"), [
    ("1985-03-02", "1985.3.2", DateAgreement.EXACT),
    ("1985-03-02", "1985-02-03", DateAgreement.SWAPPED),
    ("1985-03-02", "1985-03-20", DateAgreement.SAME_YEAR_MONTH),
    ("1985-03-02", "1985-03", DateAgreement.SAME_YEAR_MONTH),
    ("1985-03-02", "1985-07-02", DateAgreement.SAME_YEAR),
    ("1985-03-02", "1985", DateAgreement.SAME_YEAR),
    ("1985", "1985", DateAgreement.SAME_YEAR),
    ("1985-03-02", "1986-03-02", DateAgreement.WITHIN_ONE_YEAR),
    ("1985-03-02", "age 38 in 2023", DateAgreement.WITHIN_ONE_YEAR),
    ("age 38 in 2023", "age 39 in 2024", DateAgreement.WITHIN_ONE_YEAR),
    ("1985-03-02", "1987-03-02", DateAgreement.NONE),
    ("1980", "age 38 in 2023", DateAgreement.NONE),
    ("1985-03-02", "unknown", DateAgreement.UNKNOWN),
])
def test_levels(a: str, b: str, level: DateAgreement) -> None:
    assert compare_dates(parse(a), parse(b)) is level
    assert compare_dates(parse(b), parse(a)) is level
