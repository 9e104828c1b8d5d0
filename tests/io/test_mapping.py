"""The mapping file: checked with a message naming the key, and proposed from a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from surplace.demo import formats
from surplace.io.mapping import Mapping, MappingError, init_mapping, load_mapping, parse_mapping


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("colums: {Name: name}\n", r"colums: not a mapping key; did you mean 'columns'\?"),
    ("columns: {Name: nmae}\n", r"columns: 'Name' → 'nmae' is not a field; did you mean "
                                r"'name'\?"),
    ("columns: {A: name, B: name}\n", r"columns: 'A' and 'B' are both mapped to name"),
    ("date_order: dmyx\n", r"date_order: 'dmyx' is not a date order; did you mean 'dmy'\?"),
    ("format: kobojson\n", r"format: 'kobojson' is not a format; did you mean 'kobo-json'\?"),
    ("values: {sex: {남: Male}}\n", r"values: sex: '남' → 'Male' is not a term"),
    ("values: {origin: {a: b}}\n", r"values: 'origin' has no vocabulary"),
    ("encoding: klingon\n", r"'klingon' is not an encoding Python knows"),
    ("parent_record: false\n", r"parent_record is false but no repeat group is mapped"),
    ("repeats: {kids: {columns: {n: name}, copi: [origin]}}\n",
     r"repeats\.kids\.copi: not a mapping key; did you mean 'copy'\?"),
    ("repeats: {kids: {copy: [orgin]}}\n", r"repeats\.kids\.copy: 'orgin' is not a field"),
    ("version: 2\n", r"version: Input should be 1"),
    ("- just\n- a list\n", r"a mapping file holds one YAML mapping"),
    ("columns: {Name: name\n", r"not valid YAML at line 2, column 1"),
])
def test_a_wrong_mapping_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MappingError, match=r"mapping map\.yaml: .*" + message):
        load_mapping(_write(tmp_path, text))


def test_a_missing_mapping_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="init-mapping"):
        load_mapping(tmp_path / "absent.yaml")


def test_a_good_mapping_reads_back_as_written(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, """
version: 1
identity: 번호
date_order: mdy
age_reference: 2021
columns: {번호: extra, 성명: name, 성별: sex, 비고: ignore}
values: {sex: {"1": M, "2": F}}
repeats:
  household/member:
    columns: {household/member/name: name}
    copy: [origin]
