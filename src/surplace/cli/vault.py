"""``surplace vault``: users' key slots, passphrase changes, rotation and emergency shredding."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from surplace.cli.common import (
    JsonOption,
    UsageProblem,
    acting_user,
    argon2_parameters,
    emit_json,
    info,
    opened_store,
    progress,
    read_passphrase,
    state,
    stdout,
    unlocked_store,
)
from surplace.vault import rotation
from surplace.vault import service as vault_service
from surplace.vault import shred as shredding

app = typer.Typer(help="Key slots, passphrases, key rotation, shredding.", no_args_is_help=True)


@app.command("add-user")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name of the new user.")],
    role: Annotated[str, typer.Option(help="admin, caseworker, researcher, analyst or viewer.")],
    as_json: JsonOption = False,
) -> None:
    """Create a user with a key slot of their own (asks for the new user's passphrase)."""
    settings = state(ctx).settings
    with unlocked_store(ctx) as unlocked:
        new_passphrase = _new_passphrase(f"Passphrase for {name}")
        user_id = vault_service.add_user(unlocked, name=name, role=role,
                                         passphrase=new_passphrase,
                                         params=argon2_parameters(settings))
    if as_json:
        emit_json({"user_id": user_id, "name": name, "role": role})
    else:
        info(f"User {name!r} ({role}) added with a key slot of their own.")


@app.command("passwd")
def passwd(ctx: typer.Context) -> None:
    """Change the acting user's passphrase: rewraps that user's slot only."""
    settings = state(ctx).settings
    old = read_passphrase(settings)
    with unlocked_store(ctx) as unlocked:
        new = _new_passphrase("New passphrase")
        vault_service.change_passphrase(unlocked, old_passphrase=old, new_passphrase=new,
                                        params=argon2_parameters(settings))
    info(f"Passphrase of {acting_user(settings)!r} changed.")


def _new_passphrase(prompt: str) -> str:
    env = os.environ.get("SURPLACE_NEW_PASSPHRASE")
    if env:
        value = env
    elif sys.stdin.isatty():
        value = str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))
    else:
        raise UsageProblem("No new passphrase: set SURPLACE_NEW_PASSPHRASE or run in a terminal.")
    if len(value) < 8:
        raise UsageProblem("The passphrase must have at least 8 characters.")
    return value


@app.command("rotate")
def rotate(
    ctx: typer.Context,
    batch_size: Annotated[int, typer.Option(
        min=1, help="Rows re-sealed per transaction; a crash loses at most one batch.")
    ] = rotation.BATCH_ROWS,
    as_json: JsonOption = False,
) -> None:
    """Make a new data-key generation and re-seal every value and evidence file under it.

    If an earlier rotation was interrupted, this continues it instead of starting another.
    """
    settings = state(ctx).settings
    with opened_store(ctx) as store:
        before = rotation.vault_status(store)
        passphrase = read_passphrase(settings)
        unlocked = vault_service.unlock(store, user_name=acting_user(settings),
                                        passphrase=passphrase)
        if before.rotating_from_version is not None:
            info(f"Continuing the interrupted rotation from key generation "
                 f"{before.rotating_from_version} to {before.current_key_version}.")
        with progress() as bar:
            task = bar.add_task("Re-sealing", total=None)

            def on_progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = rotation.rotate(unlocked, passphrase=passphrase, on_progress=on_progress,
                                     batch_size=batch_size)
    if as_json:
        emit_json({"from_generation": report.from_version, "to_generation": report.to_version,
                   "resumed": report.resumed, "values_resealed": report.values_resealed,
                   "files_reencrypted": report.files_reencrypted,
                   "slots_waiting": report.slots_waiting})
    else:
        info(report.describe())


SHRED_WORD = "SHRED"


@app.command("shred")
def shred(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Do not ask; needed when not run in a terminal.")] = False,
    as_json: JsonOption = False,
) -> None:
    """EMERGENCY: destroy every key slot, so that no one can ever read this store again.

    Asks for no passphrase. Cannot be undone: only a backup made before, with a passphrase
    valid then, can bring the data back.
    """
    if not yes:
        if not sys.stdin.isatty():
            raise UsageProblem("Shredding destroys the store's keys for ever: give --yes to "
                               "shred without a terminal to confirm in.")
        answer = typer.prompt(f"This destroys every key slot; the data becomes unreadable for "
                              f"ever. Type {SHRED_WORD} to go on", default="",
                              show_default=False, err=True)
        if str(answer).strip() != SHRED_WORD:
            info("Not shredded.")
            raise typer.Exit(1)
    with opened_store(ctx) as store:
        report = shredding.shred(store)
    if as_json:
        emit_json({"shredded": True, "slots_destroyed": report.slots_destroyed,
                   "generations_destroyed": report.generations_destroyed,
                   "already_shredded": report.already_shredded,
                   "wal_truncated": report.wal_truncated, "vacuumed": report.vacuumed,
                   "seconds": round(report.seconds, 3)})
    else:
        info(report.describe())


@app.command("status")
def status(
    ctx: typer.Context,
    as_json: JsonOption = False,
) -> None:
    """Key generations, rotation and shred state, and each user's key slot (no secrets).

    Needs no passphrase.
    """
    with opened_store(ctx) as store:
        found = rotation.vault_status(store)
    waiting = [s for s in found.slots if s.active and s.key_version < found.current_key_version]
    if as_json:
        data: dict[str, Any] = {
            "store_id": found.store_id, "current_generation": found.current_key_version,
            "generations": found.generations,
            "rotation_in_progress": found.rotating_from_version is not None,
            "rotating_from_generation": found.rotating_from_version,
            "shredded": found.shredded_at is not None, "shredded_at": found.shredded_at,
            "slots_waiting_for_rewrap": len(waiting),
            "slots": [{"slot_id": s.slot_id, "user_id": s.user_id, "user": s.user_name,
                       "role": s.role, "generation": s.key_version, "active": s.active,
                       "rewrapped_at": s.rewrapped_at} for s in found.slots],
        }
        emit_json(data)
        return
    if found.shredded_at is not None:
        info(f"Store {found.store_id} was SHREDDED at {found.shredded_at:%Y-%m-%d %H:%M:%S}: "
             "it has no key slots and its data cannot be read.")
        return
    rotating = ("no" if found.rotating_from_version is None else
                f"yes, from generation {found.rotating_from_version} (run 'surplace vault "
                "rotate' to finish it)")
    info(f"Store {found.store_id}: key generation {found.current_key_version}; "
         f"rotation in progress: {rotating}; {len(waiting)} slots wait for rewrap.")
    table = Table("user", "user id", "role", "slot", "generation", "active")
    for slot in found.slots:
        table.add_row(slot.user_name, slot.user_id, slot.role, slot.slot_id,
                      str(slot.key_version), "yes" if slot.active else "no")
    stdout.print(table)
