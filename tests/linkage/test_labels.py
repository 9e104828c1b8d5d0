"""Reviewers' decisions train the next run's model, on SQLite and PostgreSQL.

The reviewer here is the simulator's truth: every queued pair of one true person is accepted,
every other rejected, as a careful person would. The next run must then weigh the levels those
pairs showed so that the accepted kind of pair scores higher and the rejected kind lower than
EM alone would have it, and say so in its record.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from surplace.linkage.features import build_features
from surplace.linkage.labels import fit_to_labels, score_pairs
from surplace.linkage.model import key_frequencies
from surplace.linkage.models import LinkPair, LinkRun
from surplace.linkage.review import decide
from surplace.linkage.simulate import simulate
from surplace.linkage.spark import database
from surplace.linkage.store import LinkConflict, link_records, open_links
from surplace.vault.service import Unlocked
from tests.linkage.test_store import Lists

PERSONS = 450
SEED = 5


def _score(model: dict[str, Any], lists: Lists, pairs: list[tuple[str, str]]) -> np.ndarray:
    """Match probability of store record pairs under a run's recorded model, a key's rarity
    counted over all the lists (as a run counts it over its records)."""
    back = {store: sim for sim, store in lists.ids.items()}
    table = build_features(lists.records).table
    u_same_key = next(level["u_probability"] for comparison in model["comparisons"]
                      for level in comparison["comparison_levels"]
                      if level.get("tf_adjustment_column") == "name_key")
    wanted = pd.DataFrame([(back[a], back[b]) for a, b in pairs],
                          columns=["unique_id_l", "unique_id_r"])
    with database("duckdb") as db_api:
        scored = score_pairs(db_api, table, wanted, model,
                             frequencies=key_frequencies(table, u_same_key))
    return scored["match_probability"].to_numpy()


def test_decisions_train_the_next_run(unlocked: Unlocked) -> None:
    simulated = simulate(PERSONS, seed=SEED)
    records = simulated.records
    truth = dict(zip(records["record_id"], simulated.truth, strict=True))
    lists = Lists(unlocked, records)
    first = records.sample(frac=0.7, random_state=1).sort_index()
    lists.add(first)
    with unlocked.session() as session:
        run1 = link_records(session, actor=unlocked.actor, lower=0.1, upper=0.95)
    back = {store: sim for sim, store in lists.ids.items()}
    accepted: list[tuple[str, str]] = []
    rejected: list[tuple[str, str]] = []
    with unlocked.session() as session:
        queue = session.scalars(select(LinkPair).where(LinkPair.status == "pending")
                                .order_by(LinkPair.probability.desc())).all()
        for pair in queue:
            a, b = pair.record_a_id, pair.record_b_id
            same = truth[back[a]] == truth[back[b]]
            links = open_links(session, (a, b))
            if not same and links[a].person_id == links[b].person_id:
                continue  # joined through an earlier accept: a reviewer would undo, not reject
            try:
                decide(session, actor=unlocked.actor, pair_id=pair.id,
                       decision="accept" if same else "reject")
            except LinkConflict:
                continue
            (accepted if same else rejected).append((a, b))
    assert len(accepted) >= 4 and len(rejected) >= 2, (len(accepted), len(rejected))
    lists.add(records.drop(first.index))
    with unlocked.session() as session:
        run2 = link_records(session, actor=unlocked.actor, lower=0.1, upper=0.95)
    with unlocked.session() as session:
        old, new = session.get(LinkRun, run1.run_id), session.get(LinkRun, run2.run_id)
        assert old is not None and new is not None
        assert old.parameters["labels"]["used"] == 0
        used = new.parameters["labels"]
        assert new.settings["labels"]["accepted"] == len(accepted)
        assert new.settings["labels"]["rejected"] == len(rejected)
        old_model, new_model = old.parameters["model"], new.parameters["model"]
    # Recorded: how many decisions trained the model, how, and what it did to them.
    assert (used["accepted"], used["rejected"]) == (len(accepted), len(rejected))
    assert used["used"] == len(accepted) + len(rejected) and "conditional likelihood" in \
        used["method"]
    assert used["log_loss_after"] < used["log_loss_before"]  # the model fits the decisions
    assert used["accepted_after"] > used["accepted_before"]
    # The same data without the decisions (EM's m, recorded in the run) is the control: the
    # kind of pair the first run scored too low (it went to review) now scores higher, and
    # the kind reviewers rejected is lifted less, or lowered. (A rejected pair that agrees
    # as the accepted ones do may rise a little: on what the model compares, the decisions
    # say such pairs are mostly one person.)
    control = _with_m(new_model, used["m_before"])
    first = _score(old_model, lists, accepted)
    # Queued for scoring below 0.95; a strong pair is queued too where the chain split put
    # its records in two persons (the reviewers found it one person).
    assert (first < 0.95).mean() >= 0.8, first
    change = {kind: _logit(_score(new_model, lists, pairs)) - _logit(_score(control, lists, pairs))
              for kind, pairs in (("accepted", accepted), ("rejected", rejected))}
    assert (change["accepted"] > 0).mean() >= 0.8, change
    assert change["rejected"].mean() < change["accepted"].mean(), change
    assert _score(new_model, lists, accepted).mean() > first.mean()


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def _with_m(model: dict[str, Any], m: dict[str, list[float]]) -> dict[str, Any]:
    out = copy.deepcopy(model)
    for comparison in out["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level, value in zip(levels, m[comparison["output_column_name"]], strict=True):
            level["m_probability"] = value
    return out


def test_fit_moves_probabilities_the_way_the_decisions_say() -> None:
    """Store-free, on pairs the model scored below the threshold: accepting them raises their
    probability, rejecting them lowers it, and with both verdicts the decisions fit better
    (lower log loss) than under EM's model; m stays a distribution."""
    from surplace.linkage.model import fit_predict

    sim = simulate(300, seed=2)
    table = build_features(sim.records).table
    fitted = fit_predict(table, threshold=0.9)
    truth = dict(zip(table["unique_id"], sim.truth, strict=True))
    pairs = fitted.pairs[(fitted.pairs["match_probability"] < 0.9)].head(40)
    labels = pd.DataFrame({"unique_id_l": pairs["unique_id_l"], "unique_id_r": pairs["unique_id_r"],
                           "match": [int(truth[a] == truth[b]) for a, b in
                                     zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)]})
    with database("duckdb") as db_api:
        scored = score_pairs(db_api, table, labels, fitted.model)
    accepted = labels["match"].to_numpy() == 1
    assert 5 <= accepted.sum() <= len(labels) - 5
    model, both = fit_to_labels(fitted.model, scored, labels["match"])
    # Splink's probabilities are what the fit starts from, and what it ends with.
    assert both.accepted_before == pytest.approx(scored["match_probability"][accepted].mean(),
                                                 abs=1e-3)
    with database("duckdb") as db_api:
        again = score_pairs(db_api, table, labels, model)["match_probability"]
    assert again[accepted].mean() == pytest.approx(both.accepted_after, abs=1e-3)
    assert both.log_loss_after is not None and both.log_loss_before is not None
    assert both.log_loss_after < both.log_loss_before
    for comparison in model["comparisons"]:
        m = [lv["m_probability"] for lv in comparison["comparison_levels"]
             if not lv.get("is_null_level")]
        assert sum(m) == pytest.approx(1) and min(m) > 0
    _, yes = fit_to_labels(fitted.model, scored[accepted].reset_index(drop=True),
                           labels["match"][accepted].reset_index(drop=True))
    _, no = fit_to_labels(fitted.model, scored[~accepted].reset_index(drop=True),
                          labels["match"][~accepted].reset_index(drop=True))
    assert yes.accepted_after > yes.accepted_before  # type: ignore[operator]
    assert no.rejected_after < no.rejected_before  # type: ignore[operator]
    assert (yes.rejected, no.accepted) == (0, 0)
