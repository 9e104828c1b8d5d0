"""The work of ``surplace link FILE.csv …``: read the lists, map their columns to roles, link
them and report.

Kept apart from :mod:`surplace.cli.link` so that pandas, Splink and the name tables are loaded
only when files are linked, not every time any ``surplace`` command starts.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from rich.table import Table

from surplace.cli.common import UsageProblem, emit_json, info, progress, stdout
from surplace.linkage.features import ROLES
from surplace.linkage.run import InputList, LinkInputError, LinkResult, link_frames

_ROLE_ALIASES = {"id": "record_id", "family": "family_name", "given": "given_name"}


def _roles(specs: list[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for spec in specs:
        role, sep, column = spec.partition("=")
        role = _ROLE_ALIASES.get(role.strip(), role.strip())
        if not sep or not column.strip():
            raise UsageProblem(f"--column {spec!r}: write ROLE=COLUMN (e.g. name=full_name).")
        if role not in ROLES:
            raise UsageProblem(f"--column {spec!r}: unknown role {role!r}; roles are id, "
                               f"{', '.join(r for r in ROLES if r != 'record_id')}.")
        if role in roles:
            raise UsageProblem(f"--column: role {role!r} is given twice.")
        roles[role] = column.strip()
    if not roles.keys() & {"name", "family_name", "given_name"}:
        raise UsageProblem("--column: give a name role (name=…, or family_name=… and "
                           "given_name=…); there is nothing to link without names.")
    return roles


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = data.rfind(b"\n", 0, error.start) + 1
        row = data.count(b"\n", 0, error.start) + 1
        header = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8", "replace")]), [])
        before = data[start:error.start].decode("utf-8", "replace")
        index = len(next(csv.reader([before]), [""])) - 1 if before else 0
        column = f", column {header[index]!r}" if 0 <= index < len(header) else ""
        raise LinkInputError(f"{path.name}, row {row}{column}: not UTF-8 text (save the file "
                             "as UTF-8).") from None


def _read(path: Path) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageProblem(f"Cannot read {path}: {error.strerror}.") from None
    text = _decode(path, data)
    if not text.strip():
        raise LinkInputError(f"{path.name}: the file is empty.")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as error:
        where = str(error).split(":")[0]
        raise LinkInputError(f"{path.name}: not a CSV file surplace can read ({where}).") \
            from None
    if frame.empty:
        raise LinkInputError(f"{path.name}: the file has a header but no records.")
    return frame.replace("", None)


def _print(result: LinkResult, out: Path) -> None:
    summary = result.summary
    stdout.print(f"[bold]{summary.records:,} records → {summary.persons:,} persons[/bold] "
                 f"at match probability ≥ {summary.threshold:g}; clusters written to {out}",
                 highlight=False)
    table = Table(title="Scored pairs by match probability")
    table.add_column("band")
    table.add_column("pairs", justify="right")
    for band, count in summary.pairs_by_band.items():
        table.add_row(band, f"{count:,}")
    stdout.print(table)
    for name, row, column, reason in summary.unreadable[:20]:
        info(f"Warning: {name}, row {row}, column {column!r}: {reason}; read as missing.")
    if len(summary.unreadable) > 20:
        info(f"Warning: {len(summary.unreadable) - 20} more unreadable values read as missing.")


def run(files: list[Path], out: Path, column: list[str] | None, threshold: float,
        json_output: bool, *, backend: str = "duckdb") -> None:
    roles = _roles(column or [])
    names = [path.name for path in files]
    lists = [InputList(name=path.name if names.count(path.name) == 1 else str(path),
                       frame=_read(path), roles=roles) for path in files]
    with progress() as bar:
        task = bar.add_task("Linking", total=None)

        def step(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage.capitalize(), completed=done, total=total)

        result = link_frames(lists, threshold=threshold, progress=step,
                             backend="spark" if backend == "spark" else "duckdb")
    try:
        result.clusters.to_csv(out, index=False, float_format="%.6f")
    except OSError as error:
        raise UsageProblem(f"Cannot write {out}: {error.strerror}.") from None
    if json_output:
        emit_json({**result.summary.as_dict(), "out": str(out)})
    else:
        _print(result, out)
