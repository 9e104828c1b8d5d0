"""``surplace recommendation``: recommendations to governments, how far they are implemented,
the evidence that bears on them and the indicators the store gives.

Recommendations and judgements are public documents, so their text may be given as options;
``--input`` takes a JSON file for long text. The domain is imported inside each command: counting
needs pandas, which every other command would otherwise pay for at start-up.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, read_input, stdout
from surplace.cli.common import unlocked_store as _unlocked

if TYPE_CHECKING:
    from surplace.advocacy.schemas import RecommendationOut

app = typer.Typer(help="Recommendations: add, list, show, judge status, attach evidence, "
                       "indicators.", no_args_is_help=True)

Code = Annotated[str, typer.Argument(help="The recommendation's short code, e.g. HRW-2013-1.")]
Input = Annotated[Path | None, typer.Option(
    "--input", help="JSON file with the fields (for long text).")]


def _given(input_file: Path | None, **options: Any) -> dict[str, Any]:
    data = read_input(input_file)
    data.update({key: value for key, value in options.items() if value not in (None, [])})
    return data


@app.command("add")
def add(
    ctx: typer.Context,
    code: Code,
    addressee: Annotated[str | None, typer.Option(help="To whom, e.g. a government.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Who made it, e.g. an NGO or UN body.")
                      ] = None,
    issued_on: Annotated[str | None, typer.Option("--date", help="When (YYYY-MM-DD).")] = None,
    text: Annotated[str | None, typer.Option(help="What it asks.")] = None,
    input_file: Input = None,
    as_json: JsonOption = False,
) -> None:
    """Add a recommendation."""
    from surplace.advocacy import service
    data = _given(input_file, code=code, addressee=addressee, issuer=issuer,
                  issued_on=issued_on, text=text)
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        added = service.add_recommendation(session, actor=unlocked.actor, data=data)
    if as_json:
        emit_json(added.model_dump(mode="json"))
    else:
        info(f"Added recommendation {added.code}.")


@app.command("load")
def load(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Add Human Rights Watch's four recommendations to China, with their first judgements
    (codes already present are left as they are)."""
    from surplace.advocacy import loader
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        outcome = loader.load_hrw(session, unlocked.actor)
    if as_json:
        emit_json(vars(outcome))
        return
    info(f"Added {len(outcome.added)} recommendation(s) ({', '.join(outcome.added) or 'none'}); "
         f"already present: {', '.join(outcome.already_present) or 'none'}.")


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(
        help="Only those whose current status is this (or not_judged).")] = None,
    addressee: Annotated[str | None, typer.Option(help="Addressee contains this.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Recommendations with their current status."""
    from surplace.advocacy import service
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        found = service.list_recommendations(session, actor=unlocked.actor, status=status,
                                             addressee=addressee)
    if as_json:
        emit_json([item.model_dump(mode="json") for item in found])
        return
    table = Table("code", "issuer", "date", "status", "evidence", "text")
    for item in found:
        table.add_row(item.code, escape(item.issuer), str(item.issued_on or ""),
                      item.status_label, str(item.evidence), escape(item.text[:80]))
    stdout.print(table)


def _print(found: RecommendationOut) -> None:
    table = Table(show_header=False)
    for key in ("code", "addressee", "issuer", "issued_on", "text", "status_label"):
        value = getattr(found, key)
        table.add_row(key.replace("_label", ""), escape("" if value is None else str(value)))
    if found.citation is not None:
        table.add_row("source", escape(f"{found.citation.text} {found.citation.url or ''}"))
    stdout.print(table)
    history = Table("when", "status", "by", "why", title="Status history (oldest first)")
    for status in found.history:
        history.add_row(status.judged_at.isoformat(timespec="seconds"), status.label,
                        escape(status.judged_by_name or status.judged_by or ""),
                        escape(status.reason))
    stdout.print(history)
    if found.evidence_list:
        evidence = Table("kind", "id", "note", "added by", title="Evidence")
        for item in found.evidence_list:
            evidence.add_row(item.object_type, item.object_id, escape(item.note),
                             escape(item.added_by_name or ""))
        stdout.print(evidence)


@app.command("show")
def show(ctx: typer.Context, code: Code, as_json: JsonOption = False) -> None:
    """One recommendation: status history with who and why, evidence, citation."""
    from surplace.advocacy import service
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        found = service.show_recommendation(session, actor=unlocked.actor, code=code)
    if as_json:
        emit_json(found.model_dump(mode="json"))
    else:
        _print(found)


@app.command("status")
def status_command(
    ctx: typer.Context,
    code: Code,
    status: Annotated[str, typer.Argument(
        help="not_implemented, partially, implemented or unknown.")],
    reason: Annotated[str | None, typer.Option(help="Why: the evidence and sources.")] = None,
    input_file: Input = None,
    as_json: JsonOption = False,
) -> None:
    """Record a judgement of how far the recommendation is implemented (history is kept)."""
    from surplace.advocacy import service
    data = _given(input_file, status=status, reason=reason)
    if not data.get("reason"):
        raise UsageProblem("A judgement needs its reason: give --reason or --input.")
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        judged = service.record_status(session, actor=unlocked.actor, code=code, data=data)
    if as_json:
        emit_json(judged.model_dump(mode="json"))
    else:
        info(f"{code.strip().upper()} judged {judged.label}.")


@app.command("evidence")
def evidence(
    ctx: typer.Context,
    code: Code,
    kind: Annotated[str, typer.Argument(help="incident, act or estimate.")],
    object_id: Annotated[str, typer.Argument(help="Its id.")],
    note: Annotated[str, typer.Option(help="Why it bears on the recommendation.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Attach an incident, act or stored estimate as evidence (it must exist)."""
    from surplace.advocacy import service
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        added = service.add_evidence(session, actor=unlocked.actor, code=code, data={
            "object_type": kind, "object_id": object_id, "note": note})
    if as_json:
        emit_json(added.model_dump(mode="json"))
    else:
        info(f"Attached {added.object_type} {added.object_id} to {code.strip().upper()}.")


@app.command("indicators")
def indicators(
    ctx: typer.Context,
    code: Code,
    indicator: Annotated[list[str] | None, typer.Option(
        help="Only this indicator (repeatable); default: those that bear on it.")] = None,
    since: Annotated[str | None, typer.Option(
        help="Count from this day (YYYY-MM-DD); default: the recommendation's date.")] = None,
    until: Annotated[int | None, typer.Option(help="Count up to the end of this year.")] = None,
    province: Annotated[str | None, typer.Option(help="Only in this province.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Documented acts since the recommendation, computed from the store."""
    from surplace.advocacy import service
    start = None
    if since is not None:
        try:
            start = date.fromisoformat(since)
        except ValueError:
            raise UsageProblem(f"--since: {since!r} is not a date (YYYY-MM-DD).") from None
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        found = service.compute_indicators(session, actor=unlocked.actor, code=code,
                                           names=indicator, since=start, until=until,
                                           province=province)
    if as_json:
        emit_json(found.model_dump(mode="json"))
        return
    table = Table("indicator", "since", "acts", "by year", "uncertain date", "undated",
                  title=f"Indicators of {found.code}")
    for item in found.indicators:
        years = ", ".join(f"{year}: {count}" for year, count in item.by_year.items())
        table.add_row(escape(item.label), str(item.since or "any date"), str(item.value),
                      years, str(item.uncertain), str(item.undated))
    stdout.print(table)
