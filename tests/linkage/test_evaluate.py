"""Pairwise scores on clusterings small enough to count by hand."""

from __future__ import annotations

import pytest

from surplace.linkage.evaluate import pairwise_scores


def test_perfect_clustering_scores_one() -> None:
    scores = pairwise_scores(["a", "a", "b", "c"], [1, 1, 2, 3])
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert scores.true_pairs == scores.predicted_pairs == scores.correct_pairs == 1


def test_one_wrong_merge_costs_precision_only() -> None:
    # Truth {0,1} {2} ; clusters {0,1,2}: 3 predicted pairs, 1 correct, 1 true.
    scores = pairwise_scores(["x", "x", "x"], ["p", "p", "q"])
    assert scores.predicted_pairs == 3 and scores.correct_pairs == 1 and scores.true_pairs == 1
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == 1.0
    assert scores.f1 == pytest.approx(0.5)


def test_split_person_costs_recall_only() -> None:
    # Truth one person of four records; clusters {0,1} {2,3}: 6 true pairs, 2 found.
    scores = pairwise_scores([1, 1, 2, 2], ["p"] * 4)
    assert (scores.true_pairs, scores.predicted_pairs, scores.correct_pairs) == (6, 2, 2)
    assert scores.precision == 1.0
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(0.5)


def test_mixed_clusters_counted_per_cluster_and_person_group() -> None:
    predicted = ["A", "A", "A", "B", "B", "C"]
    truth = ["p", "p", "q", "q", "q", "r"]
    scores = pairwise_scores(predicted, truth)
    # predicted pairs: A 3 + B 1 = 4; true: p 1 + q 3 = 4; correct: (A,p) 1 + (B,q) 1 = 2.
    assert (scores.predicted_pairs, scores.true_pairs, scores.correct_pairs) == (4, 4, 2)
    assert scores.f1 == pytest.approx(0.5)


def test_no_pairs_anywhere_is_not_an_error() -> None:
    scores = pairwise_scores(["a", "b"], [1, 2])
    assert (scores.precision, scores.recall) == (1.0, 1.0)


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError, match="2 cluster labels for 3"):
        pairwise_scores(["a", "b"], [1, 2, 3])
