"""``surplace vault``: users' key slots, passphrase changes, rotation and emergency shredding."""

from __future__ import annotations

from typing import Annotated

import typer

from surplace.cli.common import (
    acting_user,
    argon2_parameters,
    emit_json,
    info,
    read_passphrase,
    state,
    unlocked_store,
)
from surplace.vault import service as vault_service

app = typer.Typer(help="Key slots, passphrases, key rotation, shredding.", no_args_is_help=True)


@app.command("add-user")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name of the new user.")],
    role: Annotated[str, typer.Option(help="admin, caseworker, researcher, analyst or viewer.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
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
    import os
    import sys

    from surplace.cli.common import UsageProblem

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
