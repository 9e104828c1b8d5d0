"""Importing twice imports nothing; a corrected row supersedes; a dry run writes nothing."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from sqlalchemy import select

from surplace.demo import formats
from surplace.io.mapping import Mapping, init_mapping
from surplace.io.models import ImportBatch
from surplace.records.models import Record
from surplace.vault.audit import AuditEntry
from surplace.vault.audit_verify import verify_chain
from surplace.vault.service import Unlocked
from tests.io.test_import_support import batches, count, held, office, run_import
from tests.test_kill_mid_import import audit_entries, table_digests

__all__ = ["office"]


def _file(tmp_path: Path, rows: list[dict[str, str]], name: str = "list.csv") -> Path:
    return formats.write_csv(tmp_path / name, rows)


def _clean_mapping(tmp_path: Path) -> Mapping:
    """A mapping proposed from a clean file, so that it guesses no value of a broken one."""
    mapping, _ = init_mapping(_file(tmp_path, formats.people(20, seed=99), "clean.csv"))
    return mapping


def test_the_same_file_twice_imports_nothing_the_second_time(office: Unlocked,
                                                             tmp_path: Path) -> None:
    rows = formats.people(80, seed=1)
    path = _file(tmp_path, rows)
    first = run_import(office, path)
    second = run_import(office, path)
    assert (first.imported, first.skipped) == (80, 0)
    assert (second.imported, second.skipped, second.rejected) == (0, 80, 0)
    assert count(office) == 80 and batches(office) == 2
    # Per source: the same file from another source is that source's observation.
    assert run_import(office, path, source="SYN-B").imported == 80


def test_a_corrected_row_supersedes_the_one_held(office: Unlocked, tmp_path: Path) -> None:
    rows = formats.people(30, seed=2)
    mapping, _ = init_mapping(_file(tmp_path, rows))
    run_import(office, tmp_path / "list.csv", mapping)
    original = {r["source_row"]: r for r in held(office)}["SYN-0000007"]

    rows[6] = {**rows[6], "sex": "F" if rows[6]["sex"] == "M" else "M",
               "birth": "1971-02-03"}
    corrected = run_import(office, _file(tmp_path, rows, "corrected.csv"), mapping)
    assert (corrected.imported, corrected.superseding, corrected.skipped) == (1, 1, 29)
    chain = [r for r in held(office) if r["source_row"] == "SYN-0000007"]
    assert len(chain) == 2
    newer = next(r for r in chain if r["id"] != original["id"])
    assert newer["supersedes_id"] == original["id"]
    assert (newer["birth_year"], newer["payload"]["birth"]) == (1971, "1971-02-03")
    assert original["payload"]["birth"] != "1971-02-03"  # the old record is kept as it was

    rows[6] = {**rows[6], "birth": "1972-02-03"}
    again = run_import(office, _file(tmp_path, rows, "again.csv"), mapping)
    assert (again.imported, again.superseding) == (1, 1)
    latest = [r for r in held(office) if r["source_row"] == "SYN-0000007"][-1]
    assert latest["supersedes_id"] == newer["id"]  # the chain's head, not the first
    # The first file again: every row's content is held (one as a superseded record).
    assert run_import(office, tmp_path / "list.csv", mapping).imported == 0


def test_repeated_rows_within_a_file(office: Unlocked, tmp_path: Path) -> None:
    rows = formats.people(10, seed=3)
    path = formats.write_csv(tmp_path / "list.csv", [*rows, rows[2], rows[2]])
    report = run_import(office, path)
    assert (report.rows_read, report.imported, report.skipped) == (12, 10, 2)
    no_ids = formats.write_csv(tmp_path / "no_ids.csv", [*rows, rows[4]],
                               columns=[c for c in formats.COLUMNS if c != "id"])
    report = run_import(office, no_ids, source="SYN-B")
    assert (report.imported, report.skipped) == (10, 1)


def test_a_dry_run_counts_exactly_and_writes_nothing(office: Unlocked, tmp_path: Path) -> None:
    rows = formats.people(40, seed=4)
    rows[3]["sex"] = "unknown-ish"
    path = _file(tmp_path, rows)
    store = office.store
    before, audit_before = table_digests(store), audit_entries(store)
    mapping = _clean_mapping(tmp_path)
    dry = run_import(office, path, mapping, dry_run=True)
    assert (dry.dry_run, dry.batch_id, dry.imported, dry.rejected) == (True, None, 39, 1)
    assert table_digests(store) == before
    assert audit_entries(store) == audit_before
    assert dry.rejects_file is not None  # the dry run's point: see what would be refused
    real = run_import(office, path, mapping)
    assert (real.imported, real.rejected, real.skipped) == (39, 1, 0)


def test_digests_are_keyed_and_the_import_is_audited_by_ids(office: Unlocked,
                                                           tmp_path: Path) -> None:
    rows = formats.people(5, seed=5)
    report = run_import(office, _file(tmp_path, rows))
    with office.session() as session:
        records = session.scalars(select(Record)).all()
        for record in records:
            bare = json.dumps([record.source_row, record.payload], ensure_ascii=False,
                              sort_keys=True).encode()
            assert record.content_digest[1:] != hashlib.sha256(bare).digest()[:31]
            assert len(record.content_digest) == 32
        batch = session.get(ImportBatch, report.batch_id)
        assert batch is not None
        assert (batch.rows_read, batch.imported, batch.file_format) == (5, 5, "csv")
        assert batch.file_name == "list.csv"  # sealed: read back through the vault
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
        assert [(e.object_type, e.object_id) for e in entries] == [("import_batch", batch.id)]
        detail = json.loads(entries[0].detail or "{}")
        assert detail["imported"] == 5 and set(detail) == {
            "source_id", "rows", "imported", "superseding", "rejected", "skipped"}
    # A session of its own: verify_chain leaves its connection streaming (yield_per), which
    # the audit of the reads above could not then be written through on PostgreSQL.
    with office.store.session() as session:
        assert verify_chain(session, office.keyring).ok


def test_rejects_file_rows_are_exactly_the_refused_ones(office: Unlocked,
                                                       tmp_path: Path) -> None:
    rows = formats.people(12, seed=6)
    rows[1]["birth"] = "2003-02-30"
    rows[4]["sex"] = "Mael"
    rows[4]["birth"] = "=1+2"
    report = run_import(office, _file(tmp_path, rows), _clean_mapping(tmp_path),
                        rejects_path=tmp_path / "out.csv")
    assert (report.imported, report.rejected) == (10, 2)
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [(line["row"], line["column"]) for line in lines] == [
        ("3", "Date of birth"), ("6", "Sex"), ("6", "Date of birth")]
    assert lines[0]["reason"].startswith("day 30 does not exist")
    assert "closest known term: M (male)" in lines[1]["reason"]
    assert lines[2]["value"] == "'=1+2"  # a spreadsheet will not run it
    assert any("rejects file holds the input's own values" in w for w in report.warnings)
