"""Key rotation: every sealed value and evidence file moves to the new generation, values and
searches survive, other users still get in, and an interrupted rotation is continued."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select

import surplace.schema  # noqa: F401 - every model, so SENSITIVE_FIELDS is complete
from surplace.access.models import User
from surplace.access.policy import AccessDenied
from surplace.assessment.models import Assessment, AssessmentReview
from surplace.cases.models import Case, CaseMember, CaseTransition, Consent, Interview
from surplace.cases.work_models import Alert, Assistance, Intervention, Referral
from surplace.config import Settings
from surplace.demo import formats
from surplace.evidence.blobs import BlobStore
from surplace.evidence.models import CustodyEntry, Evidence
from surplace.incidents.models import (
    Act,
    ClaimCandidate,
    ClaimDecision,
    Incident,
    Information,
)
from surplace.io.mapping import init_mapping
from surplace.io.models import ImportBatch
from surplace.linkage.models import LinkDecision
from surplace.records import service as records_service
from surplace.records.intake import Intake, RecordIn, content_digest
from surplace.records.models import Person, Record, Source
from surplace.records.schemas import NameIn, PersonIn
from surplace.store.engine import Store
from surplace.vault import service as vault_service
from surplace.vault.audit import AuditEntry, AuditHead
from surplace.vault.audit_verify import verify_chain
from surplace.vault.crypto import envelope_version
from surplace.vault.exceptions import WrongPassphrase
from surplace.vault.fields import SENSITIVE_FIELDS
from surplace.vault.keyring import Keyring
from surplace.vault.models import KeyGeneration, KeySlot, VaultState
from surplace.vault.rotation import KEYED_DIGESTS, rotate, sealed_tables, vault_status
from surplace.vault.service import Unlocked
from tests.conftest import PASSPHRASE, TEST_ARGON2, cli_env
from tests.io.test_import_support import office, run_import

__all__ = ["office"]

WORKER_PASSPHRASE = "the worker's own passphrase"


def person_in(i: int) -> PersonIn:
    return PersonIn(
        names=[NameIn(full_name=f"Ri Sun-hui {i}", family_name="Ri", given_name=f"Sun-hui {i}"),
               NameIn(full_name=f"리순희 {i}", script="hangul", kind="alias")],
        sex="F", birth_date=date(1990, 1, 1 + i % 28), origin_place=f"Village {i}",
        current_location=f"Safe house {i % 7}", contact=f"+86 555 {i:04d}",
        document_number=f"DOC-{i:05d}", notes=f"Note number {i}",
    )


def populate(unlocked: Unlocked, persons: int = 12) -> None:
    """Persons, and one row with every sensitive field set in every other sealed table."""
    actor = unlocked.actor
    with unlocked.session() as session:
        records_service.register_persons(session, actor=actor,
                                         items=(person_in(i) for i in range(persons)))
        first = session.scalars(select(Person).order_by(Person.id)).first()
        assert first is not None
        first.family = {"mother": "in Hyesan"}
        source = Source(code="SRC-1", kind="informant", name="An informant",
                        contact="Signal", description="Border contact")
        session.add(source)
        session.flush()
        # Through the importer's intake, so that the content digest is a keyed one.
        Intake(session, actor=actor, source_id=source.id).add(
            [RecordIn(source_row="row-1", payload={"name": "Ri", "seen": "2024"})])
        record = session.scalars(select(Record).where(Record.source_id == source.id)).one()
        session.add(LinkDecision(record_a_id=record.id, record_b_id=record.id,
                                 decision="accept", actor_id=actor.user_id, note="Same woman"))
        case = Case(case_number="C-1", principal_id=first.id, summary="Claim summary",
                    languages=["ko"], specific_needs=["medical"], current_location="Flat 2")
        incident = Incident(title="Arrest at the border", description="What happened")
        session.add_all([case, incident])
        session.flush()
        user = actor.user_id
        today, now = date(2024, 5, 1), datetime(2024, 5, 1, tzinfo=UTC)
        session.add(CaseMember(case_id=case.id, person_id=first.id, relationship="self"))
        session.add(Interview(case_id=case.id, held_on=today, record="Interview",
                              interpreter="Interpreter", applicant_comments="Agreed",
                              attendees=["counsel"], facts={"detained_in_china": True}))
        session.add(CaseTransition(case_id=case.id, transition="register", from_status="received",
                                   to_status="registered", actor_id=user, effective_on=today,
                                   workflow_version="1", reason="Arrived", details={"a": 1}))
        session.add(Consent(case_id=case.id, person_id=first.id, scope="identity",
                            recipient="unhcr", given=True, recorded_on=today, recorded_by=user,
                            note="Oral consent in Korean"))
        alert = Alert(case_id=case.id, kind="detained", priority=1, deadline=now,
                      raised_by=user, note="Held at a station", resolution="Released")
        session.add(alert)
        session.flush()
        session.add(Intervention(case_id=case.id, alert_id=alert.id, kind="legal_aid",
                                 actor_id=user, started_on=today, description="Lawyer called",
                                 outcome_note="Released"))
        session.add(Assistance(case_id=case.id, kind="food", given_on=today, given_by=user,
                               quantity=2.0, unit="parcel", note="At the church"))
        session.add(Referral(case_id=case.id, kind="referral", to_organisation="partner",
                             referred_by=user, reason="Medical care", package={"p": "x"}))
        act = Act(incident_id=incident.id, act_type="arrest", victim_id=first.id,
                  method="Raid", consequences="Detained", whereabouts="Tumen centre")
        session.add(act)
        session.flush()
        information = Information(source_id=source.id, act_id=act.id, connection="witness",
                                  reliability="B", credibility=2, content="Saw the arrest",
                                  claim={"act_type": "arrest"})
        session.add(information)
        session.flush()
        candidate = ClaimCandidate(information_id=information.id, act_id=act.id, score=0.9)
        session.add(candidate)
        session.flush()
        session.add(ClaimDecision(candidate_id=candidate.id, decision="accept", actor_id=user,
                                  reason="Same return"))
        assessment = Assessment(case_id=case.id, run_by=user, ruleset_version="1",
                                jurisdiction="unhcr", as_of=today, refugee_status="unknown",
                                non_refoulement="established",
                                complementary_protection="unknown",
                                facts={"crossed_illegally": True}, result={"tree": []})
        session.add(assessment)
        session.flush()
        session.add(AssessmentReview(assessment_id=assessment.id, reviewer_id=user,
                                     verdict="agree", reasons="Sound"))
        data = b"evidence file content " * 5000
        evidence = Evidence(case_id=case.id, sha256=hashlib.sha256(data).digest(),
                            size=len(data), media_type="text/plain",
                            key_version=unlocked.keyring.current.version,
                            file_name="statement.txt", capture={"device": "phone"},
                            description="A statement")
        BlobStore(unlocked.store.blob_dir).write(evidence.id, unlocked.keyring.current,
                                                 io.BytesIO(data))
        session.add(evidence)
        session.flush()
        session.add(CustodyEntry(evidence_id=evidence.id, action="added", note="Received"))
        admin = session.get(User, actor.user_id)
        assert admin is not None
        admin.totp_secret = "JBSWY3DPEHPK3PXP"
        session.add(ImportBatch(source_id=source.id, actor_id=actor.user_id, file_format="csv",
                                file_name="partner list.csv"))


def snapshot(unlocked: Unlocked) -> dict[tuple[str, str, str], Any]:
    """Every sensitive value in the store, opened through the models."""
    values: dict[tuple[str, str, str], Any] = {}
    owners = {field.owner: [f.attribute for f in SENSITIVE_FIELDS if f.owner is field.owner]
              for field in SENSITIVE_FIELDS}
    with unlocked.session() as session:
        for owner, attributes in owners.items():
            for row in session.scalars(select(owner)):
                for attribute in attributes:
                    value = getattr(row, attribute)
                    if value is not None:  # a user added later has no second factor: nothing sealed
                        values[(owner.__tablename__, row.id, attribute)] = value
    return values


def versions(store: Store) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Envelope versions per sealed column, and version bytes per blind-index column and per
    keyed digest column."""
    sealed: dict[str, set[int]] = {}
    indexes: dict[str, set[int]] = {}
    with store.session() as session:
        for item in sealed_tables():
            for field in item.fields:
                name = f"{item.name}.{field.name}"
                sealed[name] = {envelope_version(v) for v in session.scalars(
                    select(field.sealed).where(field.sealed.is_not(None)))}
                if field.index is not None:
                    indexes[name] = {bytes(v)[0] for v in session.scalars(
                        select(field.index).where(field.index.is_not(None)))}
            for digest in item.digests:
                indexes[f"{item.name}.{digest.column.name}"] = {
                    bytes(v)[0] for v in session.scalars(select(digest.column))}
    return sealed, indexes


