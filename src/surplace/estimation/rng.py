"""Random variates for the compiled samplers: a small, fast, seedable generator per chain.

Why not NumPy's ``Generator`` inside Numba: each call goes through a function pointer to the
bit generator and its binomial costs ~200 ns for the large counts LCMCR splits every sweep,
which would make the sampler slower than R's. Here each chain owns a 4-word xoshiro256**
state (Blackman & Vigna 2018) seeded from NumPy's ``SeedSequence``, so chains are independent
and a seed reproduces a run whatever the thread schedule. The variates:

* normal: the ziggurat (Marsaglia & Tsang 2000, in Doornik's 2005 form);
* gamma: Marsaglia & Tsang (2000), with the shape < 1 boost G(a) = G(a+1)·U^(1/a),
  kept in log space where the shape can be tiny (stick-breaking); for integer shapes (LCMCR's
  Beta(1 + count, 1 + count) draws) a sum of exponentials up to shape 3 and tabled constants
  above, and Beta(1, b), Beta(a, 1) by inverting their CDFs;
* binomial: inversion for small means (Kachitvichyanukul & Schmeiser 1988, BINV) and
  Hörmann's (1993) transformed rejection BTRD otherwise; the multinomial by conditional
  binomials, stopping when nobody is left;
* Poisson: multiplication for small means, Hörmann's (1993) PTRS otherwise.

They are checked against SciPy's distributions in ``tests/estimation/test_rng.py``. They are
compiled with NumPy's error model (a division by zero gives inf, not an exception): the
callers guard their divisions, and Python's model puts a test and a branch on every one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numba import njit
from numpy.typing import NDArray

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_TWO_POW_M53 = 1.0 / 9007199254740992.0


def seed_states(seed: int | Sequence[int] | None, streams: int) -> NDArray[np.uint64]:
    """One xoshiro256** state per stream, from NumPy's SeedSequence (never all zero)."""
    sequence = np.random.SeedSequence(seed)
    states = np.array([child.generate_state(4, dtype=np.uint64)
                       for child in sequence.spawn(streams)], dtype=np.uint64)
    states[np.all(states == 0, axis=1), 0] = np.uint64(0x9E3779B97F4A7C15)
    return states


@njit(inline="always", cache=True, error_model="numpy")
def _rotl(x: np.uint64, k: np.uint64) -> np.uint64:
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(inline="always", cache=True, error_model="numpy")
def next_u64(s: NDArray[np.uint64]) -> np.uint64:
    result = _rotl(s[1] * np.uint64(5), np.uint64(7)) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], np.uint64(45))
    return result


@njit(inline="always", cache=True, error_model="numpy")
def uniform(s: NDArray[np.uint64]) -> float:
    """Uniform on the open interval (0, 1), so its logarithm is finite."""
    return (float(next_u64(s) >> np.uint64(11)) + 0.5) * _TWO_POW_M53


