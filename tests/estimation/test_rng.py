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
                                      (5000, 0.01), (40, 0.5)])
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
