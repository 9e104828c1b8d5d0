"""``surplace demo``: build a fresh demo store from the synthetic scenario and show the results.

The whole pipeline (:func:`surplace.demo.pipeline.build_demo`) runs with a progress bar per
step: partners' files written, imported, linked, the hidden total estimated by period and
province, cases assessed, violations documented, recommendations loaded, the report written.
The summary then holds every estimate against the simulator's truth.

The demo is built in a sibling folder and put in place only when it is complete, so a failed
run leaves the previous demo store as it was. A folder that holds anything but a demo store
(a real store, or any other files) is never replaced.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from surplace.cli.common import (
    UsageProblem,
    argon2_parameters,
    emit_json,
    info,
    state,
    stderr,
    stdout,
)
from surplace.config import Settings
from surplace.demo import settings as pipeline_settings
from surplace.demo.settings import DEMO_PASSPHRASE

if TYPE_CHECKING:
    from surplace.demo.pipeline import DemoSummary

DEMO_MARKER = "DEMO-STORE"
_MARKER_TEXT = ("This folder was built by 'surplace demo' from synthetic data only (no real "
                "person) and may be replaced by it.\n")


def _check_folder(folder: Path) -> None:
    """Refuse to replace anything but a demo store (or an empty folder)."""
    if folder.exists() and not folder.is_dir():
        raise UsageProblem(f"{folder} is a file, not a folder; name a folder with --store.")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / DEMO_MARKER).exists():
        raise UsageProblem(
            f"{folder} holds a store or files that are not a demo store; refusing to replace "
            "it. Name another folder with --store.")


def _build(folder: Path, settings: Settings, *, size: int, seed: int, cases: int,
           acts: int) -> DemoSummary:
    """Build into a sibling folder, then swap it in."""
    from surplace.demo import pipeline  # the whole chain: seconds of imports, only when run

    building = folder.with_name(f".{folder.name}.building")
    if building.exists():
        if not (building / DEMO_MARKER).exists():
            raise UsageProblem(f"{building} exists and is not a demo being built; move it "
                               "away or name another folder with --store.")
        shutil.rmtree(building)  # a previous run killed half-way
    building.mkdir(parents=True)
    (building / DEMO_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    try:
        with Progress(*columns, console=stderr, transient=False) as bar:
            task = bar.add_task("Starting", total=len(pipeline_settings.STEPS))

            started = [time.perf_counter()]

            def on_step(index: int, title: str) -> None:
                now = time.perf_counter()
                if index > 0:  # a line per finished step: kept in logs and non-terminals
                    bar.console.print(f"  done: {pipeline_settings.STEPS[index - 1]} "
                                      f"({now - started[0]:.1f} s)", highlight=False)
                started[0] = now
                bar.update(task, completed=index, description=title)

            summary = pipeline.build_demo(
                building, size=size, seed=seed, cases=cases, acts=acts, on_step=on_step,
                settings=Settings(store=str(building), blob_dir=settings.blob_dir,
                                  passphrase=None),
                params=argon2_parameters(settings))
            bar.console.print(f"  done: {pipeline_settings.STEPS[-1]} "
                              f"({time.perf_counter() - started[0]:.1f} s)", highlight=False)
            bar.update(task, completed=len(pipeline_settings.STEPS), description="Demo ready")
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if folder.exists():
        shutil.rmtree(folder)
    building.rename(folder)
    summary.folder = str(folder)
    summary.store = str(folder)
    return summary


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _estimates_table(summary: DemoSummary, subject: str, by: str, title: str) -> None:
    table = Table(title=title)
    for name in ("stratum", "method", "seen", "estimate (95%)", "truth", "covered"):
        table.add_column(name, justify="right" if name in ("seen", "truth") else "left")
    for row in summary.comparisons(subject=subject, by=by):
        stratum = row.stratum.replace("period=", "").replace(", province=", " ")
        table.add_row(stratum.replace("year=", ""), row.method, f"{row.observed:,}",
                      f"{_number(row.estimate)} ({_number(row.lower)}–{_number(row.upper)})",
                      f"{row.truth:,}", "yes" if row.covered else "NO")
    stdout.print(table)


def _print(summary: DemoSummary) -> None:
    folder = Path(summary.folder)
    files = Table(title="Partners' files imported (synthetic organisations)")
    for name in ("source", "file", "format", "rows", "imported", "rejected", "skipped"):
        files.add_column(name, justify="right" if name in ("rows", "imported", "rejected",
                                                            "skipped") else "left")
    for line in summary.imports:
        files.add_row(line.source, line.file, line.format, f"{line.rows:,}",
                      f"{line.imported:,}", f"{line.rejected:,}", f"{line.skipped:,}")
    files.add_row("all", "", "", f"{sum(i.rows for i in summary.imports):,}",
                  f"{summary.imported:,}", f"{summary.rejected:,}", "")
    stdout.print(files)
    reasons: dict[str, int] = {}
    for line in summary.imports:
        for reason, count in line.reasons.items():
            reasons[f"{line.source} {reason}"] = count
    if reasons:
        stdout.print("Rejected rows, by reason (each row is in its file's .rejects.csv in "
                     "partner-files/, which holds the partner's own values):")
        for reason, count in reasons.items():
            stdout.print(f"  {count:>4}  {reason}")
    quality = summary.linkage
    stdout.print(
        f"Linkage: {summary.link.get('records', 0):,} records → "
        f"{summary.link.get('persons', 0):,} persons ({quality.get('true_persons', 0):,} "
        f"in truth); pairwise precision {quality.get('precision', 0):.3f}, recall "
        f"{quality.get('recall', 0):.3f}, F1 {quality.get('f1', 0):.3f} against the truth; "
        f"{summary.link.get('queued', 0):,} uncertain pairs wait for review.")
    _estimates_table(summary, "persons", "period", "People in hiding by period and province, "
                     "estimated against the simulator's truth (95% intervals)")
    _estimates_table(summary, "acts", "year", "Violations by year, estimated against the "
                     "truth (95% intervals)")
    for row in summary.estimates:
        if row.subject == "acts" and row.stratum == "all":
            stdout.print(f"Violations over every year, {row.method}: {_number(row.estimate)} "
                         f"({_number(row.lower)}–{_number(row.upper)}) from "
                         f"{row.observed:,} documented; true total {row.truth:,} "
                         f"({'covered' if row.covered else 'NOT covered'}).")
    for method in ("lcmcr", "loglinear"):
        covered, compared = summary.coverage(method)
        if compared:
            stdout.print(f"People in hiding, {method}: the interval covers the true total in "
                         f"{covered} of {compared} strata.")
    for miss in summary.misses:
        stdout.print(f"  missed: {miss}")
    stdout.print(
        f"Cases: {summary.cases.get('opened', 0)} opened, {summary.cases.get('assessed', 0)} "
        f"assessed. Violations: {summary.violations.get('acts', 0)} synthetic acts, "
        f"{summary.violations.get('documented', 0)} documented by "
        f"{summary.violations.get('claims', 0)} claims. Recommendations: "
        f"{len(summary.recommendations.get('added', []))} loaded, "
        f"{summary.recommendations.get('evidence', 0)} evidence links. Audit chain: "
        f"{summary.audit.get('entries', 0):,} entries, "
        f"{'intact' if summary.audit.get('intact') else 'BROKEN'}.")
    for report in summary.reports:
        stdout.print(f"Report: {folder / report}")
    for export in summary.exports:
        stdout.print(f"Export: {folder / export}")
    users = ", ".join(f"{user['name']} ({user['role']})" for user in summary.users)
    stdout.print(f"Users: {users}. Each has the passphrase and web password "
                 f"'{DEMO_PASSPHRASE}' (synthetic demo only: printed on purpose).")
    stdout.print("To start the web application (then open http://127.0.0.1:8000 and sign in "
                 "as any of the users above), after '. .venv/bin/activate':")
    stdout.print(f"  export SURPLACE_STORE={folder} SURPLACE_PASSPHRASE='{DEMO_PASSPHRASE}'")
    stdout.print("  surplace serve")
    total = sum(summary.seconds.values())
    stdout.print(f"Built in {total:.0f} s (partner files and mappings in "
                 f"{folder / 'partner-files'}).")


def demo(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(
        min=50, max=200_000,
        help="Size of the hidden population the organisations document.")
    ] = pipeline_settings.DEFAULT_SIZE,
    cases: Annotated[int, typer.Option(
        min=0, max=10_000, help="Protection cases opened for linked persons.")
    ] = pipeline_settings.DEFAULT_CASES,
    acts: Annotated[int, typer.Option(
        min=0, max=100_000, help="Synthetic violations, of which the sources document some.")
    ] = pipeline_settings.DEFAULT_ACTS,
    seed: Annotated[int, typer.Option(help="Seed of the scenario.")] = 1998,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Build a fresh demo store (synthetic people only) at --store, from partners' files to
    the report, and compare every estimate with the simulator's truth."""
    settings = state(ctx).settings
    if settings.is_postgres:
        raise UsageProblem("The demo builds an embedded store: give --store a folder.")
    folder = Path(settings.store).absolute()
    _check_folder(folder)
    summary = _build(folder, settings, size=persons, seed=seed, cases=cases, acts=acts)
    if as_json:
        emit_json(summary.as_dict())
        return
    _print(summary)
    info(f"Demo store ready at {folder}.")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