def digests_held(store: Store) -> dict[str, bytes]:
    """record id → its content digest as stored."""
    with store.session() as session:
        return {r: bytes(d) for r, d in session.execute(select(Record.id,
                                                               Record.content_digest))}


def state(store: Store) -> VaultState:
    with store.session() as session:
        found = session.get(VaultState, 1)
        assert found is not None
        return found


def test_rotation_reseals_every_sensitive_column(unlocked: Unlocked) -> None:
    populate(unlocked)
    before = snapshot(unlocked)
    sealed_before, keyed_before = versions(unlocked.store)
    assert all(found == {1} for found in sealed_before.values()), "every column has a value"
    keyed = {f"{d.table}.{d.column}" for d in KEYED_DIGESTS}
    assert keyed <= set(keyed_before)
    assert all(keyed_before[name] == {1} for name in keyed), "every keyed digest has a value"
    progress: list[tuple[int, int]] = []

    report = rotate(unlocked, passphrase=PASSPHRASE, batch_size=5,
                    on_progress=lambda done, total: progress.append((done, total)))

    assert (report.from_version, report.to_version, report.resumed) == (1, 2, False)
    assert report.values_resealed == sum(v is not None for v in before.values())
    assert report.files_reencrypted == 1 and report.slots_waiting == 0
    assert progress[-1][0] == progress[-1][1] == report.values_resealed + 1
    sealed_after, indexes_after = versions(unlocked.store)
    assert set(sealed_after) == {f"{f.table}.{f.attribute}" for f in SENSITIVE_FIELDS}
    assert all(found == {2} for found in sealed_after.values()), sealed_after
    assert indexes_after and all(found == {2} for found in indexes_after.values())
    assert keyed <= set(indexes_after)

    fresh = vault_service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)
    assert snapshot(fresh) == before
    with fresh.session() as session:
        for record in session.scalars(select(Record)):
            assert record.content_digest == content_digest(
                fresh.keyring.get(2), source_row=record.source_row, payload=record.payload)
    only_new = Unlocked(unlocked.store, Keyring(fresh.keyring.store_id,
                                                [fresh.keyring.get(2)]), fresh.actor)
    with only_new.session() as session:
        assert len(records_service.find_by_name(session, actor=only_new.actor,
                                                name="ri sun hui 7")) == 1
        assert len(records_service.find_by_name(session, actor=only_new.actor,
                                                name="리순희 3")) == 1
        assert len(records_service.find_by_document(session, actor=only_new.actor,
                                                    number="doc-00011")) == 1
        assert verify_chain(session, only_new.keyring).ok
        head = session.get(AuditHead, 1)
        assert head is not None and head.key_version == 2
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"vault.rotate.start", "vault.rotate.batch", "vault.rotate.file",
                "vault.rotate.finish"} <= actions
        evidence = session.scalars(select(Evidence)).one()
        assert evidence.key_version == 2
    blobs = BlobStore(unlocked.store.blob_dir)
    assert blobs.key_version(evidence.id) == 2
    content = b"".join(blobs.read(evidence.id, only_new.keyring))
    assert hashlib.sha256(content).digest() == evidence.sha256
    found = state(unlocked.store)
    assert (found.current_key_version, found.rotating_from_version) == (2, None)


