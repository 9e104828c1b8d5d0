"""What the import tests share (no tests here): a store with the gazetteer and two sources,
and helpers to import a file and read back what the store holds.

Every file is made by the demo's generator (:mod:`surplace.demo.formats`) from synthetic
people: random draws of name tables, never a real person.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from surplace.io.importer import ImportReport, import_file
from surplace.io.mapping import Mapping, init_mapping
from surplace.io.models import ImportBatch
from surplace.records import gazetteer
from surplace.records.models import Record
from surplace.records.sources import SourceIn, add_source
from surplace.vault.service import Unlocked

SOURCES = ("SYN-A", "SYN-B")


@pytest.fixture
def office(unlocked: Unlocked) -> Unlocked:
    """The test store with the gazetteer seeded and two synthetic sources."""
    with unlocked.session() as session:
        gazetteer.seed_places(session)
        for code in SOURCES:
            add_source(session, actor=unlocked.actor,
                       data=SourceIn(code=code, kind="list", name=f"Synthetic list {code}"))
    return unlocked


def run_import(unlocked: Unlocked, path: Path, mapping: Mapping | None = None, *,
               source: str = "SYN-A", form: Path | None = None,
               **options: Any) -> ImportReport:
    if mapping is None:
        mapping, _ = init_mapping(path, form)
    with unlocked.session() as session:
        return import_file(session, actor=unlocked.actor, source=source, path=path,
                           mapping=mapping, **options)


def held(unlocked: Unlocked, source: str = "SYN-A") -> list[dict[str, Any]]:
    """Every record of a source: clear columns and the opened payload, in insertion order."""
    from surplace.records.models import Source

    with unlocked.session() as session:
        source_id = session.scalars(select(Source.id).where(Source.code == source)).one()
        rows = session.scalars(select(Record).where(Record.source_id == source_id)
                               .order_by(Record.received_at, Record.source_row)).all()
        return [{"id": r.id, "source_row": r.source_row, "sex": r.sex,
                 "birth_year": r.birth_year, "origin_province": r.origin_province,
                 "event_year": r.event_year, "supersedes_id": r.supersedes_id,
                 "import_batch_id": r.import_batch_id, "payload": r.payload} for r in rows]


def count(unlocked: Unlocked, model: type[Any] = Record) -> int:
    with unlocked.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def batches(unlocked: Unlocked) -> int:
    return count(unlocked, ImportBatch)
