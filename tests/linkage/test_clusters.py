"""Splitting Splink's components where a chain joins records the model is sure are two
persons — and only there."""

from __future__ import annotations

import pandas as pd

from surplace.linkage.clusters import split_contradictions


def _split(links: dict[tuple[str, str], float], others: dict[tuple[str, str], float]
           ) -> dict[str, set[str]]:
    """Cluster one component: ``links`` are the predicted pairs, ``others`` what the model
    says of the pairs prediction did not keep."""
    members = sorted({r for pair in [*links, *others] for r in pair})
    clusters = pd.DataFrame({"unique_id": members, "cluster_id": "c1"})
    pairs = pd.DataFrame([(a, b, p) for (a, b), p in links.items()],
                         columns=["unique_id_l", "unique_id_r", "match_probability"])

    def score(wanted: pd.DataFrame) -> pd.Series:
        return pd.Series([others[(a, b)] for a, b in wanted.itertuples(index=False)])

    out = split_contradictions(clusters, pairs, 0.9, score)
    return {str(c): set(g) for c, g in out.groupby("cluster_id")["unique_id"]}


def test_a_weak_chain_between_contradicting_records_is_cut() -> None:
    # b gives a name and no date; a and c give the name and different dates.
    groups = _split({("a", "b"): 0.93, ("b", "c"): 0.92}, {("a", "c"): 1e-4})
    assert sorted(map(sorted, groups.values())) == [["a", "b"], ["c"]]


def test_strong_links_outweigh_one_contradiction() -> None:
    # Two corrupted copies of one original: each surely the original, unlike each other.
    groups = _split({("a", "o"): 0.999999, ("b", "o"): 0.999999}, {("a", "b"): 1e-3})
    assert list(groups.values()) == [{"a", "b", "o"}]


def test_components_without_a_sure_non_match_are_kept() -> None:
    groups = _split({("a", "b"): 0.95, ("b", "c"): 0.95}, {("a", "c"): 0.2})
    assert groups == {"c1": {"a", "b", "c"}}


def test_two_persons_joined_by_one_false_link_come_apart_whole() -> None:
    # Four records of each person, sure of each other; one false link across at 0.95, the
    # rest across sure non-matches: each person comes out whole, and the two apart.
    first, second = ["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"]
    links = {(x, y): 0.99 for group in (first, second) for i, x in enumerate(group)
             for y in group[i + 1:]}
    links[("a4", "b1")] = 0.95
    others = {(x, y): 1e-3 for x in first for y in second if (x, y) != ("a4", "b1")}
    groups = _split(links, others)
    assert sorted(map(sorted, groups.values())) == [first, second]
