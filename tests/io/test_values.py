"""Reading one cell: dates as partners write them, vocabulary terms, sizes and characters."""

from __future__ import annotations

from datetime import date

import pytest

from surplace.io.values import (
    PartialDate,
    ValueProblem,
    check_text,
    date_order_evidence,
    parse_date,
    sex_vocabulary,
)

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("2003-04-05", "2003-04-05"),
    ("2003/4/5", "2003-04-05"),
    ("2003.4.5", "2003-04-05"),
    ("2003. 4. 5.", "2003-04-05"),
    ("20030405", "2003-04-05"),
    ("2003-04", "2003-04"),
    ("2003", "2003"),
    ("2003年4月5日", "2003-04-05"),
    ("2003年4月", "2003-04"),
    ("2003년 4월 5일", "2003-04-05"),
    ("2003년4월", "2003-04"),
    ("二〇〇三年四月五日", "2003-04-05"),
    ("二〇〇三年十二月二十五日", "2003-12-25"),
    ("二〇〇三年十月", "2003-10"),
    ("２００３－０４－０５", "2003-04-05"),  # full-width digits and hyphens
    ("２００３年４月５日", "2003-04-05"),
    ("05/04/2003", "2003-04-05"),  # day first: the mapping's default order
    ("5.4.2003", "2003-04-05"),
    ("25/12/2003", "2003-12-25"),
    ("12/25/2003", "2003-12-25"),  # 25 can only be the day, whatever the order
    ("04/2003", "2003-04"),
    ("5 April 2003", "2003-04-05"),
    ("5-Apr-2003", "2003-04-05"),
    ("April 5, 2003", "2003-04-05"),
    ("Apr 2003", "2003-04"),
    ("2003-04-05T10:11:12", "2003-04-05"),
    ("2003-04-05 10:11:12.000Z", "2003-04-05"),
])
def test_dates_in_the_forms_lists_use(text: str, expected: str) -> None:
    assert parse_date(text, today=TODAY).normalised() == expected


def test_the_mapping_order_decides_ambiguous_dates() -> None:
    assert parse_date("05/04/2003", order="dmy", today=TODAY).normalised() == "2003-04-05"
    assert parse_date("05/04/2003", order="mdy", today=TODAY).normalised() == "2003-05-04"
    with pytest.raises(ValueProblem, match="set date_order"):
        parse_date("05/04/2003", order="ymd", today=TODAY)
    assert parse_date("25/04/2003", order="ymd", today=TODAY).normalised() == "2003-04-25"
    assert date_order_evidence("25/04/2003") == "dmy"
    assert date_order_evidence("04/25/2003") == "mdy"
    assert date_order_evidence("04/05/2003") is None
    assert date_order_evidence("2003-04-25") is None


@pytest.mark.parametrize(("text", "age", "year"), [
    ("42", 42, None), ("42세", 42, None), ("만 42세", 42, None), ("42살", 42, None),
    ("42岁", 42, None), ("42周岁", 42, None), ("age 42", 42, None), ("aged 42", 42, None),
    ("42 years old", 42, None), ("４２세", 42, None), ("四十二岁", 42, None),
    ("age 38 in 2023", 38, 2023), ("38세 (2023)", 38, 2023), ("38岁（2023）", 38, 2023),
])
def test_ages_are_birth_dates_too(text: str, age: int, year: int | None) -> None:
    read = parse_date(text, ages=True, today=TODAY)
    assert (read.age, read.year) == (age, year)
    assert read.birth_year is None  # an age spans two birth years: no clear birth year
    with pytest.raises(ValueProblem):
        parse_date(text, ages=False, today=TODAY)


def test_an_age_takes_the_year_it_was_given_in() -> None:
    assert parse_date("42세", ages=True, reference_year=2021,
                      today=TODAY).normalised() == "age 42 in 2021"
    assert parse_date("age 42 in 2019", ages=True, reference_year=2021,
                      today=TODAY).normalised() == "age 42 in 2019"


@pytest.mark.parametrize(("text", "reason"), [
    ("2003-02-30", "day 30 does not exist"),
    ("2003-13-01", "month 13 is not a month"),
    ("1850-01-01", "year is outside"),
    ("2031-01-01", "year is outside"),
    ("2024-12-01", "in the future"),
    ("yesterday", "not a date"),
    ("31/31/2003", "month 31"),
    ("3 Foo 2003", "not an English month"),
])
def test_impossible_or_unreadable_dates_are_refused_with_the_rule(text: str,
                                                                 reason: str) -> None:
    with pytest.raises(ValueProblem, match=reason) as refused:
        parse_date(text, today=TODAY)
    assert text not in str(refused.value)  # the reason never quotes the value


