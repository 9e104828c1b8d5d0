"""Graphical-model averaging against dga's reference runs (exact: no sampling involved)."""

from __future__ import annotations

import numpy as np
import pytest

from surplace.estimation import dga
from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories
from tests.estimation.conftest import load

# dga bma.cr, delta = 2^-p, prior on N ∝ 1/N (tests/data/mse/README.md): 2.5%, 50%, 97.5%.
# Two runs cut their grid of unseen counts at 2,000 and 5,000; they are given the same grid.
REFERENCE = {
    "kosovo_1999_4lists": ((9827, 12595, 16544), None),
    "diabetes_casale_monferrato_4lists": ((2376, 2471, 2589), None),
    "spina_bifida_ny_3lists": ((694, 731, 786), None),
    "scotland_pwid_2006_4lists": ((26138, 32783, 40499), None),
    "hepatitis_a_taiwan_3lists": ((271, 290, 881), 2000),
    "us_western_site_sex_trafficking_5lists": ((1342, 2130, 3777), 5000),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reproduces_dga(name: str) -> None:
    # The posterior is computed in closed form on the same grid, so the quantiles should be
    # the same integers; one unit is allowed for floating-point ties at a quantile boundary.
    (low, median, high), grid = REFERENCE[name]
    result = dga.dga(load(name), max_missing=grid)
    assert result.lower == pytest.approx(low, abs=1)
    assert result.estimate == pytest.approx(median, abs=1)
    assert result.upper == pytest.approx(high, abs=1)


def test_graph_counts_match_dga_lists() -> None:
    assert [len(dga.decomposable_graphs(p)) for p in (3, 4, 5)] == [8, 61, 822]


def test_four_cycle_is_not_decomposable() -> None:
    edges = {g.edges for g in dga.decomposable_graphs(4)}
    assert ((0, 1), (0, 2), (1, 3), (2, 3)) not in edges  # the chordless 4-cycle
    assert ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)) in edges  # the complete graph


def test_cliques_and_separators() -> None:
    chain = next(g for g in dga.decomposable_graphs(3) if g.edges == ((0, 1), (1, 2)))
    assert sorted(chain.cliques) == [0b011, 0b110] and chain.separators == (0b010,)
    empty = next(g for g in dga.decomposable_graphs(3) if not g.edges)
    assert sorted(empty.cliques) == [1, 2, 4] and empty.separators == ()


def test_posterior_is_a_distribution_and_prior_is_reported() -> None:
    result = dga.dga(load("spina_bifida_ny_3lists"))
    grid = result.posterior
    assert grid is not None
    support, probabilities = grid
    assert support[0] == 626 and probabilities.sum() == pytest.approx(1)
    assert np.all(probabilities >= 0)
    assert result.details["prior_on_N"] == "proportional to 1/N"
    weights = [g["probability"] for g in result.details["top_graphs"]]
    assert weights == sorted(weights, reverse=True)


def test_truncated_tail_is_reported() -> None:
    result = dga.dga(load("hepatitis_a_taiwan_3lists"), max_missing=2000)
    assert "truncated-tail" in [d.code for d in result.diagnostics]


def test_limits() -> None:
    with pytest.raises(MethodNotApplicable, match="3 to 5"):
        dga.dga(load("uk_modern_slavery_2013_6lists"))
    h = CaptureHistories.from_patterns(["A", "B", "C"], [[1, 0, 0], [0, 1, 0], [1, 1, 0]],
                                       [4, 5, 2], structural_zeros=[["C"]])
    with pytest.raises(MethodNotApplicable, match="structural zeros"):
        dga.dga(h)
