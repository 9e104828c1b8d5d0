"""R-hat and ESS behave as defined on chains with known properties."""

from __future__ import annotations

import numpy as np
import pytest

from surplace.estimation.convergence import effective_sample_size, posterior_modes, split_rhat


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


def test_modes_of_chains_that_sit_apart() -> None:
    rng = np.random.default_rng(4)
    low = np.exp(rng.normal(np.log(48_000), 0.05, size=(3, 1000)))
    high = np.exp(rng.normal(np.log(130_000), 0.08, size=(1, 1000)))
    modes = posterior_modes(np.vstack([high, low]))
    assert [m.chains for m in modes] == [(2, 3, 4), (1,)]
    assert modes[0].median == pytest.approx(48_000, rel=0.01)
    assert modes[1].median == pytest.approx(130_000, rel=0.01)
    assert [m.share for m in modes] == [0.75, 0.25]


def test_one_skewed_mode_is_one_mode() -> None:
    # a heavy right tail (as the posterior of N has) is not a second mode
    draws = np.exp(np.random.default_rng(5).gamma(2.0, 0.5, size=(4, 1000)) + 6.0)
    modes = posterior_modes(draws)
    assert len(modes) == 1 and modes[0].chains == (1, 2, 3, 4) and modes[0].share == 1.0


def test_a_handful_of_stray_draws_is_not_a_mode() -> None:
    rng = np.random.default_rng(6)
    draws = np.exp(rng.normal(7.0, 0.1, size=(2, 1000)))
    draws[0, :40] = np.exp(rng.normal(9.0, 0.05, size=40))  # 2% far away
    assert len(posterior_modes(draws)) == 1
