"""The remarks a statistician would make, in words, beside every estimate.

(Named ``diagnostics`` rather than ``warnings`` so that it never shadows the standard library.)

Three kinds: remarks on the data before any model (too little overlap, a list that overlaps no
other, a sparse table), remarks on one method's result (chains that have not converged, a log-
linear estimate that depends on which of several equally good models is chosen, an interval
without an upper end), and remarks comparing methods (estimates that disagree). Thresholds
are conventions, stated in each message so a reader can judge them:

* overlap: fewer than 20 people on two or more lists (Chapman's estimator is nearly unbiased
  only when the overlap is not small; Seber 1982), or under 5% of those seen;
* sparse: more than half the observable patterns empty (Chan, Silverman & Vincent 2021);
* convergence: R-hat ≥ 1.01 or bulk ESS < 400 (Vehtari et al. 2021); above 1.05 the chains
  plainly disagree, which on these tables means a posterior with several modes that chains of
  the usual length do not move between: the modes are named, with their medians;
* model dependence: models within 2 units of the best criterion value (Burnham & Anderson
  2002) whose estimates differ from the chosen one by more than 25%.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import Diagnostic, MethodResult

MIN_OVERLAP = 20
MIN_OVERLAP_SHARE = 0.05
SPARSE_SHARE = 0.5
RHAT_LIMIT = 1.01
RHAT_DISAGREE = 1.05
REMEDY = ("Run longer chains (--sweeps-scale 10 makes each chain ten times as long) or more "
          "chains (--chains 8)")
ESS_MIN = 400
MODEL_SPREAD = 0.25


def _warn(code: str, message: str) -> Diagnostic:
    return Diagnostic(code=code, severity="warning", message=message)


def _note(code: str, message: str) -> Diagnostic:
    return Diagnostic(code=code, severity="note", message=message)


def data_diagnostics(histories: CaptureHistories) -> list[Diagnostic]:
    """Remarks on the lists themselves."""
    out: list[Diagnostic] = []
    where = f" in {histories.label}" if histories.label else ""
    seen = histories.times_seen()
    n = histories.n
    overlapping = int(seen[2:].sum())
    if overlapping < MIN_OVERLAP or overlapping < MIN_OVERLAP_SHARE * n:
        out.append(_warn(
            "few-overlaps",
            f"Only {overlapping} of {n} people{where} are on more than one list "
            f"(below {MIN_OVERLAP} people or {MIN_OVERLAP_SHARE:.0%}); every estimate of the "
            "unseen rests on these few, so expect wide intervals and fragile point estimates."))
    both = histories.overlaps()
    for j, name in enumerate(histories.lists):
        others = [both[j, i] for i in range(histories.n_lists) if i != j]
        if both[j, j] > 0 and sum(others) == 0:
            out.append(_warn(
                "isolated-list",
                f"List {name}{where} overlaps no other list: nobody on it appears elsewhere, so "
                "the data say nothing about how many people it missed; models can only "
                "extrapolate. Consider leaving it out (--lists)."))
    empty_pairs = [f"{histories.lists[a]}&{histories.lists[b]}"
                   for a, b in combinations(range(histories.n_lists), 2) if both[a, b] == 0]
    if empty_pairs and histories.n_lists > 2:
        out.append(_note(
            "empty-pairs",
            f"No one{where} is on both lists of these pairs: {', '.join(empty_pairs)}; "
            "interactions between them cannot be estimated."))
    observable = (1 << histories.n_lists) - 1 - len(histories.structural_zeros)
    empty = observable - len(histories.counts)
    if histories.n_lists >= 3 and empty > SPARSE_SHARE * observable:
        out.append(_warn(
            "sparse-table",
            f"The table{where} is sparse: {empty} of {observable} possible inclusion patterns "
            "are empty. Log-linear models with many interactions may have no estimate or an "
            "unbounded one; prefer models averaging over dependence (dga, lcmcr)."))
    if histories.structural_zeros:
        names = ", ".join(histories.describe_pattern(z) for z in histories.structural_zeros)
        out.append(_note("structural-zeros",
                         f"Patterns declared impossible{where}: {names}. They are left out of "
                         "the models rather than counted as unobserved."))
    return out


def result_diagnostics(result: MethodResult) -> list[Diagnostic]:
    """Remarks on one method's result, from what it reports in ``details``."""
    out: list[Diagnostic] = []
    d = result.details
    if result.method == "lcmcr":
        rhat, ess = d.get("rhat"), d.get("ess")
        modes = d.get("modes", [])
        if rhat is not None and rhat > RHAT_DISAGREE:
            out.append(_warn("chains-disagree", _disagreement(rhat, modes,
                                                              d.get("chain_medians", []))))
        elif rhat is not None and rhat >= RHAT_LIMIT:
            out.append(_warn(
                "not-converged",
                f"The chains have not converged: R-hat on N is {rhat:.3f} (should be below "
                f"{RHAT_LIMIT}). {REMEDY} before quoting this estimate."))
        elif len(modes) > 1:
            out.append(_note(
                "several-modes",
                f"The posterior of N has {len(modes)} modes: {_modes_in_words(modes)}. The "
                "chains agree on them, so the interval spans them all."))
        if ess is not None and ess < ESS_MIN:
            out.append(_warn(
                "low-ess",
                f"Only about {ess:.0f} effective draws of N (fewer than {ESS_MIN}); the tails of "
                "the interval carry Monte Carlo error. Run longer chains."))
        if d.get("share_at_cap", 0.0) > 0.01:
            out.append(_warn(
                "cap-reached",
                f"{d['share_at_cap']:.0%} of draws hit the cap of 20 times the people seen: the "
                "data barely bound N from above; the upper end is the cap, not the data."))
        if d.get("share_at_K_classes", 0.0) > 0.5:
            out.append(_note(
                "many-classes",
                f"All {d['classes']} latent classes are often in use; a larger K "
                "(--classes) may fit better."))
    if result.method == "loglinear":
        close = d.get("close_models", [])
        estimates = [m["estimate"] for m in close]
        if len(estimates) > 1:
            low, high = min(estimates), max(estimates)
            if (high - low) > MODEL_SPREAD * result.estimate:
                out.append(_warn(
                    "model-dependence",
                    f"The estimate depends on the model: {len(estimates)} models fit about as "
                    f"well (within 2 {d.get('criterion', '').upper()} units) and give N from "
                    f"{low:,.0f} to {high:,.0f}. The model-weighted estimate is "
                    f"{d.get('weighted_estimate', float('nan')):,.0f}; consider dga, which "
                    "averages over models."))
        if d.get("dropped_cells"):
            out.append(_note(
                "extended-mle",
                f"The chosen model's maximum-likelihood estimate does not exist in the usual "
                f"sense: {d['dropped_cells']} empty cells are fitted as zero (extended MLE)."))
    if result.method == "dga":
        graphs = d.get("top_graphs", [])
        if graphs and graphs[0]["probability"] < 0.5:
            medians = [g["median"] for g in graphs if g["probability"] > 0.05]
            if medians and max(medians) - min(medians) > MODEL_SPREAD * result.estimate:
                out.append(_note(
                    "model-dependence",
                    f"No graph has most of the posterior weight (the best has "
                    f"{graphs[0]['probability']:.0%}), and graphs with over 5% weight give "
                    f"medians from {min(medians):,.0f} to {max(medians):,.0f}; the averaged "
                    "interval reflects that uncertainty."))
    if result.upper is None:
        out.append(_warn("unbounded", f"{result.label}: the data put no upper bound on N."))
    elif result.estimate > 0 and result.upper > 3 * result.estimate:
        out.append(_warn(
            "wide-interval",
            f"{result.label}: the interval's upper end ({result.upper:,.0f}) is more than three "
            "times the estimate; the data constrain N only weakly."))
    return out


