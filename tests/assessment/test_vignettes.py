"""The vignette suite: cases written from the law, each with every finding the law gives.

Each file in ``vignettes/`` holds the facts, the jurisdiction and as-of date, the expected outcome
of the three conclusions and of every element, exclusion clause and non-refoulement ground, the
rules that must be cited, and a paragraph saying why. A vignette that leaves a finding out fails:
the suite checks the reasoning, not only the label.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from surplace.assessment.engine import assess
from surplace.assessment.facts import parse_facts
from surplace.assessment.loader import Ruleset
from surplace.assessment.results import Node

VIGNETTES = sorted((Path(__file__).parent / "vignettes").glob("*.toml"))


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def test_there_are_at_least_fifteen_vignettes() -> None:
    assert len(VIGNETTES) >= 15


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette(path: Path, ruleset: Ruleset) -> None:
    case = load(path)
    assert len(case["why"]) > 80, "each vignette explains its outcome from the law"
    result = assess(parse_facts(case["facts"]), jurisdiction=case["jurisdiction"],
                    as_of=case["as_of"], state_bound_iccpr=case["state_bound_iccpr"])
    meta = ruleset.meta
    findings = [*meta.elements, *meta.exclusion, *meta.non_refoulement]
    assert set(case["expected"]["findings"]) == set(findings), "every finding must be expected"
    got = {n.rule: n.outcome.value for n in
           [*result.elements, *result.exclusion, *result.non_refoulement_grounds]}
    assert got == case["expected"]["findings"]
    for name in meta.conclusions:
        assert result.conclusions[name].value == case["expected"][name], name
    missing = set(case["cite"]) - set(result.cited_rules)
    assert not missing, f"rules not cited: {missing}"
    asked = [q.fact for q in result.questions]
    first = case.get("questions_first", [])
    assert asked[:len(first)] == first


def established_rules(node: Node) -> set[str]:
    found = {node.rule} if node.outcome.value == "established" else set()
    for child in [*node.children, *node.exceptions]:
        found |= established_rules(child)
    return found


def test_rok_citizen_differs_by_jurisdiction_in_its_reasons() -> None:
    """All four jurisdictions refuse refugee status to an ROK citizen, each by its own doctrine."""
    doctrines = {}
    for jurisdiction in ("unhcr", "uk", "canada", "us"):
        case = load(Path(__file__).parent / "vignettes" / f"rok_citizen_{jurisdiction}.toml")
        result = assess(parse_facts(case["facts"]), jurisdiction=jurisdiction,
                        as_of=case["as_of"])
        assert result.conclusions["refugee_status"].value == "not_established"
        found = established_rules(result.refugee_status)
        doctrines[jurisdiction] = {r for r in found if r.startswith(("rok_protection_", "us_"))
                                   and r != "rok_protection_available"}
    assert doctrines == {"unhcr": {"rok_protection_unhcr"}, "uk": {"rok_protection_uk"},
                         "canada": {"rok_protection_canada"},
                         "us": {"rok_protection_us", "us_firm_resettlement"}}
