"""Totals over strata, with intervals combined the right way.

Estimating each stratum (year, province, sex) separately lets capture probabilities differ
between them — a frequent source of heterogeneity — and the total is then the sum. Adding the
strata's interval ends would overstate the total's uncertainty (the extremes do not happen
together), so each kind of method is combined by what it has:

* **posterior draws (LCMCR)**: the strata's chains are independent, so draw i of the total is
  the sum of the strata's draws i; quantiles of those sums are the total's posterior interval.
* **exact posteriors on a grid (dga)**: the total's posterior is the convolution of the strata's
  posteriors (computed by FFT), read off exactly.
* **frequentist estimates (log-linear, two-list, Chao)**: the strata hold different people and
  are estimated independently, so the total's variance is the sum of their variances (the
  profile likelihoods do not add, and a joint profile over strata would need every stratum's
  model refitted together). The interval is Chao's (1987) log-normal one on the total unseen
  count, which keeps it above the total seen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.signal import fftconvolve

from surplace.estimation.dga import quantiles
from surplace.estimation.schemas import MethodResult
from surplace.estimation.twolist import LOGNORMAL, lognormal_interval

TOTAL = "total"


def _sum_draws(results: Sequence[MethodResult]) -> NDArray[np.float64]:
    arrays = [r.draws for r in results if r.draws is not None]
    length = min(a.size for a in arrays)
    return np.asarray(np.sum([a[:length] for a in arrays], axis=0), dtype=np.float64)


def _convolve(results: Sequence[MethodResult]) -> tuple[NDArray[np.float64],
                                                        NDArray[np.float64]]:
    start = 0.0
    pmf = np.ones(1)
    for r in results:
        grid = r.posterior
        assert grid is not None
        support, probabilities = grid
        start += float(support[0])
        pmf = np.clip(fftconvolve(pmf, probabilities / probabilities.sum()), 0.0, None)
        pmf /= pmf.sum()
    return start + np.arange(pmf.size, dtype=np.float64), pmf


def combine(results: Sequence[MethodResult]) -> MethodResult:
    """The total over strata of one method's results (one result per stratum)."""
    first = results[0]
    observed = sum(r.observed for r in results)
    common = {"strata": [r.stratum for r in results],
              "stratum_estimates": [r.estimate for r in results]}
    if all(r.draws is not None for r in results):
        draws = _sum_draws(results)
        low, median, high = (float(q) for q in np.quantile(draws, [0.025, 0.5, 0.975]))
        combined = MethodResult(
            method=first.method, label=first.label, stratum=TOTAL, observed=observed,
            estimate=median, lower=low, upper=high, unobserved=median - observed,
            interval=first.interval + "; strata's draws summed",
            details={**common, "mean": float(draws.mean())})
        return combined.with_payload(draws=draws)
    if all(r.posterior is not None for r in results):
        support, pmf = _convolve(results)
        low, median, high = quantiles(support, pmf, (0.025, 0.5, 0.975))
        combined = MethodResult(
            method=first.method, label=first.label, stratum=TOTAL, observed=observed,
            estimate=median, lower=low, upper=high, unobserved=median - observed,
            interval=first.interval + "; strata's posteriors convolved",
            details={**common, "mean": float(support @ pmf)})
        return combined.with_payload(support=support, probabilities=pmf)
    estimate = sum(r.estimate for r in results)
    variances = [r.variance for r in results]
    if any(v is None or not math.isfinite(v) for v in variances):
        lower, upper = math.nan, None
        how = "no interval: a stratum has no variance"
    else:
        variance = float(sum(v for v in variances if v is not None))
        lower, high_end = lognormal_interval(observed, estimate, variance)
        upper = high_end if all(r.upper is not None for r in results) else None
        how = LOGNORMAL + " on the summed variances of the strata"
    combined = MethodResult(
        method=first.method, label=first.label, stratum=TOTAL, observed=observed,
        estimate=estimate, lower=lower, upper=upper, unobserved=estimate - observed,
        interval=how, details={**common, "models": [r.details.get("model") for r in results]})
    return combined.with_payload(
        variance=float(sum(v for v in variances if v is not None)) if upper else None)


def totals(results: Sequence[MethodResult], strata: Sequence[str]) -> list[MethodResult]:
    """One total per method present in every stratum."""
    out = []
    for method in dict.fromkeys(r.method for r in results):
        group = [r for r in results if r.method == method and r.stratum in strata]
        if len(group) == len(strata) and len({r.stratum for r in group}) == len(strata):
            out.append(combine(group))
    return out