def test_ages_out_of_range_and_unreadable_text() -> None:
    with pytest.raises(ValueProblem, match="outside 0–120"):
        parse_date("130세", ages=True, today=TODAY)
    with pytest.raises(ValueProblem, match="neither a date nor an age"):
        parse_date("about forty", ages=True, today=TODAY)


def test_partial_dates_stay_partial() -> None:
    assert parse_date("2003-04", today=TODAY) == PartialDate(2003, 4, None)
    assert parse_date("2003", today=TODAY).birth_year == 2003


@pytest.mark.parametrize(("written", "term"), [
    ("F", "F"), ("f", "F"), ("female", "F"), ("Female", "F"), ("여", "F"), ("여자", "F"),
    ("여성", "F"), ("女", "F"), ("M", "M"), ("male", "M"), ("남", "M"), ("남자", "M"),
    ("男", "M"), ("X", "X"), ("Ｍ", "M"),
])
def test_sex_terms_in_three_languages(written: str, term: str) -> None:
    assert sex_vocabulary().term(written) == term


def test_an_unknown_term_is_refused_with_the_closest_known_one() -> None:
    vocabulary = sex_vocabulary()
    with pytest.raises(ValueProblem, match=r"not a known sex term; closest known term: F "
                                           r"\(female\)"):
        vocabulary.term("femle")
    with pytest.raises(ValueProblem, match=r"closest known term: M \(male\)"):
        vocabulary.term("Mael")
    assert vocabulary.term("1", {"1": "M", "2": "F"}) == "M"  # the mapping's value map first


def test_enormous_values_and_control_characters_are_refused() -> None:
    assert check_text("  Kim  ") == "Kim"
    assert check_text("line one\nline two\tend") == "line one\nline two\tend"
    with pytest.raises(ValueProblem, match="the limit is 10,000"):
        check_text("x" * 10_001)
    assert check_text("x" * 50, limit=50) == "x" * 50
    with pytest.raises(ValueProblem, match=r"U\+0000"):
        check_text("a\x00b")
    with pytest.raises(ValueProblem, match=r"U\+001B"):
        check_text("\x1b[31m")
    with pytest.raises(ValueProblem, match="wrong encoding"):
        check_text("caf\ufffd")


def test_two_digit_years_only_when_the_caller_asks() -> None:
    with pytest.raises(ValueProblem, match="not a date"):
        parse_date("85.3.2", today=TODAY)  # an import keeps refusing them
    for text in ("85.3.2", "02.03.85", "02/03/85", "85년 3월 2일"):
        assert parse_date(text, today=TODAY, short_years=True) == PartialDate(1985, 3, 2)
    assert parse_date("07.1.5", today=TODAY, short_years=True) == PartialDate(2007, 1, 5)


def test_an_age_may_name_the_date_it_was_given_on() -> None:
    read = parse_date("38 at 2023-05-01", ages=True, today=TODAY)
    assert (read.age, read.year) == (38, 2023)
    with pytest.raises(ValueProblem, match="the date the age was given in: day 30") as refused:
        parse_date("38 at 2023-02-30", ages=True, today=TODAY)
    assert "2023" not in refused.value.reason


def test_linkage_reads_dates_through_the_same_reader() -> None:
    from surplace.linkage.dates import DateKey
    from surplace.linkage.dates import parse_date as linkage_date

    # Forms only the import's reader knew before it became the one reader.
    assert linkage_date("二〇〇三年四月五日", reference_year=2024) == DateKey(2003, 2003, 4, 5)
    assert linkage_date("5 April 2003", reference_year=2024) == DateKey(2003, 2003, 4, 5)
    assert linkage_date("２００３－０４", reference_year=2024) == DateKey(2003, 2003, 4)
    # What the import writes to a payload, the linkage reads back.
    for text in ("2003-04-05", "2003-04", "2003", "age 42 in 2021"):
        written = parse_date(text, ages=True, today=TODAY).normalised()
        assert linkage_date(written, reference_year=2024) is not None
