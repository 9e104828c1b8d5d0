"""The root command. Domain sub-apps are attached here; errors become one line and an exit code.

Exit codes: 0 success, 1 a user error (one clear line on standard error), 2 wrong usage. No
traceback reaches a user unless ``--debug`` is given, and even then without local variables.
"""

from __future__ import annotations

import sys
import traceback
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from surplace.cli import advocacy as advocacy_cli
from surplace.cli import assess as assess_cli
from surplace.cli import audit as audit_cli
from surplace.cli import case as case_cli
from surplace.cli import db as db_cli
from surplace.cli import demo as demo_cli
from surplace.cli import estimate as estimate_cli
from surplace.cli import evidence as evidence_cli
from surplace.cli import export as export_cli
from surplace.cli import import_ as import_cli
from surplace.cli import incident as incident_cli
from surplace.cli import link as link_cli
from surplace.cli import person as person_cli
from surplace.cli import report as report_cli
from surplace.cli import source as source_cli
from surplace.cli import store as store_cli
from surplace.cli import user as user_cli
from surplace.cli import vault as vault_cli
from surplace.cli import web as web_cli
from surplace.cli.common import CliState, UsageProblem, stderr
from surplace.config import Settings
from surplace.errors import SurplaceError

app = typer.Typer(
    name="surplace",
    help="Protection records that cannot betray anyone: vault, cases, evidence, estimates.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(vault_cli.app, name="vault")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(person_cli.app, name="person")
app.add_typer(source_cli.app, name="source")
app.add_typer(db_cli.app, name="db")
app.add_typer(evidence_cli.app, name="evidence")
app.add_typer(case_cli.app, name="case")
app.add_typer(incident_cli.app, name="incident")
store_cli.register(app)
demo_cli.register(app)
app.command("estimate")(estimate_cli.estimate)
app.command("assess")(assess_cli.assess)
app.command("assess-review")(assess_cli.review)
app.add_typer(link_cli.app, name="link")
app.add_typer(user_cli.app, name="user")
app.command("serve")(web_cli.serve)
app.add_typer(import_cli.app, name="import")
app.add_typer(export_cli.app, name="export")
app.add_typer(advocacy_cli.app, name="recommendation")
report_cli.register(app)


@app.callback()
def root(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Option(
        "--store", help="Store folder or postgresql:// URL [env: SURPLACE_STORE]")] = None,
    blob_dir: Annotated[Path | None, typer.Option(
        "--blob-dir", help="Evidence file folder (PostgreSQL stores) [env: SURPLACE_BLOB_DIR]")
    ] = None,
    key_file: Annotated[Path | None, typer.Option(
        "--key-file", help="File holding the passphrase [env: SURPLACE_KEY_FILE]")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", help="Acting user's account name [env: SURPLACE_USER; default admin]")] = None,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show tracebacks of internal errors (never local variables).")] = False,
) -> None:
    overrides: dict[str, Any] = {key: value for key, value in {
        "store": store, "blob_dir": blob_dir, "key_file": key_file, "user": user,
    }.items() if value is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise UsageProblem(_validation_message(error)) from None
    ctx.obj = CliState(settings=settings, debug=debug)


def _validation_message(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "input"
        parts.append(f"{where}: {item['msg']}")
    return "Invalid input — " + "; ".join(parts)


def run() -> None:
    """Console-script entry point. Typer handles usage errors (exit 2) and ``Exit``; what it
    lets through is ours to turn into one line."""
    debug = "--debug" in sys.argv
    try:
        app()
    except UsageProblem as error:
        stderr.print(f"Error: {error}", highlight=False, markup=False)
        sys.exit(2)
    except SurplaceError as error:
        stderr.print(f"Error: {error}", highlight=False, markup=False)
        sys.exit(1)
    except ValidationError as error:
        stderr.print(f"Error: {_validation_message(error)}", highlight=False, markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        stderr.print("Interrupted; the store is as it was before the current transaction.")
        sys.exit(130)
    except Exception:  # noqa: BLE001 - the last line of defence: report by reference only
        reference = uuid.uuid4().hex[:12]
        if debug:
            traceback.print_exc(file=sys.stderr)
        stderr.print(
            f"Internal error (reference {reference}). Nothing was changed by the failed step. "
            "Run again with --debug to see where it happened.", highlight=False, markup=False)
        sys.exit(1)
