"""Bad input: each case a clear report naming where, never a crash, never a partial import.

A problem in a row rejects that row (reported with row, column, value and reason in the rejects
file, and by rule and column, never by value, in the report); a problem that stops the file
rolls the whole import back, even when batches were already written into its transaction.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from surplace.access.policy import AccessDenied, Actor
from surplace.demo import formats
from surplace.io.importer import ImportReport
from surplace.io.mapping import Mapping, MappingError, init_mapping
from surplace.io.readers import ImportFileError
from surplace.records.sources import SourceNotFound
from surplace.vault.service import Unlocked
from tests.io.test_import_support import batches, count, office, run_import
from tests.test_kill_mid_import import audit_entries, table_digests

__all__ = ["office"]


@pytest.fixture
def mapping(tmp_path: Path) -> Mapping:
    """The mapping of the generator's English list, proposed from a clean file."""
    clean = formats.write_csv(tmp_path / "clean.csv", formats.people(20, seed=99))
    proposed, _ = init_mapping(clean)
    return proposed


def _rejects(report: ImportReport) -> list[dict[str, str]]:
    assert report.rejects_file is not None
    with Path(report.rejects_file).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _assert_unchanged(office: Unlocked, before: tuple[object, object], path: Path) -> None:
    assert (table_digests(office.store), audit_entries(office.store)) == before
    assert not list(path.parent.glob("*.rejects.csv*"))


def _snapshot(office: Unlocked) -> tuple[object, object]:
    return table_digests(office.store), audit_entries(office.store)


def test_a_wrong_encoding_stops_the_file_and_imports_nothing(
        office: Unlocked, tmp_path: Path, mapping: Mapping) -> None:
    rows = formats.people(4500, seed=1, lists=("shelter", "hotline"))
    path = formats.write_csv(tmp_path / "list.csv", rows)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[4200] = lines[4200].replace(b"synthetic note", "합성 메모".encode("cp949"))
    path.write_bytes(b"".join(lines))
    before = _snapshot(office)
    with pytest.raises(ImportFileError, match=r"list\.csv, row 4201: the bytes are not valid "
                                              "utf-8"):
        run_import(office, path, mapping)  # two batches were written before row 4201
    _assert_unchanged(office, before, path)
    with pytest.raises(ImportFileError, match="not valid utf-8 \\(declared\\)"):
        run_import(office, path, mapping, encoding="utf-8")
    assert count(office) == 0 and batches(office) == 0


def test_ragged_rows_are_rejected_and_the_rest_imported(
        office: Unlocked, tmp_path: Path, mapping: Mapping) -> None:
    rows = formats.people(30, seed=2)
    path = formats.write_ragged_csv(tmp_path / "list.csv", rows, ragged=[5, 12, 20])
    report = run_import(office, path, mapping)
    assert (report.imported, report.rejected) == (27, 3)
    assert [(r["row"], r["column"]) for r in _rejects(report)] == [("6", ""), ("13", ""),
                                                                   ("21", "")]
    assert all(r["reason"].startswith("ragged row: it has") for r in _rejects(report))
    assert report.reasons == {"row: ragged row: it has 9 cells, the header has 10": 1,
                              "row: ragged row: it has 12 cells, the header has 10": 2}


def test_formulas_in_a_workbook_are_rejected(office: Unlocked, tmp_path: Path) -> None:
    rows = formats.people(15, seed=3)
    path = formats.write_xlsx(tmp_path / "list.xlsx", rows, formula_rows=[4, 9])
    clean, _ = init_mapping(formats.write_xlsx(tmp_path / "clean.xlsx", rows))
    report = run_import(office, path, clean)
    assert (report.imported, report.rejected) == (13, 2)
    lines = _rejects(report)
    assert [(r["row"], r["column"], r["value"]) for r in lines] == [
        ("5", "Notes", "'=LEN(A5)"), ("10", "Notes", "'=LEN(A10)")]
    assert "paste the column as values" in lines[0]["reason"]


def test_dates_in_many_formats_and_impossible_ones(office: Unlocked, tmp_path: Path,
                                                  mapping: Mapping) -> None:
    written = ["2003-04-05", "05/04/2003", "2003年4月5日", "2003.4.5", "2003년 4월 5일",
               "二〇〇三年四月五日", "２００３－０４－０５", "5 April 2003", "2003-04", "2003",
               "42세", "42岁", "age 42 in 2020", "2003-02-30", "13/13/2003", "someday"]
    rows = formats.people(len(written), seed=4)
    for row, value in zip(rows, written, strict=True):
        row["birth"] = value
    report = run_import(office, formats.write_csv(tmp_path / "list.csv", rows), mapping)
    assert (report.imported, report.rejected) == (13, 3)
    from tests.io.test_import_support import held

    births = {r["source_row"]: (r["payload"]["birth"], r["birth_year"]) for r in held(office)}
    assert [births[row["id"]] for row in rows[:13]] == [
        *[("2003-04-05", 2003)] * 8, ("2003-04", 2003), ("2003", 2003), ("age 42", None),
        ("age 42", None), ("age 42 in 2020", None)]
    reasons = [r["reason"] for r in _rejects(report)]
    assert reasons[0].startswith("day 30 does not exist in month 2")
    assert reasons[1].startswith("month 13 is not a month")
    assert reasons[2].startswith("neither a date nor an age")


