"""``surplace assess --case`` and ``surplace assess-review`` through the real command line: the
snapshot is stored and the case moves, the reviewer is another account, reasons come from a file
(never an option); on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from surplace.access.policy import Actor
from surplace.cases import service as case_service
from surplace.cases.schemas import CaseIn, InterviewIn
from surplace.config import Settings
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.vault import service as vault_service
from surplace.vault.service import Unlocked
from tests.assessment.conftest import ORDINARY
from tests.clirun import surplace
from tests.conftest import TEST_ARGON2, cli_env

WORKER_PASSPHRASE = "worker passphrase: not a secret"
TODAY = date.today()


def _interviewed_case(unlocked: Unlocked) -> str:
    """A case opened by a caseworker with a key slot, interviewed with the ordinary facts."""
    worker_id = vault_service.add_user(unlocked, name="worker", role="caseworker",
                                       passphrase=WORKER_PASSPHRASE, params=TEST_ARGON2)
    worker = Actor(worker_id, "worker", "caseworker")
    with unlocked.session() as session:
        code = records_service.register_person(session, actor=unlocked.actor, data=PersonIn(
            names=[NameIn(full_name="Chon Synthetic-sil")], sex="F", birth_year=1993)).pseudonym
    with unlocked.store.session(keyring=unlocked.keyring, actor_id=worker_id) as session:
        number = case_service.open_case(session, actor=worker,
                                        data=CaseIn(principal=code)).case_number
        for step, inputs in (("register", {}), ("decide_processing", {"modality": "regular"})):
            case_service.transition(session, actor=worker, case=number, name=step,
                                    inputs=inputs, on=TODAY - timedelta(days=3))
        case_service.record_interview(session, actor=worker, case=number, data=InterviewIn(
            held_on=TODAY - timedelta(days=1), facts=ORDINARY))
    return number


def test_assess_a_case_and_review_it(unlocked: Unlocked, settings: Settings,
                                     tmp_path: Path) -> None:
    number = _interviewed_case(unlocked)
    admin_env = cli_env(settings)
    worker_env = {**admin_env, "SURPLACE_USER": "worker", "SURPLACE_PASSPHRASE": WORKER_PASSPHRASE}
    draft = tmp_path / "draft.md"
    done = surplace("assess", "--case", number, "--as-of", "2026-11-01", "--json",
                    "--out", str(draft), env=worker_env, stdin="")
    assert done.returncode == 0, done.stderr
    stored = json.loads(done.stdout)
    assert stored["case_number"] == number and stored["transition"] == "assess"
    assert stored["run_by"] == "worker" and stored["facts"]["times_crossed"] == 1
    assert stored["result"]["conclusions"]["refugee_status"] == stored["refugee_status"]
    assert stored["result"]["facts_sha256"] in draft.read_text(encoding="utf-8")

    reasons = tmp_path / "reasons.json"
    reasons.write_text(json.dumps({"reasons": "Synthetic: the findings follow the facts."}))
    own = surplace("assess-review", stored["id"], "--agree", "--input", str(reasons),
                   env=worker_env, stdin="")
    assert own.returncode == 1 and "reviewed by someone else" in own.stderr
    review = surplace("assess-review", stored["id"], "--agree", "--input", str(reasons),
                      "--json", env=admin_env, stdin="")
    assert review.returncode == 0, review.stderr
    reviewed = json.loads(review.stdout)
    assert (reviewed["verdict"], reviewed["transition"], reviewed["reviewer"]) == (
        "agree", "review", "admin")
    assert reviewed["reasons"] == "Synthetic: the findings follow the facts."
    with unlocked.session() as session:
        assert case_service.show_case(session, actor=unlocked.actor,
                                      case=number).status == "reviewed"
