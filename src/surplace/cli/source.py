"""``surplace source``: register the organisations, lists and informants records come from.

A source's name, contact and description are asked for (or read from ``--input``), never
taken as options: an informant's name must not end up in the shell's history.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from surplace.cli.common import (
    JsonOption,
    UsageProblem,
    emit_json,
    info,
    read_input,
    stdout,
    unlocked_store,
)
from surplace.records import sources

app = typer.Typer(help="Sources: add, list, show.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short code shown everywhere, e.g. SYN-SHELTER.")],
    kind: Annotated[str, typer.Option(help="organisation, list or informant.")],
    reliability: Annotated[str | None, typer.Option(
        help="Admiralty grade A (completely reliable) to F (cannot be judged).")] = None,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="JSON file with name, contact and description.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a source (asks for its name, contact and description)."""
    raw = read_input(input_file)
    raw.update(code=code, kind=kind, reliability=reliability)
    for key, label in (("name", "Name"), ("contact", "Contact"),
                       ("description", "Description")):
        if raw.get(key) is None and sys.stdin.isatty():
            value = str(typer.prompt(label, default="", show_default=False, err=True)).strip()
            raw[key] = value or None
    if not raw.get("name"):
        raise UsageProblem("A source needs a name: answer the prompt or give it in --input.")
    data = sources.SourceIn.model_validate(raw)
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        added = sources.add_source(session, actor=unlocked.actor, data=data)
    if as_json:
        emit_json(added.model_dump())
    else:
        info(f"Added source {added.code} (id {added.id}).")


@app.command("list")
def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every source's code, kind and reliability (nothing sealed is opened)."""
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        found = sources.list_sources(session, actor=unlocked.actor)
    if as_json:
        emit_json([item.model_dump(include={"id", "code", "kind", "reliability"})
                   for item in found])
        return
    table = Table("code", "kind", "reliability", "id")
    for item in found:
        table.add_row(item.code, item.kind, item.reliability or "", item.id)
    stdout.print(table)


@app.command("show")
def show(ctx: typer.Context, code: Annotated[str, typer.Argument(help="Source code.")],
         as_json: JsonOption = False) -> None:
    """One source; its name and contact only for roles that may see identities (audited)."""
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        found = sources.show_source(session, actor=unlocked.actor, code=code)
    if as_json:
        emit_json(found.model_dump())
        return
    table = Table(show_header=False)
    for key, value in found.model_dump().items():
        table.add_row(key, "" if value is None else str(value))
    stdout.print(table)
