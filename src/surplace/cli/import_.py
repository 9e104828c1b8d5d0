"""``surplace import``: partners' files in, as records of a source.

``surplace import SOURCE FILE --mapping MAP.yaml`` imports a file (CSV, XLSX, KoBoToolbox or
ODK Central export, HXL CSV) in one transaction; ``surplace import init-mapping FILE`` proposes
a mapping from its headers, HXL hashtags or XLSForm. One group holds both: :class:`ImportGroup`
sends a command line whose first argument is not a sub-command to ``file`` (as ``surplace
link`` does), so ``surplace import SYN-SHELTER list.csv …`` is ``surplace import file …``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from surplace.cli.common import (
    JsonOption,
    UsageProblem,
    emit_json,
    group_with_default,
    info,
    stderr,
    stdout,
    unlocked_store,
)
from surplace.errors import SurplaceError

FILE = "file"



app = typer.Typer(cls=group_with_default(FILE), no_args_is_help=True, help=(
    "Import a partner's file as records of a source (surplace import SOURCE FILE --mapping "
    "MAP.yaml), or propose a mapping (surplace import init-mapping FILE)."))


class ImportFailed(SurplaceError):
    pass


@app.command(FILE)
def import_file(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The source's code (surplace source list).")],
    path: Annotated[Path, typer.Argument(help="CSV, XLSX, KoBoToolbox/ODK export or HXL CSV.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="The source's mapping (YAML).")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check everything and count, write nothing to the store.")] = False,
    rejects: Annotated[Path | None, typer.Option(
        "--rejects", help="Where to write rejected rows [default: FILE.rejects.csv beside the "
        "input].")] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="The file's encoding (utf-8, cp949, euc-kr, gb18030, big5 …) "
        "[default: detected].")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", help="csv, xlsx, kobo-json, kobo-csv, kobo-xlsx, odk-json, odk-csv or hxl "
        "[default: from the file].")] = None,
    json_output: JsonOption = False,
) -> None:
    """Import every row of FILE as a record of SOURCE, in one transaction."""
    from surplace.io.importer import ImportProgress
    from surplace.io.importer import import_file as run_import
    from surplace.io.mapping import load_mapping

    if not path.is_file():
        raise UsageProblem(f"{path} is not a file.")
    loaded = load_mapping(mapping)
    try:
        bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                       TimeRemainingColumn(), console=stderr)
        with unlocked_store(ctx) as unlocked, bar:
            task = bar.add_task("Importing", total=None)

            def show(step: ImportProgress) -> None:
                # Bytes of the file where the format tells (CSV, JSON), else rows.
                bar.update(task, completed=step.done, total=step.total,
                           description=f"Importing: {step.rows:,} rows")

            with unlocked.session() as session:
                report = run_import(session, actor=unlocked.actor, source=source, path=path,
                                    mapping=loaded, dry_run=dry_run, on_progress=show,
                                    rejects_path=rejects, format=format, encoding=encoding)
    except SurplaceError as error:
        if isinstance(error, UsageProblem):
            raise
        raise ImportFailed(f"{error} Nothing was imported.") from None
    if json_output:
        emit_json(report.as_dict())
    else:
        _summary(report)


def _summary(report: Any) -> None:
    verb = "Would import" if report.dry_run else "Imported"
    stdout.print(f"[bold]{verb}[/bold] {report.imported:,} records from {report.rows_read:,} "
                 f"rows of a {report.file_format} file into {report.source}"
                 f"{' (dry run: nothing written)' if report.dry_run else ''}.", highlight=False)
    table = Table(show_header=False)
    for label, count in [("imported", report.imported),
                         ("  of which corrections superseding a record", report.superseding),
                         ("rejected", report.rejected),
                         ("skipped: already present", report.skipped),
                         ("blank rows", report.blank)]:
        table.add_row(label, f"{count:,}")
    stdout.print(table)
    if report.reasons:
        reasons = Table("rejected because", "times", title="Reasons")
        for reason, count in report.reasons.items():
            reasons.add_row(reason, f"{count:,}")
        stdout.print(reasons)
    if report.rejects_file:
        info(f"Rejected rows: {report.rejects_file}")
    for warning in report.warnings:
        info(f"Warning: {warning}")


@app.command("init-mapping")
def init_mapping(
    path: Annotated[Path, typer.Argument(help="The file to propose a mapping for.")],
    xlsform: Annotated[Path | None, typer.Option(
        "--xlsform", help="The XLSForm describing a KoBoToolbox or ODK export.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write the mapping [default: standard output].")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="The file's encoding.")
                        ] = None,
    format: Annotated[str | None, typer.Option("--format", help="The file's format.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out.")] = False,
) -> None:
    """Propose a mapping for FILE from its headers, HXL hashtags or XLSForm (no store needed)."""
    from surplace.io.mapping import init_mapping as propose

    if not path.is_file():
        raise UsageProblem(f"{path} is not a file.")
    if out is not None and out.exists() and not force:
        raise UsageProblem(f"{out} exists; give --force to overwrite it.")
    mapping, notes = propose(path, xlsform, format=format, encoding=encoding)
    header = (f"# Mapping proposed by 'surplace import init-mapping' for {path.name}.\n"
              "# Fields: name, family_name, given_name, sex, birth, origin, origin_province,\n"
              "#   event_date, event_place, event_province; or extra (kept as written) or "
              "ignore.\n")
    header += "".join(f"# check: {note}\n" for note in notes)
    text = mapping.as_yaml(header=header)
    if out is None:
        stdout.out(text, end="", highlight=False)
    else:
        out.write_text(text, encoding="utf-8")
        info(f"Wrote {out}.")
    for note in notes:
        info(f"Check: {note}")
