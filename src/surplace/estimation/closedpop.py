"""The classical closed-population models of Otis et al. (1978) as log-linear models, the way
Rcapture's ``closedp.t`` fits them (Rivest & Baillargeon 2007; Baillargeon & Rivest 2007).

The covariates of a history ω with k = ω₁+…+ω_J captures:

* **M0**: one capture probability for all lists and people — log μ = β0 + β·k;
* **Mt**: a probability per list — log μ = β0 + Σ βj·ωj (the independence model);
* **Mh**: heterogeneous people, same lists — M0 plus a function of k: Poisson2 (2^k − 1),
  Darroch (k²/2), Gamma3.5 (−log(3.5 + k) + log 3.5), or Chao's lower-bound columns
  max(k − j + 1, 0) for j = 3..J, where negative η are set to zero by dropping their column
  and refitting, as Rcapture does;
* **Mth**: Mt plus the same heterogeneity functions.

These are deterministic, so they are checked against Rcapture to 0.5%. Behavioural models
(Mb, Mbh) assume the lists are visited in order, which lists of people are not, and are left
out. The standard error is Rcapture's: sqrt(μ0 + μ0²·Var(β0)).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from surplace.estimation.histories import CaptureHistories
from surplace.estimation.loglinear import (
    PROFILE,
    Design,
    Fit,
    fit_model,
    poisson_fit,
    profile_interval,
)
from surplace.estimation.schemas import Diagnostic, MethodResult

HETEROGENEITY = ("Chao (LB)", "Poisson2", "Darroch", "Gamma3.5")


def _heterogeneity(kind: str, k: NDArray[np.float64], lists: int) -> NDArray[np.float64]:
    if kind == "Poisson2":
        return (2.0**k - 1)[:, None]
    if kind == "Darroch":
        return (k**2 / 2)[:, None]
    if kind == "Gamma3.5":
        return (-np.log(3.5 + k) + math.log(3.5))[:, None]
    return np.column_stack([np.maximum(k - j + 1, 0) for j in range(3, lists + 1)])


def _chao_fit(design: Design, base: NDArray[np.float64], extra: NDArray[np.float64],
              name: str) -> tuple[Fit, NDArray[np.float64]]:
    """Rcapture's correction: while some η < 0, drop the first such column and refit."""
    while True:
        x = np.column_stack([base, extra]) if extra.shape[1] else base
        fit = fit_model(design, x, name)
        if not fit.usable or extra.shape[1] == 0:
            return fit, x
        params, _ = poisson_fit(design.counts[fit.keep], x[fit.keep][:, fit.columns])
        full = np.zeros(x.shape[1])
        full[fit.columns] = params
        eta = full[base.shape[1]:]
        negative = np.flatnonzero(eta < 0)
        if negative.size == 0:
            return fit, x
        extra = np.delete(extra, negative[0], axis=1)


def closed_population_fits(histories: CaptureHistories) -> list[tuple[Fit, NDArray[np.float64]]]:
    """Every model of ``closedp.t`` that applies to lists (M0, Mt, Mh×4, Mth×4)."""
    design = Design.of(histories)
    lists = histories.n_lists
    k = design.bits.sum(axis=1)
    ones = np.ones((len(k), 1))
    m0 = np.column_stack([ones, k])
    mt = np.column_stack([ones, design.bits])
    out = [(fit_model(design, m0, "M0"), m0), (fit_model(design, mt, "Mt"), mt)]
    if lists < 3:
        return out
    for family, base in (("Mh", m0), ("Mth", mt)):
        for kind in HETEROGENEITY:
            extra = _heterogeneity(kind, k, lists)
            name = f"{family} {kind}"
            if kind == "Chao (LB)":
                out.append(_chao_fit(design, base, extra, name))
            else:
                x = np.column_stack([base, extra])
                out.append((fit_model(design, x, name), x))
    return out


def closed_population(histories: CaptureHistories, *, models: tuple[str, ...] = ("M0", "Mt"),
                      criterion: str = "bic") -> list[MethodResult]:
    """M0 and Mt (and any other ``closedp.t`` model named) with profile intervals; the model
    with the lowest BIC among all of them is reported in each result's details."""
    design = Design.of(histories)
    fits = closed_population_fits(histories)
    usable = [f for f, _ in fits if f.usable]
    best = None
    for fit in usable:  # ties (equivalent parametrisations) go to the first in closedp order
        if best is None or fit.score(criterion) < best.score(criterion) - 1e-6:
            best = fit
    table = [f.row() for f, _ in fits]
    results = []
    for fit, x in fits:
        if fit.name not in models:
            continue
        n = histories.n
        diagnostics = []
        if fit.usable:
            lower, upper = profile_interval(design, x, fit)
        else:
            lower, upper = math.nan, None
            diagnostics.append(Diagnostic(code="no-estimate", severity="warning",
                                          message=f"Model {fit.name}: {fit.problem}."))
        result = MethodResult(
            method=f"rcapture-{fit.name.replace(' ', '-')}", label=f"Log-linear {fit.name}",
            stratum=histories.label, observed=n, estimate=fit.estimate, lower=lower,
            upper=upper, unobserved=fit.estimate - n, interval=PROFILE,
            diagnostics=diagnostics,
            details={"model": fit.name, "standard_error": fit.standard_error,
                     "aic": fit.aic, "bic": fit.bic, "deviance": fit.deviance, "df": fit.df,
                     "lowest_bic_model": best.name if best else None,
                     "lowest_bic_estimate": best.estimate if best else None,
                     "closedp_table": table})
        results.append(result.with_payload(variance=fit.standard_error**2))
    return results
