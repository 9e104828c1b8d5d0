"""Pairwise precision, recall and F1 of a clustering against the truth.

Why pairwise: a capture–recapture estimate counts persons, and every wrongly merged or split
pair moves a person between capture histories; pairs are what linkage decides. Why by counts:
a cluster of n records holds n(n-1)/2 pairs, so the pairs within predicted clusters, within
true persons, and within both (the (cluster, person) groups) are sums of n(n-1)/2 over group
sizes — linear in the number of records, where enumerating pairs would be quadratic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class PairwiseScores:
    """Pair counts and the scores; a score with nothing to measure (no pairs) is 1.0."""

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "true_pairs": self.true_pairs, "predicted_pairs": self.predicted_pairs,
                "correct_pairs": self.correct_pairs}


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(predicted: Sequence[Any] | pd.Series,
                    truth: Sequence[Any] | pd.Series) -> PairwiseScores:
    """Scores of cluster labels ``predicted`` against person labels ``truth``, one per record
    in the same order (labels are compared only for equality)."""
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} cluster labels for {len(truth)} true labels")
    frame = pd.DataFrame({"cluster": list(predicted), "person": list(truth)})
    return PairwiseScores(
        true_pairs=_pairs(frame.groupby("person").size()),
        predicted_pairs=_pairs(frame.groupby("cluster").size()),
        correct_pairs=_pairs(frame.groupby(["cluster", "person"]).size()),
    )
