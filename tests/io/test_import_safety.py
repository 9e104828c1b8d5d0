"""What an import leaves on disk and after a kill, and the command line (both back ends).

- No identifying value of an imported file is on disk in any encoding a search would try: the
  payload is sealed, the digest keyed, the file name sealed (``tests/test_no_plaintext.py``'s
  searches, on the SQLite files or a ``pg_dump``).
- An import killed half way (SIGKILL, after batches were written into its transaction) leaves
  every table as it was and the audit chain verifiable; a second import then goes through.
- ``surplace import init-mapping`` and ``surplace import SOURCE FILE --mapping`` as a user runs
  them, and a wrong file failing with one line.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from surplace.config import Settings
from surplace.demo import formats
from surplace.records.gazetteer_data import load_gazetteer
from surplace.store.engine import Store
from surplace.vault.audit_verify import verify_chain
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import cli_env
from tests.io.test_import_support import count, held, office, run_import
from tests.test_kill_mid_import import _pump, audit_entries, table_digests
from tests.test_no_plaintext import assert_absent, disk_images

__all__ = ["office"]


def test_an_import_leaves_no_plaintext_on_disk(office: Unlocked, settings: Settings,
                                               tmp_path: Path) -> None:
    rows = formats.people(12, seed=1, lists=("shelter", "registry", "police"))
    submissions = formats.form_submissions(6, seed=2)
    listed = formats.write_csv(tmp_path / "Synthetic-shelter-Hyesan-list.csv", rows)
    kobo = formats.write_kobo_json(tmp_path / "kobo.json", submissions)
    assert run_import(office, listed).imported == 12
    assert run_import(office, kobo, source="SYN-B").imported > 6
    assert len(held(office)) == 12  # read back (audited reads too), then look at the disk

    secrets = {"Synthetic-shelter-Hyesan-list.csv"}
    for row in rows:
        secrets |= {row[c] for c in ("name", "family_name", "given_name", "birth", "origin",
                                     "event_place", "note") if len(row[c].encode()) >= 5}
    for item in submissions:
        secrets |= {item["name"], item["birth"], item["origin"],
                    *(r["name"] for r in item["relatives"])}
    # Place names the public gazetteer holds in the clear (the place table) are not secrets.
    public = "\n".join(spelling for place in load_gazetteer().places
                       for _, spelling in place.spellings()).casefold()
    secrets = {s for s in secrets if len(s.encode()) >= 5 and s.casefold() not in public}
    assert len(secrets) > 40
    assert_absent(disk_images(office.store, settings), sorted(secrets))


def _in_write_transaction(store: Store) -> bool:
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
        found = connection.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'record' AND c.relnamespace = current_schema()::regnamespace "
            "AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()")).scalar_one()
    return bool(found)


ROWS = 24_000
KILL_AFTER = 6_500  # three batches of 2,000 written into the open transaction


@pytest.mark.slow
def test_an_import_killed_mid_write_leaves_the_store_unchanged(
        office: Unlocked, settings: Settings, tmp_path: Path) -> None:
    store = office.store
    first = formats.write_csv(tmp_path / "earlier.csv", formats.people(40, seed=3))
    mapping_file = tmp_path / "map.yaml"
    from surplace.io.mapping import init_mapping

    mapping, _ = init_mapping(first)
    mapping_file.write_text(mapping.as_yaml(), encoding="utf-8")
    run_import(office, first, mapping)
    tables_before, audit_before = table_digests(store), audit_entries(store)
    big = formats.write_csv(tmp_path / "big.csv", formats.people(ROWS, seed=4))

    env = {k: v for k, v in os.environ.items() if not k.startswith("SURPLACE_")}
    env.update(cli_env(settings), TTY_COMPATIBLE="1", TTY_INTERACTIVE="1", FORCE_COLOR="1",
               TERM="xterm", COLUMNS="120")
    process = subprocess.Popen(
        [sys.executable, "-m", "surplace", "import", "SYN-A", str(big), "--mapping",
         str(mapping_file)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    output: list[bytes] = []
    reader = threading.Thread(target=_pump, args=(process.stderr, output), daemon=True)
    reader.start()
    done, deadline = 0, time.monotonic() + 600
    try:
        while done < KILL_AFTER:
            assert process.poll() is None, (
                f"the import ended ({process.returncode}) before the kill: "
                f"{b''.join(output)[-1500:]!r}")
            assert time.monotonic() < deadline, "no progress from the import"
            found = re.findall(rb"Importing: ([\d,]+) rows", b"".join(output))
            done = max((int(n.replace(b",", b"")) for n in found), default=0)
            time.sleep(0.05)
        in_transaction = _in_write_transaction(store)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert done < ROWS and in_transaction

    assert table_digests(store) == tables_before
    after = audit_entries(store)
    assert after[: len(audit_before)] == audit_before
    assert [(row[3], row[4]) for row in after[len(audit_before):]] == [
        ("vault.unlock", "user_account")]
    with store.session() as session:
        assert verify_chain(session, office.keyring).ok
    assert not (tmp_path / "big.rejects.csv").exists()
    if store.sqlite_path is not None:
        connection = sqlite3.connect(store.sqlite_path)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            connection.close()

    small = formats.write_csv(tmp_path / "small.csv", formats.people(30, seed=5))
    again = surplace("import", "SYN-A", str(small), "--mapping", str(mapping_file), "--json",
                     env=cli_env(settings))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["imported"] == 30
    assert count(office) == 70


def test_the_command_line(office: Unlocked, settings: Settings, tmp_path: Path) -> None:
    rows = formats.people(25, seed=6, lists=("registry",), language="ko")
    rows[3]["sex"] = "모름이"
    path = formats.write_csv(tmp_path / "명단.csv", formats.encodable(rows, "cp949"),
                             encoding="cp949", language="ko")
    env = cli_env(settings)
    proposed = surplace("import", "init-mapping", str(path), "--out",
                        str(tmp_path / "map.yaml"), env={})
    assert proposed.returncode == 0, proposed.stderr
    text_of_mapping = (tmp_path / "map.yaml").read_text(encoding="utf-8")
    assert "encoding: cp949" in text_of_mapping and "성별: sex" in text_of_mapping
    (tmp_path / "map.yaml").write_text(text_of_mapping.replace("  모름이: X\n", ""),
                                       encoding="utf-8")

    dry = surplace("import", "SYN-A", str(path), "--mapping", str(tmp_path / "map.yaml"),
                   "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True and count(office) == 0

    done = surplace("import", "SYN-A", str(path), "--mapping", str(tmp_path / "map.yaml"),
                    env=env)
    assert done.returncode == 0, done.stderr
    imported = len(list(formats.encodable(rows, "cp949")))
    assert f"Imported {imported - 1} records" in done.stdout
    assert "rejected" in done.stdout and "명단.rejects.csv" in done.stderr
    assert "holds the input's own values" in done.stderr

    wrong = surplace("import", "SYN-A", str(path), "--mapping", str(tmp_path / "map.yaml"),
                     "--encoding", "utf-8", env=env)
    assert wrong.returncode == 1
    lines = [line for line in wrong.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: 명단.csv, row 1: the bytes are not valid utf-8")
    assert lines[-1].endswith("Nothing was imported.")
    assert "Traceback" not in wrong.stderr
    assert count(office) == imported - 1
