"""Backup and restore: one sealed archive of a whole store, refused whole if any byte is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from surplace.access.policy import AccessDenied
from surplace.config import Settings
from surplace.records.models import Person
from surplace.records.schemas import PersonIn
from surplace.records.service import register_person, show_person
from surplace.store import tallies
from surplace.store.backup import CHUNK_HEAD, MAGIC, PREFIX, backup
from surplace.store.engine import SQLITE_FILE, open_store
from surplace.store.exceptions import (
    BackupDamaged,
    BackupError,
    BackupLocked,
    RestoreTargetNotEmpty,
)
from surplace.store.restore import restore
from surplace.vault import service as vault_service
from surplace.vault.audit_service import list_entries, verify
from surplace.vault.service import Unlocked
from tests.conftest import (
    PASSPHRASE,
    TEST_ARGON2,
    cli_env,
    pg_url_for_schema,
    require_backend,
    temporary_schema,
)

# Distinctive synthetic values: none of them may appear anywhere in an archive's bytes.
SECRETS = ["Qorvandel", "Zyxaphine", "Brightmoor-Synthetic", "림쿠바늬", "Ulvenhaus Lane 7",
           "+00 5550 1937", "XK-7740213"]


def _people(unlocked: Unlocked, count: int = 12) -> list[str]:
    ids = []
    with unlocked.session() as session:
        for n in range(count):
            data = PersonIn.model_validate({
                "names": [{"full_name": f"{SECRETS[0]} {SECRETS[1]} {n}",
                           "family_name": SECRETS[0], "given_name": f"{SECRETS[1]} {n}"},
                          {"full_name": f"{SECRETS[3]}{n}", "script": "hangul"}],
                "sex": "F" if n % 2 else "M", "birth_date": f"19{60 + n}-03-0{1 + n % 9}",
                "origin_province": "KP-09", "origin_place": f"{SECRETS[2]} {n}",
                "current_location": SECRETS[4], "contact": SECRETS[5],
                "document_number": f"{SECRETS[6]}{n}", "notes": f"notes {n}: " + "x" * 300 * n})
            person = register_person(session, actor=unlocked.actor, data=data)
            ids.append(person.id)
    return ids


def _blobs(unlocked: Unlocked) -> dict[str, bytes]:
    files = {"ab/cd/evidence-1": os.urandom(1_500_000), "ab/evidence-2": os.urandom(1_900_000),
             "zz/empty": b"", "top": os.urandom(77)}
    for name, data in files.items():
        path = unlocked.store.blob_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _everything(unlocked: Unlocked, ids: list[str]) -> dict[str, Any]:
    with unlocked.session() as session:
        out = {}
        for person_id in ids:
            shown = show_person(session, actor=unlocked.actor, reference=person_id).model_dump()
            shown["names"] = sorted(shown["names"], key=lambda n: n["id"])
            out[person_id] = shown
        return out


@pytest.fixture
def targets(tmp_path: Path) -> Iterator[Callable[[str], Settings]]:
    """Make empty restore targets: a folder that does not exist, or an empty PostgreSQL schema
    (skipped when the server is unreachable, failed instead when SURPLACE_REQUIRE_PG=1)."""
    with ExitStack() as schemas:
        def make(kind: str) -> Settings:
            if kind == "sqlite":
                return Settings(store=str(tmp_path / f"restored-{uuid.uuid4().hex[:6]}"),
                                passphrase=None)
            require_backend("postgresql")
            name = schemas.enter_context(temporary_schema())
            return Settings(store=pg_url_for_schema(name), blob_dir=tmp_path / f"blobs-{name}",
                            passphrase=None)

        yield make


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Staging folders go here, so a test can see that none is left behind."""
    folder = tmp_path / "staging"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _is_empty(target: Settings) -> bool:
    if target.is_postgres:
        engine = create_engine(target.store.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
        engine.dispose()
        assert target.blob_dir is not None
        return not tables and not target.blob_dir.exists()
    return not Path(target.store).exists()


def _unlock(target: Settings) -> Unlocked:
    return vault_service.unlock(open_store(target), user_name="admin", passphrase=PASSPHRASE)


def _roundtrip(unlocked: Unlocked, tmp_path: Path, target: Settings) -> None:
    ids = _people(unlocked)
    files = _blobs(unlocked)
    before = _everything(unlocked, ids)
    archive = tmp_path / "store.backup"
    seen: list[tuple[str, int, int]] = []
    made = backup(unlocked, archive, on_progress=lambda *args: seen.append(args))
    assert made.rows["person"] == len(ids) and made.files == len(files)
    assert seen[-1][1] == seen[-1][2]
    assert not archive.with_name("store.backup.partial").exists()

    result = restore(archive, target, PASSPHRASE, "admin")
    assert result.rows == made.rows and result.store_id == unlocked.keyring.store_id
    restored = _unlock(target)
    try:
        assert _everything(restored, ids) == before
        with restored.session() as session:  # the derived counts rebuilt, not carried twice
            assert tallies.count(session, tallies.PERSONS) == len(ids)
        report = verify(restored)
        assert report.ok, report.describe()
        assert len(list_entries(restored, action="store.restore")) == 1
        assert list_entries(restored, action="store.backup") == []
        for name, data in files.items():
            assert (restored.store.blob_dir / name).read_bytes() == data
    finally:
        restored.store.dispose()
    assert len(list_entries(unlocked, action="store.backup")) == 1


def test_backup_restore_same_backend(unlocked: Unlocked, backend: str, tmp_path: Path,
                                     targets: Callable[[str], Settings],
                                     private_tmp: Path) -> None:
    _roundtrip(unlocked, tmp_path, targets(backend))
    assert not any(private_tmp.iterdir())


@pytest.mark.postgres
def test_backup_restore_across_backends(unlocked: Unlocked, backend: str, tmp_path: Path,
                                        targets: Callable[[str], Settings]) -> None:
    """SQLite → PostgreSQL and PostgreSQL → SQLite: the dump names no back end."""
    _roundtrip(unlocked, tmp_path, targets("postgresql" if backend == "sqlite" else "sqlite"))


def test_self_referencing_rows_restore(unlocked: Unlocked, tmp_path: Path,
                                       targets: Callable[[str], Settings]) -> None:
    from surplace.records.models import Place

    with unlocked.session() as session:
        child = Place(code="c", level="county", name_en="C")
        parent = Place(code="p", level="province", name_en="P")
        child.parent_id = parent.id
        session.add_all([parent, child])
    backup(unlocked, tmp_path / "a")
    target = targets("sqlite")
    restore(tmp_path / "a", target, PASSPHRASE, "admin")
    restored = _unlock(target)
    with restored.session() as session:
        assert session.get(Place, child.id).parent_id == parent.id  # type: ignore[union-attr]
    restored.store.dispose()


def test_evidence_and_rotated_keys_survive(unlocked: Unlocked, tmp_path: Path,
                                           targets: Callable[[str], Settings]) -> None:
    """Real evidence blobs come back readable; a slot still on generation 1 restores a store
    rotated to generation 2 through the header's generation links."""
    from surplace.cases.models import Case
    from surplace.evidence import service as evidence
    from surplace.vault.rotation import rotate

    with unlocked.session() as session:
        case = Case(case_number="C-0001")
        session.add(case)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(os.urandom(300_000))
    item = evidence.add_evidence(unlocked, path=photo, case=case.id, description=SECRETS[2])
    vault_service.add_user(unlocked, name="second", role="admin",
                           passphrase="second passphrase", params=TEST_ARGON2)
    ids = _people(unlocked, 2)
    rotate(unlocked, passphrase=PASSPHRASE)
    backup(unlocked, tmp_path / "a")
    target = targets("sqlite")
    restore(tmp_path / "a", target, "second passphrase", "second")
    restored = vault_service.unlock(open_store(target), user_name="second",
                                    passphrase="second passphrase")
    try:
        assert restored.keyring.current.version == 2
        assert [r.ok for r in evidence.verify_all(restored)] == [True]
        assert b"".join(evidence.open_evidence(restored, evidence_id=item.id)) == \
            photo.read_bytes()
        assert _everything(restored, ids) == _everything(unlocked, ids)
        assert verify(restored).ok
    finally:
        restored.store.dispose()


def test_archive_holds_no_plaintext(unlocked: Unlocked, tmp_path: Path) -> None:
    ids = _people(unlocked)
    with unlocked.session() as session:
        pseudonyms = [session.get(Person, i).pseudonym for i in ids]  # type: ignore[union-attr]
    backup(unlocked, tmp_path / "a")
    data = (tmp_path / "a").read_bytes()
    for value in [*SECRETS, *pseudonyms, "admin", "person_name", "audit_entry"]:
        for encoding in ("utf-8", "utf-16-le"):
            assert value.encode(encoding) not in data, value


def _archive(unlocked: Unlocked, tmp_path: Path) -> tuple[Path, list[int]]:
    """An archive of several chunks, and the offset where each chunk starts."""
    _people(unlocked, 3)
    _blobs(unlocked)
    archive = tmp_path / "a"
    backup(unlocked, archive)
    data = archive.read_bytes()
    offset = len(MAGIC) + PREFIX.size + PREFIX.unpack_from(data, len(MAGIC))[1]
    starts = []
    while offset < len(data):
        starts.append(offset)
        offset += CHUNK_HEAD.size + CHUNK_HEAD.unpack_from(data, offset)[1]
    assert offset == len(data) and len(starts) >= 4
    return archive, starts


def _refused(archive: Path, target: Settings, private_tmp: Path,
             passphrase: str = PASSPHRASE) -> str:
    with pytest.raises(BackupError) as refused:
        restore(archive, target, passphrase, "admin")
    message = str(refused.value)
    assert "\n" not in message and "Qorvandel" not in message
    assert _is_empty(target)
    assert not any(private_tmp.iterdir())
    return message


@pytest.mark.parametrize("where", ["magic", "format", "header", "key version", "slot", "chunk flag",
                                   "first chunk", "middle", "last chunk", "last byte"])
def test_flipped_byte_is_refused(unlocked: Unlocked, backend: str, tmp_path: Path,
                                 targets: Callable[[str], Settings], private_tmp: Path,
                                 where: str) -> None:
    archive, starts = _archive(unlocked, tmp_path)
    data = bytearray(archive.read_bytes())
    header_text = bytes(data[: starts[0]])
    position = {
        "magic": 3, "format": len(MAGIC) + 1,
        "header": header_text.index(b'"created_at"') + 20,
        "key version": header_text.index(b'"key_version"') + 14,
        "slot": header_text.index(b'"wrapped_key"') + 20,
        "chunk flag": starts[1], "first chunk": starts[0] + 40,
        "middle": len(data) // 2, "last chunk": starts[-1] + 30, "last byte": len(data) - 1,
    }[where]
    data[position] ^= 0x01
    archive.write_bytes(bytes(data))
    message = _refused(archive, targets(backend), private_tmp)
    if where in ("first chunk", "middle", "last chunk", "last byte", "header"):
        assert "failed authentication" in message
    if where == "middle":
        chunk = max(i for i, start in enumerate(starts, 1) if start <= position)
        assert f"chunk {chunk} failed authentication" in message


@pytest.mark.parametrize("cut", ["inside header", "after header", "chunk boundary",
                                 "mid chunk", "last byte"])
def test_truncated_archive_is_refused(unlocked: Unlocked, tmp_path: Path,
                                      targets: Callable[[str], Settings], private_tmp: Path,
                                      cut: str) -> None:
    archive, starts = _archive(unlocked, tmp_path)
    data = archive.read_bytes()
    length = {"inside header": starts[0] - 10, "after header": starts[0],
              "chunk boundary": starts[2], "mid chunk": starts[1] + 1000,
              "last byte": len(data) - 1}[cut]
    archive.write_bytes(data[:length])
    message = _refused(archive, targets("sqlite"), private_tmp)
    assert "truncated" in message


@pytest.mark.parametrize("change", ["swap chunks", "drop chunk", "append"])
def test_reordered_or_extended_archive_is_refused(unlocked: Unlocked, tmp_path: Path,
                                                  targets: Callable[[str], Settings],
                                                  private_tmp: Path, change: str) -> None:
    archive, starts = _archive(unlocked, tmp_path)
    data = archive.read_bytes()
    head, one, two, rest = (data[: starts[1]], data[starts[1]:starts[2]],
                            data[starts[2]:starts[3]], data[starts[3]:])
    changed = {"swap chunks": head + two + one + rest, "drop chunk": head + two + rest,
               "append": data + b"\x00" * 40}[change]
    archive.write_bytes(changed)
    message = _refused(archive, targets("sqlite"), private_tmp)
    assert "chunk 2 failed authentication" in message or "final chunk" in message


def test_a_broken_audit_chain_is_not_restored(unlocked: Unlocked, backend: str, tmp_path: Path,
                                              targets: Callable[[str], Settings]) -> None:
    """Appending the restore entry would re-sign the head and launder the break."""
    _people(unlocked, 2)
    with unlocked.store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET object_id = 'forged' WHERE seq = 3"))
    backup(unlocked, tmp_path / "a")
    target = targets(backend)
    with pytest.raises(BackupDamaged, match="audit chain in the archive is broken at entry 3"):
        restore(tmp_path / "a", target, PASSPHRASE, "admin")
    assert _is_empty(target)


def test_not_an_archive_is_refused(tmp_path: Path, targets: Callable[[str], Settings],
                                   private_tmp: Path) -> None:
    (tmp_path / "a").write_bytes(b"SQLite format 3\x00" + os.urandom(500))
    with pytest.raises(BackupDamaged, match="not a surplace backup"):
        restore(tmp_path / "a", targets("sqlite"), PASSPHRASE, "admin")


def test_wrong_passphrase_writes_nothing(unlocked: Unlocked, backend: str, tmp_path: Path,
                                         targets: Callable[[str], Settings],
                                         private_tmp: Path) -> None:
    backup(unlocked, tmp_path / "a")
    target = targets(backend)
    with pytest.raises(BackupLocked):
        restore(tmp_path / "a", target, "not the passphrase", "admin")
    assert _is_empty(target) and not any(private_tmp.iterdir())
    with pytest.raises(BackupLocked):
        restore(tmp_path / "a", target, PASSPHRASE, "nobody")
    assert _is_empty(target)


def test_restore_needs_the_backup_permission(unlocked: Unlocked, tmp_path: Path,
                                             targets: Callable[[str], Settings]) -> None:
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase="worker passphrase", params=TEST_ARGON2)
    worker = vault_service.unlock(unlocked.store, user_name="worker",
                                  passphrase="worker passphrase")
    with pytest.raises(AccessDenied):
        backup(worker, tmp_path / "a")
    assert not (tmp_path / "a").exists()
    backup(unlocked, tmp_path / "a")
    target = targets("sqlite")
    with pytest.raises(AccessDenied):
        restore(tmp_path / "a", target, "worker passphrase", "worker")
    with pytest.raises(BackupLocked):  # the admin's name with the caseworker's passphrase
        restore(tmp_path / "a", target, "worker passphrase", "admin")
    assert _is_empty(target)


