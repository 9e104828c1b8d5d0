"""``surplace assess``: run the protection rules and draft; ``surplace assess-review``: sign off.

``assess`` prints the three conclusions, each element's finding and the questions to ask next,
or the whole result with its justification trees as JSON with ``--json``; ``--out`` writes the
draft assessment (Markdown or HTML, chosen by the file's suffix). ``--facts FILE`` needs no store
and no passphrase: the file is read, assessed and nothing is kept. ``--case ID`` assesses a
stored case from its interviews' facts and keeps the snapshot (the JSON is then the stored
assessment, its id and the step it made on the case, with the result inside).

``assess-review`` records a reviewer's agreement or disagreement with a stored assessment. The
reasons may restate the claim, so they are never an option (options end up in the shell's
history): they come from ``--input`` (a JSON file with ``reasons``) or a prompt at a terminal.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, stdout, unlocked_store

if TYPE_CHECKING:
    from surplace.assessment.results import AssessmentResult
    from surplace.assessment.schemas import StoredAssessment


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
    ctx: typer.Context,
    facts: Annotated[Path | None, typer.Option(
        "--facts", help="JSON, TOML or YAML file of case facts (names from the vocabulary).")
    ] = None,
    case: Annotated[str | None, typer.Option(
        "--case", help="Assess a stored case (number or id) from its interviews' facts and "
                       "keep the snapshot.")] = None,
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
    from surplace.assessment.engine import assess as run_rules
    from surplace.assessment.facts import parse_facts, read_facts_file

    if (facts is None) == (case is None):
        raise UsageProblem("Give either --facts FILE (a JSON, TOML or YAML file of case facts) "
                           "or --case ID (a stored case).")
    if out is not None and out.suffix.lower() not in (".md", ".html", ".htm"):
        raise UsageProblem(f"--out {out}: the draft is written as .md or .html.")
    day = _as_of(as_of)
    if case is not None:
        stored = _assess_case(ctx, case, jurisdiction.value, day, state_bound_iccpr)
        assert stored.result is not None
        _draft(stored.result, out)
        info(f"Assessment {stored.id} stored for case {stored.case_number}"
             + ("; the case is now assessed." if stored.transition else
                "; the case's stage does not change."))
        if as_json:
            emit_json(stored.model_dump(mode="json"))
        else:
            _show(stored.result)
        return
    assert facts is not None
    if not facts.exists():
        raise UsageProblem(f"Facts file {facts} does not exist.")
    result = run_rules(parse_facts(read_facts_file(facts)), jurisdiction=jurisdiction.value,
                       as_of=day, state_bound_iccpr=state_bound_iccpr)
    _draft(result, out)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    _show(result)


def _assess_case(ctx: typer.Context, case: str, jurisdiction: str, day: date,
                 state_bound_iccpr: bool) -> StoredAssessment:
    from surplace.assessment import service

    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        return service.assess_case(session, actor=unlocked.actor, case=case,
                                   jurisdiction=jurisdiction, as_of=day,
                                   state_bound_iccpr=state_bound_iccpr)


def _draft(result: AssessmentResult, out: Path | None) -> None:
    from surplace.assessment.draft import to_html, to_markdown

    if out is None:
        return
    text = to_markdown(result) if out.suffix.lower() == ".md" else to_html(result)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageProblem(f"Cannot write {out}: {error.strerror}.") from None
    info(f"Draft written to {out} ({result.notice}).")


def _show(result: AssessmentResult) -> None:
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


def _reasons(path: Path | None) -> str | None:
    """The reasons from the --input file's ``reasons``, else from a prompt at a terminal."""
    if path is not None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise UsageProblem(f"--input: cannot read {path}: {reason}.") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("reasons", ""), str):
            raise UsageProblem(f"--input: {path} must hold a JSON object whose reasons are "
                               "text.")
        return raw.get("reasons") or None
    if sys.stdin.isatty():
        text = str(typer.prompt("Reasons", default="", show_default=False, err=True)).strip()
        return text or None
    return None


def review(
    ctx: typer.Context,
    assessment: Annotated[str, typer.Argument(
        help="The stored assessment's id (from 'surplace assess --case … --json').")],
    agree: Annotated[bool, typer.Option("--agree", help="Sign off on the assessment.")] = False,
    disagree: Annotated[bool, typer.Option(
        "--disagree", help="Record disagreement (reasons required).")] = False,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="JSON file with \"reasons\" (kept out of the shell history); without "
                        "it, a prompt at a terminal.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Review a stored assessment: agree (moves an assessed case to reviewed) or disagree."""
    from surplace.assessment import service

    if agree == disagree:
        raise UsageProblem("Give one of --agree or --disagree.")
    reasons = _reasons(input_file)
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        done = service.review_assessment(session, actor=unlocked.actor, assessment=assessment,
                                         verdict="agree" if agree else "disagree",
                                         reasons=reasons)
    if as_json:
        emit_json(done.model_dump(mode="json"))
        return
    stdout.print(f"Review {done.id}: {done.verdict} with assessment {done.assessment_id} of "
                 f"case {done.case_number}"
                 + ("; the case is now reviewed." if done.transition else "."), highlight=False)
