"""Convergence of Markov chains: rank-normalised split R-hat and bulk effective sample size
(Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021, the definitions Stan and ArviZ use).

Why rank-normalised: the posterior of N is skewed and heavy-tailed, where the classic
Gelman–Rubin statistic on raw draws can look fine while the chains disagree in the tail.
Splitting each chain in two also catches a chain that is still drifting.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri
from scipy.stats import rankdata


def _split(draws: NDArray[np.float64]) -> NDArray[np.float64]:
    chains, length = draws.shape
    half = length // 2
    return np.vstack([draws[:, :half], draws[:, length - half:]])


def _rank_normal(draws: NDArray[np.float64]) -> NDArray[np.float64]:
    ranks = rankdata(draws, method="average").reshape(draws.shape)
    return np.asarray(ndtri((ranks - 0.375) / (draws.size + 0.25)), dtype=np.float64)


def _rhat(draws: NDArray[np.float64]) -> float:
    chains, length = draws.shape
    within = float(np.mean(np.var(draws, axis=1, ddof=1)))
    between = length * float(np.var(np.mean(draws, axis=1), ddof=1))
    if within <= 0:
        return 1.0 if between <= 0 else math.inf
    pooled = (length - 1) / length * within + between / length
    return math.sqrt(pooled / within)


def split_rhat(draws: NDArray[np.float64]) -> float:
    """Rank-normalised split R-hat, the larger of the bulk and the folded (tail) versions.
    ``draws`` is chains × iterations; below 1.01 is the usual bar."""
    array = np.asarray(draws, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 4:
        return math.nan
    if np.ptp(array) == 0:
        return 1.0
    split = _split(array)
    bulk = _rhat(_rank_normal(split))
    folded = _rhat(_rank_normal(np.abs(split - np.median(split))))
    return max(bulk, folded)


def _autocovariance(chain: NDArray[np.float64]) -> NDArray[np.float64]:
    length = chain.size
    centred = chain - chain.mean()
    size = 1 << (2 * length - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    acov = np.fft.irfft(spectrum * np.conjugate(spectrum), size)[:length]
    return np.asarray(acov / length, dtype=np.float64)


def effective_sample_size(draws: NDArray[np.float64]) -> float:
    """Bulk ESS of rank-normalised split chains with Geyer's initial monotone sequence."""
    array = np.asarray(draws, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 4:
        return math.nan
    if np.ptp(array) == 0:
        return float(array.size)
    split = _rank_normal(_split(array))
    chains, length = split.shape
    acov = np.array([_autocovariance(c) for c in split])
    means = split.mean(axis=1)
    variances = acov[:, 0] * length / (length - 1)
    within = float(variances.mean())
    pooled = within * (length - 1) / length
    if chains > 1:
        pooled += float(np.var(means, ddof=1))
    rho = 1 - (within - acov.mean(axis=0)) / pooled
    rho[0] = 1.0
    total = 0.0
    previous = math.inf
    for t in range(0, length - 1, 2):
        pair = float(rho[t] + rho[t + 1])
        if pair < 0:
            break
        pair = min(pair, previous)
        previous = pair
        total += pair
    tau = max(-1 + 2 * total, 1 / math.log10(chains * length))
    return float(chains * length / tau)
