"""``surplace incident``: document violations, link sources' claims, count what is documented."""

from __future__ import annotations

import typer

app = typer.Typer(help="Incidents and acts: add, show, list, link claims, count.",
                  no_args_is_help=True)
