"""Property: learning a fact never unsettles a settled conclusion.

Precisely: let F be valid facts and F' = F plus one fact f that was absent from F, with any value
of f's type such that F' is still free of contradictions. For every rule r (the three conclusions,
every element and every exception): if r is established under F, then under F' r is established,
or r is not established and its justification names, as ``defeated_by``, an exception of r that is
established under F'. In particular r never becomes unknown. (The engine in fact gives the
stronger guarantee, also checked: any outcome that is not unknown stays as it was, because strong
Kleene logic is monotone in information and an exception still unknown leaves its rule unknown.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from surplace.assessment.engine import Evaluation, Parameters
from surplace.assessment.facts import UNSUBSTANTIATED, contradictions, parse_facts
from surplace.assessment.loader import default_ruleset
from surplace.assessment.logic import Outcome

RULESET = default_ruleset()
NAMES = [name for name, spec in RULESET.facts.items() if spec.type != "text"]


def value_for(name: str) -> st.SearchStrategy[Any]:
    spec = RULESET.facts[name]
    if spec.type == "bool":
        options = [True, False] + ([UNSUBSTANTIATED] if spec.testimonial else [])
        return st.sampled_from(options)
    if spec.type == "enum":
        return st.sampled_from(spec.values)
    if spec.type == "int":
        return st.integers(min_value=0, max_value=40)
    return st.dates(min_value=date(1990, 1, 1), max_value=date(2026, 1, 1))


@st.composite
def facts_and_addition(draw: st.DrawFn) -> tuple[dict[str, Any], str, Any]:
    chosen = draw(st.lists(st.sampled_from(NAMES), unique=True, min_size=0, max_size=30))
    facts = {name: draw(value_for(name)) for name in chosen}
    added = draw(st.sampled_from([n for n in NAMES if n not in facts]))
    return facts, added, draw(value_for(added))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_and_addition(), st.sampled_from(["unhcr", "uk", "canada", "us"]),
       st.booleans(), st.dates(min_value=date(2002, 1, 1), max_value=date(2026, 1, 1)))
def test_adding_a_fact_never_unsettles_a_conclusion(
        case: tuple[dict[str, Any], str, Any], jurisdiction: str, iccpr: bool,
        as_of: date) -> None:
    facts, added, value = case
    larger = {**facts, added: value}
    assume(not contradictions(facts, RULESET) and not contradictions(larger, RULESET))
    params = Parameters(jurisdiction, as_of, iccpr)
    before = Evaluation(RULESET, dict(parse_facts(facts, RULESET).values), params)
    after = Evaluation(RULESET, dict(parse_facts(larger, RULESET).values), params)
    for rule_id, rule in RULESET.rules.items():
        was, now = before.outcome(rule_id), after.outcome(rule_id)
        if was is Outcome.established and now is not Outcome.established:
            node = after.node(rule_id, deep=False)
            assert now is Outcome.not_established, rule_id
            assert node.defeated_by in rule.unless, rule_id
            assert after.outcome(node.defeated_by) is Outcome.established
        if was is not Outcome.unknown:
            assert now is was, (rule_id, added, value)
