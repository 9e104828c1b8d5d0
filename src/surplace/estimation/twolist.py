"""Two-list estimators and Chao's lower bound: closed forms, the first thing to look at.

* Lincoln–Petersen (Petersen 1896, Lincoln 1930): N = n1·n2/m, the maximum-likelihood
  estimator when two lists are independent and everyone is equally catchable. Undefined with no
  overlap (m = 0) and biased upwards for small m.
* Chapman (1951): N = (n1+1)(n2+1)/(m+1) − 1, nearly unbiased when n1 + n2 ≥ N, defined for
  m = 0. Variance from Seber (1970): (n1+1)(n2+1)(n1−m)(n2−m) / ((m+1)²(m+2)).
* Chao's lower bound (Chao 1987; Chao 1989 for t lists): N ≥ n + ((t−1)/t)·f1²/(2·f2), with f_k
  the people seen on exactly k lists; it holds under heterogeneous catchability, which is why
  it is a bound and not an estimate. Bias-corrected form n + ((t−1)/t)·f1(f1−1)/(2(f2+1)) when
  f2 = 0. Variance by the delta method as in Chao (1987) (the form EstimateS uses).

Intervals are the log-normal ones of Chao (1987): the unseen count f0 = N − n is taken as
log-normal, so the interval is [n + f0/C, n + f0·C] with C = exp(1.96·sqrt(log(1 + var/f0²))).
Unlike the Wald interval N ± 1.96·se, it never goes below the number already seen. The Wald
interval is reported beside it in ``details``.
"""

from __future__ import annotations

import math
from itertools import combinations

from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import Diagnostic, MethodResult

Z95 = 1.959963984540054
LOGNORMAL = "95% log-normal interval (Chao 1987)"


def lognormal_interval(observed: float, estimate: float, variance: float) -> tuple[float, float]:
    """Chao's (1987) interval: log-normal on the unseen count, so it never drops below n."""
    unseen = estimate - observed
    if unseen <= 0 or variance <= 0:
        return estimate, estimate
    c = math.exp(Z95 * math.sqrt(math.log1p(variance / unseen**2)))
    return observed + unseen / c, observed + unseen * c


def _two_counts(histories: CaptureHistories) -> tuple[int, int, int]:
    if histories.n_lists != 2:
        raise MethodNotApplicable(
            f"Two-list estimators need exactly two lists; these data have {histories.n_lists}. "
            "Choose two with --lists A,B.")
    if histories.structural_zeros:
        raise MethodNotApplicable(
            "Two-list estimators cannot use structural zeros: with two lists, an impossible "
            "pattern leaves nothing to estimate from.")
    overlap = histories.overlaps()
    return int(overlap[0, 0]), int(overlap[1, 1]), int(overlap[0, 1])


def lincoln_petersen(histories: CaptureHistories) -> MethodResult:
    """Lincoln–Petersen estimate with its Wald variance n1·n2·(n1−m)(n2−m)/m³."""
    n1, n2, m = _two_counts(histories)
    if m == 0:
        raise MethodNotApplicable(
            f"Lincoln–Petersen needs people on both lists; {histories.lists[0]} and "
            f"{histories.lists[1]} share nobody, so the estimate would be infinite.")
    estimate = n1 * n2 / m
    variance = n1 * n2 * (n1 - m) * (n2 - m) / m**3
    return _result("lincoln-petersen", "Lincoln–Petersen", histories, estimate, variance,
                   {"n1": n1, "n2": n2, "m": m})


def chapman(histories: CaptureHistories) -> MethodResult:
    """Chapman's (1951) nearly unbiased estimator with Seber's (1970) variance."""
    n1, n2, m = _two_counts(histories)
    estimate = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    variance = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    result = _result("chapman", "Chapman", histories, estimate, variance,
                     {"n1": n1, "n2": n2, "m": m})
    if m == 0:
        result.diagnostics.append(Diagnostic(
            code="no-overlap", severity="warning",
            message="The two lists share nobody; Chapman's formula still gives a number, but "
                    "it only says that the population is large compared with both lists."))
    return result


def chao_lower_bound(histories: CaptureHistories) -> MethodResult:
    """Chao's (1987, 1989) lower bound from the people seen once (f1) and twice (f2)."""
    seen = histories.times_seen()
    t = histories.n_lists
    f1, f2 = int(seen[1]), int(seen[2]) if t >= 2 else 0
    factor = (t - 1) / t
    n = histories.n
    if f2 > 0:
        ratio = f1 / f2
        unseen = factor * f1 * f1 / (2 * f2)
        variance = f2 * (factor / 2 * ratio**2 + factor**2 * ratio**3 + factor**2 / 4 * ratio**4)
        form = "f1²/(2·f2)"
    else:
        unseen = factor * f1 * (f1 - 1) / 2
        variance = (factor * f1 * (f1 - 1) / 2 + factor**2 * f1 * (2 * f1 - 1) ** 2 / 4
                    - factor**2 * f1**4 / (4 * max(unseen + n, 1)))
        variance = max(variance, 0.0)
        form = "bias-corrected f1(f1−1)/(2(f2+1))"
    result = _result("chao", "Chao lower bound", histories, n + unseen, variance,
                     {"f1": f1, "f2": f2, "lists": t, "form": form})
    result.diagnostics.append(Diagnostic(
        code="lower-bound", severity="note",
        message="Chao's figure is a lower bound on N under heterogeneous catchability, not an "
                "estimate; the true total is likely higher."))
    return result


def pairwise(histories: CaptureHistories) -> list[MethodResult]:
    """Chapman for every pair of lists: disagreement between pairs shows list dependence or
    heterogeneity that a two-list estimate cannot see."""
    results = []
    for a, b in combinations(histories.lists, 2):
        pair = histories.subset([a, b])
        result = chapman(pair)
        result.method = f"chapman[{a},{b}]"
        result.label = f"Chapman ({a}, {b})"
        result.details["note"] = ("People seen on neither of these two lists but on another "
                                  "count as unseen here.")
        results.append(result)
    return results


def _result(method: str, name: str, histories: CaptureHistories, estimate: float,
            variance: float, details: dict[str, object]) -> MethodResult:
    n = histories.n
    lower, upper = lognormal_interval(n, estimate, variance)
    se = math.sqrt(max(variance, 0.0))
    label = f"{name} ({', '.join(histories.lists)})" if histories.n_lists == 2 else name
    result = MethodResult(
        method=method, label=label, stratum=histories.label, observed=n, estimate=estimate,
        lower=lower, upper=upper, unobserved=estimate - n, interval=LOGNORMAL,
        details={**details, "standard_error": se,
                 "wald_interval": [estimate - Z95 * se, estimate + Z95 * se]})
    return result.with_payload(variance=variance)
