"""What the ``surplace case`` commands share: argument types, dates, the ``--input`` file,
prompts for sensitive fields, and output as a table or JSON."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.cli.common import UsageProblem, emit_json, info, stdout, unlocked_store

Ref = Annotated[str, typer.Argument(help="Case number (SP-2026-000123) or case id.")]
InputFile = Annotated[
    Path | None,
    typer.Option(
        "--input", help="JSON file with the sensitive fields (kept out of the shell history)."
    ),
]
On = Annotated[
    str | None,
    typer.Option("--on", help="Date it happened, YYYY-MM-DD (default today; never in the future)."),
]


@contextmanager
def case_session(ctx: typer.Context) -> Iterator[tuple[Session, Actor]]:
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        yield session, unlocked.actor


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageProblem(f"{option}: {value!r} is not a date (YYYY-MM-DD).") from None


def parse_moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageProblem(
            f"{option}: {value!r} is not a date and time (e.g. 2026-12-01T18:00+08:00)."
        ) from None
    if moment.tzinfo is None:
        raise UsageProblem(f"{option}: {value!r} has no time zone (e.g. +08:00 for Yanji).")
    return moment


def ask_for(raw: dict[str, Any], key: str, label: str) -> None:
    """Fill ``raw[key]`` from a prompt when it is missing and a person is at the terminal."""
    if raw.get(key) is None and sys.stdin.isatty():
        value = str(typer.prompt(label, default="", show_default=False, err=True)).strip()
        if value:
            raw[key] = value


def merge_options(raw: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Options given on the command line win over the input file."""
    raw.update({key: value for key, value in values.items() if value not in (None, [], ())})
    return raw


def emit(result: BaseModel | list[Any], as_json: bool, message: str) -> None:
    if as_json:
        emit_json(
            result.model_dump(mode="json")
            if isinstance(result, BaseModel)
            else [item.model_dump(mode="json") for item in result]
        )
    else:
        info(message)


def print_table(columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    # Piped into a file or another program, a line is not cut at 80 columns: case numbers and
    # ids must stay whole to be found again.
    (stdout if stdout.is_terminal else Console(width=1000, soft_wrap=True)).print(table)
