"""Commands on the store as a whole: ``init`` (backup and restore join here)."""

from __future__ import annotations

from typing import Annotated

import typer

from surplace.cli.common import (
    acting_user,
    argon2_parameters,
    emit_json,
    info,
    opened_store,
    read_passphrase,
    state,
)
from surplace.records import gazetteer
from surplace.vault import service as vault_service


def init(
    ctx: typer.Context,
    admin: Annotated[str | None, typer.Option(
        help="Account name of the first administrator [default: --user, or admin]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
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


def register(app: typer.Typer) -> None:
    app.command("init")(init)
