"""Readers: every format of the generator read back row by row, and every broken file named."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from surplace.demo import formats
from surplace.io.readers import ImportFileError, detect_format, open_reader, read_xlsform
from surplace.io.readers.encoding import detect_encoding
from surplace.io.readers.xlsx_reader import check_archive


def _read(path: Path, **options: object) -> tuple[list[str], list]:
    with open_reader(path, **options) as reader:  # type: ignore[arg-type]
        return reader.headers, list(reader.rows())


@pytest.fixture(scope="module")
def korean() -> list[dict[str, str]]:
    return list(formats.encodable(formats.people(150, seed=3, lists=("registry", "informant"),
                                                 language="ko"), "euc_kr"))


@pytest.fixture(scope="module")
def chinese() -> list[dict[str, str]]:
    return formats.people(150, seed=4, lists=("police",), language="zh")


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp949", "cp949"),
    ("euc_kr", "cp949"),  # CP949 is a superset of EUC-KR: the same characters read back
])
def test_korean_csv_in_each_encoding(tmp_path: Path, korean: list[dict[str, str]],
                                     encoding: str, expected: str) -> None:
    path = formats.write_csv(tmp_path / "list.csv", korean, encoding=encoding, language="ko")
    assert detect_encoding(path) == expected
    headers, rows = _read(path)
    assert headers[:3] == ["번호", "성명", "성"]
    assert [row.values["성"] for row in rows] == [p["family_name"] for p in korean]
    assert [row.values["출신지"] for row in rows] == [p["origin"] for p in korean]
    assert all(not row.problems for row in rows)


@pytest.mark.parametrize(("encoding", "language"), [("gb18030", "zh"), ("big5", "zh-Hant")])
def test_chinese_csv_in_each_encoding(tmp_path: Path, chinese: list[dict[str, str]],
                                      encoding: str, language: str) -> None:
    rows_in = list(formats.encodable(chinese, encoding))
    assert len(rows_in) > 20
    path = formats.write_csv(tmp_path / "list.csv", rows_in, encoding=encoding,
                             language=language)
    assert detect_encoding(path) == encoding
    _, rows = _read(path)
    assert [row.values["姓名"] for row in rows] == [p["name"] for p in rows_in]
    assert [row.values["出生日期"] for row in rows] == [p["birth"] for p in rows_in]


def test_a_declared_encoding_wins_and_a_wrong_one_names_the_row(
        tmp_path: Path, korean: list[dict[str, str]]) -> None:
    path = formats.write_csv(tmp_path / "list.csv", korean, encoding="cp949", language="ko")
    _, rows = _read(path, encoding="euc-kr")
    assert rows[0].values["성"] == korean[0]["family_name"]
    with pytest.raises(ImportFileError, match=r"list\.csv, row 1: the bytes are not valid "
                                              r"utf-8 \(declared\); it may be cp949"):
        _read(path, encoding="utf-8")
    with pytest.raises(ImportFileError, match="not an encoding Python knows"):
        _read(path, encoding="klingon")


def test_legacy_bytes_after_the_sample_stop_the_file_at_their_row(tmp_path: Path) -> None:
    rows = formats.people(3000, seed=5, lists=("shelter",))
    path = formats.write_csv(tmp_path / "list.csv", rows)
    lines = path.read_bytes().splitlines(keepends=True)
    assert sum(len(line) for line in lines[:2900]) > 256 * 1024  # past the detection sample
    lines[2900] = lines[2900].replace(b"synthetic note", "합성 메모".encode("cp949"))
    path.write_bytes(b"".join(lines))
    with pytest.raises(ImportFileError, match=r"row 2901: the bytes are not valid utf-8 "
                                              r"\(detected from the start of the file\)"):
        _read(path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_any_delimiter(tmp_path: Path, delimiter: str) -> None:
    people = formats.people(30, seed=6)
    path = formats.write_csv(tmp_path / "list.csv", people, delimiter=delimiter)
    with open_reader(path) as reader:
        assert reader.delimiter == delimiter  # type: ignore[attr-defined]
        rows = list(reader.rows())
    assert [row.values["Name"] for row in rows] == [p["name"] for p in people]
    assert [row.number for row in rows] == list(range(2, 32))  # the header is row 1


def test_ragged_rows_are_reported_not_padded(tmp_path: Path) -> None:
    people = formats.people(10, seed=7)
    path = formats.write_ragged_csv(tmp_path / "list.csv", people, ragged=[3, 6])
    with path.open("a", encoding="utf-8") as handle:  # trailing empty cells are fine
        handle.write(",".join(people[0][c] for c in formats.COLUMNS) + ",,\n")
    _, rows = _read(path)
    ragged = {row.number: row.problems[0].reason for row in rows if row.problems}
    assert ragged == {4: "ragged row: it has 9 cells, the header has 10",
                      7: "ragged row: it has 12 cells, the header has 10"}
    assert len(rows) == 11


def test_an_unclosed_quote_that_swallows_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Name,Sex\nA,F\n\"B" + "x" * (1024 * 1024 + 10) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="row 3: the CSV cannot be read on"):
        _read(path)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="empty.csv: the file is empty"):
        _read(path)


def test_duplicate_and_missing_headers_keep_every_column(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Name,Name,,Sex\nA,B,C,F\n", encoding="utf-8")
    with open_reader(path) as reader:
        rows = list(reader.rows())
        assert reader.headers == ["Name", "Name (2)", "column 3", "Sex"]
        assert len(reader.notes) == 2
    assert rows[0].values == {"Name": "A", "Name (2)": "B", "column 3": "C", "Sex": "F"}


def test_xlsx_values_dates_and_formulas(tmp_path: Path) -> None:
    import openpyxl

    people = formats.people(12, seed=8)
    path = formats.write_xlsx(tmp_path / "list.xlsx", people, formula_rows=[2, 5])
    book = openpyxl.load_workbook(path)
    sheet = book["list"]
    sheet["H13"] = __import__("datetime").datetime(2019, 5, 1)
    sheet["A13"] = 42.0
    book.save(path)
    headers, rows = _read(path)
    assert headers[1] == "Name"
    assert [row.values["Name"] for row in rows] == [p["name"] for p in people]
    flagged = {row.number: [(p.column, p.reason) for p in row.problems]
               for row in rows if row.problems}
    reason = "the cell holds a formula; import reads values only (paste the column as values)"
    assert flagged == {3: [("Notes", reason)], 6: [("Notes", reason)]}
    assert rows[1].problems[0].value == "=LEN(A3)"
    assert (rows[-1].values["Date of arrest"], rows[-1].values["ID"]) == ("2019-05-01", "42")


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    path = formats.write_zip_bomb_xlsx(tmp_path / "bomb.xlsx", expanded_mib=64)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(ImportFileError, match=r"bomb\.xlsx: the workbook part "
                                              r"'xl/worksheets/sheet1\.xml' expands to "
                                              r"67,108,864 bytes .* possible zip bomb"):
        _read(path)
    many = tmp_path / "many.xlsx"
    with zipfile.ZipFile(many, "w") as archive:
        for number in range(10_001):
            archive.writestr(f"x/{number}", b"")
    with pytest.raises(ImportFileError, match="10,001 entries"):
        check_archive(many)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Name,Sex\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="not an .xlsx workbook"):
        _read(fake)


def test_kobo_json_submissions_with_repeat_groups(tmp_path: Path) -> None:
    submissions = formats.form_submissions(25, seed=9)
    path = formats.write_kobo_json(tmp_path / "kobo.json", submissions)
    assert detect_format(path) == "kobo-json"
    _, rows = _read(path)
    assert [row.identity for row in rows] == [s["uuid"] for s in submissions]
    first = next(r for r, s in zip(rows, submissions, strict=True) if s["relatives"])
    source = submissions[rows.index(first)]
    assert first.values["respondent/name"] == source["name"]
    assert first.values["_geolocation"] == " "  # a list of nulls, kept as text
    members = first.children["household/member"]
    assert [m.values["household/member/name"] for m in members] == [
        r["name"] for r in source["relatives"]]
    assert [m.number for m in members] == list(range(1, len(members) + 1))


@pytest.mark.parametrize("shape", ["array", "odata"])
def test_json_shapes_and_odk_groups(tmp_path: Path, shape: str) -> None:
    submissions = formats.form_submissions(10, seed=10)
    path = formats.write_odk_json(tmp_path / "odk.json", submissions)
    if shape == "array":
        path.write_text(json.dumps(json.loads(path.read_text("utf-8"))["value"]), "utf-8")
    with open_reader(path) as reader:
        assert reader.format == "odk-json"
        rows = list(reader.rows())
    assert [row.identity for row in rows] == [f"uuid:{s['uuid']}" for s in submissions]
    assert rows[0].values["person/name"] == submissions[0]["name"]
    assert rows[0].values["__system/submitterName"] == "syn-collector"
    with_children = [r for r in rows if r.children]
    assert with_children and all(set(r.children) == {"children"} for r in with_children)


def test_json_is_read_lazily_and_a_break_names_the_submission(tmp_path: Path) -> None:
    submissions = formats.form_submissions(400, seed=11)
    path = formats.write_kobo_json(tmp_path / "kobo.json", submissions)
    text = path.read_text("utf-8")
    path.write_text(text[: len(text) * 3 // 4] + "{broken", encoding="utf-8")
    seen = 0
    with pytest.raises(ImportFileError, match=r"kobo\.json, row \d+: the JSON is broken"), \
            open_reader(path) as reader:
        for _ in reader.rows():
            seen += 1
    assert 250 < seen < 400  # the rows before the break came one by one
    (tmp_path / "bad.json").write_text('{"count": 1, "other": []}', encoding="utf-8")
    with pytest.raises(ImportFileError, match="holds no list of submissions"):
        _read(tmp_path / "bad.json")


def test_kobo_xlsx_repeat_sheet_joins_its_parents(tmp_path: Path) -> None:
    submissions = formats.form_submissions(20, seed=12)
    path = formats.write_kobo_xlsx(tmp_path / "kobo.xlsx", submissions)
    with open_reader(path) as reader:
        assert reader.format == "kobo-xlsx"
        assert "household/member/name" in reader.child_headers["member"]
        rows = list(reader.rows())
    assert len(rows) == 20
    for row, submission in zip(rows, submissions, strict=True):
        assert row.identity == submission["uuid"]
        names = [m.values["household/member/name"] for m in row.children.get("member", [])]
        assert names == [r["name"] for r in submission["relatives"]]


def test_odk_csv_child_file_joins_and_orphans_are_kept(tmp_path: Path) -> None:
    submissions = formats.form_submissions(20, seed=13)
    path = formats.write_odk_csv(tmp_path, submissions)
    assert detect_format(path) == "odk-csv"
    children = tmp_path / f"{formats.ODK_FORM_ID}-children.csv"
    with children.open("a", encoding="utf-8") as handle:
        handle.write("Orphan,male,2010-01-01,uuid:nobody,uuid:nobody/children[1]\n")
    _, rows = _read(path)
    parents = [r for r in rows if not r.table]
    assert len(parents) == 20
    for row, submission in zip(parents, submissions, strict=True):
        assert [c.values["name"] for c in row.children.get("children", [])] == [
            r["name"] for r in submission["relatives"]]
    orphans = [r for r in rows if r.table]
    assert len(orphans) == 1 and orphans[0].problems[0].column == "PARENT_KEY"


def test_hxl_columns_are_named_by_their_hashtags(tmp_path: Path) -> None:
    people = formats.people(15, seed=14)
    path = formats.write_hxl(tmp_path / "tagged.csv", people)
    assert detect_format(path) == "hxl"
    with open_reader(path) as reader:
        assert reader.headers[:4] == ["#meta+id", "#affected+name", "#affected+sex",
                                      "#date+birth"]
        rows = list(reader.rows())
    assert [(row.number, row.identity) for row in rows[:2]] == [(3, "SYN-0000001"),
                                                                (4, "SYN-0000002")]
    assert [row.values["#affected+name"] for row in rows] == [p["name"] for p in people]
    plain = formats.write_csv(tmp_path / "plain.csv", people)
    with pytest.raises(ImportFileError, match="no row of HXL hashtags"):
        _read(plain, format="hxl")


def test_hxl_in_a_wrong_declared_encoding_is_refused(tmp_path: Path) -> None:
    people = formats.people(5, seed=15, lists=("registry",), language="ko")
    path = tmp_path / "tagged.csv"
    path.write_text("Name,Sex\n#affected+name,#affected+sex\n" + "\n".join(
        f"{p['family_name']}{p['given_name']},{p['sex']}" for p in people) + "\n",
        encoding="cp949")
    with pytest.raises(ImportFileError, match="row 3: the bytes are not valid utf-8"):
        _read(path, format="hxl", encoding="utf-8")
    _, rows = _read(path, format="hxl")
    assert rows[0].values["#affected+name"] == people[0]["family_name"] + people[0]["given_name"]


def test_xlsform_questions_groups_repeats_and_choices(tmp_path: Path) -> None:
    form = read_xlsform(formats.write_xlsform(tmp_path / "form.xlsx", formats.KOBO_SURVEY,
                                              formats.KOBO_FORM_ID))
    assert form.form_id == formats.KOBO_FORM_ID
    assert form.repeats == ["household/member"]
    by_path = {q.path: q for q in form.questions}
    assert by_path["respondent/sex"].type == "select_one"
    assert by_path["respondent/sex"].list_name == "sex"
    assert by_path["respondent/needs"].type == "select_multiple"
    assert by_path["household/member/age"].repeat == "household/member"
    assert by_path["respondent/name"].repeat is None
    assert form.choices["needs"]["legal"] == "Legal aid"
    assert form.question("respondent/birth_date").label == "Date of birth"  # type: ignore
    with pytest.raises(ImportFileError, match="not an XLSForm"):
        read_xlsform(formats.write_xlsx(tmp_path / "list.xlsx", formats.people(3, seed=1)))