def test_restore_into_non_empty_target_is_refused(unlocked: Unlocked, backend: str,
                                                  tmp_path: Path,
                                                  targets: Callable[[str], Settings]) -> None:
    backup(unlocked, tmp_path / "a")
    target = targets(backend)
    restore(tmp_path / "a", target, PASSPHRASE, "admin")
    with pytest.raises(RestoreTargetNotEmpty):
        restore(tmp_path / "a", target, PASSPHRASE, "admin")
    assert verify(_unlock(target)).ok

    other = targets("sqlite")
    blob = Path(other.store) / "blobs" / "keep-me"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"someone's file")
    with pytest.raises(RestoreTargetNotEmpty, match="blob folder"):
        restore(tmp_path / "a", other, PASSPHRASE, "admin")
    assert blob.read_bytes() == b"someone's file"
    assert not (Path(other.store) / SQLITE_FILE).exists()


def test_backup_never_overwrites(unlocked: Unlocked, tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"an older backup")
    with pytest.raises(BackupError, match="already exists"):
        backup(unlocked, tmp_path / "a")
    assert (tmp_path / "a").read_bytes() == b"an older backup"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SURPLACE_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", "from surplace.cli.main import run; run()", *args],
        env=full_env, capture_output=True, text=True, timeout=120, check=False)


