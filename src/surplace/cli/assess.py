"""``surplace assess --facts FILE``: run the protection rules on a facts file and draft.

Prints the three conclusions, each element's finding and the questions to ask next, or the
whole result with its justification trees as JSON with ``--json``; ``--out`` writes the draft
assessment (Markdown or HTML, chosen by the file's suffix). ``--facts`` needs no store and no
passphrase: the file is read, assessed and nothing is kept. ``--case`` (assessing a stored case
and keeping a snapshot) arrives with the case service.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, stdout


class Jurisdiction(StrEnum):
    unhcr = "unhcr"
    uk = "uk"
    canada = "canada"
    us = "us"


WORDS = {"established": "met", "not_established": "not met", "unknown": "undetermined"}


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageProblem(f"--as-of {text!r} is not a date written YYYY-MM-DD.") from None


def assess(
    facts: Annotated[Path | None, typer.Option(
        "--facts", help="JSON, TOML or YAML file of case facts (names from the vocabulary).")
    ] = None,
    case: Annotated[str | None, typer.Option(
        "--case", help="Assess a stored case from its interviews (arrives with the case "
                       "service).")] = None,
    jurisdiction: Annotated[Jurisdiction, typer.Option(
        help="Whose doctrine on South Korean nationality to apply.")] = Jurisdiction.unhcr,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Use country information dated on or before this day (YYYY-MM-DD; "
                        "default today).")] = None,
    state_bound_iccpr: Annotated[bool, typer.Option(
        "--state-bound-iccpr", help="The returning state is bound by the ICCPR (China is "
                                    "not).")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the draft assessment here (.md or .html).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Assess refugee status, non-refoulement and complementary protection; draft for review."""
    from surplace.assessment.draft import to_html, to_markdown
    from surplace.assessment.engine import assess as run_rules
    from surplace.assessment.facts import parse_facts, read_facts_file

    if case is not None:
        raise UsageProblem("--case is not available yet: assessing a stored case arrives with "
                           "the case service. Export the case's facts and use --facts FILE.")
    if facts is None:
        raise UsageProblem("Give --facts FILE (a JSON, TOML or YAML file of case facts).")
    if not facts.exists():
        raise UsageProblem(f"Facts file {facts} does not exist.")
    if out is not None and out.suffix.lower() not in (".md", ".html", ".htm"):
        raise UsageProblem(f"--out {out}: the draft is written as .md or .html.")
    result = run_rules(parse_facts(read_facts_file(facts)), jurisdiction=jurisdiction.value,
                       as_of=_as_of(as_of), state_bound_iccpr=state_bound_iccpr)
    if out is not None:
        text = to_markdown(result) if out.suffix.lower() == ".md" else to_html(result)
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageProblem(f"Cannot write {out}: {error.strerror}.") from None
        info(f"Draft written to {out} ({result.notice}).")
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    table = Table(title=f"{result.notice} — rule set {result.ruleset_version}, "
                        f"{result.jurisdiction}, as of {result.as_of.isoformat()}")
    table.add_column("finding")
    table.add_column("outcome")
    for name, outcome in result.conclusions.items():
        table.add_row(f"[bold]{name}[/bold]", WORDS[outcome])
    for node in [*result.elements, *result.exclusion, *result.non_refoulement_grounds]:
        table.add_row(node.title, WORDS[node.outcome])
    stdout.print(table)
    for question in result.questions[:10]:
        stdout.print(f"? {question.question}", highlight=False, markup=False)
    stdout.print(f"Facts SHA-256 {result.facts_sha256}; {result.unverified_citations} "
                 "citations in the findings are unverified.", highlight=False)