def test_other_users_still_unlock_and_are_rewrapped(unlocked: Unlocked) -> None:
    populate(unlocked, persons=3)
    worker_id = vault_service.add_user(unlocked, name="worker", role="caseworker",
                                       passphrase=WORKER_PASSPHRASE, params=TEST_ARGON2)
    first = rotate(unlocked, passphrase=PASSPHRASE)
    second = rotate(unlocked, passphrase=PASSPHRASE)
    assert (first.slots_waiting, second.slots_waiting, second.to_version) == (1, 1, 3)
    assert [s.key_version for s in vault_status(unlocked.store).slots
            if s.user_id == worker_id] == [1]

    worker = vault_service.unlock(unlocked.store, user_name="worker",
                                  passphrase=WORKER_PASSPHRASE)
    assert worker.keyring.versions == [1, 2, 3]
    with worker.session() as session:
        found = records_service.find_by_document(session, actor=worker.actor, number="DOC-00002")
        assert len(found) == 1
        shown = records_service.show_person(session, actor=worker.actor, reference=found[0].id)
        assert shown.notes == "Note number 2"
        slot = session.scalars(select(KeySlot).where(KeySlot.user_id == worker_id)).one()
        assert slot.key_version == 3 and slot.rewrapped_at is not None
    assert all(found == {3} for found in versions(unlocked.store)[0].values())
    vault_service.unlock(unlocked.store, user_name="worker", passphrase=WORKER_PASSPHRASE)


