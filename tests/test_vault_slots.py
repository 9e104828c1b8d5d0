"""Key slots: one per user, each opening the same data key; passphrase changes touch one slot."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from surplace.config import Settings
from surplace.store.engine import Store
from surplace.store.exceptions import StoreExists
from surplace.vault import service
from surplace.vault.crypto import Argon2Parameters
from surplace.vault.exceptions import UnknownUser, WeakKeyParameters, WrongPassphrase
from surplace.vault.models import KeySlot
from surplace.vault.service import Unlocked
from tests.conftest import PASSPHRASE, TEST_ARGON2


def test_each_user_opens_the_same_data_key(unlocked: Unlocked) -> None:
    service.add_user(unlocked, name="worker", role="caseworker",
                     passphrase="worker's own passphrase", params=TEST_ARGON2)
    worker = service.unlock(unlocked.store, user_name="worker",
                            passphrase="worker's own passphrase")
    admin = service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)
    assert worker.keyring.current.raw == admin.keyring.current.raw
    assert worker.actor.role == "caseworker"
    with pytest.raises(WrongPassphrase, match="'worker'"):
        service.unlock(unlocked.store, user_name="worker", passphrase=PASSPHRASE)


def test_changing_a_passphrase_rewraps_only_that_slot(unlocked: Unlocked) -> None:
    service.add_user(unlocked, name="worker", role="caseworker",
                     passphrase="worker's own passphrase", params=TEST_ARGON2)
    with unlocked.store.session() as session:
        before = {slot.user_id: bytes(slot.wrapped_key) for slot in session.scalars(
            select(KeySlot))}
    service.change_passphrase(unlocked, old_passphrase=PASSPHRASE,
                              new_passphrase="a brand new passphrase", params=TEST_ARGON2)
    with unlocked.store.session() as session:
        after = {slot.user_id: bytes(slot.wrapped_key) for slot in session.scalars(
            select(KeySlot))}
    worker_id = next(uid for uid in before if uid != unlocked.actor.user_id)
    assert after[worker_id] == before[worker_id]
    assert after[unlocked.actor.user_id] != before[unlocked.actor.user_id]
    with pytest.raises(WrongPassphrase):
        service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)
    service.unlock(unlocked.store, user_name="admin", passphrase="a brand new passphrase")
    service.unlock(unlocked.store, user_name="worker", passphrase="worker's own passphrase")


def test_wrong_old_passphrase_changes_nothing(unlocked: Unlocked) -> None:
    with pytest.raises(WrongPassphrase):
        service.change_passphrase(unlocked, old_passphrase="not it at all",
                                  new_passphrase="a brand new passphrase", params=TEST_ARGON2)
    service.unlock(unlocked.store, user_name="admin", passphrase=PASSPHRASE)


def test_unknown_user_and_second_init_are_refused(unlocked: Unlocked) -> None:
    with pytest.raises(UnknownUser, match="'nobody'"):
        service.unlock(unlocked.store, user_name="nobody", passphrase=PASSPHRASE)
    with pytest.raises(StoreExists):
        service.initialise(unlocked.store, admin_name="again", passphrase=PASSPHRASE,
                           params=TEST_ARGON2)


def test_argon2_below_the_floor_is_refused(store: Store) -> None:
    weak = Argon2Parameters(time_cost=3, memory_kib=32 * 1024, parallelism=2)
    with pytest.raises(WeakKeyParameters, match="65536"):
        service.initialise(store, admin_name="admin", passphrase=PASSPHRASE, params=weak)
    with pytest.raises(ValidationError, match="at least 65536"):
        Settings(argon2_memory_kib=1024)


def test_slot_parameters_are_stored_with_the_slot(unlocked: Unlocked) -> None:
    with unlocked.store.session() as session:
        slot = session.scalars(select(KeySlot)).one()
    assert (slot.kdf, slot.memory_kib, slot.time_cost, slot.parallelism) == (
        "argon2id", TEST_ARGON2.memory_kib, TEST_ARGON2.time_cost, TEST_ARGON2.parallelism)
    assert len(slot.salt) == 16


def test_a_slot_moved_to_another_store_does_not_open(unlocked: Unlocked, tmp_path: object) -> None:
    from pathlib import Path

    from surplace.store.engine import open_store

    other = open_store(Settings(store=str(Path(str(tmp_path)) / "other")), create=True)
    try:
        service.initialise(other, admin_name="admin", passphrase=PASSPHRASE, params=TEST_ARGON2)
        with unlocked.store.session() as session:
            theirs = session.scalars(select(KeySlot)).one()
            fields = {c: getattr(theirs, c) for c in
                      ("salt", "nonce", "wrapped_key", "key_version", "time_cost",
                       "memory_kib", "parallelism")}
        with other.session() as session:
            mine = session.scalars(select(KeySlot)).one()
            mine_id = mine.id
        with other.engine.begin() as connection:
            from sqlalchemy import update

            connection.execute(update(KeySlot).where(KeySlot.id == mine_id).values(**fields))
        with pytest.raises(WrongPassphrase):
            service.unlock(other, user_name="admin", passphrase=PASSPHRASE)
    finally:
        other.dispose()
