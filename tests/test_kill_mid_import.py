"""An import killed half way leaves the store exactly as it was.

``surplace person import`` writes 10,000 persons in one transaction. The test waits until the
command's progress shows thousands done (so several batches have been flushed into the open
transaction, and it holds the database's write lock) and sends SIGKILL: no clean-up code runs.
Afterwards the store must hold the persons it held before and no partial row in any table, the
audit chain must verify without the import's entries, and a second import must succeed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import func, select, text

from surplace import schema  # noqa: F401 - every table, for the row comparison
from surplace.config import Settings
from surplace.records import service as records_service
from surplace.records.models import Person
from surplace.records.schemas import NameIn, PersonIn
from surplace.store.base import Base
from surplace.store.engine import Store
from surplace.vault.audit import AuditEntry
from surplace.vault.audit_verify import verify_chain
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import cli_env

PERSONS = 10_000
KILL_AFTER = 3_500  # three batches of 1,000 flushed into the open transaction
AUDIT_TABLES = {"audit_entry", "audit_head"}

FAMILY = ["김", "리", "박", "최", "정", "강", "조", "윤", "장", "림", "한", "오", "서", "신", "권"]
GIVEN = "영철순희명수성옥혜광민정춘화금향은별찬국남일룡경"
LATIN_FAMILY = ["Kim", "Ri", "Pak", "Choe", "Jong", "Kang", "Jo", "Yun", "Jang", "Rim"]


def synthetic_persons(count: int, seed: int) -> list[dict[str, Any]]:
    """Invented persons: random syllables, invented places and numbers."""
    rng = random.Random(seed)
    persons = []
    for n in range(count):
        family = rng.choice(FAMILY)
        given = rng.choice(GIVEN) + rng.choice(GIVEN)
        persons.append({
            "names": [
                {"full_name": family + given, "family_name": family, "given_name": given,
                 "script": "hangul"},
                {"full_name": f"{rng.choice(LATIN_FAMILY)} Synth-{seed}-{n}", "script": "latin",
                 "kind": "alias"},
            ],
            "sex": rng.choice("FMX"),
            "birth_date": f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}-"
                          f"{rng.randint(1, 28):02d}",
            "origin_province": rng.choice(["KP-08", "KP-09", "KP-10", "CN-JL"]),
            "origin_place": f"Synthetic county {rng.randint(1, 999)}",
            "current_location": f"Synthetic shelter {n}",
            "contact": f"+00 555 {n:07d}",
            "document_number": f"SYN-{seed}-{n:08d}",
            "notes": f"Synthetic note {n}.",
        })
    return persons


def write_jsonl(path: Path, persons: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for person in persons:
            handle.write(json.dumps(person, ensure_ascii=False) + "\n")
    return path


def table_digests(store: Store) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the contents of every table but the audit chain's."""
    digests = {}
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in AUDIT_TABLES:
                continue
            rows = sorted(repr(tuple(row)) for row in connection.execute(table.select()))
            digests[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digests


def audit_entries(store: Store) -> list[tuple[object, ...]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(AuditEntry.__table__).order_by(AuditEntry.seq))]


def _pump(stream: IO[bytes], sink: list[bytes]) -> None:
    for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):
        sink.append(chunk)


def _in_write_transaction(store: Store, settings: Settings) -> bool:
    """Whether another process holds an open write transaction on the store right now."""
    if store.sqlite_path is not None:
        probe = sqlite3.connect(store.sqlite_path, timeout=0.2, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            return "locked" in str(error)
        else:
            probe.execute("ROLLBACK")
            return False
        finally:
            probe.close()
    with store.engine.connect() as connection:
        count = connection.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'person' AND c.relnamespace = current_schema()::regnamespace "
            "AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()")).scalar_one()
    return bool(count)


def start_import(path: Path, settings: Settings) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SURPLACE_")}
    # Make Rich draw its live progress bar although standard error is a pipe.
    env.update(cli_env(settings), TTY_COMPATIBLE="1", TTY_INTERACTIVE="1", FORCE_COLOR="1",
               TERM="xterm", COLUMNS="120")
    return subprocess.Popen([sys.executable, "-m", "surplace", "person", "import", str(path)],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


@pytest.mark.slow
def test_an_import_killed_mid_write_leaves_no_trace(
        unlocked: Unlocked, settings: Settings, tmp_path: Path) -> None:
    store = unlocked.store
    with unlocked.session() as session:
        records_service.register_persons(session, actor=unlocked.actor, items=[
            PersonIn(names=[NameIn(full_name=f"Earlier Synthetic {n}")], contact=f"+00 {n}")
            for n in range(5)])
    with store.session() as session:
        persons_before = set(session.scalars(select(Person.id)))
    tables_before = table_digests(store)
    audit_before = audit_entries(store)
    path = write_jsonl(tmp_path / "persons.jsonl", synthetic_persons(PERSONS, seed=1))

    process = start_import(path, settings)
    output: list[bytes] = []
    reader = threading.Thread(target=_pump, args=(process.stderr, output), daemon=True)
    reader.start()
    done = 0
    deadline = time.monotonic() + 300
    try:
        while done < KILL_AFTER:
            assert process.poll() is None, (
                f"the import ended (code {process.returncode}) before it could be killed at "
                f"{KILL_AFTER}: {b''.join(output)[-2000:]!r}")
            assert time.monotonic() < deadline, "no progress from the import"
            counts = re.findall(rb"(\d+)/" + str(PERSONS).encode(), b"".join(output))
            done = max((int(c) for c in counts), default=0)
            time.sleep(0.05)
        in_transaction = _in_write_transaction(store, settings)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert done < PERSONS
    assert in_transaction, "the import was not in its write transaction when killed"

    # Exactly the persons from before; not one row more or different anywhere.
    with store.session() as session:
        assert set(session.scalars(select(Person.id))) == persons_before
    assert table_digests(store) == tables_before
    # The chain holds its old entries unchanged plus only the importer's unlock, which was its
    # own transaction before the import began; every entry of the import went with it.
    audit_after = audit_entries(store)
    assert audit_after[: len(audit_before)] == audit_before
    assert [(row[3], row[4]) for row in audit_after[len(audit_before):]] == [
        ("vault.unlock", "user_account")]
    with store.session() as session:
        report = verify_chain(session, unlocked.keyring)
    assert report.ok, report.describe()
    assert report.entries == len(audit_before) + 1
    if store.sqlite_path is not None:
        connection = sqlite3.connect(store.sqlite_path)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            connection.close()

    # A second import afterwards goes through, and what it wrote can be found.
    more = synthetic_persons(50, seed=2)
    again = write_jsonl(tmp_path / "again.jsonl", more)
    second = surplace("person", "import", str(again), "--json", env=cli_env(settings), stdin="")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {"imported": 50}
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == (
            len(persons_before) + 50)
        report = verify_chain(session, unlocked.keyring)
    assert report.ok, report.describe()
    alias = more[49]["names"][1]["full_name"]
    with unlocked.session() as session:
        assert len(records_service.find_by_name(session, actor=unlocked.actor,
                                                name=str(alias))) == 1
        assert len(records_service.find_by_document(session, actor=unlocked.actor,
                                                    number="SYN-2-00000049")) == 1
