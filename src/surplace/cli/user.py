"""``surplace user``: web accounts — set a password, add an account, make an API token.

These act on the web sign-in (passwords, tokens), not on key slots: a web account signs in to a
server that the operator unlocked. ``surplace vault add-user`` makes a key slot for someone who
runs commands against the store themselves.

A new password is asked twice at a terminal; for automation it is read from the first line of
standard input (never from an argument, which would land in the shell's history).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from argon2 import PasswordHasher

from surplace.access import auth, users
from surplace.cli.common import (
    JsonOption,
    UsageProblem,
    emit_json,
    info,
    state,
    unlocked_store,
)
from surplace.config import Settings

app = typer.Typer(help="Web accounts: passwords, new accounts, API tokens.",
                  no_args_is_help=True)


def hasher_for(settings: Settings) -> PasswordHasher:
    return auth.make_hasher(time_cost=settings.argon2_time_cost,
                            memory_kib=settings.argon2_memory_kib,
                            parallelism=settings.argon2_parallelism)


def new_password(prompt: str) -> str:
    """Twice at a terminal, else the first line of standard input; checked against the
    policy before the store is touched."""
    if sys.stdin.isatty():
        value = str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))
    else:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise UsageProblem("No password on standard input (give it on the first line).")
    auth.check_password_policy(value)
    return value


@app.command("passwd")
def passwd(ctx: typer.Context,
           name: Annotated[str, typer.Argument(help="The account's name.")]) -> None:
    """Set an account's web password (its sessions end)."""
    settings = state(ctx).settings
    with unlocked_store(ctx) as unlocked:
        password = new_password(f"New web password for {name}")
        with unlocked.session() as session:
            user = users.find_user(session, actor=unlocked.actor, name=name)
            auth.set_password(session, actor=unlocked.actor, user_id=user.id,
                              password=password, hasher=hasher_for(settings))
    info(f"Web password of {name!r} set; its sessions were signed out.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name of the new web user.")],
    role: Annotated[str, typer.Option(help="admin, caseworker, researcher, analyst or viewer.")],
    locale: Annotated[str, typer.Option(help="Interface language: en, ko or zh.")] = "en",
    as_json: JsonOption = False,
) -> None:
    """Add a web account with a role (asks for its password)."""
    settings = state(ctx).settings
    with unlocked_store(ctx) as unlocked:
        password = new_password(f"Web password for {name}")
        with unlocked.session() as session:
            user_id = users.create_user(session, actor=unlocked.actor, name=name, role=role,
                                        password=password, hasher=hasher_for(settings),
                                        locale=locale)
    if as_json:
        emit_json({"user_id": user_id, "name": name, "role": role})
    else:
        info(f"Web account {name!r} ({role}) added.")


@app.command("token")
def token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The account the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for (shown in lists).")],
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Make an API token; it is printed once, on standard output."""
    with unlocked_store(ctx) as unlocked:
        with unlocked.session() as session:
            user = users.find_user(session, actor=unlocked.actor, name=name)
            secret, made = auth.create_token(session, actor=unlocked.actor, label=label,
                                             days=days, user_id=user.id)
    if as_json:
        emit_json({"token": secret, "id": made.id, "label": made.label,
                   "expires_at": made.expires_at})
    else:
        sys.stdout.write(secret + "\n")
        info(f"API token {made.id} for {name!r} made; it is shown this once.")
