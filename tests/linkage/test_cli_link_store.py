"""``surplace link store | review | undo | history`` as a user runs them, on both back ends."""

from __future__ import annotations

import json

from sqlalchemy import select

from surplace.config import Settings
from surplace.linkage.models import LinkDecision, LinkPair
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import cli_env
from tests.linkage.test_store import make_lists, person_of


def test_store_review_history_and_undo(unlocked: Unlocked, settings: Settings) -> None:
    lists = make_lists(unlocked, persons=40, seed=3)
    env = cli_env(settings)
    ran = surplace("link", "store", "--lower", "0.2", "--upper", "0.995", "--json", env=env)
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out["records"] == len(lists.ids) and out["queued"] >= 2
    before = person_of(unlocked)

    reviewed = surplace("link", "review", env=env, stdin="s\na\nq\n")
    assert reviewed.returncode == 0, reviewed.stderr
    assert "match probability" in reviewed.stdout and "origin" in reviewed.stdout
    assert "1 accepted, 0 rejected, 1 skipped" in reviewed.stderr
    with unlocked.session() as session:
        accepted = session.scalars(select(LinkPair).where(LinkPair.status == "accepted")).one()
        decisions = [d.decision for d in session.scalars(select(LinkDecision))]
    assert sorted(decisions) == ["accept", "skip"]
    merged = person_of(unlocked)
    person = merged[accepted.record_a_id]
    assert merged[accepted.record_b_id] == person

    shown = surplace("link", "history", person, "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    assert {e["how"] for e in json.loads(shown.stdout)} & {"merge", "new", "auto"}

    undone = surplace("link", "undo", accepted.id, "--json", env=env)
    assert undone.returncode == 0, undone.stderr
    assert json.loads(undone.stdout)["status"] == "pending"
    assert person_of(unlocked) == before

    again = surplace("link", "undo", accepted.id, env=env)
    assert again.returncode == 1 and "no decision to undo" in again.stderr


def test_store_thresholds_are_checked(unlocked: Unlocked, settings: Settings) -> None:
    result = surplace("link", "store", "--lower", "0.9", "--upper", "0.5", env=cli_env(settings))
    assert result.returncode == 2 and "--lower 0.9 must be below --upper 0.5" in result.stderr
