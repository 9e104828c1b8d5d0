"""Counts on a generated set of violations match the generator's truth, and the acts' capture
histories over sources give an estimate of the acts no source saw."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from surplace.demo.violations import SOURCES, ViolationScenario, load, violations
from surplace.estimation.histories import histories_from_frame
from surplace.estimation.service import estimate
from surplace.incidents import counts, review
from surplace.records import gazetteer
from surplace.vault.service import Unlocked
from tests.clirun import surplace

N_ACTS = 120


@pytest.fixture
def generated(unlocked: Unlocked) -> ViolationScenario:
    scenario = violations(N_ACTS, seed=11)
    with unlocked.session() as session:
        gazetteer.seed_places(session)
        _, outcomes = load(session, actor=unlocked.actor, generated=scenario)
    assert Counter(o.outcome for o in outcomes) == {
        "new": len(scenario.documented()),
        "linked": len(scenario.claims) - len(scenario.documented())}
    return scenario


def test_the_generator_is_seeded_and_varied() -> None:
    one, again = violations(60, seed=3), violations(60, seed=3)
    assert one.acts == again.acts and one.claims == again.claims
    assert len({a.act_type for a in one.acts}) >= 4 and len({a.day.year for a in one.acts}) >= 4
    assert all(len(a.sources) <= len(SOURCES) for a in one.acts)
    assert any(len(a.sources) == len(SOURCES) for a in violations(200, seed=3).acts)
    assert any(not a.documented for a in one.acts)
    victims = Counter(a.victim for a in one.acts)
    assert max(victims.values()) >= 2  # some persons suffer more than one act


def test_counts_match_the_truth(unlocked: Unlocked, generated: ViolationScenario) -> None:
    with unlocked.session() as session:
        for dimensions in (["act_type"], ["year"], ["province"], ["perpetrator"],
                           ["act_type", "year", "province"]):
            result = counts.count_acts(session, actor=unlocked.actor, by=dimensions)
            found = Counter({tuple(row.key.values()): row.acts for row in result.rows})
            assert found == generated.truth(*dimensions), dimensions
            assert result.total == len(generated.documented())
        assert review.review_queue(session, actor=unlocked.actor) == []
        jilin = counts.count_acts(session, actor=unlocked.actor, province="Jilin")
        assert jilin.total == generated.truth("province")[("CN-JL",)]
        returns = counts.count_acts(session, actor=unlocked.actor, by=["year"],
                                    act_type="forced_return", year=2022)
    expected = sum(1 for a in generated.documented()
                   if a.act_type == "forced_return" and a.day.year == 2022)
    assert returns.total == expected
    assert expected > 0
    row = returns.rows[0]
    assert len(row.act_ids) == row.acts == expected
    assert set(row.sources) <= {s.code for s in SOURCES}


def test_at_least_counts_use_only_well_graded_information(
        unlocked: Unlocked, generated: ViolationScenario) -> None:
    reliability = {s.code: s.reliability for s in SOURCES}
    good = {c.act for c in generated.claims
            if reliability[c.source] <= "B" and c.credibility <= 2}
    with unlocked.session() as session:
        strict = counts.count_acts(session, actor=unlocked.actor, min_reliability="B",
                                   max_credibility=2)
    assert strict.total == len(good) < len(generated.documented())
    assert {code for row in strict.rows for code in row.sources} <= {"SYN-MONITOR",
                                                                      "SYN-CHURCH"}


def test_capture_histories_feed_the_estimator(unlocked: Unlocked,
                                              generated: ViolationScenario,
                                              tmp_path: Path) -> None:
    with unlocked.session() as session:
        frame = counts.capture_histories(session, actor=unlocked.actor)
    assert list(frame.columns) == sorted(s.code for s in SOURCES) + ["count"]
    observed = len(generated.documented())
    assert int(frame["count"].sum()) == observed
    for code in (s.code for s in SOURCES):
        assert int((frame[code] * frame["count"]).sum()) == sum(
            code in a.sources for a in generated.acts)
    report = estimate(histories_from_frame(frame), method="loglinear", seed=1)
    best = report.results[0]
    assert math.isfinite(best.estimate) and best.estimate >= observed
    path = tmp_path / "acts.csv"
    frame.to_csv(path, index=False)
    run = surplace("estimate", str(path), "--method", "loglinear", "--seed", "1", "--json",
                   env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)["results"]
    assert all(math.isfinite(r["estimate"]) and r["estimate"] >= observed for r in results)
    assert results[0]["observed"] == observed