def test_cli_backup_and_restore(unlocked: Unlocked, settings: Settings, backend: str,
                                tmp_path: Path, targets: Callable[[str], Settings]) -> None:
    ids = _people(unlocked, 3)
    archive = tmp_path / "cli.backup"
    made = _cli("backup", str(archive), "--json", env=cli_env(settings))
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["rows"]["person"] == 3

    target = targets(backend)
    done = _cli("restore", str(archive), "--json", env=cli_env(target))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["store_id"] == unlocked.keyring.store_id
    again = _cli("restore", str(archive), env=cli_env(target))
    assert again.returncode == 1 and "Restore refused" in again.stderr
    assert again.stderr.strip().count("\n") == 0
    restored = _unlock(target)
    assert _everything(restored, ids) == _everything(unlocked, ids)
    restored.store.dispose()

    damaged = bytearray(archive.read_bytes())
    damaged[-100] ^= 0xFF
    (tmp_path / "damaged").write_bytes(bytes(damaged))
    fresh = targets(backend)
    refused = _cli("restore", str(tmp_path / "damaged"), env=cli_env(fresh))
    assert refused.returncode == 1 and "failed authentication" in refused.stderr
    assert _is_empty(fresh)
    wrong = _cli("restore", str(archive), env=cli_env(fresh, passphrase="wrong one"))
    assert wrong.returncode == 1 and _is_empty(fresh)
