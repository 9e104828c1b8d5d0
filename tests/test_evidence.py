"""Evidence: encrypted at rest, hashed for fixity, tamper-evident, exported with its custody.

All names, places and testimony here are synthetic.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from surplace.access.policy import AccessDenied, Actor
from surplace.cases.models import Case
from surplace.config import Settings
from surplace.errors import InvalidInput
from surplace.evidence import service
from surplace.evidence.blobs import CHUNK_BYTES, RECORD_BYTES, BlobStore, header_size
from surplace.evidence.exceptions import (
    BlobMissing,
    CaseNotFound,
    EvidenceNotFound,
    ExportRefused,
    IncidentNotFound,
    SourceUnreadable,
)
from surplace.evidence.models import CustodyEntry, Evidence
from surplace.store.engine import Store
from surplace.vault.crypto import DataKey, random_key
from surplace.vault.exceptions import TamperedCiphertext, VaultLocked
from surplace.vault.keyring import Keyring
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import cli_env

TESTIMONY = "Testimony of Ri Sun-hui from Hoeryong (synthetic): 회령에서 온 리순희의 증언"
FILE_NAME = "Ri_Sun-hui_Hoeryong_testimony_synthetic.txt"
DESCRIPTION = "Interview with Ri Sun-hui at the Hoeryong crossing (synthetic)"


def _case(unlocked: Unlocked, number: str = "C-1") -> str:
    with unlocked.session() as session:
        case = Case(case_number=number)
        session.add(case)
        return case.id


def _file(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _read(unlocked: Unlocked, evidence_id: str) -> bytes:
    return b"".join(service.open_evidence(unlocked, evidence_id=evidence_id))


def _needles(*values: str) -> list[bytes]:
    return [value.encode(encoding) for value in values
            for encoding in ("utf-8", "utf-16-le", "utf-16-be")]


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def _actions(unlocked: Unlocked, evidence_id: str) -> list[str]:
    return [entry.action for entry in service.custody_log(unlocked, evidence_id=evidence_id)]


# -- the blob store on its own ----------------------------------------------------------------


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


KEY = DataKey(1, random_key())
KEYRING = Keyring("store-under-test", [KEY])


def _put(blobs: BlobStore, file_id: str, content: bytes) -> Path:
    source = _file(blobs.root.parent / "plain", file_id, content)
    with source.open("rb") as handle:
        digest, size = blobs.write(file_id, KEY, handle)
    assert (digest, size) == (hashlib.sha256(content).digest(), len(content))
    return blobs.path(file_id)


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1,
                                  3 * CHUNK_BYTES + 17])
def test_blob_round_trip_at_chunk_edges(blobs: BlobStore, size: int) -> None:
    content = os.urandom(size)
    path = _put(blobs, "ab12cd", content)
    assert path == blobs.root / "ab" / "ab12cd"
    assert b"".join(blobs.read("ab12cd", KEYRING)) == content
    assert blobs.key_version("ab12cd") == 1
    assert [p.name for p in _files_under(blobs.root)] == ["ab12cd"]


def test_reencrypt_and_delete(blobs: BlobStore) -> None:
    content = os.urandom(2 * CHUNK_BYTES + 5)
    path = _put(blobs, "re-key", content)
    before = path.read_bytes()
    new_key = DataKey(2, random_key())
    blobs.reencrypt("re-key", Keyring("store-under-test", [KEY, new_key]), new_key)
    assert blobs.key_version("re-key") == 2
    assert path.read_bytes() != before
    assert b"".join(blobs.read("re-key", Keyring("s", [new_key]))) == content
    with pytest.raises(VaultLocked):
        blobs.read("re-key", KEYRING)
    assert len(_files_under(blobs.root)) == 1
    blobs.delete("re-key")
    blobs.delete("re-key")
    assert _files_under(blobs.root) == []
    with pytest.raises(BlobMissing):
        blobs.read("re-key", KEYRING)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


TAMPERINGS = {
    "magic": lambda p, h: _flip(p, 0),
    "bound id": lambda p, h: _flip(p, h - 1),
    "chunk byte": lambda p, h: _flip(p, h + RECORD_BYTES + 100),
    "last tag": lambda p, h: _flip(p, p.stat().st_size - 1),
    "truncated mid-chunk": lambda p, h: os.truncate(p, p.stat().st_size - 10),
    "truncated at a chunk boundary": lambda p, h: os.truncate(p, h + 2 * RECORD_BYTES),
    "header only": lambda p, h: os.truncate(p, h),
    "appended": lambda p, h: p.write_bytes(p.read_bytes() + p.read_bytes()[h:h + RECORD_BYTES]),
    "chunks reordered": lambda p, h: p.write_bytes(
        p.read_bytes()[:h] + p.read_bytes()[h + RECORD_BYTES:h + 2 * RECORD_BYTES]
        + p.read_bytes()[h:h + RECORD_BYTES] + p.read_bytes()[h + 2 * RECORD_BYTES:]),
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_every_alteration_is_detected(blobs: BlobStore, how: str) -> None:
    path = _put(blobs, "victim", os.urandom(3 * CHUNK_BYTES + 100))
    TAMPERINGS[how](path, header_size("victim"))
    with pytest.raises(TamperedCiphertext) as caught:
        b"".join(blobs.read("victim", KEYRING))
    assert "victim" in str(caught.value)


def test_blobs_swapped_between_ids_are_detected(blobs: BlobStore) -> None:
    first = _put(blobs, "first1", os.urandom(1000))
    second = _put(blobs, "second", os.urandom(1000))
    first_bytes = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(first_bytes)
    for file_id in ("first1", "second"):
        with pytest.raises(TamperedCiphertext, match=file_id):
            b"".join(blobs.read(file_id, KEYRING))


def test_unsafe_ids_never_become_paths(blobs: BlobStore) -> None:
    for bad in ("../etc", "a/b", "", "x", ".hidden"):
        with pytest.raises(ValueError):
            blobs.path(bad)


# -- the service, on both back ends ----------------------------------------------------------


def test_nothing_identifying_reaches_the_disk(unlocked: Unlocked, store: Store,
                                              tmp_path: Path) -> None:
    case_id = _case(unlocked)
    content = (TESTIMONY + "\n").encode("utf-8") * 3000 + TESTIMONY.encode("utf-16")
    source = _file(tmp_path / "incoming", FILE_NAME, content)
    item = service.add_evidence(unlocked, path=source, case="C-1", description=DESCRIPTION,
                                capture={"device": "Synthetic phone of Ri Sun-hui"})
    assert item.case_id == case_id and item.media_type == "text/plain"
    assert item.sha256 == hashlib.sha256(content).hexdigest() and item.size == len(content)

    needles = _needles(TESTIMONY, "Ri Sun-hui", "Hoeryong", "리순희", FILE_NAME, DESCRIPTION)
    blob_files = _files_under(store.blob_dir)
    assert [path.relative_to(store.blob_dir).as_posix() for path in blob_files] == [
        f"{item.id[:2]}/{item.id}"]
    store_files = list(blob_files)
    if store.sqlite_path is not None:
        store_files += _files_under(store.sqlite_path.parent)
    for path in store_files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {path.name}"
    with store.engine.connect() as connection:
        for table in ("evidence", "custody_entry", "audit_entry"):
            rows = repr(connection.execute(text(f"SELECT * FROM {table}")).all()).encode()
            dump = rows + b"".join(bytes(v) for row in connection.execute(
                text(f"SELECT * FROM {table}")) for v in row if isinstance(v, bytes | memoryview))
            assert all(needle not in dump for needle in needles), table

    assert _read(unlocked, item.id) == content
    shown = service.show_evidence(unlocked, evidence_id=item.id)
    assert (shown.file_name, shown.description) == (FILE_NAME, DESCRIPTION)
    assert shown.capture is not None and shown.capture["device"].startswith("Synthetic phone")
    assert _actions(unlocked, item.id) == ["added", "viewed"]
    assert [entry.actor_id for entry in service.custody_log(unlocked, evidence_id=item.id)] == [
        unlocked.actor.user_id] * 2


def test_verify_names_every_damaged_item(unlocked: Unlocked, store: Store,
                                         tmp_path: Path) -> None:
    _case(unlocked)
    ids = [service.add_evidence(
        unlocked, path=_file(tmp_path / "in", f"f{n}.bin", os.urandom(150_000 + n)),
        case="C-1").id for n in range(7)]
    results = service.verify_all(unlocked)
    assert [(r.evidence_id, r.status) for r in results] == [(i, "ok") for i in ids]
    ok, flipped, truncated, swap_a, swap_b, missing, mismatch = ids
    blobs = BlobStore(store.blob_dir)
    _flip(blobs.path(flipped), header_size(flipped) + 5000)
    os.truncate(blobs.path(truncated), header_size(truncated) + RECORD_BYTES)
    swapped = blobs.path(swap_a).read_bytes()
    shutil.copyfile(blobs.path(swap_b), blobs.path(swap_a))
    blobs.path(swap_b).write_bytes(swapped)
    blobs.path(missing).unlink()
    with unlocked.session() as session:
        session.execute(update(Evidence).where(Evidence.id == mismatch)
                        .values(sha256=hashlib.sha256(b"other").digest()))
    seen: list[tuple[int, int]] = []
    results = service.verify_all(unlocked, on_progress=lambda done, total: seen.append(
        (done, total)))
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)
    assert {r.evidence_id: r.status for r in results} == {
        ok: "ok", flipped: "tampered", truncated: "tampered", swap_a: "tampered",
        swap_b: "tampered", missing: "missing", mismatch: "mismatch"}
    assert all(r.evidence_id in (r.problem or r.evidence_id) for r in results)
    assert _actions(unlocked, ok) == ["added", "verified", "verified"]
    assert _actions(unlocked, missing) == ["added", "verified", "verify-failed"]
    with pytest.raises(TamperedCiphertext):
        _read(unlocked, flipped)


def test_derived_copies_link_to_their_parent(unlocked: Unlocked, tmp_path: Path) -> None:
    _case(unlocked)
    audio = service.add_evidence(unlocked, path=_file(tmp_path, "interview.mp3", b"ID3" * 999),
                                 case="C-1")
    assert audio.media_type == "audio/mpeg"
    transcript = service.add_derived(
        unlocked, parent_id=audio.id, path=_file(tmp_path, "t.txt", TESTIMONY.encode()),
        derivation="transcript")
    redacted = service.add_derived(
        unlocked, parent_id=transcript.id, path=_file(tmp_path, "r.txt", b"[REDACTED]"),
        derivation="redacted", media_type="text/plain")
    assert (transcript.parent_id, transcript.derivation) == (audio.id, "transcript")
    assert transcript.case_id == audio.case_id
    assert transcript.sha256 == hashlib.sha256(TESTIMONY.encode()).hexdigest() != audio.sha256
    assert (redacted.parent_id, redacted.derivation) == (transcript.id, "redacted")
    parent_log = service.custody_log(unlocked, evidence_id=audio.id)
    assert [e.action for e in parent_log] == ["added", "derived"]
    assert parent_log[1].note == f"transcript {transcript.id}"
    assert _actions(unlocked, transcript.id) == ["added", "derived"]
    with pytest.raises(InvalidInput):
        service.add_derived(unlocked, parent_id=audio.id, path=tmp_path / "t.txt",
                            derivation="poem")
    with pytest.raises(EvidenceNotFound):
        service.add_derived(unlocked, parent_id="no-such-id", path=tmp_path / "t.txt",
                            derivation="translation")


def test_export_package_matches_its_manifest(unlocked: Unlocked, tmp_path: Path) -> None:
    case_id = _case(unlocked)
    _case(unlocked, "C-2")
    photo = service.add_evidence(unlocked, path=_file(tmp_path, FILE_NAME, TESTIMONY.encode()),
                                 case=case_id, media_type="image/jpeg")
    derived = service.add_derived(unlocked, parent_id=photo.id, derivation="translation",
                                  path=_file(tmp_path, "tr.txt", b"synthetic translation"))
    other = service.add_evidence(unlocked, path=_file(tmp_path, "o.txt", b"other case"),
                                 case="C-2")
    _read(unlocked, photo.id)
    out = tmp_path / "package"
    result = service.export_package(unlocked, case="C-1", out_dir=out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exported_by"] == unlocked.actor.user_id
    assert manifest["case_id"] == case_id == result.case_id
    items = {item["id"]: item for item in manifest["items"]}
    assert set(items) == {photo.id, derived.id} and other.id not in items
    assert items[photo.id]["file"] == f"{photo.id}.jpg"
    assert items[derived.id]["parent_id"] == photo.id
    assert items[derived.id]["derivation"] == "translation"
    for item in items.values():
        data = (out / item["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"] and len(data) == item["size"]
    custody_bytes = (out / "custody.json").read_bytes()
    assert hashlib.sha256(custody_bytes).hexdigest() == manifest["custody_sha256"]
    custody = json.loads(custody_bytes)
    by_action = {(e["evidence_id"], e["action"]): e["actor_id"] for e in custody}
    for key in [(photo.id, "added"), (photo.id, "viewed"), (photo.id, "exported"),
                (derived.id, "added"), (derived.id, "exported")]:
        assert by_action[key] == unlocked.actor.user_id
    assert {e["evidence_id"] for e in custody} == {photo.id, derived.id}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{photo.id}.jpg", f"{derived.id}.txt", "manifest.json", "custody.json"])
    assert FILE_NAME not in (out / "manifest.json").read_text(encoding="utf-8")
    assert _actions(unlocked, photo.id)[-1] == "exported"
    with pytest.raises(ExportRefused):
        service.export_package(unlocked, case="C-1", out_dir=out)


def test_failed_export_leaves_nothing(unlocked: Unlocked, store: Store, tmp_path: Path) -> None:
    _case(unlocked)
    good = service.add_evidence(unlocked, path=_file(tmp_path, "a.txt", b"a" * 100), case="C-1")
    bad = service.add_evidence(unlocked, path=_file(tmp_path, "b.txt", b"b" * 100), case="C-1")
    _flip(BlobStore(store.blob_dir).path(bad.id), header_size(bad.id) + 20)
    out = tmp_path / "package"
    with pytest.raises(TamperedCiphertext, match=bad.id):
        service.export_package(unlocked, case="C-1", out_dir=out)
    assert not out.exists()
    assert "exported" not in _actions(unlocked, good.id)


def test_unknown_case_incident_or_file_is_refused_before_any_write(
        unlocked: Unlocked, store: Store, tmp_path: Path) -> None:
    source = _file(tmp_path, FILE_NAME, b"x")
    with pytest.raises(CaseNotFound, match="C-404"):
        service.add_evidence(unlocked, path=source, case="C-404")
    _case(unlocked)
    with pytest.raises(IncidentNotFound):
        service.add_evidence(unlocked, path=source, case="C-1", incident_id="nope")
    with pytest.raises(SourceUnreadable) as caught:
        service.add_evidence(unlocked, path=tmp_path / "Ri_Sun-hui_missing.txt", case="C-1")
    assert "Ri_Sun-hui" not in str(caught.value)
    with pytest.raises(InvalidInput):
        service.add_evidence(unlocked, path=source, case="C-1", media_type="not a type")
    with pytest.raises(InvalidInput):
        service.add_evidence(unlocked, path=source)
    assert _files_under(store.blob_dir) == []
    assert service.list_evidence(unlocked) == []


def test_a_failed_commit_removes_its_blob(unlocked: Unlocked, store: Store, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _case(unlocked)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated failure after the blob was written")

    monkeypatch.setattr(service, "summary_of", broken)
    with pytest.raises(RuntimeError):
        service.add_evidence(unlocked, path=_file(tmp_path, "a.txt", b"a"), case="C-1")
    assert _files_under(store.blob_dir) == []
    with unlocked.session() as session:
        assert session.scalars(select(Evidence)).all() == []
        assert session.scalars(select(CustodyEntry)).all() == []


def test_roles_without_evidence_rights_are_refused(unlocked: Unlocked, tmp_path: Path) -> None:
    _case(unlocked)
    analyst = Unlocked(unlocked.store, unlocked.keyring, Actor(unlocked.actor.user_id, "a",
                                                               "analyst"))
    with pytest.raises(AccessDenied):
        service.add_evidence(analyst, path=_file(tmp_path, "a.txt", b"a"), case="C-1")
    with pytest.raises(AccessDenied):
        service.list_evidence(analyst)
    with pytest.raises(AccessDenied):
        service.verify_all(analyst)


def test_a_large_file_is_streamed(unlocked: Unlocked, tmp_path: Path) -> None:
    _case(unlocked)
    size = 20 * 1024 * 1024
    source = tmp_path / "video.mp4"
    digest = hashlib.sha256()
    with source.open("wb") as handle:
        for _ in range(size // (1024 * 1024)):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            handle.write(block)
    tracemalloc.start()
    try:
        item = service.add_evidence(unlocked, path=source, case="C-1")
        read_back = hashlib.sha256()
        for chunk in service.open_evidence(unlocked, evidence_id=item.id):
            read_back.update(chunk)
        results = service.verify_all(unlocked)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert item.size == size and item.sha256 == digest.hexdigest()
    assert read_back.hexdigest() == digest.hexdigest()
    assert [r.status for r in results] == ["ok"]
    assert peak < size / 10, f"peak {peak} bytes for a {size}-byte file"


# -- the command line, end to end ---------------------------------------------------------------


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    return lines[0]


def test_command_line_end_to_end(unlocked: Unlocked, settings: Settings, store: Store,
                                 tmp_path: Path) -> None:
    _case(unlocked)
    env = cli_env(settings)
    source = _file(tmp_path / "in", FILE_NAME, TESTIMONY.encode("utf-8"))
    added = surplace("evidence", "add", str(source), "--case", "C-1", "--description",
                     DESCRIPTION, "--json", env=env)
    assert added.returncode == 0, added.stderr
    item = json.loads(added.stdout)
    assert item["sha256"] == hashlib.sha256(TESTIMONY.encode()).hexdigest()
    transcript = _file(tmp_path / "in", "transcript.txt", b"synthetic transcript")
    derived = surplace("evidence", "derive", item["id"], str(transcript), "--kind",
                       "transcript", "--json", env=env)
    assert derived.returncode == 0, derived.stderr
    child = json.loads(derived.stdout)
    assert child["parent_id"] == item["id"]

    listed = surplace("evidence", "list", "--case", "C-1", "--json", env=env)
    assert {i["id"] for i in json.loads(listed.stdout)} == {item["id"], child["id"]}
    viewed = surplace("evidence", "view", item["id"], env=env)
    assert viewed.returncode == 0 and viewed.stdout == TESTIMONY
    assert surplace("evidence", "verify", env=env).returncode == 0
    out = tmp_path / "package"
    exported = surplace("evidence", "export", "--case", "C-1", str(out), "--json", env=env)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(exported.stdout)["items"]) == 2
    custody = surplace("evidence", "custody", item["id"], "--json", env=env)
    assert [e["action"] for e in json.loads(custody.stdout)] == [
        "added", "derived", "viewed", "verified", "exported"]
    outputs = [added, derived, listed, viewed, exported, custody]
    assert all(FILE_NAME not in done.stdout + done.stderr for done in outputs)
    assert all(DESCRIPTION not in done.stdout + done.stderr for done in outputs)

    missing = surplace("evidence", "add", str(tmp_path / FILE_NAME), "--case", "C-1", env=env)
    assert missing.returncode == 2 and FILE_NAME not in _one_line_error(missing)
    unknown = surplace("evidence", "add", str(source), "--case", "C-404", env=env)
    assert unknown.returncode == 1 and "C-404" in _one_line_error(unknown)
    bad_kind = surplace("evidence", "derive", item["id"], str(transcript), "--kind", "poem",
                        env=env)
    assert bad_kind.returncode == 2, bad_kind.stderr
    no_item = surplace("evidence", "custody", "no-such-id", env=env)
    assert no_item.returncode == 1 and "no-such-id" in _one_line_error(no_item)
    again = surplace("evidence", "export", "--case", "C-1", str(out), env=env)
    assert again.returncode == 1 and str(out) not in _one_line_error(again)

    _flip(BlobStore(store.blob_dir).path(child["id"]), header_size(child["id"]) + 20)
    failed = surplace("evidence", "verify", env=env)
    assert failed.returncode == 1
    assert child["id"] in failed.stderr and "tampered" in failed.stderr
    failed_json = surplace("evidence", "verify", "--json", env=env)
    assert failed_json.returncode == 1
    report = json.loads(failed_json.stdout)
    assert report["ok"] is False
    assert {r["evidence_id"] for r in report["results"] if r["status"] != "ok"} == {child["id"]}