def _modes_in_words(modes: Sequence[dict[str, Any]]) -> str:
    parts = []
    for mode in modes:
        chains = mode.get("chains", [])
        which = (f"chain {chains[0]}" if len(chains) == 1 else
                 f"chains {', '.join(map(str, chains[:-1]))} and {chains[-1]}" if chains else
                 "no chain mostly")
        parts.append(f"around {mode['median']:,.0f} ({mode['share']:.0%} of the draws; {which})")
    return "; ".join(parts)


def _disagreement(rhat: float, modes: Sequence[dict[str, Any]],
                  chain_medians: Sequence[float]) -> str:
    if len(modes) > 1:
        found = (f"the draws fall in {len(modes)} modes that the chains do not move between: "
                 f"{_modes_in_words(modes)}")
    else:
        found = ("each chain keeps to its own part of the posterior (their medians: "
                 + ", ".join(f"{m:,.0f}" for m in chain_medians) + ")")
    return (f"The chains disagree (R-hat on N is {rhat:.2f}, above {RHAT_DISAGREE}): {found}. "
            "Usually the posterior of N has several modes and a chain of this length stays "
            "in one (or the burn-in was too short); either way the pooled median and interval "
            "mix the chains' regions in whatever proportions they happened to visit: do not "
            f"quote them. {REMEDY} until R-hat is below "
            f"{RHAT_LIMIT}; if the modes remain, report each of them.")


def comparison_diagnostics(results: Sequence[MethodResult]) -> list[Diagnostic]:
    """Estimates by different methods for the same stratum that do not agree."""
    main = [r for r in results
            if r.method in ("loglinear", "dga", "lcmcr", "rcapture-Mt", "chapman")]
    out: list[Diagnostic] = []
    by_stratum: dict[str, list[MethodResult]] = {}
    for r in main:
        by_stratum.setdefault(r.stratum, []).append(r)
    for stratum, group in by_stratum.items():
        if len(group) < 2:
            continue
        low = min(group, key=lambda r: r.estimate)
        high = max(group, key=lambda r: r.estimate)
        if low.estimate > 0 and high.estimate > 1.5 * low.estimate:
            where = f" for {stratum}" if stratum else ""
            out.append(_warn(
                "methods-disagree",
                f"Methods disagree{where}: {low.label} gives {low.estimate:,.0f}, "
                f"{high.label} {high.estimate:,.0f}. Independence-type models understate N "
                "when catchability varies between people; latent-class and model-averaging "
                "estimates allow for it."))
    return out
