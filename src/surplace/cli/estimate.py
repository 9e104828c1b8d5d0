"""``surplace estimate FILE.csv``: how many people no list saw (multiple systems estimation).

Reads capture histories (one 0/1 column per list and a count column, or one row per person),
runs the chosen methods through :func:`surplace.estimation.service.estimate`, and prints a
table with the diagnostics in words, or JSON with ``--json``. Progress bars go to standard
error; ``--plot DIR`` writes the figures. A file needs no store: it holds counts, not people.

``--from-store persons`` counts instead the persons linkage has made, by the sources holding
their records (:func:`surplace.linkage.histories.person_capture_histories`); that opens the
store, and needs a user allowed to read aggregates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from surplace.cli.common import (
    UsageProblem,
    emit_json,
    info,
    path_option_exists,
    progress,
    stdout,
    unlocked_store,
)
from surplace.errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

    from surplace.estimation.histories import CaptureHistories, Strata
    from surplace.estimation.schemas import EstimationReport


class Method(StrEnum):
    lincoln = "lincoln"
    loglinear = "loglinear"
    dga = "dga"
    lcmcr = "lcmcr"
    all = "all"


class Subject(StrEnum):
    persons = "persons"


class Criterion(StrEnum):
    aic = "aic"
    aicc = "aicc"
    bic = "bic"


def _names(text: str | None, what: str) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise UsageProblem(f"{what} is empty: give names separated by commas.")
    return names


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.0f}"


def _table(report: EstimationReport) -> None:
    stratified = any(r.stratum for r in report.results)
    for data in report.data:
        where = f" — {data.label}" if data.label else ""
        totals = ", ".join(f"{name} {count:,}" for name, count in data.list_totals.items())
        stdout.print(f"[bold]{data.observed:,} people seen{where}[/bold] on {len(data.lists)} "
                     f"lists ({totals})", highlight=False)
    table = Table(title="Estimated total population N")
    if stratified:
        table.add_column("stratum")
    table.add_column("method")
    table.add_column("estimate", justify="right")
    table.add_column("95% interval", justify="right", no_wrap=True)
    table.add_column("unseen", justify="right")
    for result in report.results:
        row = [result.label, _number(result.estimate),
               f"{_number(result.lower)} – {_number(result.upper)}", _number(result.unobserved)]
        table.add_row(*([result.stratum] if stratified else []), *row)
    stdout.print(table)
    models = {r.details["model"] for r in report.results if r.method == "loglinear"}
    for model in sorted(models):
        stdout.print(f"Log-linear model chosen: {model}", highlight=False)
    kinds: dict[str, list[str]] = {}
    for result in report.results:
        kinds.setdefault(result.interval, [])
        if result.label not in kinds[result.interval]:
            kinds[result.interval].append(result.label)
    for kind, labels in kinds.items():
        stdout.print(f"{kind}: {', '.join(labels)}.", highlight=False)
    remarks = [*report.diagnostics, *(d for r in report.results for d in r.diagnostics)]
    for remark in dict.fromkeys(f"{d.severity}: {d.message}" for d in remarks):
        stdout.print(("[yellow]" if remark.startswith("warning") else "") + remark,
                     highlight=False, markup=remark.startswith("warning"))
    stdout.print(f"Seed {report.seed} (give --seed {report.seed} to reproduce this run).",
                 highlight=False)


def _from_store(ctx: typer.Context, subject: Subject, sources: list[str] | None,
                strata: list[str]) -> pd.DataFrame:
    from surplace.linkage.histories import person_capture_histories

    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        frame = person_capture_histories(session, actor=unlocked.actor, sources=sources,
                                         strata=strata)
    if frame.empty:
        raise InvalidInput(f"The store holds no linked {subject.value} on those sources: link "
                           "records first, or name other --sources.")
    return frame


def _check_usage(file: Path | None, from_store: Subject | None, sources: str | None,
                 lists: str | None, count_column: str | None) -> None:
    if file is not None and from_store is not None:
        raise UsageProblem("Give a FILE or --from-store, not both.")
    if file is None and from_store is None:
        raise UsageProblem("Give a FILE of capture histories, or --from-store persons to count "
                           "the linked persons in the store.")
    if from_store is None and sources is not None:
        raise UsageProblem("--sources goes with --from-store; for a FILE, choose lists with "
                           "--lists.")
    if from_store is not None and (lists is not None or count_column is not None):
        raise UsageProblem("--lists and --count-column are for a FILE; with --from-store, "
                           "choose lists with --sources.")
    if file is not None:
        path_option_exists(file, "File")


def estimate(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(
        help="CSV file of capture histories (or give --from-store).")] = None,
    from_store: Annotated[Subject | None, typer.Option(
        "--from-store", help="Count from the store instead of a file: 'persons', the linked "
        "persons by the sources holding their records.")] = None,
    sources: Annotated[str | None, typer.Option(
        help="With --from-store: source codes to use as lists, comma-separated (default: "
             "every source holding a linked record).")] = None,
    lists: Annotated[str | None, typer.Option(
        help="List columns, comma-separated (default: every column but count and strata).")
    ] = None,
    count_column: Annotated[str | None, typer.Option(
        help="Column with the number of people per row (default: 'count' or 'Freq' if "
             "present, else one row per person).")] = None,
    method: Annotated[Method, typer.Option(help="Which method to run.")] = Method.all,
    strata: Annotated[str | None, typer.Option(
        help="Stratum columns, comma-separated: one estimate each and their total (with "
             "--from-store: year, province, sex).")] = None,
    structural_zero: Annotated[list[str] | None, typer.Option(
        help="A pattern that cannot occur, as lists joined by '+', e.g. A+C (repeatable).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the sampler (reproducible).")
                    ] = None,
    max_order: Annotated[int, typer.Option(min=1, max=5, help="Log-linear: highest "
                                           "interaction order.")] = 2,
    criterion: Annotated[Criterion, typer.Option(help="Log-linear model choice.")
                         ] = Criterion.bic,
    max_missing: Annotated[int | None, typer.Option(
        min=1, help="dga: largest unseen count on the grid (default: widened as needed).")
    ] = None,
    classes: Annotated[int, typer.Option(min=1, max=100, help="LCMCR: latent classes K.")] = 10,
    chains: Annotated[int, typer.Option(min=1, max=64, help="LCMCR: chains.")] = 4,
    burnin: Annotated[int, typer.Option(min=0, help="LCMCR: burn-in sweeps.")] = 10_000,
    samples: Annotated[int, typer.Option(min=4, help="LCMCR: draws kept per chain.")] = 1_000,
    thinning: Annotated[int, typer.Option(min=1, help="LCMCR: sweeps per kept draw.")] = 100,
    sweeps_scale: Annotated[int, typer.Option(
        min=1, max=1000, help="LCMCR: multiply the burn-in and the thinning by this: chains "
        "that many times longer, the same draws kept. Try 10 when the chains disagree.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Folder to write figures to (PNG).")] = None,
) -> None:
    """Estimate the total population, seen and unseen, from overlapping lists."""
    _check_usage(file, from_store, sources, lists, count_column)
    # Imported here: NumPy, SciPy, statsmodels, Numba and Matplotlib take seconds to load,
    # and no other command should pay for them.
    from surplace.estimation import histories as histories_module
    from surplace.estimation import plots
    from surplace.estimation import service as estimation_service
    from surplace.estimation.histories import Strata
    from surplace.estimation.lcmcr import Settings as LcmcrSettings

    stratum_names = _names(strata, "--strata") or []
    if from_store is not None:
        frame = _from_store(ctx, from_store, _names(sources, "--sources"), stratum_names)
        origin = f"store: {from_store.value}"
    else:
        assert file is not None  # _check_usage
        frame = histories_module.read_csv(file)
        origin = str(file)
    zeros = [part.split("+") for part in (structural_zero or [])]
    list_names = _names(lists, "--lists")
    data: CaptureHistories | Strata
    if strata:
        data = histories_module.strata_from_frame(
            frame, strata=stratum_names, lists=list_names,
            count_column=count_column, structural_zeros=zeros)
    else:
        data = histories_module.histories_from_frame(
            frame, lists=list_names, count_column=count_column, structural_zeros=zeros)
    options = estimation_service.Options(
        max_order=max_order, criterion=criterion.value, max_missing=max_missing,
        lcmcr=LcmcrSettings(classes=classes, chains=chains, burnin=burnin, samples=samples,
                            thinning=thinning).scaled(sweeps_scale))
    with progress() as bar:
        report = estimation_service.estimate(
            data, method=method.value, seed=seed, options=options,
            progress=_progress_factory(bar), source=origin)
    if plot is not None:
        groups = list(data.groups) if isinstance(data, Strata) else [data]
        written = plots.write_figures(report, groups, plot)
        info(f"Wrote {len(written)} figures to {plot}: "
             + ", ".join(p.name for p in written))
    if as_json:
        emit_json(json.loads(report.model_dump_json()))
        return
    _table(report)


def _progress_factory(bar: Progress) -> Callable[[str, int], Callable[[int], None]]:
    def start(description: str, total: int) -> Callable[[int], None]:
        task = bar.add_task(description, total=total)
        return lambda steps: bar.advance(task, steps)

    return start
