"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997), as
HRDAG's R package dga (Johndrow, Lum & Ball) does it.

Each decomposable graph on the lists is a model of their dependence: lists joined by an edge
may be dependent, and the graph's cliques carry the dependence. With a hyper-Dirichlet prior
(Dawid & Lauritzen 1993) the marginal likelihood of the complete table — the unseen cell
filled with ``n0`` — is a closed form over the cliques C and separators S:

    p(table | G, n0) = ∏_C ML(C) / ∏_S ML(S),   ML(A) = ∏_cells Γ(y + α_A)/Γ(α_A) · Γ(Σα)/Γ(N + Σα)

with α_A = δ·2^(p−|A|) in every cell of the marginal table on A, so every marginal has the
same total prior weight δ·2^p. δ = 2^−p (dga's suggestion) makes that weight 1. The prior on N
is ∝ 1/N (dga's default ``logprior = -log(N)``), the prior over graphs is uniform, and the
multinomial coefficient N!/(n0!·∏y!) links the complete table to the observed one. The result
is the exact joint posterior over (graph, n0) on a grid of n0, with no sampling.

Why enumerate the graphs here instead of shipping dga's lists or adding networkx: a graph on
p ≤ 5 lists is one of at most 2^10 edge sets, chordality is a dozen lines (maximum cardinality
search, Tarjan & Yannakakis 1984), and cliques and separators of so small a graph come from
subsets and a maximum-weight spanning tree of the clique graph (a junction tree; Jensen &
Jensen 1994). That gives dga's 8, 61 and 822 graphs for 3, 4 and 5 lists.

Only the all-zero cell of each marginal depends on n0, so the 2^p − 1 marginal terms are
computed once per grid and every graph's weight is a signed sum of them.

The posterior of N can have a heavy right tail when graphs close to the saturated one carry
weight (the unseen cell is then barely informed by the data); the grid is widened until the
mass beyond it is negligible or ``max_missing`` is reached, and a truncated tail is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import Diagnostic, MethodResult

MAX_LISTS = 5
POSTERIOR = "95% posterior interval (2.5% and 97.5% quantiles)"


@dataclass(frozen=True)
class Graph:
    """A decomposable graph: its edges, maximal cliques and (non-empty) separators, each a
    bit mask over the lists."""

    edges: tuple[tuple[int, int], ...]
    cliques: tuple[int, ...]
    separators: tuple[int, ...]

    def name(self, lists: Sequence[str]) -> str:
        parts = ["*".join(lists[j] for j in range(len(lists)) if c >> j & 1)
                 for c in self.cliques]
        return " + ".join(parts)


def _is_chordal(p: int, adjacent: list[int]) -> bool:
    """Maximum cardinality search; chordal iff each vertex's earlier neighbours are a clique."""
    numbered = 0
    weight = [0] * p
    for _ in range(p):
        v = max((u for u in range(p) if not numbered >> u & 1), key=lambda u: weight[u])
        earlier = adjacent[v] & numbered
        for a in range(p):
            if earlier >> a & 1 and (earlier & ~(1 << a)) & ~adjacent[a]:
                return False
        numbered |= 1 << v
        for u in range(p):
            if adjacent[v] >> u & 1:
                weight[u] += 1
    return True


def _cliques(p: int, adjacent: list[int]) -> list[int]:
    complete = [s for s in range(1, 1 << p)
                if all(s & ~(1 << v) & ~adjacent[v] == 0 for v in range(p) if s >> v & 1)]
    return [s for s in complete if not any(s != t and s & t == s for t in complete)]


def _separators(cliques: list[int]) -> list[int]:
    """Edges of a maximum-weight spanning tree of the clique graph (Kruskal), weights |Ci∩Cj|;
    empty intersections join components and are not separators."""
    parent = list(range(len(cliques)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = sorted(combinations(range(len(cliques)), 2),
                   key=lambda e: -bin(cliques[e[0]] & cliques[e[1]]).count("1"))
    separators = []
    for i, j in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[a] = b
            if cliques[i] & cliques[j]:
                separators.append(cliques[i] & cliques[j])
    return separators


@lru_cache(maxsize=8)
def decomposable_graphs(p: int) -> tuple[Graph, ...]:
    """All decomposable graphs on ``p`` labelled vertices."""
    all_edges = list(combinations(range(p), 2))
    graphs = []
    for chosen in range(1 << len(all_edges)):
        edges = tuple(e for k, e in enumerate(all_edges) if chosen >> k & 1)
        adjacent = [0] * p
        for a, b in edges:
            adjacent[a] |= 1 << b
            adjacent[b] |= 1 << a
        if _is_chordal(p, adjacent):
            cliques = _cliques(p, adjacent)
            graphs.append(Graph(edges, tuple(cliques), tuple(_separators(cliques))))
    return tuple(graphs)


def _marginal_terms(cells: NDArray[np.float64], p: int, delta: float,
                    missing: NDArray[np.float64]) -> NDArray[np.float64]:
    """log ML of every marginal A (rows, indexed by mask A) along the grid of n0, without the
    Γ(Σα)/Γ(N+Σα) factor that is common to all of them."""
    masks = np.arange(1 << p)
    terms = np.zeros((1 << p, missing.size))
    for subset in range(1, 1 << p):
        alpha = delta * 2.0 ** (p - bin(subset).count("1"))
        marginal = np.bincount(masks & subset, weights=cells, minlength=1 << p)
        occupied = marginal[[m for m in range(1 << p) if m & ~subset == 0]]
        fixed = np.sum(gammaln(occupied[1:] + alpha) - gammaln(alpha))
        terms[subset] = fixed + gammaln(occupied[0] + missing + alpha) - gammaln(alpha)
    return terms


def log_posterior(histories: CaptureHistories, missing: NDArray[np.float64],
                  delta: float | None = None,
                  graphs: Sequence[Graph] | None = None) -> NDArray[np.float64]:
    """Unnormalised log posterior, graphs × grid of n0 (dga's ``bma.cr`` before ``exp``)."""
    p = histories.n_lists
    delta = 2.0**-p if delta is None else delta
    graphs = decomposable_graphs(p) if graphs is None else graphs
    cells = histories.cell_counts().astype(np.float64)
    n = float(cells.sum())
    terms = _marginal_terms(cells, p, delta, missing)
    coefficients = np.zeros((len(graphs), 1 << p))
    for g, graph in enumerate(graphs):
        for c in graph.cliques:
            coefficients[g, c] += 1
        for s in graph.separators:
            coefficients[g, s] -= 1
    pieces = np.array([len(g.cliques) - len(g.separators) for g in graphs], dtype=np.float64)
    total = n + missing
    prior_weight = delta * 2.0**p
    normaliser = gammaln(prior_weight) - gammaln(total + prior_weight)
    common = (gammaln(total + 1) - np.sum(gammaln(cells[1:] + 1)) - gammaln(missing + 1)
              - np.log(total))
    return np.asarray(coefficients @ terms + pieces[:, None] * normaliser + common,
                      dtype=np.float64)


def posterior(histories: CaptureHistories, *, delta: float | None = None,
              max_missing: int | None = None) -> tuple[NDArray[np.float64],
                                                       NDArray[np.float64], bool]:
    """Joint posterior weights (graphs × n0) and the grid of n0, with whether the tail was cut.

    With ``max_missing`` the grid is exactly 0..max_missing, like dga's ``Nmissing``;
    without it the grid starts at 4n and is widened fourfold until the last tenth of it holds
    less than 1e-4 of the posterior (at most 200n).
    """
    n = histories.n
    fixed = max_missing is not None
    limit = max_missing if max_missing is not None else max(200 * n, 20_000)
    upper = limit if fixed else min(max(4 * n, 1000), limit)
    while True:
        missing = np.arange(upper + 1, dtype=np.float64)
        logw = log_posterior(histories, missing, delta)
        weights = np.exp(logw - logw.max())
        weights /= weights.sum()
        tail = weights[:, int(upper * 0.9):].sum()
        if tail < 1e-4 or upper >= limit:
            return missing, weights, bool(tail >= 1e-4)
        upper = min(upper * 4, limit)


def quantiles(values: NDArray[np.float64], probabilities: NDArray[np.float64],
              levels: Sequence[float]) -> list[float]:
    """The smallest value whose cumulative probability reaches each level."""
    cumulative = np.cumsum(probabilities)
    cumulative /= cumulative[-1]
    return [float(values[min(int(np.searchsorted(cumulative, q)), values.size - 1)])
            for q in levels]


def dga(histories: CaptureHistories, *, delta: float | None = None,
        max_missing: int | None = None, top: int = 10) -> MethodResult:
    """Posterior median and 95% interval of N averaged over all decomposable graphs."""
    p = histories.n_lists
    if p > MAX_LISTS or p < 3:
        raise MethodNotApplicable(
            f"dga averages over decomposable graphs of 3 to {MAX_LISTS} lists; these data have "
            f"{p}. Choose lists with --lists, or use lcmcr or loglinear.")
    if histories.structural_zeros:
        raise MethodNotApplicable(
            "dga's hyper-Dirichlet marginal likelihoods assume every pattern can occur; with "
            "structural zeros use loglinear or lcmcr.")
    missing, weights, cut = posterior(histories, delta=delta, max_missing=max_missing)
    n = histories.n
    totals = n + missing
    pmf = weights.sum(axis=0)
    low, median, high = quantiles(totals, pmf, (0.025, 0.5, 0.975))
    graphs = decomposable_graphs(p)
    model_weights = weights.sum(axis=1)
    order = np.argsort(-model_weights)[:top]
    top_graphs = [{"graph": graphs[g].name(histories.lists) or "independence",
                   "probability": float(model_weights[g]),
                   "median": quantiles(totals, weights[g], (0.5,))[0]} for g in order]
    diagnostics = []
    if cut:
        diagnostics.append(Diagnostic(
            code="truncated-tail", severity="warning",
            message=f"The posterior of N has a heavy right tail that was cut at "
                    f"N = {int(totals[-1]):,}; the upper end of the interval depends on that "
                    "cut. Graphs close to saturation leave the unseen count barely informed."))
    result = MethodResult(
        method="dga", label="dga: graphical-model averaging", stratum=histories.label,
        observed=n, estimate=median, lower=low, upper=high, unobserved=median - n,
        interval=POSTERIOR, diagnostics=diagnostics,
        details={"delta": delta if delta is not None else 2.0**-p,
                 "prior_on_N": "proportional to 1/N", "graphs": len(graphs),
                 "prior_on_graphs": "uniform over decomposable graphs",
                 "mean": float(totals @ pmf), "grid_max_N": float(totals[-1]),
                 "top_graphs": top_graphs})
    return result.with_payload(support=totals, probabilities=pmf)
