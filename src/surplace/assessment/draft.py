"""The draft written assessment, in the structure RSD assessments use, as Markdown or HTML.

Both formats are rendered from one plain outline (headings, paragraphs, lists of plain strings),
so they say the same thing; every string is escaped at the last step, because facts such as the
claim summary are typed by people and may hold markup. The HTML page is the Jinja2 template
``templates/draft.html.j2`` rendered with autoescape on, so no piece of text can reach the page
unescaped; the one filter that adds markup (:func:`_mark`) escapes its input first.
Unverified citations and country information carry their label in both formats.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from surplace.assessment.loader import Ruleset, default_ruleset
from surplace.assessment.results import AssessmentResult, CitationOut, ClaimUse, Node

Block = tuple[str, Any]  # ("p", text) or ("ul", [text, ...])
Outline = list[tuple[str, list[Block]]]

WORDS = {"established": "met", "not_established": "not met", "unknown": "undetermined"}


def _cite(item: CitationOut) -> str:
    text = f"{item.instrument}{', ' + item.pinpoint if item.pinpoint else ''}"
    return f"{text} {item.label}".strip() + (f" ({item.note})" if item.note else "")


def _claim(item: ClaimUse) -> str:
    return (f"{item.source}, {item.date.isoformat()}: {item.statement} {item.label}").strip()


def _value(value: Any) -> str:
    return {True: "yes", False: "no", None: "unknown"}.get(value, str(value)) \
        if isinstance(value, bool | None) else str(value)


def _finding(node: Node) -> list[Block]:
    blocks: list[Block] = [("p", f"{node.title}: {WORDS[node.outcome]}."), ("p", node.text)]
    if node.facts:
        blocks.append(("ul", [f"Fact {f.name} = {_value(f.value)} → {WORDS[f.outcome]}"
                              + (" (benefit of the doubt)" if f.via_benefit_of_the_doubt else "")
                              for f in node.facts]))
    if node.claims:
        blocks.append(("ul", ["Country information: " + _claim(x) for x in node.claims]))
    if node.defeated_by:
        blocks.append(("p", f"Defeated by the exception {node.defeated_by}."))
    blocks.append(("ul", ["Authority: " + _cite(x) for x in node.citations]))
    return blocks


def outline(result: AssessmentResult, ruleset: Ruleset | None = None) -> Outline:
    ruleset = ruleset or default_ruleset()
    facts = result.facts
    stamp = (f"{result.notice}. Rule set {result.ruleset_version}; jurisdiction "
             f"{result.jurisdiction}; country information as of {result.as_of.isoformat()}; "
             f"facts SHA-256 {result.facts_sha256}.")
    material = [f"{ruleset.facts[name].help} — {_value(value)}" for name, value in facts.items()
                if name in ruleset.facts and ruleset.facts[name].type != "text"]
    credibility = [("p", str(facts.get("credibility_notes", "No credibility notes recorded.")))]
    credibility += _finding(next(n for n in result.elements if n.rule == "benefit_of_the_doubt"))
    analysis: list[Block] = []
    for node in result.elements:
        if node.rule != "benefit_of_the_doubt":
            analysis += _finding(node)
    exclusion: list[Block] = []
    for node in result.exclusion:
        exclusion += _finding(node)
    refoulement: list[Block] = []
    for node in result.non_refoulement_grounds:
        refoulement += _finding(node)
    conclusion = _finding(result.refugee_status)
    questions = [f"{q.question} (could change: {', '.join(q.conclusions) or 'findings only'})"
                 for q in result.questions]
    return [
        ("Draft assessment", [("p", stamp)]),
        ("Summary of the claim", [("p", str(facts.get("claim_summary", "Not recorded.")))]),
        ("Material facts", [("ul", material or ["No facts recorded."])]),
        ("Credibility", credibility),
        ("Legal analysis, element by element", analysis),
        ("Exclusion and other overriding clauses", exclusion),
        ("Conclusion on refugee status", conclusion),
        ("Non-refoulement", [*_finding(result.non_refoulement), *refoulement]),
        ("Complementary protection", _finding(result.complementary_protection)),
        ("Questions to ask next", [("ul", questions or ["None: no unknown fact would change a "
                                                        "finding."])]),
        ("Notice", [("p", stamp)]),
    ]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")


def _md(text: str) -> str:
    """Text that Markdown shows literally: HTML-escaped, Markdown punctuation backslashed."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))


def to_markdown(result: AssessmentResult, ruleset: Ruleset | None = None) -> str:
    lines: list[str] = []
    for index, (heading, blocks) in enumerate(outline(result, ruleset)):
        lines += [f"{'#' if index == 0 else '##'} {_md(heading)}", ""]
        for kind, body in blocks:
            lines += [f"- {_md(item)}" for item in body] if kind == "ul" else [_md(body)]
            lines.append("")
    return "\n".join(lines)


@cache
def _templates() -> Environment:
    """The draft templates, shipped inside the package (the wheel carries them)."""
    env = Environment(loader=PackageLoader("surplace.assessment", "templates"),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["unverified"] = _mark
    return env


def to_html(result: AssessmentResult, ruleset: Ruleset | None = None) -> str:
    template = _templates().get_template("draft.html.j2")
    return template.render(notice=result.notice, outline=outline(result, ruleset))


def _mark(text: str) -> Markup:
    """The text escaped, with its unverified labels wrapped so that they stand out."""
    escaped = str(escape(text))
    return Markup(re.sub(r"(\[unverified:[^\]]*\])",  # noqa: S704 - escaped just above
                         r'<span class="unverified">\1</span>', escaped))
