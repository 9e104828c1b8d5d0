"""The rule files validate, and a broken one is refused naming the file and the rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from surplace.assessment.exceptions import RuleFileError
from surplace.assessment.loader import RULES_DIR, Ruleset, load_ruleset
from surplace.assessment.spec import Mark


def test_shipped_rule_set_loads(ruleset: Ruleset) -> None:
    assert len(ruleset.rules) >= 35
    assert len(ruleset.facts) >= 40
    assert all(rule.citations for rule in ruleset.rules.values())


def test_every_mark_is_one_of_the_references(ruleset: Ruleset) -> None:
    marks = {x.mark for rule in ruleset.rules.values() for x in rule.citations}
    marks |= {claim.mark for claim in ruleset.claims}
    assert marks <= set(Mark)
    assert Mark.R in marks and Mark.V in marks  # both kinds are really present


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def test_rule_naming_unknown_fact_is_refused(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "inclusion.toml"
    path.write_text(path.read_text().replace('when = "fact:fears_return"',
                                             'when = "fact:fears_retrun"'))
    with pytest.raises(RuleFileError, match=r"inclusion.toml: rule 'subjective_fear' names "
                                            r"unknown fact 'fears_retrun'"):
        load_ruleset(rules)


def test_rule_naming_unknown_exception_is_refused(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "nonrefoulement.toml"
    path.write_text(path.read_text().replace('unless = ["article_33_2"]',
                                             'unless = ["article_33_3"]'))
    with pytest.raises(RuleFileError, match="rule 'article_33_1' has unknown exception"):
        load_ruleset(rules)


def test_bad_mark_is_refused_naming_rule(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "exclusion.toml"
    path.write_text(path.read_text().replace('pinpoint = "art. 1D", mark = "R"',
                                             'pinpoint = "art. 1D", mark = "maybe"'))
    with pytest.raises(RuleFileError, match=r"exclusion.toml: rule 'article_1d'.citations"):
        load_ruleset(rules)


def test_enum_value_outside_vocabulary_is_refused(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "inclusion.toml"
    path.write_text(path.read_text().replace('"fact:former_post!=none"',
                                             '"fact:former_post!=nobody"'))
    with pytest.raises(RuleFileError, match="'nobody' is not one of its values"):
        load_ruleset(rules)


def test_cycle_is_refused(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "inclusion.toml"
    path.write_text(path.read_text().replace('when = "rule:christian_contact_risk"',
                                             'when = "rule:convention_ground"'))
    with pytest.raises(RuleFileError, match="depend on themselves"):
        load_ruleset(rules)


def test_unknown_risk_factor_is_refused(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "coi.toml"
    path.write_text(path.read_text().replace('risk_factors = ["pregnancy_chinese_father"]',
                                             'risk_factors = ["pregnancy"]'))
    with pytest.raises(RuleFileError, match="claim 'hrnk_2015_women' names unknown risk factor"):
        load_ruleset(rules)