def _ziggurat_tables(blocks: int = 128, right: float = 3.442619855899,
                     volume: float = 9.91256303526217e-3) -> tuple[NDArray[np.float64],
                                                                    NDArray[np.float64]]:
    """Doornik's (2005) ZIGNOR tables for Marsaglia & Tsang's (2000) ziggurat."""
    x = np.zeros(blocks + 1)
    f = math.exp(-0.5 * right * right)
    x[0] = volume / f
    x[1] = right
    for i in range(2, blocks):
        x[i] = math.sqrt(-2.0 * math.log(volume / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    ratio = x[1:] / x[:-1]
    return x, ratio


_ZIG_X, _ZIG_R = _ziggurat_tables()
_ZIG_RIGHT = 3.442619855899


@njit(inline="always", cache=True, error_model="numpy")
def normal(s: NDArray[np.uint64]) -> float:
    """Standard normal by the ziggurat: one 64-bit draw gives the layer (7 low bits) and
    the abscissa (53 high bits); ~99% of draws need nothing more."""
    while True:
        bits = next_u64(s)
        i = int(bits & np.uint64(127))
        u = 2.0 * (float(bits >> np.uint64(11)) * _TWO_POW_M53) - 1.0
        if abs(u) < _ZIG_R[i]:
            return float(u * _ZIG_X[i])
        if i == 0:
            while True:
                x = math.log(uniform(s)) / _ZIG_RIGHT
                y = math.log(uniform(s))
                if -2.0 * y >= x * x:
                    return x - _ZIG_RIGHT if u < 0 else _ZIG_RIGHT - x
        x = u * _ZIG_X[i]
        f0 = math.exp(-0.5 * (_ZIG_X[i] * _ZIG_X[i] - x * x))
        f1 = math.exp(-0.5 * (_ZIG_X[i + 1] * _ZIG_X[i + 1] - x * x))
        if f1 + uniform(s) * (f0 - f1) < 1.0:
            return float(x)


@njit(inline="always", cache=True, error_model="numpy")
def _marsaglia_tsang(s: NDArray[np.uint64], d: float, c: float) -> float:
    while True:
        x = normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(s)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v
        if math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v


@njit(cache=True, error_model="numpy")
def _gamma_large(s: NDArray[np.uint64], shape: float) -> float:
    d = shape - 1.0 / 3.0
    return _marsaglia_tsang(s, d, 1.0 / math.sqrt(9.0 * d))


@njit(cache=True, error_model="numpy")
def log_gamma_variate(s: NDArray[np.uint64], shape: float) -> float:
    """log of a Gamma(shape, 1) draw, finite even when the shape is tiny."""
    if shape >= 1.0:
        return math.log(float(_gamma_large(s, shape)))
    return math.log(float(_gamma_large(s, shape + 1.0))) + math.log(float(uniform(s))) / shape


@njit(cache=True, error_model="numpy")
def gamma_variate(s: NDArray[np.uint64], shape: float) -> float:
    if shape >= 1.0:
        return float(_gamma_large(s, shape))
    return math.exp(float(log_gamma_variate(s, shape)))


# Marsaglia & Tsang's constants for the integer shapes LCMCR's Beta draws use (1 + a count):
# a table look-up instead of a square root and a division on every draw.
_INTEGER_SHAPES = 4096
_MT_D = np.arange(_INTEGER_SHAPES, dtype=np.float64) - 1.0 / 3.0
_MT_C = 1.0 / np.sqrt(9.0 * np.maximum(_MT_D, 1.0 / 3.0))
_EXPONENTIAL_SUM = 3  # up to this shape, a sum of exponentials (one logarithm) is cheaper


@njit(inline="always", cache=True, error_model="numpy")
def gamma_integer(s: NDArray[np.uint64], shape: int) -> float:
    """Gamma(shape, 1) for an integer shape ≥ 1: −log of a product of uniforms (a sum of
    exponentials) for the smallest shapes, Marsaglia–Tsang with tabled constants otherwise."""
    if shape <= _EXPONENTIAL_SUM:
        product = uniform(s)
        for _ in range(shape - 1):
            product *= uniform(s)
        return -math.log(product)
    if shape < _INTEGER_SHAPES:
        return _marsaglia_tsang(s, _MT_D[shape], _MT_C[shape])
    return _gamma_large(s, float(shape))


@njit(inline="always", cache=True, error_model="numpy")
def beta_integer(s: NDArray[np.uint64], a: int, b: int) -> tuple[float, float]:
    """(X, 1 − X) for X ~ Beta(a, b) with integer shapes ≥ 1. Both are returned because
    1 − X loses its digits when X is near 1. Beta(1, 1) is a uniform and Beta(1, b),
    Beta(a, 1) invert their CDFs (X = 1 − U^(1/b), X = U^(1/a)); the rest is a ratio of
    gammas. LCMCR's empty and nearly empty classes make the first three the common case."""
    if a == 1 and b == 1:
        u = uniform(s)
        return u, 1.0 - u
    if a == 1:
        t = math.log(uniform(s)) / b
        return -math.expm1(t), math.exp(t)
    if b == 1:
        t = math.log(uniform(s)) / a
        return math.exp(t), -math.expm1(t)
    return _gamma_ratio(s, a, b)


# The gamma-based paths are compiled once, out of line: inlined at every call site, their
# rejection loops (with the ziggurat's) doubled the sampler's compile time.
@njit(cache=True, error_model="numpy")
def _gamma_ratio(s: NDArray[np.uint64], a: int, b: int) -> tuple[float, float]:
    x = gamma_integer(s, a)
    y = gamma_integer(s, b)
    scale = 1.0 / (x + y)
    return x * scale, y * scale


@njit(inline="always", cache=True, error_model="numpy")
def log_beta_first_integer(s: NDArray[np.uint64], a: int, b: float) -> tuple[float, float]:
    """(log V, log(1 − V)) for V ~ Beta(a, b), a an integer ≥ 1 and b > 0 possibly tiny
    (stick-breaking: V_k ~ Beta(1 + n_k, α + Σ_{h>k} n_h)). For a = 1, an empty class,
    log(1 − V) = log(U)/b exactly; otherwise a ratio of gammas kept in logs."""
    if a == 1:
        t = math.log(uniform(s)) / b
        return math.log(-math.expm1(t)), t
    return _log_gamma_ratio(s, a, b)


@njit(cache=True, error_model="numpy")
def _log_gamma_ratio(s: NDArray[np.uint64], a: int, b: float) -> tuple[float, float]:
    x = gamma_integer(s, a)
    if b >= 1.0:  # neither gamma can underflow: two logarithms of a ratio suffice
        y = _gamma_large(s, b)
        scale = 1.0 / (x + y)
        return math.log(x * scale), math.log(y * scale)
    lx = math.log(x)
    ly = float(log_gamma_variate(s, b))
    top = max(lx, ly)
    log_sum = top + math.log(math.exp(lx - top) + math.exp(ly - top))
    return lx - log_sum, ly - log_sum


@njit(cache=True, error_model="numpy")
def _stirling_tail(k: float) -> float:
    """log k! − [(k + ½)·log(k+1) − (k+1) + ½·log 2π], Hörmann's f_c."""
    return math.lgamma(k + 1.0) - (k + 0.5) * math.log(k + 1.0) + (k + 1.0) - _HALF_LOG_2PI


_RECIPROCALS = 1.0 / np.arange(1, 257, dtype=np.float64)  # 1/x: a multiply for a divide


@njit(inline="always", cache=True, error_model="numpy")
def _binomial_inversion(s: NDArray[np.uint64], n: int, p: float) -> int:
    """BINV; since P(X = 0) = qⁿ ≥ 1 − np (Bernoulli's inequality), a uniform below 1 − np
    is a zero without computing qⁿ: most draws for the nearly empty classes of a sweep. The
    recurrence P(x)/P(x−1) = a/x − p/q takes 1/x from a table (the search is short: np < 20)."""
    first = uniform(s)
    if first <= 1.0 - n * p:
        return 0
    q = 1.0 - p
    ratio = p / q
    a = (n + 1) * ratio
    start = math.exp(n * math.log(q))
    u = first
    while True:
        r = start
        x = 0
        while u > r:
            u -= r
            x += 1
            if x > n:
                break
            r *= (a * _RECIPROCALS[x - 1] if x <= 256 else a / x) - ratio
        if x <= n:
            return x
        u = uniform(s)


@njit(inline="always", cache=True, error_model="numpy")
def _binomial_btrd(s: NDArray[np.uint64], n: int, p: float) -> int:
    q = 1.0 - p
    npq = n * p * q
    spq = math.sqrt(npq)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    alpha = (2.83 + 5.1 / b) * spq
    vr = 0.92 - 4.2 / b
    urvr = 0.86 * vr
    m = math.floor((n + 1) * p)
    r = p / q
    nr = (n + 1) * r
    while True:
        v = uniform(s)
        if v <= urvr:
            u = v / vr - 0.43
            return int(math.floor((2.0 * a / (0.5 - abs(u)) + b) * u + c))
        if v >= vr:
            u = uniform(s) - 0.5
        else:
            u = v / vr - 0.93
            u = math.copysign(0.5, u) - u
            v = uniform(s) * vr
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = v * alpha / (a / (us * us) + b)
        km = abs(k - m)
        if km <= 15:
            f = 1.0
            if m < k:
                i = m
                while i < k:
                    i += 1
                    f *= nr / i - r
            elif m > k:
                i = k
                while i < m:
                    i += 1
                    v *= nr / i - r
            if v <= f:
                return int(k)
            continue
        v = math.log(v)
        rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5)
        t = -km * km / (2.0 * npq)
        if v < t - rho:
            return int(k)
        if v > t + rho:
            continue
        nm = n - m + 1.0
        h = ((m + 0.5) * math.log((m + 1.0) / (r * nm)) + _stirling_tail(m)
             + _stirling_tail(n - m))
        nk = n - k + 1.0
        if v <= (h + (n + 1.0) * math.log(nm / nk) + (k + 0.5) * math.log(nk * r / (k + 1.0))
                 - _stirling_tail(k) - _stirling_tail(n - k)):
            return int(k)


@njit(inline="always", cache=True, error_model="numpy")
def binomial(s: NDArray[np.uint64], n: int, p: float) -> int:
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    small = 1.0 - p if flip else p
    # BTRD needs np ≥ 10; up to 20 the table-driven inversion is as fast or faster (measured on
    # the cells of the MSE tables), and qⁿ ≥ e^(−40) cannot underflow there
    x = _binomial_inversion(s, n, small) if n * small < 20.0 else _binomial_btrd(s, n, small)
    return n - x if flip else x


@njit(cache=True, error_model="numpy")
def poisson(s: NDArray[np.uint64], lam: float) -> int:
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        limit = math.exp(-lam)
        k = 0
        product = uniform(s)
        while product > limit:
            k += 1
            product *= uniform(s)
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
                <= -lam + k * loglam - math.lgamma(k + 1.0)):
            return int(k)


@njit(cache=True, error_model="numpy")
def negative_binomial(s: NDArray[np.uint64], size: float, success: float) -> int:
    """Failures before ``size`` successes of probability ``success`` (a gamma–Poisson mix)."""
    if success >= 1.0:
        return 0
    return poisson(s, gamma_variate(s, size) * (1.0 - success) / success)


@njit(cache=True, error_model="numpy")
def multinomial(s: NDArray[np.uint64], n: int, weights: NDArray[np.float64], total: float,
                out: NDArray[np.int64]) -> None:
    """Split ``n`` over categories by conditional binomials: category k takes
    Binomial(remaining, w_k / Σ_{i≥k} w_i). ``weights`` need not be normalised (``total`` is
    their sum), which saves a pass; the split stops as soon as nobody is left."""
    remaining = n
    rest = total
    last = weights.size - 1
    for k in range(last + 1):
        out[k] = 0
    for k in range(last):
        if remaining == 0:
            return
        wk = weights[k]
        if rest <= wk or rest <= 0.0:
            out[k] = remaining
            return
        x = binomial(s, remaining, wk / rest)
        out[k] = x
        remaining -= x
        rest -= wk
    out[last] = remaining
