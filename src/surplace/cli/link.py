"""``surplace link``: which records are the same person, in files or in the store.

``surplace link FILE.csv …`` links lists held in files (below); ``surplace link store`` links the
store's records into persons, ``surplace link review`` walks the review queue, ``surplace link
undo PAIR_ID`` reverts a decision and ``surplace link history PERSON`` shows a cluster's past.

One group holds both shapes: :class:`LinkGroup` reads the first argument, and when it is not
the name of a sub-command (``store``, ``review``, ``undo``, ``history``, ``files``) the whole
command line goes to ``files``, so ``surplace link a.csv --out x.csv`` is ``surplace link files
a.csv --out x.csv``. A file that happens to be called ``review`` is written ``./review``.

The files command:

Reads CSV files (UTF-8), maps their columns to roles with ``--column ROLE=COLUMN``, links the
records with :func:`surplace.linkage.run.link_frames` and writes one row per record
(``record_id,cluster_id,match_probability_to_cluster``). Needs no store and no passphrase: the
files are the input and the clusters file the output, and nothing else is written. Errors
name the file, the row (the header is row 1) and the column, never a value: the value may be
a name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from surplace.cli.common import (
    JsonOption,
    UsageProblem,
    emit_json,
    group_with_default,
    info,
    progress,
    stdout,
    unlocked_store,
)

FILES = "files"



app = typer.Typer(cls=group_with_default(FILES), no_args_is_help=True, help=(
    "Link records into persons: CSV files (surplace link FILE.csv … --out clusters.csv), or "
    "the store (store, review, undo, history)."))

@app.command(FILES)
def link(
    files: Annotated[list[Path], typer.Argument(help="CSV files (UTF-8), one list each.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the clusters (CSV).")],
    column: Annotated[list[str] | None, typer.Option(
        "--column", help="ROLE=COLUMN; roles: id, source, name, family_name, given_name, "
        "sex, birth, origin. Any may be absent; source defaults to the file name.")] = None,
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.01, max=0.999,
        help="Match probability at or above which two records are one person.")] = 0.9,
    backend: Annotated[str, typer.Option(
        "--backend", help="Splink's database: duckdb (in memory, the default) or spark (needs "
        "PySpark and Java; local unless Spark's configuration names a cluster).")] = "duckdb",
    json_output: JsonOption = False,
) -> None:
    """Link the records of CSV lists into persons (Hangul, Chinese characters, romanisations)."""
    from surplace.cli import link_files

    if backend not in ("duckdb", "spark"):
        raise UsageProblem(f"--backend {backend!r}: use duckdb or spark.")
    link_files.run(files, out, column, threshold, json_output, backend=backend)


@app.command("store")
def store(
    ctx: typer.Context,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Link only the records of this source code (repeatable).")] = None,
    lower: Annotated[float, typer.Option(
        "--lower", min=0.01, max=0.999, help="Pairs from here to --upper go to review.")] = 0.5,
    upper: Annotated[float, typer.Option(
        "--upper", min=0.01, max=0.999, help="Pairs at or above this link at once.")] = 0.95,
    json_output: JsonOption = False,
) -> None:
    """Link the store's records no person holds yet into persons (new or existing)."""
    from surplace.linkage.store import link_records

    if lower >= upper:
        raise UsageProblem(f"--lower {lower:g} must be below --upper {upper:g}.")
    with unlocked_store(ctx) as unlocked, progress() as bar:
        task = bar.add_task("Linking", total=None)
        with unlocked.session() as session:
            out = link_records(session, actor=unlocked.actor, source_codes=source, lower=lower,
                               upper=upper, progress=lambda stage: bar.update(
                                   task, description=stage.capitalize()))
    if json_output:
        emit_json(out.as_dict())
        return
    stdout.print(f"[bold]Run {out.run_id}[/bold] ({out.mode}): {out.records:,} new records, "
                 f"{out.new_persons:,} new persons, {out.persons:,} persons in all; "
                 f"{out.queued:,} pairs queued for review.", highlight=False)
    table = Table(title="Outcome")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, count in [("linked automatically", out.linked_auto),
                         ("linked by a decision", out.linked_by_decision),
                         ("kept apart by a decision", out.kept_apart),
                         ("compared with existing records", out.compared_with),
                         ("left unlinked (no name)", out.unnamed),
                         *((f"pairs {band}", n) for band, n in out.pairs_by_band.items())]:
        table.add_row(label, f"{count:,}")
    stdout.print(table)


