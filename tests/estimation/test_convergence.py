"""R-hat and ESS behave as defined on chains with known properties."""

from __future__ import annotations

import numpy as np
import pytest

from surplace.estimation.convergence import effective_sample_size, split_rhat


def test_independent_chains() -> None:
    draws = np.random.default_rng(1).normal(size=(4, 1000))
    assert split_rhat(draws) < 1.01
    assert effective_sample_size(draws) == pytest.approx(4000, rel=0.15)


def test_chains_that_disagree() -> None:
    draws = np.random.default_rng(2).normal(size=(4, 1000))
    draws[0] += 1.0
    assert split_rhat(draws) > 1.05


def test_autocorrelated_chain_has_fewer_effective_draws() -> None:
    rng = np.random.default_rng(3)
    phi = 0.9
    draws = np.zeros((4, 4000))
    for t in range(1, 4000):
        draws[:, t] = phi * draws[:, t - 1] + rng.normal(size=4)
    expected = draws.size * (1 - phi) / (1 + phi)  # AR(1): ESS = n (1-φ)/(1+φ)
    assert effective_sample_size(draws) == pytest.approx(expected, rel=0.25)


def test_constant_draws() -> None:
    assert split_rhat(np.full((2, 10), 5.0)) == 1.0
