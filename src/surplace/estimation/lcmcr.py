"""The Bayesian non-parametric latent-class model for capture–recapture (Manrique-Vallier 2016,
"Bayesian population size estimation using Dirichlet process mixtures", Biometrics 72:1246),
the model of R's LCMCR and of HRDAG's estimates where capture is heterogeneous.

People fall into latent classes; within a class the lists catch independently, with
probability λ_jk for list j in class k. Class weights ν follow a stick-breaking prior truncated
at K classes (Ishwaran & James 2001) with concentration α ~ Gamma(a_α, b_α); λ_jk ~ Beta(1, 1);
p(N) ∝ 1/N. Mixing over classes lets catchability vary between people, which is what breaks
independence models, without choosing a model of dependence.

The Gibbs sweep works on the table of pattern counts, not on individuals, and follows LCMCR:

1. split each observed pattern's count over classes: Multinomial(f_m, ∝ ν_k·P(x_m | λ_k));
2. λ_jk ~ Beta(1 + caught, 1 + not caught), counting the imputed unseen people of class k;
3. ν by stick-breaking: V_k ~ Beta(1 + n_k, α + Σ_{h>k} n_h), V_K = 1 (in log space);
4. p0 = Σ_k ν_k ∏_j (1 − λ_jk), the chance of being on no list;
5. n0 ~ NegBinomial(n, 1 − p0), redrawn while above ``cap``·n (LCMCR's cap of 20·n);
6. the n0 unseen people over classes: Multinomial(n0, ∝ ν_k ∏_j (1 − λ_jk));
7. α ~ Gamma(a_α + K − 1, rate b_α − log ν_K).

It starts, as LCMCR does, from λ at the lists' capture rates and α = 0.3/K, with 500 warm-up
sweeps without the α update, after which classes are relabelled by decreasing weight.

Structural zeros, which LCMCR cannot take, are handled by the truncation argument of
Manrique-Vallier & Reiter (2014, JCGS): impossible patterns are augmented with "phantom"
draws — NegBinomial(N, 1 − π_S) of them, π_S the model's probability of an impossible pattern —
so that the complete-data likelihood is again an untruncated latent-class one, and n0 is drawn
with p0 replaced by p0 / (1 − π_S).

The sweep is compiled with Numba; chains run in threads (the compiled code releases the GIL),
each with its own random stream (:mod:`.rng`), so a seed reproduces a run exactly.

Where a sweep's time goes, and why it is written as it is (measured on Kosovo, 4 lists and 15
observed patterns; benchmarks/estimation.py): about half is step 1, some 130 conditional
binomials, most with a small mean (inversion) and a few large (BTRD); the rest is the 40 Beta
draws of step 2 and the stick-breaking. Hence: the state is kept in linear form (1 − λ and the
odds λ/(1 − λ), and per class one logarithm of ∏_j (1 − λ_jk)), so a pattern's class weights
are products, without an exponential per cell and class; the multinomials take unnormalised
weights; the Beta draws have integer shapes, so empty and nearly empty classes (Beta(1, b),
Beta(a, 1)) invert their CDFs from one uniform instead of drawing two gammas, and the others
take Marsaglia–Tsang's constants from a table; an empty class's stick-breaking weight is one
uniform. Every draw is still exact, so the posterior is the same as before these changes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from numba import njit
from numpy.typing import NDArray

from surplace.estimation import rng
from surplace.estimation.convergence import effective_sample_size, posterior_modes, split_rhat
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import MethodResult

WARMUP = 500
POSTERIOR = "95% posterior interval (2.5% and 97.5% quantiles of the pooled chains)"


@dataclass(frozen=True)
class Settings:
    """The sampler's settings; the defaults are the README reference runs' (LCMCR's
    examples): K = 10, a_α = b_α = 0.25, 10,000 burn-in sweeps, 1,000 draws every 100."""

    classes: int = 10
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    burnin: int = 10_000
    samples: int = 1_000
    thinning: int = 100
    chains: int = 4
    cap: float = 20.0
    threads: int = 0

    @property
    def sweeps(self) -> int:
        return self.burnin + self.samples * self.thinning

    def scaled(self, factor: int) -> Settings:
        """Chains ``factor`` times as long with the same number of kept draws: burn-in and
        thinning multiplied (what to do when chains sit in different modes)."""
        return replace(self, burnin=self.burnin * factor, thinning=self.thinning * factor)


@dataclass
class Chain:
    """One chain's state, mutated in place by the compiled sweeps."""

    lam: NDArray[np.float64]
    log_nu: NDArray[np.float64]
    alpha: NDArray[np.float64]
    integers: NDArray[np.int64]  # n0, sweeps done
    unseen: NDArray[np.int64]  # unseen people per class
    phantom: NDArray[np.int64]  # phantoms per class (structural zeros)
    phantom_caught: NDArray[np.int64]  # phantoms caught per list and class
    state: NDArray[np.uint64]
    draws: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    alphas: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    occupied: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


