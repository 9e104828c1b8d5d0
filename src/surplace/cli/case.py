"""``surplace case``: open, show, list, move through the workflow, record the work on a case."""

from __future__ import annotations

import typer

app = typer.Typer(help="Protection cases: open, show, list, transition, interview, alert, "
                  "assist, refer, timeline.", no_args_is_help=True)
