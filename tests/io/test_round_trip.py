"""Export then import gives back the same records: what one office shares, another can load.

A partner's list is imported into one source; an identity-reading user exports those records
(CSV and HXL); the exported file, with the mapping surplace proposes for it, is imported into a
second source. Every record must come back with the same payload roles and clear columns.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from surplace.io.export.schemas import Format, Kind
from surplace.io.export.service import export_rows
from surplace.io.mapping import init_mapping
from surplace.vault.service import Unlocked
from tests.io.test_import_support import held, office, run_import  # noqa: F401 - fixture

ROLES = ("name", "family_name", "given_name", "sex", "birth", "origin")
PARTNER_ROWS = [
    {"id": "r1", "이름": "김철수", "성": "김", "이름(名)": "철수", "성별": "남",
     "생년월일": "1975-03-02", "출신지": "Musan"},
    {"id": "r2", "이름": "리영희", "성": "리", "이름(名)": "영희", "성별": "여",
     "생년월일": "1982-11-20", "출신지": "Hoeryong"},
    {"id": "r3", "이름": "박순옥", "성": "박", "이름(名)": "순옥", "성별": "여",
     "생년월일": "1990", "출신지": ""},
]


def _partner_file(folder: Path) -> Path:
    path = folder / "partner.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(PARTNER_ROWS[0]))
        writer.writeheader()
        writer.writerows(PARTNER_ROWS)
    return path


def _core(record: dict[str, object]) -> tuple[object, ...]:
    payload = record["payload"]
    assert isinstance(payload, dict)
    return (*(payload.get(role) or None for role in ROLES), record["sex"], record["birth_year"],
            record["origin_province"])


@pytest.mark.parametrize("fmt", [Format.csv, Format.hxl])
def test_exported_records_import_back_unchanged(office: Unlocked, tmp_path: Path,  # noqa: F811
                                                fmt: Format) -> None:
    first = run_import(office, _partner_file(tmp_path), source="SYN-A")
    assert first.imported == len(PARTNER_ROWS) and first.rejected == 0
    original = held(office, "SYN-A")

    exported = tmp_path / f"records.{fmt.value}.csv"
    result = export_rows(office, kind=Kind.records, fmt=fmt, out=exported,
                         recipient="Synthetic partner office")
    assert result.rows == len(PARTNER_ROWS) and result.redaction == "full"

    mapping, _notes = init_mapping(exported)
    second = run_import(office, exported, mapping, source="SYN-B")
    assert second.imported == len(PARTNER_ROWS), second
    assert second.rejected == 0
    back = held(office, "SYN-B")
    assert sorted(map(_core, back), key=repr) == sorted(map(_core, original), key=repr)
    again = run_import(office, exported, mapping, source="SYN-B")
    assert again.imported == 0 and again.skipped == len(PARTNER_ROWS)
