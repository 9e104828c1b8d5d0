"""Log-linear models: closed forms, Rcapture's M0/Mt/heterogeneity models, the ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from surplace.estimation import closedpop, loglinear
from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories
from tests.estimation.conftest import load

# Rcapture closedp.t on the same files (tests/data/mse/README.md): M0, Mt, and the model with
# the lowest BIC with its estimate and standard error.
RCAPTURE = {
    "kosovo_1999_4lists": (7608, 7395, ("Mth Chao (LB)", 8591, 214)),
    "uk_modern_slavery_2013_6lists": (13598, 12214, ("Mt", 12214, 676)),
    "uk_modern_slavery_2013_5lists": (14832, 13444, ("Mt", 13444, 807)),
    "netherlands_trafficking_6lists": (67872, 52823, ("Mt", 52823, 2316)),
    "netherlands_trafficking_5lists": (65949, 52924, ("Mt", 52924, 2333)),
    "new_orleans_trafficking_5lists": (1091, 1034, ("Mt", 1034, 255)),
    "us_western_site_sex_trafficking_5lists": (2115, 2007, ("Mt", 2007, 371)),
    "scotland_pwid_2006_4lists": (26799, 22097, ("Mt", 22097, 855)),
    "diabetes_casale_monferrato_4lists": (2526, 2251, ("Mth Poisson2", 2421, 37)),
    "hepatitis_a_taiwan_3lists": (389, 388, None),  # Mh models tie; see the data README
    "spina_bifida_ny_3lists": (860, 764, ("Mth Poisson2", 675, 14)),
    "artificial_3lists_sparsemse": (566, 539, None),  # Mb, not fitted for lists
}


@pytest.mark.parametrize("name", sorted(RCAPTURE))
def test_m0_mt_and_lowest_bic_match_rcapture(name: str) -> None:
    m0, mt, best = RCAPTURE[name]
    fits = {fit.name: fit for fit, _ in closedpop.closed_population_fits(load(name))}
    assert fits["M0"].estimate == pytest.approx(m0, rel=0.005)
    assert fits["Mt"].estimate == pytest.approx(mt, rel=0.005)
    if best is not None:
        results = closedpop.closed_population(load(name))
        model, estimate, se = best
        assert results[0].details["lowest_bic_model"] == model
        assert fits[model].estimate == pytest.approx(estimate, rel=0.005)
        assert fits[model].standard_error == pytest.approx(se, rel=0.02, abs=1)


def test_two_lists_reduce_to_lincoln_petersen() -> None:
    h = CaptureHistories.from_patterns(["A", "B"], [[1, 0], [0, 1], [1, 1]], [80, 60, 20])
    result = loglinear.loglinear(h)
    assert result.estimate == pytest.approx(400, rel=1e-6)
    assert result.details["models_fitted"] == 1


def test_saturated_three_list_model_has_its_closed_form() -> None:
    # With all two-way interactions the model is saturated and the unseen cell is
    # n100·n010·n001·n111 / (n110·n101·n011).
    counts = {0b001: 40, 0b010: 30, 0b100: 20, 0b011: 12, 0b101: 8, 0b110: 6, 0b111: 5}
    masks = sorted(counts)
    h = CaptureHistories.from_patterns(
        ["A", "B", "C"], [[m >> j & 1 for j in range(3)] for m in masks],
        [counts[m] for m in masks])
    design = loglinear.Design.of(h)
    terms = ((0, 1), (0, 2), (1, 2))
    fit = loglinear.fit_model(design, design.matrix(terms), "saturated", terms)
    unseen = 40 * 30 * 20 * 5 / (12 * 8 * 6)
    assert fit.estimate == pytest.approx(h.n + unseen, rel=1e-6)
    assert fit.deviance == pytest.approx(0, abs=1e-6) and fit.df == 0


def test_ranking_is_exhaustive_and_sorted(kosovo: CaptureHistories) -> None:
    result = loglinear.loglinear(kosovo, criterion="aic", top=100)
    ranking = result.details["ranking"]
    assert result.details["search"] == "exhaustive" and len(ranking) == 64
    scores = [row["aic"] for row in ranking]
    assert scores == sorted(scores)
    assert {"aic", "aicc", "bic"} <= set(ranking[0])
    assert result.lower < result.estimate < (result.upper or math.inf)


def test_profile_interval_agrees_with_wald_when_information_is_ample() -> None:
    fits = {f.name: (f, x) for f, x in closedpop.closed_population_fits(
        load("scotland_pwid_2006_4lists"))}
    fit, x = fits["Mt"]
    design = loglinear.Design.of(load("scotland_pwid_2006_4lists"))
    lower, upper = loglinear.profile_interval(design, x, fit)
    assert upper is not None
    assert lower == pytest.approx(fit.estimate - 1.96 * fit.standard_error, rel=0.02)
    assert upper == pytest.approx(fit.estimate + 1.96 * fit.standard_error, rel=0.02)
    assert upper - fit.estimate > fit.estimate - lower  # skewed to the right, as it should be


def test_models_without_an_estimate_are_flagged() -> None:
    # C overlaps no other list: any model must extrapolate, and models with A*C or B*C
    # interactions have empty margins.
    result = loglinear.loglinear(load("artificial_3lists_sparsemse"), top=8)
    assert result.details["models_without_estimate"] > 0
    problems = [row["problem"] for row in result.details["ranking"] if row["problem"]]
    assert any("not identifiable" in p for p in problems)


def test_stepwise_search_when_models_are_too_many() -> None:
    result = loglinear.loglinear(load("uk_modern_slavery_2013_6lists"), max_models=100)
    assert result.details["search"] == "stepwise"
    assert 10_000 < result.estimate < 15_000  # Silverman (2014) reports 10,000–13,000


def test_structural_zero_cells_are_left_out() -> None:
    rng = np.random.default_rng(5)
    truth = rng.poisson(200 * np.array([0.0, 0.3, 0.3, 0.09, 0.3, 0.09, 0.0, 0.0]))
    masks = [m for m in range(1, 8) if truth[m] > 0]
    h = CaptureHistories.from_patterns(
        ["A", "B", "C"], [[m >> j & 1 for j in range(3)] for m in masks],
        [int(truth[m]) for m in masks], structural_zeros=[["B", "C"], ["A", "B", "C"]])
    design = loglinear.Design.of(h)
    assert 0b110 not in design.masks and 0b111 not in design.masks
    assert loglinear.loglinear(h).estimate > h.n


def test_unknown_criterion() -> None:
    with pytest.raises(MethodNotApplicable, match="criterion"):
        loglinear.loglinear(load("spina_bifida_ny_3lists"), criterion="dic")


def test_hierarchical_model_counts() -> None:
    assert len(loglinear.hierarchical_models(3, 2)) == 8
    assert len(loglinear.hierarchical_models(4, 2)) == 64
    models = loglinear.hierarchical_models(4, 3)
    for model in models:  # every three-way term comes with its three pairs
        present = set(model)
        for term in model:
            if len(term) == 3:
                assert {(term[0], term[1]), (term[0], term[2]), (term[1], term[2])} <= present
    assert len(models) > 64
