"""Emergency shredding: no passphrase that worked before opens the store, and no byte of a key
slot or generation link is left in the SQLite file, its write-ahead log, or a PostgreSQL dump."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from surplace.config import Settings
from surplace.store.engine import Store
from surplace.vault import service as vault_service
from surplace.vault.exceptions import StoreShredded
from surplace.vault.models import KeyGeneration, KeySlot, VaultState
from surplace.vault.rotation import rotate, vault_status
from surplace.vault.service import Unlocked
from surplace.vault.shred import shred
from tests.clirun import surplace
from tests.conftest import PASSPHRASE, PG_URL, TEST_ARGON2, cli_env
from tests.test_vault_rotation import WORKER_PASSPHRASE, Interrupted, populate

NEW_PASSPHRASE = "the admin's second passphrase"


def key_material(store: Store) -> set[bytes]:
    """Every wrapped key, salt, nonce and link in the store now."""
    found: set[bytes] = set()
    with store.session() as session:
        for slot in session.scalars(select(KeySlot)):
            found |= {bytes(slot.wrapped_key), bytes(slot.salt), bytes(slot.nonce)}
        for generation in session.scalars(select(KeyGeneration)):
            found |= {bytes(v) for v in (generation.wrapped_by_previous, generation.link_nonce,
                                         generation.previous_wrapped, generation.back_nonce)
                      if v is not None}
    return found


def build_history(unlocked: Unlocked) -> tuple[set[bytes], set[bytes]]:
    """Slots and links made, rewrapped, replaced and rotated; returns (all ever, those now)."""
    store = unlocked.store
    seen = key_material(store)
    populate(unlocked, persons=5)
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase=WORKER_PASSPHRASE, params=TEST_ARGON2)
    seen |= key_material(store)
    rotate(unlocked, passphrase=PASSPHRASE)
    seen |= key_material(store)
    vault_service.unlock(store, user_name="worker", passphrase=WORKER_PASSPHRASE)  # rewraps
    seen |= key_material(store)
    vault_service.change_passphrase(unlocked, old_passphrase=PASSPHRASE,
                                    new_passphrase=NEW_PASSPHRASE, params=TEST_ARGON2)
    seen |= key_material(store)

    def stop(done: int, total: int) -> None:
        if done:
            raise Interrupted

    with pytest.raises(Interrupted):  # leaves a rotation in progress, with its back link
        rotate(unlocked, passphrase=NEW_PASSPHRASE, batch_size=2, on_progress=stop)
    now = key_material(store)
    return seen | now, now


def sqlite_bytes(store: Store) -> bytes:
    assert store.sqlite_path is not None
    wal = Path(f"{store.sqlite_path}-wal")
    return store.sqlite_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def pg_dump(schema: str) -> str:
    done = subprocess.run(
        ["/usr/bin/pg_dump", f"--dbname={PG_URL}", f"--schema={schema}", "--no-owner",
         "--no-privileges"], capture_output=True, text=True, check=True, timeout=120)
    return done.stdout.lower()


def test_after_shred_no_passphrase_opens_the_store(unlocked: Unlocked) -> None:
    populate(unlocked, persons=3)
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase=WORKER_PASSPHRASE, params=TEST_ARGON2)
    report = shred(unlocked.store)
    assert (report.slots_destroyed, report.generations_destroyed) == (2, 1)
    assert report.already_shredded is False and report.seconds < 5
    if unlocked.store.is_postgres:
        assert report.vacuumed is True and report.wal_truncated is None
    else:
        assert report.wal_truncated is True and report.vacuumed is None
    for user, passphrase in (("admin", PASSPHRASE), ("worker", WORKER_PASSPHRASE)):
        with pytest.raises(StoreShredded, match="shredded.*cannot be read"):
            vault_service.unlock(unlocked.store, user_name=user, passphrase=passphrase)
    status = vault_status(unlocked.store)
    assert status.shredded_at is not None and status.slots == [] and status.generations == []
    with pytest.raises(StoreShredded):
        rotate(unlocked, passphrase=PASSPHRASE)
    again = shred(unlocked.store)
    assert again.already_shredded and again.slots_destroyed == again.generations_destroyed == 0
    with unlocked.store.session() as session:
        state = session.get(VaultState, 1)
        assert state is not None and state.shredded_at == status.shredded_at


def test_shred_leaves_no_key_bytes_in_the_store_files(
        unlocked: Unlocked, backend: str, request: pytest.FixtureRequest) -> None:
    ever, now = build_history(unlocked)
    assert len(ever) > len(now) == 2 * 3 + 2 + 4  # two slots; links of 2, 3; back link of 3
    if backend == "sqlite":
        content = sqlite_bytes(unlocked.store)
        assert all(secret in content for secret in now), "the search finds what is there"
    else:
        schema = request.getfixturevalue("pg_schema")
        dump = pg_dump(schema)
        assert all(secret.hex() in dump for secret in now), "the search finds what is there"

    report = shred(unlocked.store)
    assert (report.slots_destroyed, report.generations_destroyed) == (2, 3)

    if backend == "sqlite":
        assert unlocked.store.sqlite_path is not None
        wal = Path(f"{unlocked.store.sqlite_path}-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        content = sqlite_bytes(unlocked.store)
        left = [secret.hex() for secret in ever if secret in content]
    else:
        dump = pg_dump(request.getfixturevalue("pg_schema"))
        left = [secret.hex() for secret in ever if secret.hex() in dump]
    assert left == []
    for user, passphrase in (("admin", PASSPHRASE), ("admin", NEW_PASSPHRASE),
                             ("worker", WORKER_PASSPHRASE)):
        with pytest.raises(StoreShredded):
            vault_service.unlock(unlocked.store, user_name=user, passphrase=passphrase)


def test_cli_shred_without_yes_and_without_a_terminal_shreds_nothing(
        unlocked: Unlocked, settings: Settings) -> None:
    done = surplace("vault", "shred", env=cli_env(settings, passphrase=None), stdin="")
    assert done.returncode == 2, done.stderr
    assert "--yes" in done.stderr
    assert vault_status(unlocked.store).shredded_at is None
    vault_service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)


def test_cli_shred_with_yes_needs_no_passphrase(unlocked: Unlocked, settings: Settings) -> None:
    done = surplace("vault", "shred", "--yes", "--json", env=cli_env(settings, passphrase=None))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["shredded"] is True and result["slots_destroyed"] == 1
    status = json.loads(surplace("vault", "status", "--json",
                                 env=cli_env(settings, passphrase=None)).stdout)
    assert status["shredded"] is True and status["slots"] == []
    refused = surplace("audit", "verify", env=cli_env(settings))
    assert refused.returncode == 1
    assert "shredded" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("typed", "shredded"), [("shred", False), ("SHRED", True)])
def test_cli_shred_in_a_terminal_asks_for_the_word(
        unlocked: Unlocked, settings: Settings, typed: str, shredded: bool) -> None:
    main, terminal = os.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURPLACE_")}
    env.update(cli_env(settings, passphrase=None))
    try:
        os.write(main, typed.encode() + b"\n")
        done = subprocess.run([sys.executable, "-m", "surplace", "vault", "shred"], env=env,
                              stdin=terminal, capture_output=True, text=True, timeout=60,
                              check=False)
    finally:
        os.close(terminal)
        os.close(main)
    assert "Type SHRED" in done.stderr
    assert done.returncode == (0 if shredded else 1), done.stderr
    assert (vault_status(unlocked.store).shredded_at is not None) is shredded
