"""``surplace person``: register a person by hand, show one, find by exact name.

Identifying values typed as options end up in the shell's history; leave them out and the
command asks for them instead, or give them in a JSON file with ``--input``.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, stdout, unlocked_store
from surplace.records import service as records_service
from surplace.records.schemas import PersonIn, PersonSummary

app = typer.Typer(help="Persons: register, show, find by exact name.", no_args_is_help=True)


def _ask(label: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    value = str(typer.prompt(label, default="", show_default=False, err=True)).strip()
    return value or None


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Full name as written (asked if omitted).")
                    ] = None,
    family_name: Annotated[str | None, typer.Option(help="Family name alone.")] = None,
    given_name: Annotated[str | None, typer.Option(help="Given name alone.")] = None,
    script: Annotated[str, typer.Option(help="hangul, hanja or latin.")] = "latin",
    romanisation: Annotated[str | None, typer.Option(help="mr, dprk, rr, pinyin or adhoc.")
                            ] = None,
    alias: Annotated[list[str] | None, typer.Option(help="An alias (repeatable).")] = None,
    sex: Annotated[str | None, typer.Option(help="F, M or X.")] = None,
    birth_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    birth_year: Annotated[int | None, typer.Option(help="Year of birth if the date is unknown.")
                          ] = None,
    origin_province: Annotated[str | None, typer.Option(help="ISO 3166-2 code, e.g. KP-09.")
                               ] = None,
    origin_place: Annotated[str | None, typer.Option(help="Home county or town.")] = None,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="JSON file with the person's fields (see PersonIn).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a person under a new pseudonym; identifying fields are sealed."""
    if input_file is not None:
        try:
            raw: dict[str, Any] = json.loads(input_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UsageProblem(f"Cannot read {input_file}: {error}") from None
    else:
        full = name or _ask("Full name")
        if not full:
            raise UsageProblem("A name is required: give --name, --input, or answer the prompt.")
        names: list[dict[str, Any]] = [{
            "full_name": full, "family_name": family_name, "given_name": given_name,
            "script": script, "romanisation": romanisation, "kind": "legal"}]
        names += [{"full_name": a, "script": script, "kind": "alias"} for a in alias or []]
        raw = {"names": names, "sex": sex, "birth_year": birth_year,
               "origin_province": origin_province,
               "origin_place": origin_place if origin_place is not None else None}
        if birth_date:
            try:
                raw["birth_date"] = date.fromisoformat(birth_date)
            except ValueError:
                raise UsageProblem(f"--birth-date: {birth_date!r} is not YYYY-MM-DD.") from None
    data = PersonIn.model_validate(raw)
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        person = records_service.register_person(session, actor=unlocked.actor, data=data)
        result = {"id": person.id, "pseudonym": person.pseudonym}
    if as_json:
        emit_json(result)
    else:
        info(f"Registered {result['pseudonym']} (id {result['id']}).")


@app.command("show")
def show(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(help="Person id or pseudonym.")],
    as_json: JsonOption = False,
) -> None:
    """Show everything known about a person (the reads are audited)."""
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        person = records_service.show_person(session, actor=unlocked.actor, reference=reference)
    if as_json:
        emit_json(person.model_dump(mode="json"))
        return
    table = Table(show_header=False)
    for key, value in person.model_dump(exclude={"names"}).items():
        table.add_row(key, "" if value is None else str(value))
    for item in person.names:
        table.add_row(f"name ({item.kind}, {item.script})", item.full_name or "")
    stdout.print(table)


@app.command("find")
def find(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Exact name (case, spacing and punctuation "
                                             "ignored); asked if omitted.")] = None,
    document: Annotated[str | None, typer.Option(help="Exact document number.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Find persons by exact name or document number through the blind index."""
    if name is None and document is None:
        name = _ask("Name")
        if not name:
            raise UsageProblem("Give --name or --document.")
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        found: list[PersonSummary] = []
        if name:
            found += records_service.find_by_name(session, actor=unlocked.actor, name=name)
        if document:
            found += records_service.find_by_document(session, actor=unlocked.actor,
                                                      number=document)
    if as_json:
        emit_json([p.model_dump() for p in found])
        return
    table = Table("pseudonym", "id", "sex", "birth year", "province")
    for p in found:
        table.add_row(p.pseudonym, p.id, p.sex or "", str(p.birth_year or ""),
                      p.origin_province or "")
    stdout.print(table)
    info(f"{len(found)} found.")


@app.command("import")
def import_persons(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="JSON Lines file: one person object per line.")],
    as_json: JsonOption = False,
) -> None:
    """Register every person in a JSON Lines file in one transaction: all of them or none.

    Every line is checked first; if any is wrong, each wrong line is reported with its number
    and reason and nothing is written.
    """
    from pydantic import ValidationError

    from surplace.cli.common import progress

    if not path.is_file():
        raise UsageProblem(f"{path} is not a file.")
    items: list[PersonIn] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    items.append(PersonIn.model_validate_json(line))
                except ValidationError as error:
                    first = error.errors()[0]
                    where = ".".join(str(p) for p in first["loc"]) or "line"
                    problems.append(f"line {number}, {where}: {first['msg']}")
                except Exception as error:  # noqa: BLE001 - vocabulary errors carry the field
                    problems.append(f"line {number}: {error}")
        except UnicodeDecodeError:
            raise UsageProblem(f"{path}: line {number + 1} is not valid UTF-8.") from None
    if problems:
        for problem in problems[:50]:
            info(problem)
        raise UsageProblem(f"{len(problems)} line(s) of {path} are wrong; nothing was imported.")
    with unlocked_store(ctx) as unlocked, unlocked.session() as session, progress() as bar:
        task = bar.add_task("Registering persons", total=len(items))
        count = records_service.register_persons(
            session, actor=unlocked.actor, items=items, on_each=lambda: bar.advance(task))
    if as_json:
        emit_json({"imported": count})
    else:
        info(f"Registered {count} persons.")
