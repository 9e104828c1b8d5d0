"""The statistician's remarks appear when they should, in words."""

from __future__ import annotations

from surplace.estimation import diagnostics
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import MethodResult
from tests.estimation.conftest import load


def codes(items: list) -> list[str]:  # type: ignore[type-arg]
    return [d.code for d in items]


def test_clean_data_say_nothing_alarming() -> None:
    assert codes(diagnostics.data_diagnostics(load("kosovo_1999_4lists"))) == []


def test_few_overlaps() -> None:
    h = CaptureHistories.from_patterns(["A", "B"], [[1, 0], [0, 1], [1, 1]], [300, 200, 4])
    found = diagnostics.data_diagnostics(h)
    assert codes(found) == ["few-overlaps"]
    assert "Only 4 of 504 people" in found[0].message


def test_isolated_list() -> None:
    found = diagnostics.data_diagnostics(load("artificial_3lists_sparsemse"))
    assert codes(found) == ["few-overlaps", "isolated-list", "empty-pairs"]
    assert "List C" in found[1].message and found[1].severity == "warning"


def test_sparse_table() -> None:
    found = diagnostics.data_diagnostics(load("uk_modern_slavery_2013_6lists"))
    sparse = next(d for d in found if d.code == "sparse-table")
    assert "38 of 63 possible inclusion patterns are empty" in sparse.message


def lcmcr_result(**details: float) -> MethodResult:
    return MethodResult(method="lcmcr", label="LCMCR", observed=10, estimate=20, lower=15,
                        upper=30, unobserved=10, interval="", details={"classes": 10, **details})


def test_non_converged_chains() -> None:
    found = diagnostics.result_diagnostics(lcmcr_result(rhat=1.2, ess=35, share_at_cap=0.3,
                                                        share_at_K_classes=0.9))
    assert codes(found) == ["not-converged", "low-ess", "cap-reached", "many-classes"]
    assert "R-hat on N is 1.200" in found[0].message


def test_converged_chains_are_quiet() -> None:
    assert diagnostics.result_diagnostics(lcmcr_result(rhat=1.001, ess=2000)) == []


def test_model_dependence() -> None:
    result = MethodResult(
        method="loglinear", label="Log-linear", observed=100, estimate=200, lower=150,
        upper=300, unobserved=100, interval="",
        details={"criterion": "bic", "weighted_estimate": 240, "close_models": [
            {"model": "a", "estimate": 200}, {"model": "b", "estimate": 320}]})
    found = diagnostics.result_diagnostics(result)
    assert codes(found) == ["model-dependence"]
    assert "from 200 to 320" in found[0].message


def test_unbounded_and_wide_intervals() -> None:
    base = {"method": "chapman", "label": "Chapman", "observed": 10, "estimate": 20,
            "lower": 12, "unobserved": 10, "interval": ""}
    assert codes(diagnostics.result_diagnostics(MethodResult(**base, upper=None))) == [
        "unbounded"]
    assert codes(diagnostics.result_diagnostics(MethodResult(**base, upper=90))) == [
        "wide-interval"]


def test_methods_that_disagree() -> None:
    results = [
        MethodResult(method=m, label=m, observed=10, estimate=e, lower=e, upper=e,
                     unobserved=e - 10, interval="")
        for m, e in (("rcapture-Mt", 7400), ("lcmcr", 10400))]
    assert codes(diagnostics.comparison_diagnostics(results)) == []
    results[1].estimate = 14000
    assert codes(diagnostics.comparison_diagnostics(results)) == ["methods-disagree"]
