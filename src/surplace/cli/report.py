"""``surplace report --out DIR``: the briefing as a self-contained HTML file and a PDF.

The report module is imported when the command runs: it brings Matplotlib and WeasyPrint,
which no other command should pay for at start-up.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, progress
from surplace.cli.common import unlocked_store as _unlocked


class Language(StrEnum):
    en = "en"
    ko = "ko"


def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the HTML and PDF into.")],
    period: Annotated[str | None, typer.Option(
        help="Years to cover, e.g. 2005-2020 or 2019 (default: every documented year).")
    ] = None,
    region: Annotated[str | None, typer.Option(
        help="Only this province (ISO 3166-2, e.g. CN-JL; the retired CN-22 is accepted).")
    ] = None,
    language: Annotated[Language, typer.Option(help="Edition: en or ko.")] = Language.en,
    threshold: Annotated[int, typer.Option(
        min=1, max=1000, help="Smallest count shown; smaller cells are suppressed.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Write the briefing (aggregates only; small cells suppressed) as HTML and PDF."""
    from surplace.reports import service
    from surplace.reports.schemas import ReportOptions, parse_period

    try:
        years = parse_period(period)
    except ValueError as error:
        raise UsageProblem(f"--period: {error}.") from None
    if out.exists() and not out.is_dir():
        raise UsageProblem(f"--out: {out} exists and is not a folder.")
    options = ReportOptions(period=years, region=region, language=language.value,
                            threshold=threshold)
    with _unlocked(ctx) as unlocked, unlocked.session() as session, progress() as bar:
        task = bar.add_task("Preparing the report", total=len(service.STAGES))
        done = {"steps": 0}

        def step(stage: str) -> None:
            if done["steps"]:
                bar.advance(task)
            done["steps"] += 1
            bar.update(task, description=stage)

        made = service.make_report(session, actor=unlocked.actor, options=options, out=out,
                                   step=step)
        bar.update(task, completed=len(service.STAGES), description="Report written")
    if as_json:
        emit_json(made.model_dump(mode="json"))
        return
    info(f"Wrote {made.html} and {made.pdf} ({made.pages} pages, {made.figures} figures, "
         f"{made.suppressed_cells} cells suppressed).")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
