"""Facts are refused, never silently defaulted: unknown names, wrong types, contradictions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from surplace.assessment.exceptions import FactsError
from surplace.assessment.facts import facts_from_interviews, parse_facts, read_facts_file


def test_unknown_fact_suggests_closest_names() -> None:
    with pytest.raises(FactsError, match=r"unknown fact 'dprk_nationl' \(did you mean "
                                         r"dprk_national"):
        parse_facts({"dprk_nationl": True})


def test_wrong_type_names_the_fact() -> None:
    with pytest.raises(FactsError, match="times_crossed must be a whole number"):
        parse_facts({"times_crossed": "twice"})
    with pytest.raises(FactsError, match="location must be one of"):
        parse_facts({"location": "pyongyang"})
    with pytest.raises(FactsError, match="date_left_dprk must be a date"):
        parse_facts({"date_left_dprk": "last spring"})


def test_unsubstantiated_only_for_testimonial_facts() -> None:
    assert parse_facts({"contact_with_south_koreans": "unsubstantiated"}).values
    with pytest.raises(FactsError, match="has_rok_citizenship must be true or false"):
        parse_facts({"has_rok_citizenship": "unsubstantiated"})


def test_contradictions_are_refused_with_reason() -> None:
    with pytest.raises(FactsError, match="contradictory facts has_rok_citizenship=True, "
                                         "ever_in_rok=False"):
        parse_facts({"has_rok_citizenship": True, "ever_in_rok": False})
    with pytest.raises(FactsError, match="child under 16"):
        parse_facts({"former_post": "border_guard", "age": 12})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(FactsError) as caught:
        parse_facts({"agee": 3, "times_crossed": -1})
    assert "agee" in str(caught.value) and "times_crossed" in str(caught.value)


def test_hash_is_stable_and_order_free() -> None:
    one = parse_facts({"age": 30, "date_left_dprk": "2019-03-01", "dprk_national": True})
    two = parse_facts({"dprk_national": True, "date_left_dprk": date(2019, 3, 1), "age": 30})
    assert one.sha256() == two.sha256()
    assert one.sha256() != parse_facts({"age": 31}).sha256()


def test_interviews_merge_later_over_earlier_and_report_conflicts() -> None:
    facts = facts_from_interviews([
        {"contact_with_christians": False, "age": 30},
        {"contact_with_christians": True, "times_crossed": 2},
    ])
    assert facts.values["contact_with_christians"] is True
    assert facts.values["age"] == 30 and facts.values["times_crossed"] == 2
    [conflict] = facts.conflicts
    assert (conflict.fact, conflict.earlier, conflict.later) == ("contact_with_christians",
                                                                 False, True)
    assert (conflict.earlier_interview, conflict.later_interview) == (1, 2)


def test_interviews_consistent_alone_can_contradict_together() -> None:
    with pytest.raises(FactsError, match="Merged interview facts refused"):
        facts_from_interviews([{"has_rok_citizenship": True}, {"ever_in_rok": False}])
    with pytest.raises(FactsError, match="Interview 2"):
        facts_from_interviews([{"age": 3}, {"agee": 4}])


def test_facts_file_formats(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"facts": {"age": 4}}))
    (tmp_path / "b.toml").write_text("age = 4\n")
    assert read_facts_file(tmp_path / "a.json") == read_facts_file(tmp_path / "b.toml")
    (tmp_path / "c.txt").write_text("age: 4")
    with pytest.raises(FactsError, match="use .json, .toml"):
        read_facts_file(tmp_path / "c.txt")
    (tmp_path / "d.json").write_text("[1, 2]")
    with pytest.raises(FactsError, match="mapping"):
        read_facts_file(tmp_path / "d.json")
