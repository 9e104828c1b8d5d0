"""The one front every face calls: ``estimate(histories, method=...)``.

It runs the chosen methods (or all that apply), stratum by stratum when the histories are
stratified, sums strata correctly (:mod:`.stratified`), and attaches the diagnostics a
statistician would give (:mod:`.diagnostics`). A method that cannot apply to the data is
skipped under ``method="all"`` with a note saying why, and raises
:class:`~surplace.estimation.exceptions.MethodNotApplicable` when it was asked for by name.

A seed makes the whole run reproducible; without one a seed is drawn and reported, so any
published figure can be re-derived.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

from surplace.estimation import closedpop, diagnostics, lcmcr, loglinear, stratified, twolist
from surplace.estimation import dga as dga_method
from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories, Strata
from surplace.estimation.schemas import DataSummary, Diagnostic, EstimationReport, MethodResult

METHODS = ("lincoln", "loglinear", "dga", "lcmcr")
#: ``progress(description, total)`` returns ``advance(steps)``; faces draw a bar with it.
Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class Options:
    """Settings of every method, with the defaults the README reference runs use."""

    max_order: int = 2
    criterion: str = "bic"
    max_models: int = 1024
    max_missing: int | None = None
    lcmcr: lcmcr.Settings = lcmcr.Settings()


def summarise(histories: CaptureHistories) -> DataSummary:
    both = histories.overlaps()
    names = histories.lists
    return DataSummary(
        label=histories.label, lists=list(names), observed=histories.n,
        list_totals=histories.list_totals(),
        overlaps={f"{names[a]}&{names[b]}": int(both[a, b])
                  for a, b in combinations(range(len(names)), 2)},
        times_seen=[int(v) for v in histories.times_seen()[1:]],
        patterns={histories.describe_pattern(int(m)): int(c)
                  for m, c in zip(histories.masks, histories.counts, strict=True)},
        structural_zeros=[histories.describe_pattern(z) for z in histories.structural_zeros])


def _lincoln(histories: CaptureHistories, explicit: bool) -> list[MethodResult]:
    if histories.n_lists == 2:
        out = [twolist.chapman(histories)]
        try:
            out.insert(0, twolist.lincoln_petersen(histories))
        except MethodNotApplicable:
            pass
        return out + [twolist.chao_lower_bound(histories)]
    out = twolist.pairwise(histories) if explicit else []
    return out + [twolist.chao_lower_bound(histories)]


def _run(histories: CaptureHistories, method: str, options: Options, seed: list[int],
         progress: Progress | None, explicit: bool) -> list[MethodResult]:
    where = f" ({histories.label})" if histories.label else ""
    if method == "lincoln":
        return _lincoln(histories, explicit)
    if method == "loglinear":
        on_fit = None
        if progress is not None:
            count = loglinear.count_hierarchical(histories.n_lists, options.max_order,
                                                 options.max_models)
            step = progress(f"Log-linear models{where}", min(count, options.max_models))
            on_fit = lambda: step(1)  # noqa: E731 - a one-line callback
        best = loglinear.loglinear(histories, max_order=options.max_order,
                                   criterion=options.criterion, max_models=options.max_models,
                                   on_fit=on_fit)
        return [best, *closedpop.closed_population(histories)]
    if method == "dga":
        return [dga_method.dga(histories, max_missing=options.max_missing)]
    settings = options.lcmcr
    advance = None
    if progress is not None:
        advance = progress(f"LCMCR sampler{where}", settings.chains * settings.sweeps)
    return [lcmcr.lcmcr(histories, settings=settings, seed=seed, advance=advance)]


def estimate(
    histories: CaptureHistories | Strata,
    *,
    method: str = "all",
    seed: int | None = None,
    options: Options | None = None,
    progress: Progress | None = None,
    source: str = "",
) -> EstimationReport:
    """Estimate the total population by ``method`` (lincoln, loglinear, dga, lcmcr or all)."""
    if method != "all" and method not in METHODS:
        raise MethodNotApplicable(
            f"Unknown method {method!r}; choose one of {', '.join(METHODS)} or all.")
    options = options or Options()
    seed = seed if seed is not None else secrets.randbits(32)
    groups = histories.groups if isinstance(histories, Strata) else (histories,)
    methods = METHODS if method == "all" else (method,)
    results: list[MethodResult] = []
    notes: list[Diagnostic] = []
    for index, group in enumerate(groups):
        notes.extend(diagnostics.data_diagnostics(group))
        for name in methods:
            try:
                results.extend(_run(group, name, options, [seed, index], progress,
                                    explicit=method != "all"))
            except MethodNotApplicable as error:
                if method != "all":
                    raise
                where = f" for {group.label}" if group.label else ""
                notes.append(Diagnostic(code="method-skipped", severity="note",
                                        message=f"{name} skipped{where}: {error}"))
    if isinstance(histories, Strata):
        results.extend(stratified.totals(results, [g.label for g in groups]))
    for result in results:
        result.diagnostics.extend(diagnostics.result_diagnostics(result))
    notes.extend(diagnostics.comparison_diagnostics(results))
    return EstimationReport(
        source=source, methods=list(methods), seed=seed,
        data=[summarise(g) for g in groups], results=results, diagnostics=notes)


