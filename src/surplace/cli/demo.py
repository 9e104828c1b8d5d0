"""``surplace demo``: build a fresh demo store from the synthetic scenario and show it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from surplace.cli.common import (
    UsageProblem,
    argon2_parameters,
    emit_json,
    info,
    opened_store,
    progress,
    state,
)
from surplace.demo import cases as demo_cases
from surplace.demo import scenario, violations
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.models import Person
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
    cases: Annotated[int, typer.Option(min=0, max=10_000,
                                       help="How many of them have a protection case.")] = 40,
    acts: Annotated[int, typer.Option(min=0, max=100_000,
                                      help="How many violations the sources document.")] = 150,
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
        with unlocked.session() as session:
            pseudonyms = list(session.scalars(select(Person.pseudonym).order_by(Person.id)
                                              .limit(min(cases, count))))
            with progress() as bar:
                task = bar.add_task("Opening synthetic cases", total=len(pseudonyms))
                numbers = demo_cases.build(
                    session, actor=unlocked.actor, pseudonyms=pseudonyms, seed=seed,
                    today=date.today(), on_each=lambda: bar.advance(task))
        generated = violations.violations(acts, seed=seed) if acts else violations.NONE
        with unlocked.session() as session, progress() as bar:
            task = bar.add_task("Documenting synthetic violations", total=len(generated.claims))
            violations.load(session, actor=unlocked.actor, generated=generated,
                            on_each=lambda: bar.advance(task))
        report = audit_service.verify(unlocked)
    summary = {"store": str(folder), "persons": count + len(generated.persons),
               "cases": len(numbers), "acts": len(generated.acts),
               "claims": len(generated.claims), "users": ["admin", "caseworker"],
               "passphrase": DEMO_PASSPHRASE, "audit_entries": report.entries,
               "audit_intact": report.ok}
    if as_json:
        emit_json(summary)
        return
    info(f"Demo store ready at {folder}: {summary['persons']} synthetic persons, "
         f"{len(numbers)} cases, {len(generated.acts)} synthetic violations of which the "
         f"sources' {len(generated.claims)} claims document some, audit chain of "
         f"{report.entries} entries "
         f"({'intact' if report.ok else 'BROKEN'}).")
    example = next(scenario.persons(1, seed=seed)).names[0].full_name
    info("Try (synthetic data; the demo passphrase is printed on purpose), after "
         "'. .venv/bin/activate' in the project folder:")
    info(f"  export SURPLACE_STORE={folder} SURPLACE_PASSPHRASE='{DEMO_PASSPHRASE}'")
    info(f"  surplace person find --name {example}   # exact look-up through the blind index")
    info("  surplace case list --urgent             # overdue alerts first")
    info("  surplace incident count --by type,year  # documented violations, counted once")
    info("  surplace incident histories --output acts.csv && surplace estimate acts.csv"
         f"   # the total is {len(generated.acts)}")
    info("  surplace audit log --limit 20           # who read and wrote what")
    info("  surplace audit verify                   # check the hash chain and its signature")
    info(f"  grep -c {example} {folder / SQLITE_FILE}   # 0: no name in plaintext on disk")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