@njit(cache=True, nogil=True, error_model="numpy")
def _sweeps(patterns: NDArray[np.int64], counts: NDArray[np.int64],
            zeros: NDArray[np.int64], lam: NDArray[np.float64], log_nu: NDArray[np.float64],
            alpha: NDArray[np.float64], integers: NDArray[np.int64],
            unseen: NDArray[np.int64], phantom: NDArray[np.int64],
            phantom_caught: NDArray[np.int64], s: NDArray[np.uint64], sweeps: int,
            update_alpha: bool, burnin: int, thinning: int, a_alpha: float, b_alpha: float,
            cap: float, out_n: NDArray[np.float64], out_alpha: NDArray[np.float64],
            out_occupied: NDArray[np.float64]) -> None:
    m_cells, lists = patterns.shape
    classes = lam.shape[1]
    n_zero = zeros.shape[0]
    n = 0
    for m in range(m_cells):
        n += counts[m]
    # the lists each pattern is on: the cell loop multiplies only those
    on = np.zeros((m_cells, lists), dtype=np.int64)
    n_on = np.zeros(m_cells, dtype=np.int64)
    for m in range(m_cells):
        for j in range(lists):
            if patterns[m, j] == 1:
                on[m, n_on[m]] = j
                n_on[m] += 1
    zero_on = np.zeros((max(n_zero, 1), lists), dtype=np.int64)
    zero_n_on = np.zeros(max(n_zero, 1), dtype=np.int64)
    for z in range(n_zero):
        for j in range(lists):
            if zeros[z, j] == 1:
                zero_on[z, zero_n_on[z]] = j
                zero_n_on[z] += 1
    total = np.zeros(classes, dtype=np.int64)
    caught = np.zeros((lists, classes), dtype=np.int64)
    split = np.zeros(classes, dtype=np.int64)
    weights = np.zeros(classes)
    scale = np.zeros(classes)
    zero_weights = np.zeros(max(n_zero, 1) * classes)
    zero_split = np.zeros(max(n_zero, 1) * classes, dtype=np.int64)
    # State in linear form: 1 − λ and the odds λ/(1 − λ) (products of ≤ 20 factors in
    # [1e-12, 1e12] cannot overflow), and per class log ∏_j (1 − λ_jk); with it
    # base_k = log ν_k + Σ_j log(1 − λ_jk) = log P(class k, on no list).
    linear = lists <= 20
    keep_logs = not linear or n_zero > 0  # log-odds, for the log-space paths
    miss = np.zeros((lists, classes))
    odds = np.zeros((lists, classes))
    log_odds = np.zeros((lists, classes))
    log_miss = np.zeros(classes)
    base = np.zeros(classes)
    for k in range(classes):
        acc = 0.0
        for j in range(lists):
            miss[j, k] = 1.0 - lam[j, k]
            odds[j, k] = lam[j, k] / miss[j, k]
            acc += math.log(miss[j, k])
            log_odds[j, k] = math.log(lam[j, k]) - math.log(miss[j, k])
        log_miss[k] = acc
        base[k] = log_nu[k] + acc
    for _ in range(sweeps):
        # 1. observed patterns over classes: P(pattern m, class k) ∝ e^{base_k} ∏_{j on} odds
        top = -np.inf
        for k in range(classes):
            top = max(top, base[k])
        for k in range(classes):
            scale[k] = math.exp(base[k] - top)
            total[k] = unseen[k] + phantom[k]
            for j in range(lists):
                caught[j, k] = phantom_caught[j, k]
        for m in range(m_cells):
            norm = 0.0
            if linear:  # row by row, so that the loops over classes vectorise
                for k in range(classes):
                    weights[k] = scale[k]
                for i in range(n_on[m]):
                    j = on[m, i]
                    for k in range(classes):
                        weights[k] *= odds[j, k]
                for k in range(classes):
                    norm += weights[k]
            if not norm > 1e-250:  # J > 20, or every class underflowed: in logs
                top_m = -np.inf
                for k in range(classes):
                    v = base[k]
                    for i in range(n_on[m]):
                        j = on[m, i]
                        v += log_odds[j, k] if keep_logs else math.log(odds[j, k])
                    weights[k] = v
                    top_m = max(top_m, v)
                norm = 0.0
                for k in range(classes):
                    weights[k] = math.exp(weights[k] - top_m)
                    norm += weights[k]
            rng.multinomial(s, counts[m], weights, norm, split)
            for k in range(classes):
                total[k] += split[k]
            for i in range(n_on[m]):
                j = on[m, i]
                for k in range(classes):
                    caught[j, k] += split[k]
        # 2. capture probabilities: Beta(1 + caught, 1 + missed), integer shapes
        for k in range(classes):
            t = total[k]
            product = 1.0
            acc = 0.0
            for j in range(lists):
                c = caught[j, k]
                v, w = rng.beta_integer(s, 1 + c, 1 + t - c)
                if v < 1e-12:
                    v, w = 1e-12, 1.0 - 1e-12
                elif w < 1e-12:
                    v, w = 1.0 - 1e-12, 1e-12
                lam[j, k] = v
                miss[j, k] = w
                odds[j, k] = v / w
                if linear:
                    product *= w
                if keep_logs:
                    log_w = math.log(w)
                    log_odds[j, k] = math.log(v) - log_w
                    acc += log_w
            log_miss[k] = math.log(product) if linear else acc
        # 3. stick-breaking weights, in logs
        after = 0
        for k in range(classes):
            after += total[k]
        log_rest = 0.0
        for k in range(classes - 1):
            after -= total[k]
            log_v, log_not_v = rng.log_beta_first_integer(s, 1 + total[k], alpha[0] + after)
            log_nu[k] = log_rest + log_v
            log_rest += log_not_v
        log_nu[classes - 1] = log_rest
        # 4. chance of no list (and of an impossible pattern)
        p0 = 0.0
        for k in range(classes):
            base[k] = log_nu[k] + log_miss[k]
            weights[k] = math.exp(base[k])
            p0 += weights[k]
        p_zero = 0.0
        for z in range(n_zero):
            for k in range(classes):
                v = base[k]
                for i in range(zero_n_on[z]):
                    v += log_odds[zero_on[z, i], k]
                zero_weights[z * classes + k] = math.exp(v)
                p_zero += zero_weights[z * classes + k]
        # 5. unseen count, with LCMCR's cap
        q0 = min(p0 / (1.0 - p_zero), 1.0 - 1e-15)
        n0 = rng.negative_binomial(s, float(n), 1.0 - q0)
        tries = 0
        while n0 > cap * n and tries < 1000:
            n0 = rng.negative_binomial(s, float(n), 1.0 - q0)
            tries += 1
        if n0 > cap * n:
            n0 = int(cap * n)
        integers[0] = n0
        # 6. unseen people over classes, in one multinomial
        rng.multinomial(s, n0, weights, p0, unseen)
        # phantoms for structural zeros
        for k in range(classes):
            phantom[k] = 0
            for j in range(lists):
                phantom_caught[j, k] = 0
        if n_zero > 0:
            extra = rng.negative_binomial(s, float(n + n0), 1.0 - min(p_zero, 1.0 - 1e-15))
            rng.multinomial(s, extra, zero_weights[:n_zero * classes], p_zero, zero_split)
            for z in range(n_zero):
                for k in range(classes):
                    c = zero_split[z * classes + k]
                    phantom[k] += c
                    for i in range(zero_n_on[z]):
                        phantom_caught[zero_on[z, i], k] += c
        # 7. concentration
        if update_alpha:
            rate = b_alpha - log_nu[classes - 1]
            alpha[0] = max(rng.gamma_variate(s, a_alpha + classes - 1) / rate, 1e-300)
        done = integers[1]
        integers[1] = done + 1
        if done >= burnin and (done - burnin + 1) % thinning == 0:
            slot = (done - burnin + 1) // thinning - 1
            if slot < out_n.size:
                occupied = 0
                for k in range(classes):
                    if total[k] > 0:
                        occupied += 1
                out_n[slot] = n + n0
                out_alpha[slot] = alpha[0]
                out_occupied[slot] = occupied


