"""``surplace demo``: build a fresh demo store from the synthetic scenario and show it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from surplace.cli.common import (
    UsageProblem,
    argon2_parameters,
    emit_json,
    info,
    opened_store,
    progress,
    state,
)
from surplace.demo import scenario
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.store.engine import SQLITE_FILE
from surplace.vault import audit_service
from surplace.vault import service as vault_service

DEMO_PASSPHRASE = "surplace demo passphrase"  # noqa: S105 - printed on purpose: synthetic data
DEMO_MARKER = "DEMO-STORE"


def _prepare_folder(folder: Path) -> None:
    if (folder / SQLITE_FILE).exists() and not (folder / DEMO_MARKER).exists():
        raise UsageProblem(
            f"{folder} holds a store that is not a demo store; refusing to replace it. "
            "Name another folder with --store.")
    if folder.exists():
        shutil.rmtree(folder)


def demo(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(min=1, max=1_000_000,
                                         help="How many synthetic persons.")] = 500,
    seed: Annotated[int, typer.Option(help="Seed of the scenario.")] = 1998,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Build a fresh demo store (synthetic people only) at --store and summarise it."""
    settings = state(ctx).settings
    if settings.is_postgres:
        raise UsageProblem("The demo builds an embedded store: give --store a folder.")
    folder = Path(settings.store)
    _prepare_folder(folder)
    params = argon2_parameters(settings)
    with opened_store(ctx, create=True) as store:
        (folder / DEMO_MARKER).write_text(
            "This store was built by 'surplace demo' from synthetic data and may be replaced.\n",
            encoding="utf-8")
        unlocked = vault_service.initialise(store, admin_name="admin",
                                            passphrase=DEMO_PASSPHRASE, params=params)
        with unlocked.session() as session:
            gazetteer.seed_places(session)
        vault_service.add_user(unlocked, name="caseworker", role="caseworker",
                               passphrase=DEMO_PASSPHRASE, params=params)
        with unlocked.session() as session, progress() as bar:
            task = bar.add_task("Registering synthetic persons", total=persons)
            count = records_service.register_persons(
                session, actor=unlocked.actor, items=scenario.persons(persons, seed=seed),
                on_each=lambda: bar.advance(task))
        report = audit_service.verify(unlocked)
    summary = {"store": str(folder), "persons": count, "users": ["admin", "caseworker"],
               "passphrase": DEMO_PASSPHRASE, "audit_entries": report.entries,
               "audit_intact": report.ok}
    if as_json:
        emit_json(summary)
        return
    info(f"Demo store ready at {folder}: {count} synthetic persons, "
         f"audit chain of {report.entries} entries ({'intact' if report.ok else 'BROKEN'}).")
    example = next(scenario.persons(1, seed=seed)).names[0].full_name
    info("Try (synthetic data; the demo passphrase is printed on purpose), after "
         "'. .venv/bin/activate' in the project folder:")
    info(f"  export SURPLACE_STORE={folder} SURPLACE_PASSPHRASE='{DEMO_PASSPHRASE}'")
    info(f"  surplace person find --name {example}   # exact look-up through the blind index")
    info("  surplace audit log --limit 20           # who read and wrote what")
    info("  surplace audit verify                   # check the hash chain and its signature")
    info(f"  grep -c {example} {folder / SQLITE_FILE}   # 0: no name in plaintext on disk")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