def test_rotation_needs_an_admin_and_their_passphrase(unlocked: Unlocked) -> None:
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase=WORKER_PASSPHRASE, params=TEST_ARGON2)
    worker = vault_service.unlock(unlocked.store, user_name="worker",
                                  passphrase=WORKER_PASSPHRASE)
    with pytest.raises(AccessDenied):
        rotate(worker, passphrase=WORKER_PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        rotate(unlocked, passphrase="not the passphrase")
    found = state(unlocked.store)
    assert (found.current_key_version, found.rotating_from_version) == (1, None)
    assert unlocked.keyring.versions == [1]
    with unlocked.session() as session:
        assert session.scalar(select(func.count()).select_from(KeyGeneration)) == 1
        assert verify_chain(session, unlocked.keyring).ok


class Interrupted(Exception):
    pass


def test_interrupted_rotation_leaves_a_readable_store_and_a_rerun_finishes(
        unlocked: Unlocked) -> None:
    populate(unlocked, persons=20)
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase=WORKER_PASSPHRASE, params=TEST_ARGON2)
    before = snapshot(unlocked)

    committed: list[int] = []

    def stop_after_first_batch(done: int, total: int) -> None:
        if done:
            committed.append(done)
            raise Interrupted

    with pytest.raises(Interrupted):
        rotate(unlocked, passphrase=PASSPHRASE, batch_size=4,
               on_progress=stop_after_first_batch)
    found = state(unlocked.store)
    assert (found.current_key_version, found.rotating_from_version) == (2, 1)
    mixed = set().union(*versions(unlocked.store)[0].values())
    assert mixed == {1, 2}

    # The admin's slot is already on generation 2; the back link gives generation 1.
    reader = vault_service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)
    assert reader.keyring.versions == [1, 2]
    assert snapshot(reader) == before
    with reader.session() as session:
        assert len(records_service.find_by_name(session, actor=reader.actor,
                                                name="Ri Sun-hui 19")) == 1
        assert verify_chain(session, reader.keyring).ok
    # A slot rewrapped by an unlock during the rotation, and one made during it, read all too.
    vault_service.unlock(unlocked.store, user_name="worker", passphrase=WORKER_PASSPHRASE)
    worker = vault_service.unlock(unlocked.store, user_name="worker",
                                  passphrase=WORKER_PASSPHRASE)
    vault_service.add_user(reader, name="late", role="admin", passphrase=WORKER_PASSPHRASE,
                           params=TEST_ARGON2)
    late = vault_service.unlock(unlocked.store, user_name="late", passphrase=WORKER_PASSPHRASE)
    assert worker.keyring.versions == late.keyring.versions == [1, 2]
    assert snapshot(worker) == snapshot(late) == before

    report = rotate(reader, passphrase=PASSPHRASE, batch_size=4)
    assert (report.from_version, report.to_version, report.resumed) == (1, 2, True)
    assert committed[0] > 0
    assert report.values_resealed + committed[0] == sum(v is not None for v in before.values())
    assert all(found == {2} for found in versions(unlocked.store)[0].values())
    assert state(unlocked.store).rotating_from_version is None
    assert snapshot(reader) == before
    with reader.session() as session:
        generations = session.scalars(select(KeyGeneration).order_by(KeyGeneration.version))
        assert [(g.version, g.previous_wrapped, g.back_nonce) for g in generations] == [
            (1, None, None), (2, None, None)]
        assert verify_chain(session, reader.keyring).ok
    assert vault_service.unlock(unlocked.store, user_name="late",
                                passphrase=WORKER_PASSPHRASE).keyring.versions == [2]


