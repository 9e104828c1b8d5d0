"""Figures for an estimate: the posterior of N, the list overlaps (an UpSet plot, Lex et al.
2014, which stays readable beyond the three lists a Venn diagram can show), and the model
ranking. Drawn with Matplotlib's object interface on the Agg canvas, so nothing needs a
display and no global state is touched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import EstimationReport, MethodResult

COLOURS = {"lcmcr": "#1b6ca8", "dga": "#d1495b", "loglinear": "#edae49"}


def posterior_figure(results: list[MethodResult], path: Path, title: str) -> Path | None:
    """Posterior of N for the Bayesian methods, with the other methods' estimates marked."""
    bayesian = [r for r in results if r.draws is not None or r.posterior is not None]
    if not bayesian:
        return None
    figure = Figure(figsize=(8, 4.5))
    axes = figure.subplots()
    for result in bayesian:
        colour = COLOURS.get(result.method, "#555555")
        if result.draws is not None:
            axes.hist(result.draws, bins=60, density=True, alpha=0.45, color=colour,
                      label=f"{result.label}: {result.estimate:,.0f}")
        elif result.posterior is not None:
            support, probabilities = result.posterior
            keep = probabilities > probabilities.max() * 1e-4
            axes.plot(support[keep], probabilities[keep], color=colour,
                      label=f"{result.label}: {result.estimate:,.0f}")
        axes.axvspan(result.lower, result.upper or result.lower, color=colour, alpha=0.08)
    for result in results:
        if result.method in ("loglinear", "rcapture-Mt"):
            axes.axvline(result.estimate, color=COLOURS["loglinear"], linestyle="--",
                         label=f"{result.label}: {result.estimate:,.0f}")
    axes.axvline(results[0].observed, color="black", linewidth=1,
                 label=f"seen on some list: {results[0].observed:,}")
    axes.set_xlabel("population size N")
    axes.set_ylabel("posterior density")
    axes.set_title(title)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


def upset_figure(histories: CaptureHistories, path: Path, top: int = 30) -> Path:
    """Counts per inclusion pattern (bars) over a matrix of which lists each pattern holds."""
    order = np.argsort(-histories.counts, kind="stable")[:top]
    counts = histories.counts[order]
    patterns = histories.patterns[order]
    lists = histories.lists
    figure = Figure(figsize=(max(6, 0.35 * len(order) + 3), 2.5 + 0.35 * len(lists) + 2.5))
    bars, matrix = figure.subplots(2, 1, sharex=True,
                                   gridspec_kw={"height_ratios": [3, 0.3 * len(lists) + 0.5]})
    x = np.arange(len(order))
    bars.bar(x, counts, color="#1b6ca8")
    for xi, count in zip(x, counts, strict=True):
        bars.text(xi, count, f"{count:,}", ha="center", va="bottom", fontsize=6)
    bars.set_ylabel("people")
    bars.set_title(f"List overlaps{' — ' + histories.label if histories.label else ''} "
                   f"({histories.n:,} people seen)")
    for j in range(len(lists)):
        on = patterns[:, j] == 1
        matrix.scatter(x[~on], np.full((~on).sum(), j), color="#dddddd", s=30)
        matrix.scatter(x[on], np.full(on.sum(), j), color="#222222", s=30)
    for xi, row in zip(x, patterns, strict=True):
        members = np.flatnonzero(row)
        if members.size > 1:
            matrix.plot([xi, xi], [members.min(), members.max()], color="#222222")
    totals = histories.list_totals()
    matrix.set_yticks(range(len(lists)), [f"{name} ({totals[name]:,})" for name in lists])
    matrix.set_xticks([])
    matrix.set_ylim(-0.5, len(lists) - 0.5)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


def ranking_figure(result: MethodResult, path: Path, top: int = 20) -> Path | None:
    """Log-linear models by criterion, with N ± 1.96 s.e.; or dga's graphs by weight."""
    figure = Figure(figsize=(8, 0.35 * top + 1.5))
    axes = figure.subplots()
    if result.method == "loglinear":
        rows = [r for r in result.details.get("ranking", [])
                if r["estimate"] is not None][:top]
        if not rows:
            return None
        criterion = result.details["criterion"]
        best = rows[0][criterion]
        y = np.arange(len(rows))[::-1]
        estimates = np.array([r["estimate"] for r in rows])
        errors = np.array([1.96 * (r["standard_error"] or 0.0) for r in rows])
        axes.errorbar(estimates, y, xerr=errors, fmt="o", color=COLOURS["loglinear"])
        labels = [f"{r['model']}  (Δ{criterion.upper()} {r[criterion] - best:.1f})"
                  for r in rows]
        axes.set_yticks(y, labels, fontsize=6)
        axes.set_xlabel("N (± 1.96 standard errors)")
        axes.set_title(f"Log-linear models ranked by {criterion.upper()}")
    elif result.method == "dga":
        graphs = result.details.get("top_graphs", [])[:top]
        if not graphs:
            return None
        y = np.arange(len(graphs))[::-1]
        axes.barh(y, [g["probability"] for g in graphs], color=COLOURS["dga"])
        axes.set_yticks(y, [f"{g['graph']}  (median {g['median']:,.0f})" for g in graphs],
                        fontsize=6)
        axes.set_xlabel("posterior probability of the graph")
        axes.set_title("Decomposable graphs by posterior weight (dga)")
    else:
        return None
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


def write_figures(report: EstimationReport, groups: list[CaptureHistories],
                  folder: Path) -> list[Path]:
    """Every figure the report supports, one set per stratum and one for the total."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for index, group in enumerate(groups):
        suffix = f"-{index + 1}" if len(groups) > 1 else ""
        written.append(upset_figure(group, folder / f"overlaps{suffix}.png"))
    strata = dict.fromkeys(r.stratum for r in report.results)
    for index, stratum in enumerate(strata):
        results = [r for r in report.results if r.stratum == stratum]
        suffix = "" if len(strata) == 1 else (
            "-total" if stratum == "total" else f"-{index + 1}")
        title = f"Posterior of N{' — ' + stratum if stratum else ''}"
        posterior = posterior_figure(results, folder / f"posterior{suffix}.png", title)
        if posterior is not None:
            written.append(posterior)
        for result in results:
            if result.method in ("loglinear", "dga") and stratum != "total":
                ranked = ranking_figure(result, folder / f"ranking-{result.method}{suffix}.png")
                if ranked is not None:
                    written.append(ranked)
    return written
