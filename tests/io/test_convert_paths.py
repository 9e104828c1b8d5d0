"""The converter's fast path gives exactly what its general, cell-by-cell path gives.

:mod:`surplace.io.convert` sends a row through a fast path first and falls back to the general
path for anything unusual. Both must give the same records (payload, clear columns), rejects
and counts, or a re-import would no longer recognise what an earlier one wrote. Rows come from
the demo's generator (synthetic people) and hand-made rows with the problems partners' files
have; each is converted by a converter with the fast path and one without.
"""

from __future__ import annotations

from pathlib import Path

from surplace.demo import formats
from surplace.io.convert import Converted, Converter
from surplace.io.mapping import Mapping, init_mapping, parse_mapping
from surplace.io.readers import open_reader
from surplace.io.readers.base import Problem, Row
from surplace.vault.service import Unlocked
from tests.io.test_import_support import office

__all__ = ["office"]


def _same(left: Converted, right: Converted) -> bool:
    return (left.records, left.rejects, left.rejected, left.blank, left.unresolved_origins) == (
        right.records, right.rejects, right.rejected, right.blank, right.unresolved_origins)


def _compare(unlocked: Unlocked, mapping: Mapping, rows: list[Row],
             identity_column: str | None = None) -> list[Converted]:
    with unlocked.session() as session:
        fast = Converter(session, mapping, identity_column=identity_column)
        general = Converter(session, mapping, identity_column=identity_column, fast=False)
        results = []
        for row in rows:
            quick, slow = fast.convert(row), general.convert(row)
            assert _same(quick, slow), row.number
            results.append(quick)
        return results


def _file_rows(path: Path) -> tuple[Mapping, list[Row], str | None]:
    mapping, _ = init_mapping(path)
    with open_reader(path, format=mapping.format) as reader:
        return mapping, list(reader.rows()), getattr(reader, "identity_column", None)


def test_generated_files_convert_alike(office: Unlocked, tmp_path: Path) -> None:
    files = [
        formats.write_csv(tmp_path / "en.csv", formats.people(300, seed=31)),
        formats.write_csv(tmp_path / "ko.csv", formats.people(300, seed=32, language="ko"),
                          language="ko"),
        formats.write_csv(tmp_path / "zh.csv", formats.people(300, seed=33, language="zh"),
                          language="zh"),
        formats.write_kobo_json(tmp_path / "kobo.json", formats.form_submissions(200, seed=34)),
        formats.write_odk_json(tmp_path / "odk.json", formats.form_submissions(100, seed=35)),
    ]
    for path in files:
        mapping, rows, identity = _file_rows(path)
        results = _compare(office, mapping, rows, identity)
        assert sum(len(r.records) for r in results) >= len(rows), path.name


def test_problem_rows_and_unusual_mappings_convert_alike(office: Unlocked) -> None:
    mapping = parse_mapping({
        "identity": "id", "date_order": "dmy", "age_reference": 2023,
        "columns": {"id": "extra", "name": "name", "sex": "sex", "birth": "birth",
                    "origin": "origin", "province": "origin_province", "arrest": "event_date",
                    "skip": "ignore", "note": "extra"},
        "values": {"sex": {"녀": "F"}},
        "unmapped": "ignore",
    })
    cells = [
        {"name": "Ri Ok", "sex": "녀", "birth": "42세", "origin": "Hyesan", "province": "KP-10"},
        {"province": "KP-10", "origin": "Nowhere-ri", "name": "Kim A"},  # province first
        {"name": "Pak\x07", "sex": "M"},  # a control character: rejected
        {"name": "Choe\ufffd"},  # U+FFFD: rejected
        {"name": "Han", "birth": "31/02/1990"},  # no such day
        {"name": "Ro", "sex": "dog", "arrest": "someday"},  # two problems, in column order
        {"name": " Yun ", "sex": "N/A", "birth": "모름", "arrest": "5 April 2019"},
        {"name": "O", "province": "Atlantis"},  # not a province
        {"name": "Jo\tKim", "note": "line one\nline two"},  # allowed, not printable
        {"name": "Ma", "skip": "left out", "stray": "not mapped: ignored", "note": "kept"},
        {"name": "", "sex": "-", "birth": " "},  # blank
    ]
    rows = [Row(number, {"id": f"SYN-{number}", **values})
            for number, values in enumerate(cells, start=2)]
    rows.append(Row(20, {"id": "SYN-20", "name": "Ok"}, problems=[Problem("", "ragged row")]))
    results = _compare(office, mapping, rows)
    assert [bool(r.rejects) for r in results] == [False, False, True, True, True, True, False,
                                                  True, False, False, False, True]
    assert [r.column for r in results[5].rejects] == ["sex", "arrest"]
    first = results[0].records[0]
    assert (first.sex, first.origin_province) == ("F", "KP-10")
    assert first.payload["birth"] == "age 42 in 2023"
    assert results[9].records[0].payload["extra"] == {"id": "SYN-11", "note": "kept"}


def test_select_multiple_and_nested_groups_convert_alike(office: Unlocked) -> None:
    mapping = parse_mapping({
        "identity": "_uuid", "age_reference": "_submission_time",
        "columns": {"who/name": "name", "who/birth": "birth", "who/home": "origin"},
        "select_multiple": {"needs": ["needs/food", "needs/medicine"]},
        "repeats": {"member": {"columns": {"member/name": "name", "member/age": "birth"},
                               "copy": ["origin"]}},
    })
    def member(name: str, age: str) -> Row:
        return Row(1, {"member/name": name, "member/age": age}, table="member")
    rows = [Row(1, {"_uuid": "u-1", "who/name": "Sim", "who/birth": "1970", "who/home": "Musan",
                    "needs": "", "needs/food": "1", "needs/medicine": "0",
                    "_submission_time": "2023-05-19T08:44:00"},
                children={"member": [member("Sim Jr", "7"), member("Sim Sr", "two")]})]
    result = _compare(office, mapping, rows)[0]
    assert len(result.records) == 2 and result.rejected == 1
    assert result.records[1].payload["birth"] == "age 7 in 2023"
    assert result.records[0].payload["extra"]["needs"] == "food"
