"""Log-linear models for multiple systems estimation (Fienberg 1972; Bishop, Fienberg & Holland
1975), fitted as Poisson GLMs through statsmodels.

The observed cells of the ``2**J`` table (every pattern but "on no list", and but declared
structural zeros) are Poisson counts with ``log μ = Xβ``; the unseen cell has design row
``(1, 0, …, 0)``, so its expected count is ``exp(β0)`` and N = n + exp(β0). List dependence
enters as interaction terms: a hierarchical model with terms up to order ``r`` may let any
pair (or triple) of lists be dependent, but the highest-order interaction among all J lists
is never estimable, which is the untestable assumption of every MSE.

What this module adds to a plain GLM loop:

* **Existence and identifiability** (Fienberg & Rinaldo 2012; the SparseMSE checks of Chan,
  Silverman & Vincent 2021): with empty cells, a maximum-likelihood estimate may not exist.
  A linear programme finds the cells whose fitted value must go to zero (the facial set); the
  extended MLE is fitted without them, and a model whose N is then not determined — it could
  be pushed to infinity — is left out of the ranking with the reason.
* **Ranking** of every hierarchical model up to the chosen order by AIC, AICc and BIC (BIC with
  log n, n the people seen, as Rcapture does); when there are more models than ``max_models``
  a stepwise search from independence is used instead and said.
* **Profile-likelihood interval for N** (Cormack 1992, as Rcapture's ``closedpCI``): the
  multinomial likelihood of N with the model's cell probabilities maximised for each N.
* **Standard error** as Rcapture computes it: sqrt(μ0 + μ0²·Var(β0)).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq, linprog, minimize_scalar
from scipy.special import gammaln
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM

from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import MethodResult

Criterion = str  # "aic", "aicc" or "bic"
CRITERIA = ("aic", "aicc", "bic")
HALF_CHI2_95 = 1.920729410347062  # χ²₁(0.95) / 2
Term = tuple[int, ...]


@dataclass
class Design:
    """The modelled cells of a table: their masks, counts and main-effect columns."""

    masks: NDArray[np.int64]
    counts: NDArray[np.float64]
    bits: NDArray[np.float64]
    observed: int

    @classmethod
    def of(cls, histories: CaptureHistories) -> Design:
        j = histories.n_lists
        masks = np.array([m for m in range(1, 1 << j) if m not in histories.structural_zeros],
                         dtype=np.int64)
        counts = histories.cell_counts()[masks].astype(np.float64)
        bits = ((masks[:, None] >> np.arange(j)) & 1).astype(np.float64)
        return cls(masks=masks, counts=counts, bits=bits, observed=histories.n)

    def matrix(self, terms: tuple[Term, ...]) -> NDArray[np.float64]:
        columns = [np.ones(len(self.masks)), *self.bits.T]
        columns += [self.bits[:, list(term)].prod(axis=1) for term in terms]
        return np.column_stack(columns)


@dataclass
class Fit:
    """One fitted model: N, its standard error, the fit statistics, and why it may be void."""

    name: str
    terms: tuple[Term, ...]
    estimate: float = math.nan
    standard_error: float = math.nan
    loglik: float = math.nan
    deviance: float = math.nan
    parameters: int = 0
    df: int = 0
    aic: float = math.inf
    aicc: float = math.inf
    bic: float = math.inf
    converged: bool = False
    dropped_cells: int = 0
    problem: str = ""
    columns: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    keep: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def usable(self) -> bool:
        return not self.problem and math.isfinite(self.estimate)

    def score(self, criterion: Criterion) -> float:
        return float(getattr(self, criterion)) if self.usable else math.inf

    def row(self, lists: tuple[str, ...] | None = None) -> dict[str, object]:
        return {"model": self.name, "estimate": _finite(self.estimate),
                "standard_error": _finite(self.standard_error), "parameters": self.parameters,
                "deviance": _finite(self.deviance), "df": self.df, "aic": _finite(self.aic),
                "aicc": _finite(self.aicc), "bic": _finite(self.bic),
                "converged": self.converged, "dropped_cells": self.dropped_cells,
                "problem": self.problem}


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def poisson_fit(y: NDArray[np.float64], x: NDArray[np.float64],
                start: NDArray[np.float64] | None = None) -> tuple[NDArray[np.float64], object]:
    """statsmodels' Poisson GLM by IRLS, its numerical warnings kept out of the user's way
    (non-convergence is read from the result instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = GLM(y, x, family=Poisson()).fit(start_params=start, maxiter=200)
    return np.asarray(result.params, dtype=np.float64), result


def forced_zero_cells(y: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Cells whose fitted value must be zero in the extended MLE (Fienberg & Rinaldo 2012).

    A direction d with X₊d = 0 on the positive cells and X₀d ≤ 0 on the empty ones raises the
    likelihood without bound; the empty cells with X₀d < 0 for some such d form the complement
    of the facial set. One linear programme per newly found cell finds them all.
    """
    zero = np.flatnonzero(y == 0)
    forced = np.zeros(len(y), dtype=bool)
    if zero.size == 0:
        return forced
    positive = x[y > 0]
    p, z = x.shape[1], zero.size
    a_eq = np.block([[positive, np.zeros((positive.shape[0], z))], [x[zero], np.eye(z)]])
    bounds = [(None, None)] * p + [(0.0, 1.0)] * z
    found = np.zeros(z, dtype=bool)
    while True:
        cost = np.concatenate([np.zeros(p), -(~found).astype(np.float64)])
        result = linprog(cost, A_eq=a_eq, b_eq=np.zeros(a_eq.shape[0]), bounds=bounds,
                         method="highs")
        if result.status != 0:
            break
        new = (result.x[p:] > 1e-7) & ~found
        if not new.any():
            break
        found |= new
    forced[zero[found]] = True
    return forced


def independent_columns(x: NDArray[np.float64]) -> NDArray[np.int64]:
    """Columns kept, in order, while each adds rank (the intercept first, so it stays)."""
    kept: list[int] = []
    rank = 0
    for column in range(x.shape[1]):
        trial = np.linalg.matrix_rank(x[:, [*kept, column]])
        if trial > rank:
            kept.append(column)
            rank = trial
    return np.array(kept, dtype=np.int64)


def fit_model(design: Design, x: NDArray[np.float64], name: str,
              terms: tuple[Term, ...] = ()) -> Fit:
    """Fit one model's design matrix; N from the unseen cell's row e₀.

    The plain fit is tried first; only when it leaves an empty cell with a fitted value near
    zero (the sign of a maximum-likelihood estimate at infinity) or the design is rank
    deficient is the linear programme run, so most models cost one GLM fit.
    """
    fit = Fit(name=name, terms=terms)
    y = design.counts
    keep = np.ones(len(y), dtype=bool)
    columns = np.arange(x.shape[1])
    result: object = None
    if np.linalg.matrix_rank(x) == x.shape[1]:
        params, result = poisson_fit(y, x)
        fitted = np.exp(np.clip(x @ params, -745, 709))
        if not (result.converged  # type: ignore[attr-defined]
                and np.all(fitted[y == 0] > 1e-4) and np.all(np.abs(params) < 25)):
            result = None
    if result is None:
        keep = ~forced_zero_cells(y, x)
        xk = x[keep]
        columns = independent_columns(xk)
        x0 = np.eye(1, x.shape[1])[0]
        if np.linalg.matrix_rank(np.vstack([xk, x0])) > len(columns):
            fit.problem = ("N is not identifiable: empty cells leave the unseen count "
                           "undetermined (it could be pushed to infinity)")
            return fit
        params, result = poisson_fit(y[keep], xk[:, columns])
    fit.dropped_cells = int((~keep).sum())
    covariance = np.asarray(result.cov_params(), dtype=np.float64)  # type: ignore[attr-defined]
    x0 = np.eye(1, x.shape[1])[0][columns]
    eta0 = float(x0 @ params)
    var0 = float(x0 @ covariance @ x0)
    if eta0 > 700:
        fit.problem = "the unseen count diverges"
        return fit
    mu0 = math.exp(eta0)
    k = len(columns)
    cells = len(y)
    fit.estimate = design.observed + mu0
    fit.standard_error = math.sqrt(max(mu0 + mu0 * mu0 * var0, 0.0))
    fit.loglik = float(result.llf)  # type: ignore[attr-defined]
    fit.deviance = float(result.deviance)  # type: ignore[attr-defined]
    fit.converged = bool(result.converged)  # type: ignore[attr-defined]
    fit.parameters, fit.df = k, cells - k
    fit.aic = -2 * fit.loglik + 2 * k
    fit.aicc = fit.aic + (2 * k * (k + 1) / (cells - k - 1) if cells - k - 1 > 0 else math.inf)
    fit.bic = -2 * fit.loglik + k * math.log(design.observed)
    fit.columns, fit.keep = columns, keep
    if not fit.converged:
        fit.problem = "the fit did not converge"
    return fit


def profile_interval(design: Design, x: NDArray[np.float64], fit: Fit,
                     level_half_chi2: float = HALF_CHI2_95) -> tuple[float, float | None]:
    """Cormack's (1992) profile-likelihood interval for N.

    For each N the unseen cell gets N − n people and the model is refitted with it; the
    multinomial log-likelihood is log N! − log (N−n)! + Σ c·log(μ̂/N). The interval holds the
    N within χ²₁(0.95)/2 of its maximum; the upper end is None when no finite N leaves it.
    """
    n = design.observed
    xk = np.vstack([x[fit.keep][:, fit.columns], np.eye(1, x.shape[1])[:, fit.columns]])
    y_seen = design.counts[fit.keep]
    start: list[NDArray[np.float64] | None] = [None]

    def loglik(total: float) -> float:
        y = np.append(y_seen, total - n)
        for guess in (start[0], None):
            try:
                params, _ = poisson_fit(y, xk, guess)
            except (ValueError, np.linalg.LinAlgError):
                continue
            mu = np.exp(xk @ params)
            if np.all(np.isfinite(mu)):
                start[0] = params
                positive = y > 0
                return float(gammaln(total + 1) - gammaln(total - n + 1)
                             + np.sum(y[positive] * np.log(mu[positive] / total)))
        return -math.inf

    best = minimize_scalar(lambda v: -loglik(n + math.exp(v)),
                           bounds=(math.log(max(fit.estimate - n, 1e-3)) - 3,
                                   math.log(max(fit.estimate - n, 1e-3)) + 3),
                           method="bounded", options={"xatol": 1e-6})
    top_n = n + math.exp(float(best.x))
    top = loglik(top_n)
    if not math.isfinite(top):
        # No N could be refitted (a sparse table): the widest honest answer, not a crash.
        return float(n), None

    def gap(total: float) -> float:
        return top - loglik(total) - level_half_chi2

    def root(low: float, high: float) -> float | None:
        """Where the profile crosses the cut-off, or None where refits fail between the ends
        (the profile is then not continuous there and no end can be placed)."""
        try:
            return float(brentq(gap, low, high, xtol=1e-3))
        except ValueError:
            return None

    low_end = n + 1e-9
    lower = float(n) if gap(low_end) <= 0 else (root(low_end, top_n) or float(n))
    upper: float | None = None
    probe = top_n
    for _ in range(60):
        probe = n + (probe - n) * 2 + 1
        if gap(probe) > 0:
            upper = root((probe - n - 1) / 2 + n, probe)
            break
    return lower, upper


def hierarchical_models(lists: int, max_order: int) -> list[tuple[Term, ...]]:
    """Every hierarchical model with all main effects and interactions up to ``max_order``:
    an interaction may appear only with all its lower-order interactions."""
    order_cap = min(max_order, lists - 1)
    models: list[tuple[Term, ...]] = [()]
    for order in range(2, order_cap + 1):
        grown: list[tuple[Term, ...]] = []
        for model in models:
            present = set(model)
            eligible = [c for c in combinations(range(lists), order)
                        if order == 2 or all(s in present for s in combinations(c, order - 1))]
            for size in range(len(eligible) + 1):
                for chosen in combinations(eligible, size):
                    grown.append(model + chosen)
        models = grown
    return models


def count_hierarchical(lists: int, max_order: int, stop_at: int) -> int:
    """How many hierarchical models there are, counting no further than ``stop_at``."""
    if min(max_order, lists - 1) <= 2:
        return 2 ** math.comb(lists, 2) if max_order >= 2 else 1
    return len(hierarchical_models(lists, max_order)) if lists <= 5 else stop_at + 1


def model_name(terms: tuple[Term, ...], lists: tuple[str, ...]) -> str:
    if not terms:
        return "independence"
    return " + ".join("*".join(lists[j] for j in term) for term in terms)


def _neighbours(model: tuple[Term, ...], lists: int,
                max_order: int) -> list[tuple[Term, ...]]:
    present = set(model)
    out = []
    for order in range(2, min(max_order, lists - 1) + 1):
        for term in combinations(range(lists), order):
            if term in present:
                if not any(set(term) < set(other) for other in present):
                    out.append(tuple(t for t in model if t != term))
            elif order == 2 or all(s in present for s in combinations(term, order - 1)):
                out.append(tuple(sorted(model + (term,), key=lambda t: (len(t), t))))
    return out


def rank_models(histories: CaptureHistories, *, max_order: int = 2, criterion: Criterion = "bic",
                max_models: int = 1024,
                on_fit: Callable[[], None] | None = None) -> tuple[list[Fit], str]:
    """Fit and rank hierarchical models; exhaustive when they number at most ``max_models``,
    otherwise a stepwise search (adding or dropping one term at a time) from independence."""
    if criterion not in CRITERIA:
        raise MethodNotApplicable(f"Unknown criterion {criterion!r}; use aic, aicc or bic.")
    design = Design.of(histories)
    j = histories.n_lists
    fits: dict[tuple[Term, ...], Fit] = {}

    def fit(terms: tuple[Term, ...]) -> Fit:
        if terms not in fits:
            fits[terms] = fit_model(design, design.matrix(terms),
                                    model_name(terms, histories.lists), terms)
            if on_fit is not None:
                on_fit()
        return fits[terms]

    if count_hierarchical(j, max_order, max_models) <= max_models:
        for terms in hierarchical_models(j, max_order):
            fit(terms)
        search = "exhaustive"
    else:
        current = fit(())
        while True:
            candidates = [fit(m) for m in _neighbours(current.terms, j, max_order)]
            best = min(candidates, key=lambda f: f.score(criterion), default=current)
            if best.score(criterion) >= current.score(criterion):
                break
            current = best
        search = "stepwise"
    ranking = sorted(fits.values(), key=lambda f: (f.score(criterion), f.name))
    return ranking, search


PROFILE = "95% profile-likelihood interval (Cormack 1992)"


def loglinear(histories: CaptureHistories, *, max_order: int = 2, criterion: Criterion = "bic",
              max_models: int = 1024, top: int = 25,
              on_fit: Callable[[], None] | None = None) -> MethodResult:
    """The best hierarchical log-linear model by ``criterion``, its profile interval, and the
    ranking of every model fitted (the first ``top`` in ``details['ranking']``)."""
    ranking, search = rank_models(histories, max_order=max_order, criterion=criterion,
                                  max_models=max_models, on_fit=on_fit)
    usable = [f for f in ranking if f.usable]
    if not usable:
        reasons = sorted({f.problem for f in ranking if f.problem})
        raise MethodNotApplicable(
            "No log-linear model gives a finite estimate for these data ("
            + "; ".join(reasons) + "). The lists overlap too little; try lcmcr or dga.")
    best = usable[0]
    design = Design.of(histories)
    lower, upper = profile_interval(design, design.matrix(best.terms), best)
    scores = np.array([f.score(criterion) for f in usable])
    weights = np.exp(-(scores - scores[0]) / 2)
    weights /= weights.sum()
    close = [{"model": f.name, "estimate": f.estimate, "delta": float(s - scores[0]),
              "weight": float(w)}
             for f, s, w in zip(usable, scores, weights, strict=True) if s - scores[0] <= 2.0]
    n = histories.n
    result = MethodResult(
        method="loglinear", label=f"Log-linear, best by {criterion.upper()}",
        stratum=histories.label, observed=n, estimate=best.estimate, lower=lower, upper=upper,
        unobserved=best.estimate - n, interval=PROFILE,
        details={"model": best.name, "criterion": criterion, "max_order": max_order,
                 "search": search, "models_fitted": len(ranking),
                 "models_without_estimate": len(ranking) - len(usable),
                 "standard_error": best.standard_error, "converged": best.converged,
                 "dropped_cells": best.dropped_cells,
                 "weighted_estimate": float(weights @ [f.estimate for f in usable]),
                 "close_models": close, "ranking": [f.row() for f in ranking[:top]]})
    return result.with_payload(variance=best.standard_error**2)
