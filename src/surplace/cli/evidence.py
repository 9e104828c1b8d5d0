"""``surplace evidence``: add files (and derived copies), list, show, view, verify, export and
read the custody log.

No message names a file: an evidence file's name, like its description, is sealed in the store
and shown only by ``evidence show``. A description typed as ``--description`` ends up in the
shell's history; leave it out and add it later, or clear the history.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table

from surplace.cli.common import (
    JsonOption,
    UsageProblem,
    emit_json,
    info,
    progress,
    stdout,
    unlocked_store,
)
from surplace.evidence import service
from surplace.evidence.schemas import DERIVATIONS, EvidenceSummary

app = typer.Typer(help="Evidence files: encrypted at rest, hashed, with a chain of custody.",
                  no_args_is_help=True)



def _existing_file(path: Path) -> Path:
    if not path.is_file():
        raise UsageProblem("FILE does not exist or is not a regular file (name not shown).")
    return path


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageProblem("--captured-at: not an ISO date or time (e.g. 2024-05-01T14:30).") \
            from None


@contextmanager
def _bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar that appears only once the work starts, so that a refusal before it
    (unknown case, folder not empty) stays a single line."""
    bar = progress()
    task: TaskID | None = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task(description, total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()


def _added(item: EvidenceSummary, as_json: bool) -> None:
    if as_json:
        emit_json(item.model_dump(mode="json"))
    else:
        info(f"Added evidence {item.id} ({item.size} bytes, sha256 {item.sha256}).")


@app.command("add")
def add(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The file to add.")],
    case: Annotated[str, typer.Option("--case", help="Case id or case number.")],
    incident: Annotated[str | None, typer.Option("--incident", help="Incident id.")] = None,
    description: Annotated[str | None, typer.Option(help="What the file shows (sealed).")
                           ] = None,
    media_type: Annotated[str | None, typer.Option(
        "--media-type", help="e.g. audio/mpeg [default: guessed from the name]")] = None,
    captured_at: Annotated[str | None, typer.Option(
        "--captured-at", help="When it was recorded, ISO 8601 (UTC unless an offset is given).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Encrypt a file into the store as evidence of a case; prints its id and SHA-256."""
    _existing_file(path)
    when = _when(captured_at)
    with unlocked_store(ctx) as unlocked:
        item = service.add_evidence(unlocked, path=path, case=case, incident_id=incident,
                                    description=description, media_type=media_type,
                                    captured_at=when)
    _added(item, as_json)


@app.command("derive")
def derive(
    ctx: typer.Context,
    parent_id: Annotated[str, typer.Argument(help="Id of the evidence it is derived from.")],
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The derived file.")],
    kind: Annotated[str, typer.Option("--kind", help="transcript, translation or redacted.")],
    description: Annotated[str | None, typer.Option(help="What the file is (sealed).")] = None,
    media_type: Annotated[str | None, typer.Option(
        "--media-type", help="e.g. text/plain [default: guessed from the name]")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a transcript, translation or redacted excerpt linked to its parent."""
    if kind not in DERIVATIONS:
        raise UsageProblem(f"--kind must be one of {', '.join(DERIVATIONS)}.")
    _existing_file(path)
    with unlocked_store(ctx) as unlocked:
        item = service.add_derived(unlocked, parent_id=parent_id, path=path, derivation=kind,
                                   description=description, media_type=media_type)
    _added(item, as_json)


@app.command("list")
def list_items(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Only this case (id or number).")
                    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List evidence items (ids, hashes, sizes, media types; nothing sealed is opened)."""
    with unlocked_store(ctx) as unlocked:
        items = service.list_evidence(unlocked, case=case)
    if as_json:
        emit_json([item.model_dump(mode="json") for item in items])
        return
    table = Table("id", "case", "derived", "media type", "size", "sha256", "added")
    for item in items:
        derived = f"{item.derivation} of {item.parent_id}" if item.parent_id else ""
        table.add_row(item.id, item.case_id or "", derived, item.media_type, str(item.size),
                      item.sha256[:16] + "…", item.added_at.isoformat(timespec="seconds"))
    stdout.print(table)
    info(f"{len(items)} item(s).")


@app.command("show")
def show(
    ctx: typer.Context,
    evidence_id: Annotated[str, typer.Argument(metavar="ID", help="Evidence id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one item with its original name, description and capture metadata (audited)."""
    with unlocked_store(ctx) as unlocked:
        item = service.show_evidence(unlocked, evidence_id=evidence_id)
    if as_json:
        emit_json(item.model_dump(mode="json"))
        return
    table = Table(show_header=False)
    for key, value in item.model_dump(mode="json").items():
        table.add_row(key, "" if value is None else str(value))
    stdout.print(table)


@app.command("view")
def view(
    ctx: typer.Context,
    evidence_id: Annotated[str, typer.Argument(metavar="ID", help="Evidence id.")],
) -> None:
    """Write one item's content to standard output (pipe it to a viewer); custody records it."""
    if sys.stdout.isatty():
        raise UsageProblem("Refusing to write a file to the terminal: pipe the output instead.")
    with unlocked_store(ctx) as unlocked:
        service.view_evidence(unlocked, evidence_id=evidence_id, out=sys.stdout.buffer)
    sys.stdout.flush()


@app.command("verify")
def verify(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Decrypt and re-hash every item; exit 1, naming the items, if any fails."""
    with unlocked_store(ctx) as unlocked, _bar("Verifying evidence") as update:
        results = service.verify_all(unlocked, on_progress=update)
    failed = [result for result in results if not result.ok]
    if as_json:
        emit_json({"ok": not failed, "items": len(results),
                   "results": [result.model_dump() for result in results]})
    else:
        for result in failed:
            info(f"evidence {result.evidence_id}: {result.status}")
        info(f"{len(results) - len(failed)} of {len(results)} item(s) verified"
             + (f"; {len(failed)} failed: {', '.join(r.evidence_id for r in failed)}."
                if failed else "."))
    if failed:
        raise typer.Exit(1)


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(metavar="OUT", help="A new or empty folder.")],
    case: Annotated[str, typer.Option("--case", help="Case id or case number.")],
    as_json: JsonOption = False,
) -> None:
    """Write a case's files in plaintext with manifest.json and custody.json, for a court."""
    with unlocked_store(ctx) as unlocked, _bar("Exporting evidence") as update:
        result = service.export_package(unlocked, case=case, out_dir=out, on_progress=update)
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        info(f"Exported {len(result.items)} file(s) of case {result.case_id} as package "
             f"{result.package_id}; the files are NOT encrypted.")


@app.command("custody")
def custody(
    ctx: typer.Context,
    evidence_id: Annotated[str, typer.Argument(metavar="ID", help="Evidence id.")],
    as_json: JsonOption = False,
) -> None:
    """The chain of custody of one item: who added, viewed, verified, exported it, and when."""
    with unlocked_store(ctx) as unlocked:
        entries = service.custody_log(unlocked, evidence_id=evidence_id)
    if as_json:
        emit_json([entry.model_dump(mode="json") for entry in entries])
        return
    table = Table("at", "action", "user", "sha256 seen", "note")
    for entry in entries:
        table.add_row(entry.at.isoformat(timespec="seconds"), entry.action,
                      entry.actor_id or "", (entry.sha256_seen or "")[:16], entry.note or "")
    stdout.print(table)
