"""Commands on the store as a whole: ``init``, ``backup`` and ``restore``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from surplace.cli.common import (
    JsonOption,
    acting_user,
    argon2_parameters,
    emit_json,
    info,
    opened_store,
    progress,
    read_passphrase,
    state,
    unlocked_store,
)
from surplace.records import gazetteer
from surplace.vault import service as vault_service


def init(
    ctx: typer.Context,
    admin: Annotated[str | None, typer.Option(
        help="Account name of the first administrator [default: --user, or admin]")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a new store with its data key and a first administrator holding a key slot."""
    settings = state(ctx).settings
    admin_name = admin or acting_user(settings)
    passphrase = read_passphrase(settings, prompt="New passphrase", confirm=True)
    if len(passphrase) < 8:
        from surplace.cli.common import UsageProblem

        raise UsageProblem("The passphrase must have at least 8 characters.")
    with opened_store(ctx, create=True) as store:
        unlocked = vault_service.initialise(
            store, admin_name=admin_name, passphrase=passphrase,
            params=argon2_parameters(settings))
        with unlocked.session() as session:
            gazetteer.seed_places(session)
        result = {"store": store.location, "store_id": unlocked.keyring.store_id,
                  "admin": admin_name, "blob_dir": str(store.blob_dir)}
    if as_json:
        emit_json(result)
    else:
        info(f"Store created at {result['store']} with administrator {admin_name!r}.")


@contextmanager
def _progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A bar per phase on standard error, fed by the ``on_progress`` callbacks; shown from the
    first report on, so a command refused early prints only its error."""
    bar = progress()
    tasks: dict[str, TaskID] = {}

    def update(phase: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done, total=total)

    try:
        yield update
    finally:
        if tasks:
            bar.stop()


def backup_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(
        help="Archive file to write; it must not exist yet.", metavar="OUT")],
    as_json: JsonOption = False,
) -> None:
    """Write one encrypted, authenticated archive of the whole store: every table and every
    evidence file. Needs the backup permission; decrypts nothing."""
    with unlocked_store(ctx) as unlocked, _progress_bar() as on_progress:
        from surplace.store.backup import backup

        result = backup(unlocked, out, on_progress=on_progress)
    if as_json:
        emit_json(asdict(result))
    else:
        info(f"Backup {result.archive_id} written to {result.archive}: "
             f"{sum(result.rows.values())} rows, {result.files} files, "
             f"{result.archive_bytes} bytes.")


def restore_command(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(
        help="Archive made by 'surplace backup'.", metavar="IN")],
    as_json: JsonOption = False,
) -> None:
    """Verify a backup archive completely, then restore it into the empty store named by
    --store (a folder with no store, or a PostgreSQL schema with no tables). A damaged archive,
    a wrong passphrase or a non-empty target is refused and nothing is written."""
    settings = state(ctx).settings
    passphrase = read_passphrase(settings)
    with _progress_bar() as on_progress:
        from surplace.store.restore import restore

        result = restore(archive, settings, passphrase, acting_user(settings),
                         on_progress=on_progress)
    if as_json:
        emit_json(asdict(result))
    else:
        info(f"Backup {result.archive_id} restored into {result.store}: "
             f"{sum(result.rows.values())} rows, {result.files} files; "
             "the audit chain records the restore.")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
