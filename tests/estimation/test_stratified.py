"""Totals over strata: draws summed, posteriors convolved, variances added."""

from __future__ import annotations

import math

import numpy as np
import pytest

from surplace.estimation import dga, stratified, twolist
from surplace.estimation.histories import read_csv, strata_from_frame
from surplace.estimation.lcmcr import Settings
from surplace.estimation.schemas import MethodResult
from surplace.estimation.service import Options, estimate
from tests.estimation.conftest import DATA


def result(stratum: str, observed: int, estimate_: float = 0.0) -> MethodResult:
    return MethodResult(method="x", label="x", stratum=stratum, observed=observed,
                        estimate=estimate_, lower=0, upper=0, unobserved=0, interval="")


def test_draws_are_summed_draw_by_draw() -> None:
    rng = np.random.default_rng(1)
    a = result("a", 100).with_payload(draws=100 + rng.poisson(50, 4000).astype(float))
    b = result("b", 200).with_payload(draws=200 + rng.poisson(80, 4000).astype(float))
    total = stratified.combine([a, b])
    assert total.draws is not None
    assert np.array_equal(total.draws, a.draws + b.draws)  # type: ignore[operator]
    assert total.estimate == pytest.approx(430, abs=3)
    # Poisson(130): the 95% interval is ±1.96·√130, narrower than the sum of the two widths
    assert total.upper is not None
    assert total.upper - total.lower == pytest.approx(2 * 1.96 * math.sqrt(130), rel=0.1)
    assert total.observed == 300 and total.stratum == "total"


def test_posteriors_are_convolved_exactly() -> None:
    support_a = np.arange(10, 20, dtype=float)
    support_b = np.arange(5, 8, dtype=float)
    a = result("a", 10).with_payload(support=support_a, probabilities=np.full(10, 0.1))
    b = result("b", 5).with_payload(support=support_b, probabilities=np.array([0.5, 0.25,
                                                                               0.25]))
    total = stratified.combine([a, b])
    grid = total.posterior
    assert grid is not None
    support, pmf = grid
    assert support[0] == 15 and support[-1] == 26
    assert pmf[0] == pytest.approx(0.05) and pmf.sum() == pytest.approx(1)
    assert total.details["mean"] == pytest.approx(14.5 + 5.75)


def test_frequentist_variances_are_added() -> None:
    from surplace.estimation.histories import CaptureHistories

    first = twolist.chapman(CaptureHistories.from_patterns(
        ["A", "B"], [[1, 0], [0, 1], [1, 1]], [80, 60, 20], label="x"))
    second = twolist.chapman(CaptureHistories.from_patterns(
        ["A", "B"], [[1, 0], [0, 1], [1, 1]], [40, 30, 30], label="y"))
    total = stratified.combine([first, second])
    assert total.estimate == pytest.approx(first.estimate + second.estimate)
    variance = (first.variance or 0) + (second.variance or 0)
    lower, upper = twolist.lognormal_interval(260, total.estimate, variance)
    assert (total.lower, total.upper) == pytest.approx((lower, upper))


def test_stratified_run_through_the_service() -> None:
    frame = read_csv(DATA / "spina_bifida_ny_3lists_by_ethnicity.csv")
    strata = strata_from_frame(frame, strata=["eth"])
    options = Options(lcmcr=Settings(burnin=500, samples=200, thinning=10, chains=2))
    report = estimate(strata, method="all", seed=3, options=options)
    totals = {r.method: r for r in report.results if r.stratum == "total"}
    assert {"chao", "dga", "lcmcr"} <= set(totals)
    # two people in the "other" stratum, none on the death list: no log-linear estimate
    # there, so no log-linear total, and a note says so
    assert "loglinear" not in totals
    assert any(d.code == "method-skipped" and "eth=other" in d.message
               for d in report.diagnostics)
    parts = [r for r in report.results if r.method == "lcmcr" and r.stratum != "total"]
    assert totals["lcmcr"].details["stratum_estimates"] == [p.estimate for p in parts]
    assert totals["dga"].observed == 621 and len(report.data) == 3
    exact = [dga.dga(g) for g in strata.groups]
    assert sum(r.lower for r in exact) <= totals["dga"].estimate <= sum(
        r.upper or 0 for r in exact)


def test_stratified_loglinear_total_is_the_sum() -> None:
    frame = read_csv(DATA / "scotland_pwid_2006_4lists_by_region_gender_age.csv")
    strata = strata_from_frame(frame, strata=["Region", "Gender", "Age"])
    report = estimate(strata, method="loglinear")
    parts = [r for r in report.results if r.method == "loglinear" and r.stratum != "total"]
    total = next(r for r in report.results if r.method == "loglinear" and r.stratum == "total")
    assert len(parts) == 8 and total.observed == 5670
    assert total.estimate == pytest.approx(sum(p.estimate for p in parts))
    assert total.lower < total.estimate < (total.upper or math.inf)
