"""Persons from scored pairs: Splink's connected components, split where they join records the
model is sure are two people.

Why. Splink clusters by connected components of the pairs at or above the threshold, so a
record with little to compare joins records that contradict each other: A (born 1961) and C
(born 1984) with the same common name are both linked to B, who gives the name and no date,
and A, B and C become one person although the model puts A–C at one in ten thousand. On the
simulator's lists of 100,000 records three quarters of the false pairs were made this way.

What. Within every component of three or more records, the pairs prediction did not keep (it
keeps those at the floor or above, so these are the unscored and the unlikely) are scored with
the same model, whatever the blocking. A component holding a pair below :data:`APART` — one
the model is sure is two persons — is rebuilt from its own pairs, strongest link first: two
groups join when the log-odds of *all* the pairs across them, summed, still reach the
threshold's (for two single records that is the threshold itself, so nothing changes where
there is no contradiction). This is average-linkage in the model's own evidence: A–B and B–C
at 0.92 each (+2.4 nats) do not outweigh A–C at 0.0001 (−9.2), while two corrupted copies
that are each near-certain copies of a third (+12 each) can still join it although they look
nothing alike. A pair under 1% is as sure a non-match as one over 99% is a match; components
without one are left as they are (rebuilding every component costs recall: measured).

Measured on the simulator's 100,000 records, threshold 0.9: pairwise precision 0.972 → 0.990,
recall 0.919 → 0.915; on FEBRL1 no change; on FEBRL2 recall 0.917 → 0.912 (copies of one
original, corrupted apart, are sometimes scored as two persons — the model's error, which
the rule then believes). The split's cost does not grow with the list: of the pairs
Splink's components join, it takes apart 366 true and 1,795 false at 100,000 records, 1,651
true and 9,950 false at 300,000 (recall −0.35% and −0.53%; ``benchmarks/linkage_diagnose.py``).

Splink has no constrained clustering, hence this module; components larger than
:data:`MAX_COMPONENT` (whose pairs would be too many to score) are left as Splink made them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

#: A pair the model scores below this is two persons: no chain of links may join them.
APART = 0.01
#: Components with more records than this are not examined (their pairs grow as the square).
MAX_COMPONENT = 200

#: Scores (unique_id_l, unique_id_r) pairs, returning their match probabilities in order.
Scorer = Callable[[pd.DataFrame], pd.Series]


def _within(clusters: pd.DataFrame) -> pd.DataFrame:
    """Every pair (unique_id_l < unique_id_r) inside the examined components."""
    size = clusters.groupby("cluster_id")["unique_id"].transform("size")
    examined = clusters[(size >= 3) & (size <= MAX_COMPONENT)]
    pairs = examined.merge(examined, on="cluster_id", suffixes=("_l", "_r"))
    return pairs[pairs["unique_id_l"] < pairs["unique_id_r"]]


def split_contradictions(clusters: pd.DataFrame, pairs: pd.DataFrame, threshold: float,
                         score: Scorer) -> pd.DataFrame:
    """``clusters`` (unique_id, cluster_id) with the components that hold a pair of records
    the model is sure are two persons rebuilt (see the module docstring); ``pairs`` are the
    predicted pairs (unique_id_l, unique_id_r, match_probability). New cluster ids extend the
    old (``id/n``)."""
    clusters = clusters.assign(unique_id=clusters["unique_id"].astype(str))
    within = _within(clusters)
    if within.empty:
        return clusters
    scored = pairs.assign(unique_id_l=pairs["unique_id_l"].astype(str),
                          unique_id_r=pairs["unique_id_r"].astype(str))
    ordered = pd.DataFrame({
        "unique_id_l": scored[["unique_id_l", "unique_id_r"]].min(axis=1),
        "unique_id_r": scored[["unique_id_l", "unique_id_r"]].max(axis=1),
        "match_probability": scored["match_probability"]})
    known = within.merge(ordered, on=["unique_id_l", "unique_id_r"], how="left")
    missing = known["match_probability"].isna()
    if not missing.any():
        return clusters
    known.loc[missing, "match_probability"] = score(
        known.loc[missing, ["unique_id_l", "unique_id_r"]].reset_index(drop=True)).to_numpy()
    doubtful = known.loc[known["match_probability"] < APART, "cluster_id"].unique()
    relabel: dict[str, str] = {}
    for cluster_id, component in known[known["cluster_id"].isin(doubtful)].groupby("cluster_id"):
        groups = _rebuild(component, threshold)
        relabel.update({record: f"{cluster_id}/{group}" for record, group in groups.items()})
    new_ids = clusters["unique_id"].map(relabel)
    return clusters.assign(cluster_id=new_ids.where(new_ids.notna(),
                                                    clusters["cluster_id"].astype(str)))


def _rebuild(component: pd.DataFrame, threshold: float) -> dict[str, int]:
    """Agglomerate a component from its scored pairs (every pair of it): join two groups
    through their strongest link while the log-odds of all pairs across them, summed, still
    reach the threshold's; record → group number.

    The sums across groups are kept in a matrix that a join updates by adding one row and one
    column (average linkage's Lance–Williams update, with sums instead of means), so a join
    costs the component's size, not the product of the two groups' sizes re-added pair by
    pair; scipy's linkage is not used because it merges by distance alone, and the test here
    (all pairs across, summed, against the threshold) is not a distance.
    """
    left = component["unique_id_l"].astype(str).to_numpy()
    right = component["unique_id_r"].astype(str).to_numpy()
    members, codes = np.unique(np.concatenate([left, right]), return_inverse=True)
    a_of, b_of = codes[:len(left)], codes[len(left):]
    p = component["match_probability"].to_numpy(dtype=float).clip(1e-12, 1 - 1e-12)
    weight = np.log(p / (1 - p))
    across = np.zeros((len(members), len(members)))
    across[a_of, b_of] = weight
    across[b_of, a_of] = weight
    needed = math.log(threshold / (1 - threshold))
    strong = np.flatnonzero(weight >= needed)
    low, high = np.minimum(a_of, b_of)[strong], np.maximum(a_of, b_of)[strong]
    # strongest first; ties by the records' ids, last first (the order of the pure-Python
    # version this replaced, so the same groups come out)
    order = strong[np.lexsort((-high, -low, -weight[strong]))]
    root = np.arange(len(members))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = int(root[x])
        return x

    for link in order:
        ra, rb = find(int(a_of[link])), find(int(b_of[link]))
        if ra == rb or across[ra, rb] < needed:
            continue
        root[rb] = ra
        across[ra, :] += across[rb, :]
        across[:, ra] += across[:, rb]
    roots = [find(m) for m in range(len(members))]
    numbers = {r: n for n, r in enumerate(sorted(set(roots)))}
    return {str(member): numbers[r] for member, r in zip(members, roots, strict=True)}