def _show(view: Any) -> None:
    """One pair side by side: what each record says, and how the model compared them."""
    table = Table(title=f"Pair {view.pair_id} · match probability {view.probability:.3f}"
                  f"{' · skipped before' if view.status == 'skipped' else ''}")
    table.add_column("")
    table.add_column("A")
    table.add_column("B")
    rows = [("source", view.a.source, view.b.source),
            ("row", view.a.source_row or "", view.b.source_row or ""),
            ("person", view.a.pseudonym or "", view.b.pseudonym or "")]
    for key in ("name", "family_name", "given_name", "sex", "birth", "origin"):
        rows.append((key.replace("_", " "), str(view.a.values.get(key) or ""),
                     str(view.b.values.get(key) or "")))
    for label, left, right in rows:
        table.add_row(label, left, right)
    stdout.print(table, highlight=False)
    if view.levels:
        stdout.print("  ".join(f"[bold]{k}[/bold]: {v}" for k, v in view.levels.items()),
                     highlight=False)


_ANSWERS = {"a": "accept", "r": "reject", "s": "skip", "q": "quit"}


@app.command("review")
def review(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Stop after this many pairs.")
                     ] = 1000,
    note: Annotated[str | None, typer.Option(
        "--note", help="A note kept (sealed) with every decision of this sitting.")] = None,
) -> None:
    """Review uncertain pairs one by one: accept (one person), reject (two), skip, or quit.
    Each answer is stored at once, so quitting keeps every decision made."""
    from surplace.linkage.review import decide, next_pairs

    seen: set[str] = set()
    counts = dict.fromkeys(("accept", "reject", "skip"), 0)
    with unlocked_store(ctx) as unlocked:
        while len(seen) < limit:
            with unlocked.session() as session:
                views = [v for v in next_pairs(session, actor=unlocked.actor,
                                               limit=len(seen) + 1, levels=False)
                         if v.pair_id not in seen][:1]
                if views:
                    from surplace.linkage.review import comparison_levels

                    run_model = _model_of(session, views[0].run_id)
                    if run_model:
                        views[0].levels = comparison_levels(run_model, views[0].a, views[0].b)
            if not views:
                info("The review queue is empty.")
                break
            view = views[0]
            _show(view)
            try:
                answer = str(typer.prompt("[a]ccept, [r]eject, [s]kip, [q]uit", err=True))
            except typer.Abort:  # end of input
                answer = "q"
            decision = _ANSWERS.get(answer.strip().lower()[:1], "")
            if decision == "quit":
                break
            if not decision:
                info("Answer a, r, s or q.")
                continue
            with unlocked.session() as session:
                out = decide(session, actor=unlocked.actor, pair_id=view.pair_id,
                             decision=decision, note=note)
            seen.add(view.pair_id)
            counts[decision] += 1
            if out.moved:
                info(f"Merged: {len(out.moved)} records moved to person {out.person_id}.")
    info(f"{counts['accept']} accepted, {counts['reject']} rejected, {counts['skip']} skipped.")


def _model_of(session: Any, run_id: str) -> dict[str, Any] | None:
    from surplace.linkage.models import LinkRun

    run = session.get(LinkRun, run_id)
    model = (run.parameters or {}).get("model") if run is not None else None
    return model if isinstance(model, dict) else None


@app.command("undo")
def undo(
    ctx: typer.Context,
    pair_id: Annotated[str, typer.Argument(help="The pair whose last decision to revert.")],
    json_output: JsonOption = False,
) -> None:
    """Revert the last decision on a pair; an accepted merge gets its previous links back."""
    from surplace.linkage import review as review_service

    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        out = review_service.undo(session, actor=unlocked.actor, pair_id=pair_id)
    if json_output:
        emit_json({"pair_id": out.pair_id, "status": out.status, "moved": out.moved})
    else:
        stdout.print(f"Pair {out.pair_id} is {out.status} again; {len(out.moved)} records "
                     "returned to their previous persons.", highlight=False)


@app.command("history")
def history(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person id or pseudonym.")],
    json_output: JsonOption = False,
) -> None:
    """Every record a person ever held: how it joined (run, decision, merge, undo) and when."""
    from surplace.linkage.review import cluster_history

    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        entries = cluster_history(session, actor=unlocked.actor, person=person)
    if json_output:
        emit_json([vars(entry) for entry in entries])
        return
    table = Table(title=f"History of person {person}")
    for column in ("record", "source", "how", "run", "probability", "linked", "unlinked"):
        table.add_column(column)
    for e in entries:
        table.add_row(e.record_id, e.source, e.how, e.run_id or "",
                      "" if e.probability is None else f"{e.probability:.3f}",
                      f"{e.linked_at:%Y-%m-%d %H:%M:%S}",
                      "" if e.unlinked_at is None else f"{e.unlinked_at:%Y-%m-%d %H:%M:%S}")
    stdout.print(table, highlight=False)
