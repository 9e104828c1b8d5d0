"""Convergence of Markov chains: rank-normalised split R-hat and bulk effective sample size
(Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021, the definitions Stan and ArviZ use).

Why rank-normalised: the posterior of N is skewed and heavy-tailed, where the classic
Gelman–Rubin statistic on raw draws can look fine while the chains disagree in the tail.
Splitting each chain in two also catches a chain that is still drifting.

When chains disagree because the posterior has several modes they do not move between,
:func:`posterior_modes` finds the modes, so that a warning can name them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks
from scipy.special import ndtri
from scipy.stats import gaussian_kde, rankdata


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


@dataclass(frozen=True)
class Mode:
    """One mode of the pooled draws: its median, its share of the draws, and the chains
    (numbered from 1) that spent most of their draws in it."""

    median: float
    share: float
    chains: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "share": self.share, "chains": list(self.chains)}


def posterior_modes(draws: NDArray[np.float64], *, min_share: float = 0.05,
                    dip: float = 0.7, grid: int = 512) -> list[Mode]:
    """The separate modes of positive draws (chains × iterations), found on the log scale.

    A kernel density estimate (bandwidth by Silverman's robust rule, 0.9·min(sd, IQR/1.34)·
    n^(−1/5), which does not smooth two modes into one the way the sd alone would) gives the
    local maxima; two neighbouring maxima count as separate modes only when the density
    between them falls below ``dip`` times the lower one, and a mode needs ``min_share`` of
    the draws. Draws are split at the lowest points between modes. Why hand-written: SciPy
    gives the density and the peaks, but not this merging of shallow or small ones, which is
    what keeps the tail's wiggles from being reported as modes."""
    array = np.asarray(draws, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    x = np.log(np.maximum(array.reshape(-1), 1e-300))
    chain_of = np.repeat(np.arange(array.shape[0]), array.shape[1])
    spread = min(float(x.std()), float(np.subtract(*np.percentile(x, [75, 25]))) / 1.34)
    bounds: list[float] = []
    if spread > 0 and x.size >= 20:
        width = 0.9 * spread * x.size ** -0.2
        points = np.linspace(x.min() - 3 * width, x.max() + 3 * width, grid)
        density = gaussian_kde(x, bw_method=width / float(x.std()))(points)
        peaks = list(find_peaks(density)[0])
        while True:
            valleys = [a + int(np.argmin(density[a:b + 1]))
                       for a, b in zip(peaks[:-1], peaks[1:], strict=True)]
            shallow = [i for i, v in enumerate(valleys) if density[v] >= dip * min(
                density[peaks[i]], density[peaks[i + 1]])]
            edges = [float(points[v]) for v in valleys]
            shares = np.diff(np.searchsorted(np.sort(x), [-np.inf, *edges, np.inf])) / x.size
            small = [i for i, share in enumerate(shares) if share < min_share]
            if not shallow and not small:
                bounds = edges
                break
            if shallow:  # merge across the shallowest dip: drop its lower peak
                i = max(shallow, key=lambda j: density[valleys[j]] / min(
                    density[peaks[j]], density[peaks[j + 1]]))
                peaks.pop(i if density[peaks[i]] < density[peaks[i + 1]] else i + 1)
            else:  # a mode too small to report joins the neighbour across the higher valley
                i = small[0]
                sides = [j for j in (i - 1, i) if 0 <= j < len(valleys)]
                j = max(sides, key=lambda v: density[valleys[v]])
                peaks.pop(j if i == j + 1 else j + 1)
    which = np.searchsorted(bounds, x)
    modes = []
    for index in range(len(bounds) + 1):
        inside = which == index
        majority = [c + 1 for c in range(array.shape[0])
                    if np.mean(which[chain_of == c] == index) > 0.5]
        modes.append(Mode(median=float(np.exp(np.median(x[inside]))),
                          share=float(inside.mean()), chains=tuple(majority)))
    return modes
