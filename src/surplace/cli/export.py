"""``surplace export``: persons, records, incidents, acts and cases to CSV, HXL or JSON, redacted
by the acting user's role; count tables with disclosure control; a case's evidence package.

Every export names the organisation it is for (``--for``; optional for count tables) and is
written to the audit chain. An existing file is replaced only with ``--force``. Messages never
repeat the output file's name, which may describe what is in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, progress, unlocked_store
from surplace.io.export.schemas import ExportResult, Filters, Format, Kind, Of

app = typer.Typer(help="Export redacted files, count tables with disclosure control, and "
                       "evidence packages; every export is audited with what and for whom.",
                  no_args_is_help=True)

#: Exports that scan fewer rows than this finish before a progress bar would help.
LARGE = 2_000

FormatOption = Annotated[Format, typer.Option(
    "--format", help="csv, json (one document), jsonl (JSON Lines) or hxl (HXL-tagged CSV).")]
OutOption = Annotated[Path, typer.Option("--out", help="The file to write.")]
ForOption = Annotated[str | None, typer.Option(
    "--for", metavar="ORG", help="The organisation the export is for (kept in the audit log).")]
BomOption = Annotated[bool, typer.Option(
    "--bom", help="Start the file with a UTF-8 byte-order mark, so that Excel reads Hangul and "
                  "Chinese correctly.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]
YearOption = Annotated[int | None, typer.Option(
    "--year", help="Only this event year (a case's opening year).")]
ProvinceOption = Annotated[str | None, typer.Option(
    "--province", help="Only this province (ISO 3166-2 code, e.g. KP-09).")]
ActTypeOption = Annotated[str | None, typer.Option(
    "--act-type", help="Only this act type (incidents, acts and count tables).")]


@contextmanager
def _bar(description: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on standard error that appears once an export proves large."""
    bar = progress()
    task: TaskID | None = None

    def update(done: int, total: int | None) -> None:
        nonlocal task
        if task is None:
            if max(done, total or 0) < LARGE:
                return
            bar.start()
            task = bar.add_task(description, total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()


def _filters(year: int | None, province: str | None, act_type: str | None) -> Filters:
    if year is not None and not 1900 <= year <= 2200:
        raise UsageProblem("--year: a year between 1900 and 2200.")
    return Filters(year=year, province=province, act_type=act_type)


def _report(result: ExportResult, as_json: bool) -> None:
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    target = f" for {result.recipient}" if result.recipient else ""
    extra = (f", {result.suppressed} cell(s) suppressed (threshold {result.threshold})"
             if result.suppressed is not None else "")
    info(f"Exported {result.rows} row(s) of {result.kind} ({result.redaction}){target}{extra}; "
         f"sha256 {result.sha256}; audit entry {result.export_id}.")


def _register(kind: Kind, summary: str) -> None:
    def command(
        ctx: typer.Context,
        out: OutOption,
        fmt: FormatOption = Format.csv,
        recipient: ForOption = None,
        bom: BomOption = False,
        force: ForceOption = False,
        year: YearOption = None,
        province: ProvinceOption = None,
        act_type: ActTypeOption = None,
        as_json: JsonOption = False,
    ) -> None:
        from surplace.io.export import service

        if recipient is None or not recipient.strip():
            raise UsageProblem("--for: name the organisation the export is for.")
        filters = _filters(year, province, act_type)
        with unlocked_store(ctx) as unlocked, _bar(f"Exporting {kind.value}") as update:
            result = service.export_rows(unlocked, kind=kind, fmt=fmt, out=out,
                                         recipient=recipient, filters=filters, force=force,
                                         bom=bom, on_progress=update)
        _report(result, as_json)

    command.__doc__ = summary
    app.command(kind.value)(command)


_register(Kind.persons, "Persons: pseudonym, sex, birth year, province; names, birth dates, "
                        "home places and contacts only for roles that may read identities.")
_register(Kind.records, "Records as sources gave them: clear columns and linked person; the "
                        "payload only for roles that may read identities.")
_register(Kind.incidents, "Incidents: year, province, status, acts; titles and descriptions "
                          "only for roles that may read identities.")
_register(Kind.acts, "Acts: type, victim by pseudonym, year, province, perpetrator units; "
                     "dates, places, names and sealed text only for roles that may read "
                     "identities.")
_register(Kind.cases, "Cases you may read: status, outcome, principal by pseudonym; the "
                      "principal's name only for roles that may read identities.")


@app.command("aggregate")
def aggregate(
    ctx: typer.Context,
    of: Annotated[Of, typer.Option("--of", help="persons, acts or cases.")],
    out: OutOption,
    by: Annotated[str, typer.Option(
        "--by", help="Comma-separated: year, province, sex, act_type.")] = "year",
    threshold: Annotated[int, typer.Option(
        "--threshold", min=1, help="Smallest count published; smaller cells are suppressed, "
                                   "with the cells that would reveal them.")] = 5,
    fmt: FormatOption = Format.csv,
    recipient: ForOption = None,
    bom: BomOption = False,
    force: ForceOption = False,
    year: YearOption = None,
    province: ProvinceOption = None,
    act_type: ActTypeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Counts with every margin, small cells suppressed so that none can be worked out."""
    from surplace.errors import InvalidInput
    from surplace.io.export import service
    from surplace.io.export.schemas import parse_dimensions

    try:
        dimensions = parse_dimensions(by)
    except InvalidInput as error:
        raise UsageProblem(str(error)) from None
    filters = _filters(year, province, act_type)
    with unlocked_store(ctx) as unlocked, _bar(f"Counting {of.value}") as update:
        result = service.export_aggregate(unlocked, of=of, by=dimensions, fmt=fmt, out=out,
                                          threshold=threshold, recipient=recipient,
                                          filters=filters, force=force, bom=bom,
                                          on_progress=update)
    _report(result, as_json)


@app.command("evidence")
def evidence(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(metavar="OUT", help="A new or empty folder.")],
    case: Annotated[str, typer.Option("--case", help="Case id or case number.")],
    recipient: ForOption = None,
    as_json: JsonOption = False,
) -> None:
    """A case's evidence files in plaintext with manifest and custody log (the evidence
    service's package), for a court or a UN mechanism."""
    from surplace.io.export import service

    if recipient is None or not recipient.strip():
        raise UsageProblem("--for: name the organisation the package is for.")
    with unlocked_store(ctx) as unlocked, _bar("Exporting evidence") as update:
        result = service.export_evidence(unlocked, case=case, out_dir=out, recipient=recipient,
                                         on_progress=update)
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        info(f"Exported {len(result.items)} file(s) of case {result.case_id} as package "
             f"{result.package_id} for {recipient}; the files are NOT encrypted.")
