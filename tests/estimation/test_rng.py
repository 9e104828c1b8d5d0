"""The compiled generators draw from the distributions they claim (fixed seeds, so these
tests are deterministic; each would fail by chance with probability about 1e-3)."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from scipy import stats

from surplace.estimation import rng

DRAWS = 100_000


@njit(cache=True)
def _binomials(state: np.ndarray, n: int, p: float, size: int) -> np.ndarray:
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i] = rng.binomial(state, n, p)
    return out


@njit(cache=True)
def _poissons(state: np.ndarray, lam: float, size: int) -> np.ndarray:
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i] = rng.poisson(state, lam)
    return out


@njit(cache=True)
def _gammas(state: np.ndarray, shape: float, size: int) -> np.ndarray:
    out = np.empty(size)
    for i in range(size):
        out[i] = rng.gamma_variate(state, shape)
    return out


@njit(cache=True)
def _normals(state: np.ndarray, size: int) -> np.ndarray:
    out = np.empty(size)
    for i in range(size):
        out[i] = rng.normal(state)
    return out


def chi_square_p(draws: np.ndarray, pmf: np.ndarray, values: np.ndarray) -> float:
    expected = pmf * draws.size
    keep = expected > 5
    observed = np.array([(draws == v).sum() for v in values[keep]])
    statistic = ((observed - expected[keep]) ** 2 / expected[keep]).sum()
    return float(stats.chi2.sf(statistic, keep.sum() - 1))


@pytest.mark.parametrize(("n", "p"), [(10, 0.3), (936, 0.3), (936, 0.9), (100_000, 1e-4),
                                      (200, 0.095), (5000, 0.01), (40, 0.5)])
def test_binomial(n: int, p: float) -> None:
    draws = _binomials(rng.seed_states(n, 1)[0], n, p, DRAWS)
    values = np.arange(draws.min(), draws.max() + 1)
    assert chi_square_p(draws, stats.binom.pmf(values, n, p), values) > 1e-3


@pytest.mark.parametrize("lam", [0.5, 9.5, 10.0, 60.0, 3000.5])
def test_poisson(lam: float) -> None:
    draws = _poissons(rng.seed_states(int(lam), 1)[0], lam, DRAWS)
    values = np.arange(draws.min(), draws.max() + 1)
    assert chi_square_p(draws, stats.poisson.pmf(values, lam), values) > 1e-3


@pytest.mark.parametrize("shape", [0.05, 0.5, 1.0, 3.0, 250.0])
def test_gamma(shape: float) -> None:
    draws = _gammas(rng.seed_states(7, 1)[0], shape, DRAWS)
    assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > 1e-3


def test_normal_including_tails() -> None:
    draws = _normals(rng.seed_states(3, 1)[0], 400_000)
    assert stats.kstest(draws, "norm").pvalue > 1e-3
    tail = np.mean(np.abs(draws) > 3.5)
    assert tail == pytest.approx(2 * stats.norm.sf(3.5), rel=0.2)


def test_streams_are_reproducible_and_distinct() -> None:
    a, b = rng.seed_states(42, 2)
    assert np.array_equal(rng.seed_states(42, 2), rng.seed_states(42, 2))
    assert not np.array_equal(_normals(a.copy(), 10), _normals(b.copy(), 10))


@njit(cache=True)
def _integer_gammas(state: np.ndarray, shape: int, size: int) -> np.ndarray:
    out = np.empty(size)
    for i in range(size):
        out[i] = rng.gamma_integer(state, shape)
    return out


@njit(cache=True)
def _betas(state: np.ndarray, a: int, b: int, size: int) -> np.ndarray:
    out = np.empty((size, 2))
    for i in range(size):
        out[i, 0], out[i, 1] = rng.beta_integer(state, a, b)
    return out


@njit(cache=True)
def _log_betas(state: np.ndarray, a: int, b: float, size: int) -> np.ndarray:
    out = np.empty((size, 2))
    for i in range(size):
        out[i, 0], out[i, 1] = rng.log_beta_first_integer(state, a, b)
    return out


@njit(cache=True)
def _multinomials(state: np.ndarray, n: int, weights: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, weights.size), dtype=np.int64)
    split = np.zeros(weights.size, dtype=np.int64)
    for i in range(size):
        rng.multinomial(state, n, weights, weights.sum(), split)
        out[i] = split
    return out


@pytest.mark.parametrize("shape", [1, 2, 3, 4, 57, 5000])  # sums of exponentials, table, above
def test_gamma_of_integer_shape(shape: int) -> None:
    draws = _integer_gammas(rng.seed_states(shape, 1)[0], shape, DRAWS)
    assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > 1e-3


@pytest.mark.parametrize(("a", "b"), [(1, 1), (1, 9), (9, 1), (1, 4000), (3, 5), (250, 40)])
def test_beta_of_integer_shapes_and_its_complement(a: int, b: int) -> None:
    draws = _betas(rng.seed_states(a * 7 + b, 1)[0], a, b, DRAWS)
    assert stats.kstest(draws[:, 0], stats.beta(a, b).cdf).pvalue > 1e-3
    # the complement is returned exactly, not as 1 − X (which loses digits near 1)
    assert stats.kstest(draws[:, 1], stats.beta(b, a).cdf).pvalue > 1e-3
    assert np.allclose(draws.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize(("a", "b"), [(1, 0.3), (1, 57.5), (6, 0.4), (6, 30.2)])
def test_stick_breaking_fraction_in_logs(a: int, b: float) -> None:
    draws = _log_betas(rng.seed_states(a + int(b), 1)[0], a, b, DRAWS)
    assert stats.kstest(np.exp(draws[:, 0]), stats.beta(a, b).cdf).pvalue > 1e-3
    assert np.allclose(np.exp(draws[:, 0]) + np.exp(draws[:, 1]), 1.0, rtol=1e-9)


def test_stick_breaking_with_a_tiny_concentration_stays_finite() -> None:
    draws = _log_betas(rng.seed_states(9, 1)[0], 1, 1e-300, 1000)
    assert np.all(np.isfinite(draws)) and np.all(draws[:, 0] == 0.0)  # V = 1: the rest is 0
    assert np.all(draws[:, 1] < -1e280)  # log(1 − V) = log(U)/b


def test_multinomial_takes_unnormalised_weights() -> None:
    weights = np.array([2.0, 0.0, 0.5, 1.2, 1e-9])  # sums to 3.7
    draws = _multinomials(rng.seed_states(5, 1)[0], 400, weights, 20_000)
    assert np.all(draws.sum(axis=1) == 400) and np.all(draws[:, 1] == 0)
    for k in (0, 2, 3):
        p = weights[k] / weights.sum()
        values = np.arange(draws[:, k].min(), draws[:, k].max() + 1)
        assert chi_square_p(draws[:, k], stats.binom.pmf(values, 400, p), values) > 1e-3