def test_unknown_vocabulary_is_rejected_with_the_closest_term(
        office: Unlocked, tmp_path: Path, mapping: Mapping) -> None:
    rows = formats.people(10, seed=5)
    rows[2]["sex"], rows[7]["sex"] = "femme", "Mael"
    report = run_import(office, formats.write_csv(tmp_path / "list.csv", rows), mapping)
    assert (report.imported, report.rejected) == (8, 2)
    lines = _rejects(report)
    assert [(r["row"], r["column"], r["value"]) for r in lines] == [
        ("4", "Sex", "femme"), ("9", "Sex", "Mael")]
    assert "closest known term: F (female)" in lines[0]["reason"]
    assert "closest known term: M (male)" in lines[1]["reason"]
    assert "add it to the mapping's values" in lines[1]["reason"]
    # The report names rules and columns: the values stay in the rejects file.
    assert "femme" not in json.dumps(report.as_dict(), ensure_ascii=False)


def test_an_enormous_field_and_control_characters_are_rejected(
        office: Unlocked, tmp_path: Path, mapping: Mapping) -> None:
    rows = formats.with_enormous_note(formats.people(10, seed=6), 3)
    rows[5]["name"] = "Synthetic\x00Name"
    report = run_import(office, formats.write_csv(tmp_path / "list.csv", rows), mapping)
    assert (report.imported, report.rejected) == (8, 2)
    reasons = {(r["row"], r["column"]): r["reason"] for r in _rejects(report)}
    assert reasons[("4", "Notes")].startswith("the value has 50,000 characters; the limit is "
                                              "10,000")
    assert reasons[("7", "Name")] == "the value holds the control character U+0000"


def test_a_zip_bomb_is_refused_and_nothing_is_written(office: Unlocked, tmp_path: Path,
                                                     mapping: Mapping) -> None:
    path = formats.write_zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    before = _snapshot(office)
    with pytest.raises(MappingError, match="format csv does not fit bomb.xlsx"):
        run_import(office, path, mapping)
    with pytest.raises(ImportFileError, match="possible zip bomb"):
        run_import(office, path, mapping.model_copy(update={"format": None}))
    _assert_unchanged(office, before, path)


def test_broken_json_mid_file_rolls_back_what_was_read(office: Unlocked,
                                                      tmp_path: Path) -> None:
    submissions = formats.form_submissions(1500, seed=7)
    path = formats.write_kobo_json(tmp_path / "kobo.json", submissions)
    mapping, _ = init_mapping(path)
    text = path.read_text("utf-8")
    path.write_text(text[: len(text) * 9 // 10] + "{oops", encoding="utf-8")
    before = _snapshot(office)
    with pytest.raises(ImportFileError, match=r"kobo\.json, row \d+: the JSON is broken"):
        run_import(office, path, mapping)
    _assert_unchanged(office, before, path)


def test_a_mapping_that_does_not_fit_the_file(office: Unlocked, tmp_path: Path,
                                             mapping: Mapping) -> None:
    path = formats.write_csv(tmp_path / "list.csv", formats.people(5, seed=8), language="ko")
    before = _snapshot(office)
    with pytest.raises(MappingError, match=r"column\(s\) it names are not in list\.csv: "
                                           r"'Date of arrest'"):
        run_import(office, path, mapping)
    _assert_unchanged(office, before, path)


def test_unknown_source_and_roles_that_may_not_import(office: Unlocked, tmp_path: Path,
                                                     mapping: Mapping) -> None:
    path = formats.write_csv(tmp_path / "list.csv", formats.people(5, seed=9))
    with pytest.raises(SourceNotFound, match="No source 'SYN-ZZ'"):
        run_import(office, path, mapping, source="SYN-ZZ")
    import dataclasses

    analyst = dataclasses.replace(office, actor=Actor("analyst-id", "analyst", "analyst"))
    with pytest.raises(AccessDenied, match="may not source write"):
        run_import(analyst, path, mapping)
    assert count(office) == 0