def _new_chain(histories: CaptureHistories, settings: Settings,
               state: NDArray[np.uint64]) -> Chain:
    k, j = settings.classes, histories.n_lists
    totals = histories.patterns.T.astype(np.float64) @ histories.counts
    rates = np.clip(totals / histories.n, 0.01, 0.99)
    return Chain(
        lam=np.ascontiguousarray(np.repeat(rates[:, None], k, axis=1)),
        log_nu=np.full(k, -math.log(k)), alpha=np.array([0.3 / k]),
        integers=np.zeros(2, dtype=np.int64), unseen=np.zeros(k, dtype=np.int64),
        phantom=np.zeros(k, dtype=np.int64), phantom_caught=np.zeros((j, k), dtype=np.int64),
        state=state.copy(), draws=np.zeros(settings.samples),
        alphas=np.zeros(settings.samples), occupied=np.zeros(settings.samples))


class Sampler:
    """Chains of the LCMCR Gibbs sampler over one table, run in chunks so that a progress
    bar can follow them and a caller can stop at convergence."""

    def __init__(self, histories: CaptureHistories, settings: Settings | None = None,
                 seed: int | Sequence[int] | None = None) -> None:
        self.histories = histories
        self.settings = settings or Settings()
        if self.settings.classes < 1 or self.settings.samples < 4 or self.settings.thinning < 1:
            raise ValueError("LCMCR needs K ≥ 1, at least 4 samples and thinning ≥ 1.")
        self.patterns = np.ascontiguousarray(histories.patterns, dtype=np.int64)
        self.counts = np.ascontiguousarray(histories.counts, dtype=np.int64)
        j = histories.n_lists
        self.zeros = np.array([[mask >> b & 1 for b in range(j)]
                               for mask in histories.structural_zeros],
                              dtype=np.int64).reshape(-1, j)
        states = rng.seed_states(seed, self.settings.chains)
        self.chains = [_new_chain(histories, self.settings, s) for s in states]
        for chain in self.chains:
            self._run(chain, WARMUP, update_alpha=False)
            order = np.argsort(-chain.log_nu, kind="stable")
            chain.lam = np.ascontiguousarray(chain.lam[:, order])
            chain.log_nu = np.ascontiguousarray(chain.log_nu[order])
            chain.unseen = np.ascontiguousarray(chain.unseen[order])
            chain.phantom = np.ascontiguousarray(chain.phantom[order])
            chain.phantom_caught = np.ascontiguousarray(chain.phantom_caught[:, order])
            chain.integers[1] = 0

    def _run(self, chain: Chain, sweeps: int, *, update_alpha: bool = True) -> None:
        st = self.settings
        _sweeps(self.patterns, self.counts, self.zeros, chain.lam, chain.log_nu, chain.alpha,
                chain.integers, chain.unseen, chain.phantom, chain.phantom_caught, chain.state,
                sweeps, update_alpha, st.burnin if update_alpha else 1 << 62, st.thinning,
                st.a_alpha, st.b_alpha, st.cap, chain.draws, chain.alphas, chain.occupied)

    def run(self, advance: Callable[[int], None] | None = None, chunk: int = 5_000) -> None:
        """Run every chain to ``settings.sweeps`` sweeps, in threads."""
        self.run_to(self.settings.sweeps, advance, chunk)

    def run_to(self, target: int, advance: Callable[[int], None] | None = None,
               chunk: int = 5_000) -> None:
        """Run every chain until it has made ``target`` sweeps after warm-up (so a caller can
        stop as soon as the chains agree)."""

        def work(chain: Chain) -> None:
            while chain.integers[1] < target:
                step = int(min(chunk, target - chain.integers[1]))
                self._run(chain, step)
                if advance is not None:
                    advance(step)

        workers = self.settings.threads or min(len(self.chains), os.cpu_count() or 1)
        if workers <= 1:
            for chain in self.chains:
                work(chain)
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(work, chain) for chain in self.chains]:
                future.result()

    @property
    def draws(self) -> NDArray[np.float64]:
        """Posterior draws of N, chains × samples."""
        return np.array([chain.draws for chain in self.chains])


