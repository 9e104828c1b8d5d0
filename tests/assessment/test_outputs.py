"""As-of selects country information; unverified citations are marked in every output."""

from __future__ import annotations

import json
from datetime import date

from surplace.assessment.draft import to_html, to_markdown
from surplace.assessment.engine import assess
from surplace.assessment.facts import parse_facts
from tests.assessment.conftest import ORDINARY


def claims_used(node: object) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        found |= {c.id for c in item.claims}  # type: ignore[attr-defined]
        stack += [*item.children, *item.exceptions]  # type: ignore[attr-defined]
    return found


def outcome_of(node: object, rule: str) -> str | None:
    stack = [node]
    while stack:
        item = stack.pop()
        if item.rule == rule:  # type: ignore[attr-defined]
            return str(item.outcome.value)  # type: ignore[attr-defined]
        stack += [*item.children, *item.exceptions]  # type: ignore[attr-defined]
    return None


def test_as_of_excludes_later_claims() -> None:
    facts = parse_facts(ORDINARY)
    late = assess(facts, as_of=date(2026, 1, 1))
    early = assess(facts, as_of=date(2010, 1, 1))
    assert "coi_2014_returnees" in claims_used(late.refugee_status)
    used_early = claims_used(early.refugee_status) | claims_used(early.non_refoulement)
    later = ("coi_2014", "cat_2015", "dailynk_2023")
    assert all(not name.startswith(later) for name in used_early)
    assert "coi_2014_returnees" in early.claims_after_as_of
    # Without the 2014 findings, the risk to returnees as such rests on nothing.
    assert outcome_of(early.non_refoulement, "returnee_torture_risk") == "not_established"
    assert outcome_of(late.non_refoulement, "returnee_torture_risk") == "established"


def test_unverified_citations_marked_everywhere() -> None:
    result = assess(parse_facts({**ORDINARY, "claim_summary": "<script>x</script> *bold*"}))
    data = json.loads(result.model_dump_json())
    citations = [c for n in data["elements"] for c in n["citations"]]
    recalled = [c for c in citations if c["mark"] == "R"]
    assert recalled and all(not c["verified"] and "unverified" in c["label"] for c in recalled)
    assert all(c["label"] == "" for c in citations if c["mark"] == "V")
    markdown, page = to_markdown(result), to_html(result)
    assert "paras 37\\-41 \\[unverified: recalled, not checked\\]" in markdown
    assert 'paras 37-41 <span class="unverified">[unverified: recalled, not checked]' in page
    assert "DRAFT — for a person" in markdown and "DRAFT — for a person" in page
    assert result.facts_sha256 in markdown and result.facts_sha256 in page
    assert result.ruleset_version in markdown and result.ruleset_version in page


def test_hostile_text_is_escaped() -> None:
    result = assess(parse_facts({"claim_summary": "<script>alert(1)</script> [x](javascript:y)"}))
    page, markdown = to_html(result), to_markdown(result)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<script>" not in markdown and "\\[x\\]\\(javascript:y\\)" in markdown


def test_draft_has_the_rsd_structure() -> None:
    markdown = to_markdown(assess(parse_facts(ORDINARY)))
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings[1:10] == [
        "## Summary of the claim", "## Material facts", "## Credibility",
        "## Legal analysis, element by element", "## Exclusion and other overriding clauses",
        "## Conclusion on refugee status", "## Non\\-refoulement", "## Complementary protection",
        "## Questions to ask next"]
