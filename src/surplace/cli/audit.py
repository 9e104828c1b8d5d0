"""``surplace audit``: verify the chain, list entries."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from surplace.cli.common import JsonOption, emit_json, info, stdout, unlocked_store
from surplace.vault import audit_service

app = typer.Typer(help="The audit chain: verify it, list its entries.", no_args_is_help=True)


@app.command("verify")
def verify(
    ctx: typer.Context,
    as_json: JsonOption = False,
) -> None:
    """Check every entry's hash and link and the signed head; name the first broken entry."""
    with unlocked_store(ctx, record=False) as unlocked:
        report = audit_service.verify(unlocked)
    if as_json:
        emit_json({"ok": report.ok, "entries": report.entries,
                   "first_bad_entry": report.first_bad_seq, "problem": report.problem})
    else:
        info(report.describe())
    if not report.ok:
        raise typer.Exit(1)


@app.command("log")
def log(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option(help="Only entries by this user name.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action (read, create …).")] = None,
    object_type: Annotated[str | None, typer.Option("--type", help="Only this table.")] = None,
    object_id: Annotated[str | None, typer.Option("--object", help="Only this object id.")] = None,
    since: Annotated[str | None, typer.Option(help="From this ISO date or time.")] = None,
    until: Annotated[str | None, typer.Option(help="Before this ISO date or time.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries.")] = 100,
    offset: Annotated[int, typer.Option(
        min=0, help="Skip this many of the newest matching entries (the next page).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List audit entries, newest first, with filters; ``--offset`` pages through them."""
    with unlocked_store(ctx) as unlocked:
        entries = audit_service.list_entries(
            unlocked, actor_name=actor, action=action, object_type=object_type,
            object_id=object_id, since=since, until=until, limit=limit,
            offset=offset)
    if as_json:
        emit_json([entry.model_dump() for entry in entries])
        return
    table = Table("seq", "at", "user", "action", "object", "field")
    for entry in entries:
        table.add_row(str(entry.seq), entry.at, entry.actor or "", entry.action,
                      f"{entry.object_type} {entry.object_id or ''}", entry.field or "")
    stdout.print(table)
