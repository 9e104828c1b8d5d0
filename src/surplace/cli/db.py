"""``surplace db``: schema migrations.

Alembic is imported inside the commands: it costs a quarter of a second that every other
command would otherwise pay at start-up.
"""

from __future__ import annotations

import typer

from surplace.cli.common import JsonOption, emit_json, info, opened_store

app = typer.Typer(help="Database schema: upgrade and status.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Bring the store's schema to the version this program expects."""
    from surplace.store.migrate import current_revision, upgrade

    with opened_store(ctx) as store:
        before = current_revision(store)
        upgrade(store)
        after = current_revision(store)
    info(f"Schema at {after} (was {before})." if before != after else f"Schema already at {after}.")


@app.command("status")
def status_command(
    ctx: typer.Context,
    as_json: JsonOption = False,
) -> None:
    """Show the schema version of the store and the one this program expects."""
    from surplace.store.migrate import current_revision, head_revision

    with opened_store(ctx) as store:
        result = {"current": current_revision(store), "expected": head_revision(store)}
    if as_json:
        emit_json(result)
    else:
        info(f"Schema {result['current']}; this program expects {result['expected']}.")