"""))
    assert mapping.fields() == {"name": "성명", "sex": "성별"}
    assert mapping.values == {"sex": {"1": "M", "2": "F"}}
    assert mapping.repeats["household/member"].copy_fields == ["origin"]
    again = parse_mapping(__import__("yaml").safe_load(mapping.as_yaml()))
    assert again == mapping


def _proposed(path: Path, form: Path | None = None) -> tuple[Mapping, list[str]]:
    mapping, notes = init_mapping(path, form)
    assert parse_mapping(__import__("yaml").safe_load(mapping.as_yaml())) == mapping
    return mapping, notes


def test_english_headers_are_matched(tmp_path: Path) -> None:
    path = formats.write_csv(tmp_path / "list.csv", formats.people(40, seed=1,
                                                                   lists=("shelter",)))
    mapping, _ = _proposed(path)
    assert mapping.fields() == {
        "name": "Name", "family_name": "Surname", "given_name": "Given name", "sex": "Sex",
        "birth": "Date of birth", "origin": "Place of origin", "event_date": "Date of arrest",
        "event_place": "Place of arrest"}
    assert (mapping.identity, mapping.columns["Notes"], mapping.date_order) == (
        "ID", "extra", "dmy")


def test_korean_headers_in_cp949_are_matched(tmp_path: Path) -> None:
    rows = formats.encodable(formats.people(60, seed=2, lists=("registry",), language="ko"),
                             "cp949")
    path = formats.write_csv(tmp_path / "list.csv", rows, encoding="cp949", language="ko",
                             columns=[c for c in formats.COLUMNS if c != "name"])
    mapping, _ = _proposed(path)
    assert mapping.encoding == "cp949"
    assert mapping.fields() == {
        "family_name": "성", "given_name": "이름", "sex": "성별", "birth": "생년월일",
        "origin": "출신지", "event_date": "체포일", "event_place": "체포 장소"}
    assert mapping.identity == "번호"


def test_chinese_headers_in_gb18030_are_matched(tmp_path: Path) -> None:
    path = formats.write_csv(tmp_path / "list.csv",
                             formats.people(60, seed=3, lists=("police",), language="zh"),
                             encoding="gb18030", language="zh", delimiter=";")
    mapping, notes = _proposed(path)
    assert (mapping.encoding, mapping.delimiter) == ("gb18030", None)
    assert {f: mapping.fields().get(f) for f in ("name", "sex", "birth", "origin")} == {
        "name": "姓名", "sex": "性别", "birth": "出生日期", "origin": "籍贯"}
    assert mapping.identity == "编号"
    # The police list writes some births as ages with their year ("38岁 (2023)"): no note.
    assert not any("ages" in note for note in notes)


def test_month_first_dates_are_noticed(tmp_path: Path) -> None:
    rows = formats.people(40, seed=4, lists=("hotline",))
    for number, row in enumerate(rows):
        row["event_date"] = f"{number % 12 + 1:02d}/{number % 15 + 14}/2019"
    mapping, _ = _proposed(formats.write_csv(tmp_path / "list.csv", rows))
    assert mapping.date_order == "mdy"


def test_hxl_hashtags_read_the_tag_table_backwards(tmp_path: Path) -> None:
    path = formats.write_hxl(tmp_path / "tagged.csv", formats.people(20, seed=5))
    mapping, _ = _proposed(path)
    assert mapping.format == "hxl"
    assert mapping.fields() == {
        "name": "#affected+name", "sex": "#affected+sex", "birth": "#date+birth",
        "origin": "#loc+name+origin", "event_date": "#date+occurred",
        "event_place": "#loc+name+occurred"}
    assert mapping.identity == "#meta+id"


def test_kobo_json_with_its_xlsform(tmp_path: Path) -> None:
    submissions = formats.form_submissions(30, seed=6)
    path = formats.write_kobo_json(tmp_path / "kobo.json", submissions)
    form = formats.write_xlsform(tmp_path / "form.xlsx", formats.KOBO_SURVEY,
                                 formats.KOBO_FORM_ID)
    mapping, _ = _proposed(path, form)
    assert (mapping.format, mapping.identity) == ("kobo-json", "_uuid")
    assert mapping.fields() == {
        "name": "respondent/name", "sex": "respondent/sex", "birth": "respondent/birth_date",
        "origin": "respondent/hometown", "event_date": "respondent/arrest_date"}
    assert mapping.columns["_submission_time"] == "extra"
    repeat = mapping.repeats["household/member"]
    assert {c: f for c, f in repeat.columns.items() if f != "extra"} == {
        "household/member/name": "name", "household/member/sex": "sex",
        "household/member/age": "birth"}
    assert repeat.copy_fields == ["origin", "event_date"]
    assert mapping.age_reference == "_submission_time"  # members' ages need the year


def test_kobo_csv_split_select_multiple_columns(tmp_path: Path) -> None:
    path = formats.write_kobo_csv(tmp_path / "kobo.csv", formats.form_submissions(30, seed=7))
    mapping, _ = _proposed(path)
    assert (mapping.format, mapping.identity) == ("kobo-csv", "_uuid")
    assert mapping.select_multiple == {"respondent/needs": [
        f"respondent/needs/{n}" for n in formats.NEEDS]}
    assert "respondent/needs/food" not in mapping.columns
    form = formats.write_xlsform(tmp_path / "form.xlsx", formats.KOBO_SURVEY,
                                 formats.KOBO_FORM_ID)
    with_form, _ = _proposed(path, form)
    assert with_form.select_multiple == mapping.select_multiple


def test_odk_csv_finds_its_repeat_file(tmp_path: Path) -> None:
    path = formats.write_odk_csv(tmp_path, formats.form_submissions(30, seed=8))
    mapping, _ = _proposed(path)
    assert (mapping.format, mapping.identity) == ("odk-csv", "KEY")
    assert {f: mapping.fields()[f] for f in ("name", "sex", "birth", "origin")} == {
        "name": "person-name", "sex": "person-sex", "birth": "person-birth",
        "origin": "person-origin"}
    repeat = mapping.repeats["children"]
    assert repeat.file == f"{formats.ODK_FORM_ID}-children.csv"
    assert (repeat.parent_key, repeat.key) == ("KEY", "PARENT_KEY")
    assert {c: f for c, f in repeat.columns.items() if f != "extra"} == {
        "name": "name", "sex": "sex", "birth": "birth"}


def test_unknown_sex_values_are_guessed_and_flagged(tmp_path: Path) -> None:
    rows = formats.people(30, seed=9)
    rows[0]["sex"], rows[1]["sex"] = "Femal", "??"
    mapping, notes = _proposed(formats.write_csv(tmp_path / "list.csv", rows))
    assert mapping.values == {"sex": {"Femal": "F"}}
    assert any("'Femal' → F is a guess" in note for note in notes)
    assert not any("??" in note for note in notes)  # a blank marker, not a value
