"""The statistician's remarks appear when they should, in words."""

from __future__ import annotations

from typing import Any

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


def lcmcr_result(**details: object) -> MethodResult:
    return MethodResult(method="lcmcr", label="LCMCR", observed=10, estimate=20, lower=15,
                        upper=30, unobserved=10, interval="", details={"classes": 10, **details})


def test_non_converged_chains() -> None:
    found = diagnostics.result_diagnostics(lcmcr_result(rhat=1.03, ess=35, share_at_cap=0.3,
                                                        share_at_K_classes=0.9))
    assert codes(found) == ["not-converged", "low-ess", "cap-reached", "many-classes"]
    assert "R-hat on N is 1.030" in found[0].message and "--sweeps-scale" in found[0].message


MODES = [{"median": 48_210.4, "share": 0.74, "chains": [2, 3, 4]},
         {"median": 131_877.0, "share": 0.26, "chains": [1]}]


def test_chains_in_different_modes_are_named() -> None:
    found = diagnostics.result_diagnostics(lcmcr_result(rhat=1.78, ess=900, modes=MODES,
                                                        chain_medians=[1, 2, 3, 4]))
    assert codes(found) == ["chains-disagree"]
    message = found[0].message
    assert "R-hat on N is 1.78, above 1.05" in message
    assert ("2 modes that the chains do not move between: around 48,210 (74% of the draws; "
            "chains 2, 3 and 4); around 131,877 (26% of the draws; chain 1)") in message
    assert "do not quote them" in message
    assert "--sweeps-scale 10" in message and "--chains 8" in message


def test_disagreeing_chains_without_separate_modes_give_their_medians() -> None:
    found = diagnostics.result_diagnostics(lcmcr_result(
        rhat=1.3, ess=900, modes=[{"median": 21_000.0, "share": 1.0, "chains": [1, 2, 3]}],
        chain_medians=[30_376.2, 20_358.0, 20_387.0]))
    assert codes(found) == ["chains-disagree"]
    assert "(their medians: 30,376, 20,358, 20,387)" in found[0].message


def test_modes_the_chains_agree_on_are_a_note() -> None:
    found = diagnostics.result_diagnostics(lcmcr_result(rhat=1.004, ess=900, modes=[
        {"median": 480.0, "share": 0.6, "chains": [1, 2]},
        {"median": 900.0, "share": 0.4, "chains": []}]))
    assert codes(found) == ["several-modes"] and found[0].severity == "note"
    assert "around 900 (40% of the draws; no chain mostly)" in found[0].message


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
    base: dict[str, Any] = {"method": "chapman", "label": "Chapman", "observed": 10, "estimate": 20,
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
