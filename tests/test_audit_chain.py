"""The audit chain: any edit, deletion, insertion or reordering made with raw SQL is found, and the
first entry it broke is named; the signed head catches what is cut from or added to the end.

Verification is checked in process (``verify_chain``) for every kind of tampering and through
``surplace audit verify`` for a representative few, since each command-line run costs an unlock.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, func, insert, select, text
from typer.testing import CliRunner

from surplace.cli.main import app
from surplace.config import Settings
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.vault import audit
from surplace.vault import service as vault_service
from surplace.vault.audit import AuditEntry, Event
from surplace.vault.audit_verify import ChainReport, verify_chain
from surplace.vault.exceptions import AuditChainBroken, VaultLocked
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import TEST_ARGON2, cli_env

COLUMNS = ("seq", "at", "actor_id", "action", "object_type", "object_id", "field", "detail",
           "prev_hash", "entry_hash")


def append_events(unlocked: Unlocked, count: int, *, batch: int = 10_000) -> None:
    """``count`` synthetic read events with every column filled, appended in batches."""
    with unlocked.session() as session:
        for start in range(0, count, batch):
            audit.append(session, [
                Event("read", "person", f"00000000-0000-4000-8000-{n:012d}", "contact",
                      {"n": n}) for n in range(start, min(count, start + batch))])


def chain_length(unlocked: Unlocked) -> int:
    with unlocked.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def verify(unlocked: Unlocked) -> ChainReport:
    with unlocked.store.session() as session:
        return verify_chain(session, unlocked.keyring)


@contextmanager
def raw(unlocked: Unlocked) -> Iterator[Connection]:
    """A plain connection past the program: what someone with the database file has."""
    with unlocked.store.engine.begin() as connection:
        yield connection


def entry(unlocked: Unlocked, seq: int) -> dict[str, Any]:
    with raw(unlocked) as connection:
        row = connection.execute(text("SELECT * FROM audit_entry WHERE seq = :s"),
                                 {"s": seq}).mappings().one()
    return dict(row)


def set_column(unlocked: Unlocked, seq: int, column: str, value: Any) -> None:
    with raw(unlocked) as connection:
        connection.execute(text(f"UPDATE audit_entry SET {column} = :v WHERE seq = :s"),
                           {"v": value, "s": seq})


def shift_up(connection: Connection, from_seq: int, by: int = 1) -> None:
    """Renumber entries ``from_seq``… upwards without tripping the primary key half way."""
    connection.execute(text("UPDATE audit_entry SET seq = seq + 1000000 WHERE seq >= :s"),
                       {"s": from_seq})
    connection.execute(text("UPDATE audit_entry SET seq = seq - 1000000 + :by "
                            "WHERE seq >= 1000000"), {"by": by})


def forged_row(unlocked: Unlocked, seq: int, prev: bytes, **overrides: Any) -> dict[str, Any]:
    """An entry that hashes correctly onto ``prev``: a forger who read the code can make one."""
    row: dict[str, Any] = {
        "seq": seq, "at": "2026-01-01T00:00:00.000000+00:00",
        "actor_id": unlocked.actor.user_id, "action": "read", "object_type": "person",
        "object_id": "00000000-0000-4000-8000-00000000f0f0", "field": "contact",
        "detail": None, "prev_hash": prev}
    row.update(overrides)
    row["entry_hash"] = audit.entry_hash(
        row["prev_hash"], row["seq"], row["at"], row["actor_id"], row["action"],
        row["object_type"], row["object_id"], row["field"], row["detail"])
    return row


def insert_row(unlocked: Unlocked, row: dict[str, Any]) -> None:
    with raw(unlocked) as connection:
        connection.execute(insert(AuditEntry).values(**row))


def assert_broken_at(report: ChainReport, seq: int) -> None:
    assert not report.ok
    assert report.first_bad_seq == seq, report.describe()
    assert f"entry {seq}" in report.describe()


@pytest.fixture
def chain(unlocked: Unlocked) -> Unlocked:
    """A store whose chain has init's entries, a person, reads, and 40 filled-in entries."""
    with unlocked.session() as session:
        person = records_service.register_person(session, actor=unlocked.actor, data=PersonIn(
            names=[NameIn(full_name="Chegal Synthetic")], contact="+00 555 0000 001"))
        person_id = person.id
    with unlocked.session() as session:
        records_service.show_person(session, actor=unlocked.actor, reference=person_id)
    append_events(unlocked, 40)
    assert verify(unlocked).ok
    return unlocked