def summarise(histories: CaptureHistories, sampler: Sampler) -> MethodResult:
    """Posterior quantiles of N over the pooled chains, with R-hat and ESS."""
    st = sampler.settings
    draws = sampler.draws
    pooled = draws.reshape(-1)
    low, median, high = (float(q) for q in np.quantile(pooled, [0.025, 0.5, 0.975]))
    n = histories.n
    occupied = np.array([c.occupied for c in sampler.chains]).reshape(-1)
    details = {
        "classes": st.classes, "a_alpha": st.a_alpha, "b_alpha": st.b_alpha,
        "burnin": st.burnin, "samples": st.samples, "thinning": st.thinning,
        "chains": st.chains, "sweeps_per_chain": st.sweeps + WARMUP,
        "prior_on_N": "proportional to 1/N", "mean": float(pooled.mean()),
        "rhat": split_rhat(draws) if st.chains > 1 else None,
        "ess": effective_sample_size(draws),
        "chain_medians": [float(np.median(c)) for c in draws],
        "modes": [mode.as_dict() for mode in posterior_modes(draws)],
        "alpha_mean": float(np.mean([c.alphas for c in sampler.chains])),
        "occupied_classes_mean": float(occupied.mean()),
        "share_at_K_classes": float(np.mean(occupied >= st.classes)),
        "share_at_cap": float(np.mean(pooled >= n + st.cap * n)),
        "structural_zeros": [histories.describe_pattern(z) for z in histories.structural_zeros],
    }
    result = MethodResult(
        method="lcmcr", label=f"LCMCR: latent classes, K={st.classes}",
        stratum=histories.label, observed=n, estimate=median, lower=low, upper=high,
        unobserved=median - n, interval=POSTERIOR, details=details)
    return result.with_payload(draws=pooled)


def lcmcr(histories: CaptureHistories, *, settings: Settings | None = None,
          seed: int | Sequence[int] | None = None,
          advance: Callable[[int], None] | None = None) -> MethodResult:
    """Run the sampler with ``settings`` (default: the reference runs') and summarise it."""
    sampler = Sampler(histories, settings, seed)
    sampler.run(advance)
    return summarise(histories, sampler)
