"""Training on lists too small for EM: the run links them instead of failing.

Splink's EM estimates, with m, the share of matches among the pairs of its block; on a block
of a handful of pairs that all agree (or none) that share reaches exactly 1 (or 0) and Splink
fails (a math domain error, or every m computed as 0), and on a block of no pair it refuses to
train. These lists of the simulator (two persons, three to five records) each failed one of
those ways before EM was kept off blocks with too few pairs.
"""

from __future__ import annotations

import pandas as pd
import pytest

from surplace.linkage.evaluate import pairwise_scores
from surplace.linkage.features import build_features
from surplace.linkage.model import MIN_EM_PAIRS, block_pairs, fit_predict
from surplace.linkage.simulate import simulate


@pytest.mark.parametrize("seed", [1, 2, 7, 12])
def test_a_tiny_list_is_linked(seed: int) -> None:
    sim = simulate(2, seed=seed)
    table = build_features(sim.records).table
    assert block_pairs(table, ("name_key",)) < MIN_EM_PAIRS  # EM has nothing to learn from
    fitted = fit_predict(table, threshold=0.9)
    clusters = fitted.clusters.set_index(fitted.clusters["unique_id"].astype(str))
    assert set(clusters.index) == set(table["unique_id"].astype(str))
    labels = clusters["cluster_id"].reindex(table["unique_id"].astype(str))
    scores = pairwise_scores(labels.tolist(), sim.truth.tolist())
    assert scores.precision == 1.0  # two persons are never made one
    for comparison in fitted.model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert 0 < level["m_probability"] <= 1


def test_block_pairs_counts_what_equality_joins() -> None:
    table = pd.DataFrame({"key": ["a", "a", "a", "b", "b", None, None]})
    assert block_pairs(table, ("key",)) == 3 + 1  # missing values join nothing