# --- edits -----------------------------------------------------------------------------------


def _other(column: str, value: Any) -> Any:
    """A different value for ``column`` that a tamperer might write."""
    replacements: dict[str, Any] = {
        "at": "2020-02-02T02:02:02.000000+00:00",
        "actor_id": "11111111-1111-4111-8111-111111111111",
        "action": "update",
        "object_type": "protection_case",
        "object_id": "22222222-2222-4222-8222-222222222222",
        "field": "notes",
        "detail": json.dumps({"n": -1}),
        "prev_hash": bytes(32),
        "entry_hash": bytes(range(32)),
    }
    new = replacements[column]
    assert new != value
    return new


def test_editing_any_column_of_any_entry_is_found(chain: Unlocked) -> None:
    total = chain_length(chain)
    for seq in (1, total // 2, total - 1):
        original = entry(chain, seq)
        for column in COLUMNS:
            if column == "seq":
                set_column(chain, seq, "seq", 5_000_000)
                assert_broken_at(verify(chain), seq)
                set_column(chain, 5_000_000, "seq", seq)
            else:
                set_column(chain, seq, column, _other(column, original[column]))
                report = verify(chain)
                assert_broken_at(report, seq)
                assert report.entries == seq - 1
                set_column(chain, seq, column, original[column])
            assert verify(chain).ok, (seq, column)
        # Clearing an optional column is an edit too.
        for column in ("actor_id", "object_id", "field", "detail"):
            if original[column] is not None:
                set_column(chain, seq, column, None)
                assert_broken_at(verify(chain), seq)
                set_column(chain, seq, column, original[column])
        assert verify(chain).ok


def test_editing_the_last_entry_is_found(chain: Unlocked) -> None:
    last = chain_length(chain)
    set_column(chain, last, "detail", json.dumps({"n": 999}))
    assert_broken_at(verify(chain), last)


def test_null_changed_to_empty_string_is_found(chain: Unlocked) -> None:
    seq = next(e.seq for e in _entries(chain) if e.field is None)
    set_column(chain, seq, "field", "")
    assert not verify(chain).ok


def _entries(unlocked: Unlocked) -> list[AuditEntry]:
    with unlocked.store.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


# --- deletions, insertions, reordering -------------------------------------------------------


def test_deleting_the_first_entry_is_found(chain: Unlocked) -> None:
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 1"))
    assert_broken_at(verify(chain), 1)


def test_deleting_a_middle_entry_is_found(chain: Unlocked) -> None:
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 17"))
    report = verify(chain)
    assert_broken_at(report, 17)
    assert "missing" in report.describe()


def test_deleting_an_entry_and_closing_the_gap_is_found(chain: Unlocked) -> None:
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 17"))
        connection.execute(text("UPDATE audit_entry SET seq = seq - 1 WHERE seq > 17"))
    report = verify(chain)
    assert_broken_at(report, 17)
    assert "link to the previous entry" in report.describe()


def test_inserting_a_forged_entry_in_the_middle_is_found(chain: Unlocked) -> None:
    k = 20
    prev = entry(chain, k - 1)["entry_hash"]
    with raw(chain) as connection:
        shift_up(connection, k)
    insert_row(chain, forged_row(chain, k, bytes(prev)))
    report = verify(chain)
    # The forged entry hashes correctly onto entry k-1, so the first thing that no longer holds
    # is the link of the genuine entry after it, now numbered k+1.
    assert_broken_at(report, k + 1)
    assert "inserted" in report.describe()


def test_inserting_a_forged_entry_and_rehashing_the_rest_is_caught_by_the_head(
        chain: Unlocked) -> None:
    k = 20
    total = chain_length(chain)
    rows = [entry(chain, seq) for seq in range(k, total + 1)]
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq >= :k"), {"k": k})
    prev = bytes(entry(chain, k - 1)["entry_hash"])
    forged = forged_row(chain, k, prev)
    insert_row(chain, forged)
    prev = forged["entry_hash"]
    for offset, original in enumerate(rows, start=1):
        row = forged_row(chain, k + offset, prev, **{
            c: original[c] for c in ("at", "actor_id", "action", "object_type", "object_id",
                                     "field", "detail")})
        insert_row(chain, row)
        prev = row["entry_hash"]
    report = verify(chain)
    assert_broken_at(report, total + 1)
    assert "signed head" in report.describe()


def test_appending_a_forged_entry_is_caught_by_the_head(chain: Unlocked) -> None:
    total = chain_length(chain)
    insert_row(chain, forged_row(chain, total + 1, bytes(entry(chain, total)["entry_hash"])))
    report = verify(chain)
    assert_broken_at(report, total + 1)
    assert "signed head" in report.describe()


def test_appending_a_forged_entry_and_moving_the_head_is_caught_by_the_signature(
        chain: Unlocked) -> None:
    total = chain_length(chain)
    forged = forged_row(chain, total + 1, bytes(entry(chain, total)["entry_hash"]))
    insert_row(chain, forged)
    with raw(chain) as connection:
        connection.execute(text("UPDATE audit_head SET seq = :s, entry_hash = :h"),
                           {"s": total + 1, "h": forged["entry_hash"]})
    report = verify(chain)
    assert_broken_at(report, total + 1)
    assert "signature" in report.describe()


def test_swapping_two_entries_is_found(chain: Unlocked) -> None:
    k = 25
    with raw(chain) as connection:
        connection.execute(text("UPDATE audit_entry SET seq = -1 WHERE seq = :k"), {"k": k})
        connection.execute(text("UPDATE audit_entry SET seq = :k WHERE seq = :n"),
                           {"k": k, "n": k + 1})
        connection.execute(text("UPDATE audit_entry SET seq = :n WHERE seq = -1"), {"n": k + 1})
    report = verify(chain)
    assert_broken_at(report, k)
    assert "reordered" in report.describe()


def test_swapping_distant_entries_is_found(chain: Unlocked) -> None:
    first, second = 8, 30
    with raw(chain) as connection:
        connection.execute(text("UPDATE audit_entry SET seq = -1 WHERE seq = :a"),
                           {"a": first})
        connection.execute(text("UPDATE audit_entry SET seq = :a WHERE seq = :b"),
                           {"a": first, "b": second})
        connection.execute(text("UPDATE audit_entry SET seq = :b WHERE seq = -1"),
                           {"b": second})
    assert_broken_at(verify(chain), first)


# --- the signed head -------------------------------------------------------------------------


def test_deleting_the_last_entries_is_caught_by_the_signed_head(chain: Unlocked) -> None:
    total = chain_length(chain)
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq > :s"), {"s": total - 3})
    report = verify(chain)
    assert_broken_at(report, total - 2)
    assert "signed head" in report.describe()


def test_deleting_the_last_entries_and_moving_the_head_is_caught(chain: Unlocked) -> None:
    total = chain_length(chain)
    new_last = entry(chain, total - 3)
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq > :s"), {"s": total - 3})
        connection.execute(text("UPDATE audit_head SET seq = :s, entry_hash = :h"),
                           {"s": total - 3, "h": new_last["entry_hash"]})
    report = verify(chain)
    assert not report.ok
    assert "signature" in report.describe()


def test_a_forged_head_signature_is_caught(chain: Unlocked) -> None:
    with raw(chain) as connection:
        original = bytes(connection.execute(text("SELECT signature FROM audit_head")).scalar_one())
    total = chain_length(chain)
    message = audit.head_message(chain.keyring.store_id, total,
                                 bytes(entry(chain, total)["entry_hash"]))
    forgeries = [
        bytes(64),
        bytes([original[0] ^ 1]) + original[1:],
        original[:-1] + bytes([original[-1] ^ 0x80]),
        Ed25519PrivateKey.generate().sign(message),  # a valid signature by another key
    ]
    for forged in forgeries:
        with raw(chain) as connection:
            connection.execute(text("UPDATE audit_head SET signature = :s"), {"s": forged})
        report = verify(chain)
        assert_broken_at(report, total)
        assert "signature is not valid" in report.describe()
    with raw(chain) as connection:
        connection.execute(text("UPDATE audit_head SET signature = :s"), {"s": original})
    assert verify(chain).ok


def test_a_relabelled_head_key_version_is_refused(chain: Unlocked) -> None:
    with raw(chain) as connection:
        connection.execute(text("UPDATE audit_head SET key_version = 99"))
    # A key generation the keyring does not hold: verification cannot pass.
    try:
        report = verify(chain)
    except VaultLocked:
        return
    assert not report.ok


def test_a_deleted_head_is_caught(chain: Unlocked) -> None:
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_head"))
    report = verify(chain)
    assert_broken_at(report, 1)
    assert "head" in report.describe()


# --- appending onto a damaged chain ---------------------------------------------------------
# Appending re-signs the head, so the append itself refuses a head that is not the genuine last
# one; the process remembers the last head it signed or verified, and these check that the
# memory never lets a changed head through.


def _append_one(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        audit.record(session, "export", "report", None)


def test_appending_onto_a_forged_head_signature_is_refused(chain: Unlocked) -> None:
    _append_one(chain)  # this process now trusts the head it signed
    with raw(chain) as connection:
        original = bytes(connection.execute(text("SELECT signature FROM audit_head")).scalar_one())
        connection.execute(text("UPDATE audit_head SET signature = :s"),
                           {"s": bytes([original[0] ^ 1]) + original[1:]})
    total = chain_length(chain)
    with pytest.raises(AuditChainBroken, match="signature is not valid"):
        _append_one(chain)
    assert chain_length(chain) == total
    with raw(chain) as connection:
        connection.execute(text("UPDATE audit_head SET signature = :s"), {"s": original})
    _append_one(chain)
    assert chain_length(chain) == total + 1 and verify(chain).ok


def test_appending_after_the_last_entries_were_cut_is_refused(chain: Unlocked) -> None:
    _append_one(chain)
    total = chain_length(chain)
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq > :s"), {"s": total - 2})
    with pytest.raises(AuditChainBroken, match=f"names entry {total}"):
        _append_one(chain)
    new_last = entry(chain, total - 2)
    with raw(chain) as connection:  # and the head moved back without a signature of its own
        connection.execute(text("UPDATE audit_head SET seq = :s, entry_hash = :h"),
                           {"s": total - 2, "h": new_last["entry_hash"]})
    with pytest.raises(AuditChainBroken, match="signature is not valid"):
        _append_one(chain)
    assert chain_length(chain) == total - 2


def test_appending_onto_a_deleted_head_is_refused(chain: Unlocked) -> None:
    _append_one(chain)
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_head"))
    with pytest.raises(AuditChainBroken, match="head is missing"):
        _append_one(chain)


def test_a_page_of_reads_is_appended_in_one_piece(chain: Unlocked) -> None:
    """More reads than one multi-row INSERT holds still chain and verify as one run."""
    total = chain_length(chain)
    append_events(chain, 1_234)
    assert chain_length(chain) == total + 1_234
    assert verify(chain).ok


def test_writers_appending_at_once_keep_one_unbroken_chain(chain: Unlocked) -> None:
    """Web workers append their pages' reads side by side: each append sees the one before it
    (on PostgreSQL the writer that waited for the head's lock must read the entry the other
    writer added, not the one its statement began with)."""
    total = chain_length(chain)
    writers, appends = 4, 25
    failures: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(writer: int) -> None:
        start.wait()
        try:
            for n in range(appends):
                with chain.store.session(keyring=chain.keyring,
                                         actor_id=chain.actor.user_id) as session:
                    audit.append(session, [Event("read", "person", f"writer-{writer}-{n}",
                                                 "contact")] * (1 + n % 3))
        except BaseException as error:  # noqa: BLE001 - reported below with the others
            failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert chain_length(chain) == total + writers * sum(1 + n % 3 for n in range(appends))
    assert verify(chain).ok


# --- through the command line ----------------------------------------------------------------


def test_cli_verify_names_the_broken_entry(chain: Unlocked, settings: Settings) -> None:
    env = cli_env(settings)
    intact = surplace("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stderr

    set_column(chain, 12, "object_id", "33333333-3333-4333-8333-333333333333")
    broken = surplace("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "entry 12" in broken.stderr
    assert "Traceback" not in broken.stderr
    as_json = surplace("audit", "verify", "--json", env=env)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["first_bad_entry"] == 12
    assert json.loads(as_json.stdout)["ok"] is False


def test_cli_verify_catches_entries_cut_from_the_end(chain: Unlocked, settings: Settings) -> None:
    total = chain_length(chain)
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq > :s"), {"s": total - 2})
    done = surplace("audit", "verify", "--json", env=cli_env(settings))
    assert done.returncode == 1
    assert json.loads(done.stdout)["first_bad_entry"] == total - 1


def test_cli_verify_catches_a_forged_head(chain: Unlocked, settings: Settings) -> None:
    total = chain_length(chain)
    new_last = entry(chain, total - 3)
    with raw(chain) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq > :s"), {"s": total - 3})
        connection.execute(text("UPDATE audit_head SET seq = :s, entry_hash = :h"),
                           {"s": total - 3, "h": new_last["entry_hash"]})
    assert not verify(chain).ok
    done = surplace("audit", "verify", env=cli_env(settings))
    assert done.returncode == 1, done.stderr


# --- a long, untouched chain -----------------------------------------------------------------


@pytest.mark.slow
def test_an_untouched_chain_of_100000_entries_verifies(unlocked: Unlocked) -> None:
    before = chain_length(unlocked)
    started = time.perf_counter()
    append_events(unlocked, 100_000 - before)
    built = time.perf_counter()
    report = verify(unlocked)
    verified = time.perf_counter()
    assert report.ok, report.describe()
    assert report.entries == 100_000
    assert "100000 entries" in report.describe()
    print(f"built in {built - started:.1f} s, verified in {verified - built:.1f} s")
    # One edit deep in it is still found, and named.
    set_column(unlocked, 77_777, "action", "create")
    assert_broken_at(verify(unlocked), 77_777)


# --- audit log filters -----------------------------------------------------------------------


def _log(settings: Settings, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["audit", "log", "--json", *args], env=cli_env(settings))
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def test_audit_log_filters(unlocked: Unlocked, settings: Settings) -> None:
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase="worker passphrase 1", params=TEST_ARGON2)
    worker = vault_service.unlock(unlocked.store, user_name="worker",
                                  passphrase="worker passphrase 1")
    with worker.session() as session:
        theirs = records_service.register_person(session, actor=worker.actor, data=PersonIn(
            names=[NameIn(full_name="Hwangbo Synthetic")], notes="synthetic")).id
    with worker.session() as session:
        records_service.show_person(session, actor=worker.actor, reference=theirs)
    with unlocked.session() as session:
        ours = records_service.register_person(session, actor=unlocked.actor, data=PersonIn(
            names=[NameIn(full_name="Sonu Synthetic")], contact="synthetic")).id
    entries = _entries(unlocked)
    assert len(entries) < 100

    everything = _log(settings, "--limit", "1000")
    # Newest first; the listing's own unlock is the newest entry.
    assert [e["seq"] for e in everything] == sorted((e["seq"] for e in everything),
                                                    reverse=True)
    assert everything[0]["action"] == "vault.unlock"
    assert [e["seq"] for e in everything[1:]] == [e.seq for e in reversed(entries)]
    assert set(everything[0]) >= {"seq", "at", "actor", "action", "object_type", "object_id",
                                  "field", "detail"}

    by_worker = _log(settings, "--actor", "worker", "--limit", "1000")
    worker_id = worker.actor.user_id
    assert by_worker and {e["actor"] for e in by_worker} == {"worker"}
    assert [e["seq"] for e in by_worker] == [e.seq for e in reversed(entries)
                                             if e.actor_id == worker_id]
    assert _log(settings, "--actor", "nobody") == []

    reads = _log(settings, "--action", "read", "--limit", "1000")
    assert reads and {e["action"] for e in reads} == {"read"}
    assert len(reads) == sum(e.action == "read" for e in entries)

    persons = _log(settings, "--type", "person", "--limit", "1000")
    assert {e["object_type"] for e in persons} == {"person"}
    assert {e["object_id"] for e in persons} == {theirs, ours}

    about_theirs = _log(settings, "--object", theirs, "--limit", "1000")
    assert about_theirs and {e["object_id"] for e in about_theirs} == {theirs}
    assert {e["action"] for e in about_theirs} == {"create", "read"}

    combined = _log(settings, "--actor", "worker", "--action", "read", "--type", "person",
                    "--limit", "1000")
    assert {(e["actor"], e["action"], e["object_type"]) for e in combined} == {
        ("worker", "read", "person")}
    assert {e["field"] for e in combined} == {"notes"}

    middle = entries[len(entries) // 2]
    since = _log(settings, "--since", middle.at, "--limit", "1000")
    assert min(e["seq"] for e in since) <= middle.seq
    assert all(e["at"] >= middle.at for e in since)
    until = _log(settings, "--until", middle.at, "--limit", "1000")
    assert all(e["at"] < middle.at for e in until)
    assert {e["seq"] for e in since} | {e["seq"] for e in until} >= {e.seq for e in entries}
    assert _log(settings, "--since", "2999-01-01") == []
    assert _log(settings, "--until", "2000-01-01") == []

    newest = _log(settings, "--limit", "3")
    assert len(newest) == 3
    assert newest[0]["seq"] > newest[1]["seq"] > newest[2]["seq"]
    assert newest[0]["seq"] == max(e["seq"] for e in newest)
    # The next page: each listing adds its own unlock on top, so skipping that one entry
    # gives back the previous listing's first page.
    first = _log(settings, "--limit", "4")
    following = _log(settings, "--limit", "3", "--offset", "1")
    assert [e["seq"] for e in following] == [e["seq"] for e in first[:3]]
    assert [e["seq"] for e in _log(settings, "--limit", "2", "--offset", "4")] == [
        e["seq"] for e in first[2:4]]
    negative = CliRunner().invoke(app, ["audit", "log", "--offset", "-1"],
                                  env=cli_env(settings))
    assert negative.exit_code == 2 and "--offset" in negative.output

    table = CliRunner().invoke(app, ["audit", "log", "--action", "create", "--limit", "5"],
                               env=cli_env(settings))
    assert table.exit_code == 0
    assert "create" in table.stdout and "seq" in table.stdout

    bad = CliRunner().invoke(app, ["audit", "log", "--since", "last tuesday"],
                             env=cli_env(settings))
    assert bad.exit_code != 0
    assert "--since" in str(bad.exception)
    # The log holds field names, never values.
    assert all("Hwangbo" not in json.dumps(e) and "synthetic" not in json.dumps(e)
               for e in everything)


def test_audit_log_is_refused_to_a_role_without_audit_read(unlocked: Unlocked,
                                                           settings: Settings) -> None:
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase="worker passphrase 1", params=TEST_ARGON2)
    env = {**cli_env(settings, passphrase="worker passphrase 1"), "SURPLACE_USER": "worker"}
    result = CliRunner().invoke(app, ["audit", "log", "--json"], env=env)
    assert result.exit_code != 0
    assert "may not audit read" in str(result.exception)
    assert os.environ.get("SURPLACE_USER") is None