def _pg_or_sqlite_engine(settings: Settings) -> Engine:
    if settings.is_postgres:
        return create_engine(settings.store.replace("postgresql://", "postgresql+psycopg://", 1))
    return create_engine(f"sqlite:///{settings.store}/store.sqlite3")


def _batches_committed(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "vault.rotate.batch")) or 0)


@pytest.fixture
def big_store(unlocked: Unlocked) -> Iterator[Unlocked]:
    with unlocked.session() as session:
        records_service.register_persons(session, actor=unlocked.actor,
                                         items=(person_in(i) for i in range(3000)))
    yield unlocked


@pytest.mark.slow
def test_sigkill_during_cli_rotation_then_rerun(big_store: Unlocked, settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURPLACE_")}
    env.update(cli_env(settings))
    process = subprocess.Popen(
        [sys.executable, "-m", "surplace", "vault", "rotate", "--batch-size", "10"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = _pg_or_sqlite_engine(settings)
    try:
        deadline = time.monotonic() + 60
        while _batches_committed(watcher) < 3:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the rotation did not start"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        if process.stderr:
            process.stderr.close()
        interrupted = _batches_committed(watcher)
    finally:
        watcher.dispose()
        if process.poll() is None:
            process.kill()
            process.wait()

    found = state(big_store.store)
    assert (found.current_key_version, found.rotating_from_version) == (2, 1)
    assert set().union(*versions(big_store.store)[0].values()) == {1, 2}
    reader = vault_service.unlock(big_store.store, user_name="admin", passphrase=PASSPHRASE)
    with reader.session() as session:
        hits = records_service.find_by_document(session, actor=reader.actor, number="DOC-02999")
        assert len(hits) == 1
        shown = records_service.show_person(session, actor=reader.actor, reference=hits[0].id)
        assert shown.current_location == "Safe house 3"
    with reader.session() as session:
        assert verify_chain(session, reader.keyring).ok

    from tests.clirun import surplace

    done = surplace("vault", "rotate", "--batch-size", "500", "--json", env=cli_env(settings))
    assert done.returncode == 0, done.stderr
    assert "Continuing the interrupted rotation" in done.stderr
    result = json.loads(done.stdout)
    assert result["resumed"] is True and result["to_generation"] == 2
    assert interrupted >= 3
    assert 0 < result["values_resealed"] < 3000 * 10  # ten sealed values per person
    assert set().union(*versions(big_store.store)[0].values()) == {2}
    status = json.loads(surplace("vault", "status", "--json", env=cli_env(settings)).stdout)
    assert status["rotation_in_progress"] is False and status["current_generation"] == 2
    reader = vault_service.unlock(big_store.store, user_name="admin", passphrase=PASSPHRASE)
    with reader.session() as session:
        hits = records_service.find_by_name(session, actor=reader.actor, name="ri sun-hui 1234")
        assert len(hits) == 1
        assert verify_chain(session, reader.keyring).ok


def test_a_session_unlocked_before_a_rotation_cannot_seal_under_the_old_key(
        unlocked: Unlocked) -> None:
    from surplace.vault.exceptions import VaultError
    from surplace.vault.rotation import rotate
    from tests.conftest import PASSPHRASE

    early = vault_service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)
    rotate(unlocked, passphrase=PASSPHRASE)
    data = PersonIn(names=[NameIn(full_name="Synthetic Late Writer")])
    with pytest.raises(VaultError, match="rotated to generation 2"), early.session() as session:
        records_service.register_person(session, actor=early.actor, data=data)
    fresh = vault_service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)
    with fresh.session() as session:
        person = records_service.register_person(session, actor=fresh.actor, data=data)
        assert person.id


def test_a_file_imported_before_a_rotation_is_recognised_after_it(office: Unlocked,
                                                                  tmp_path: Path) -> None:
    rows = formats.people(60, seed=31)
    path = formats.write_csv(tmp_path / "list.csv", rows)
    mapping, _ = init_mapping(path)
    assert run_import(office, path, mapping).imported == 60
    held_before = digests_held(office.store)

    rotate(office, passphrase=PASSPHRASE, batch_size=7)

    after = vault_service.unlock(office.store, user_name="admin", passphrase=PASSPHRASE)
    assert after.keyring.versions == [2]  # the old generation's digest key is out of reach
    rekeyed = digests_held(office.store)
    assert rekeyed.keys() == held_before.keys()
    assert all(d[0] == 2 and d != held_before[r] for r, d in rekeyed.items())
    again = run_import(after, path, mapping)
    assert (again.imported, again.skipped, again.rejected) == (0, 60, 0)
    # A corrected row still supersedes the record it corrects.
    rows[4] = {**rows[4], "birth": "1969-03-04"}
    corrected = run_import(after, formats.write_csv(tmp_path / "fixed.csv", rows), mapping)
    assert (corrected.imported, corrected.superseding, corrected.skipped) == (1, 1, 59)


def test_an_import_between_interrupted_and_resumed_rotation_is_recognised(
        office: Unlocked, tmp_path: Path) -> None:
    rows = formats.people(40, seed=32)
    path = formats.write_csv(tmp_path / "list.csv", rows)
    mapping, _ = init_mapping(path)
    run_import(office, path, mapping)

    def stop(done: int, total: int) -> None:
        if len({d[0] for d in digests_held(office.store).values()}) > 1:
            raise Interrupted  # some records re-keyed, some not

    with pytest.raises(Interrupted):
        rotate(office, passphrase=PASSPHRASE, batch_size=3, on_progress=stop)
    during = vault_service.unlock(office.store, user_name="admin", passphrase=PASSPHRASE)
    assert {d[0] for d in digests_held(office.store).values()} == {1, 2}
    assert run_import(during, path, mapping).imported == 0
    rotate(during, passphrase=PASSPHRASE, batch_size=3)
    after = vault_service.unlock(office.store, user_name="admin", passphrase=PASSPHRASE)
    assert {d[0] for d in digests_held(office.store).values()} == {2}
    assert run_import(after, path, mapping).imported == 0
