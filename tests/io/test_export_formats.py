"""The formats, on SQLite and PostgreSQL: HXL read back through libhxl with the tags of
``io/hxl_tags.toml``, hostile cells neutralised in CSV and HXL, the byte-order mark, JSON and
JSON Lines, and the output file's rules (no overwrite without force, no partial file)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import hxl
import pytest
from hxl.input import InputOptions

from surplace.io.export import service
from surplace.io.export.exceptions import OutputProblem
from surplace.io.export.schemas import Format, Kind, Of
from surplace.io.export.tags import table as tag_table
from surplace.io.export.writers import FORMULA_STARTS, csv_cell, neutralise
from surplace.vault.service import Unlocked
from tests.io.test_export_support import HOSTILE, Office, build

ORG = "Synthetic Partner NGO"


@pytest.fixture
def office(unlocked: Unlocked) -> Office:
    return build(unlocked, hostile=True)


def read_hxl(path: Path) -> tuple[list[str], list[str], list[list[str]]]:
    with path.open("rb") as handle:
        source = hxl.data(handle, InputOptions(allow_local=True, encoding="utf-8-sig"))
        rows = [list(row.values) for row in source]
        return ([str(column.header) for column in source.columns],
                [str(column.display_tag) for column in source.columns], rows)


def all_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_reads_back_through_libhxl_with_its_tags(office: Office, tmp_path: Path,
                                                            kind: Kind) -> None:
    out = tmp_path / f"{kind.value}.hxl.csv"
    result = service.export_rows(office.unlocked, kind=kind, fmt=Format.hxl, out=out,
                                 recipient=ORG)
    headers, tags, rows = read_hxl(out)
    section = service.SECTIONS[kind]
    assert tags == [tag_table()[section][header] for header in headers]
    assert len(rows) == result.rows > 0
    assert len(set(tags)) == len(tags), "two columns with one tag would read back as one"


def test_hxl_person_values_read_back(office: Office, tmp_path: Path) -> None:
    out = tmp_path / "persons.hxl.csv"
    service.export_rows(office.as_("researcher"), kind=Kind.persons, fmt=Format.hxl, out=out,
                        recipient=ORG)
    with out.open("rb") as handle:
        source = hxl.data(handle, InputOptions(allow_local=True))
        by_tag = [{str(col.display_tag): value for col, value in zip(source.columns, row.values,
                                                                      strict=True)}
                  for row in source]
    assert sorted(row["#affected+code"] for row in by_tag) == sorted(office.pseudonyms)
    assert {row["#affected+sex"] for row in by_tag} <= {"F", "M"}
    assert all(row["#date+birth+year"].isdigit() for row in by_tag)
    assert "#affected+name" not in by_tag[0]


@pytest.mark.parametrize("fmt", [Format.csv, Format.hxl])
def test_hostile_cells_are_neutralised(office: Office, tmp_path: Path, fmt: Format) -> None:
    for kind in (Kind.persons, Kind.records, Kind.acts):
        out = tmp_path / f"{kind.value}.{fmt.value}"
        service.export_rows(office.unlocked, kind=kind, fmt=fmt, out=out, recipient=ORG)
        cells = all_cells(out)
        assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)], kind
        if kind is not Kind.acts:
            for value in HOSTILE:
                assert "'" + value in cells, (kind, value)
    acts = all_cells(tmp_path / f"acts.{fmt.value}")
    assert "'" + HOSTILE[0] in acts, "sealed text is neutralised too"


def test_json_keeps_values_as_they_are(office: Office, tmp_path: Path) -> None:
    out = tmp_path / "persons.json"
    service.export_rows(office.unlocked, kind=Kind.persons, fmt=Format.json, out=out,
                        recipient=ORG)
    names = {row["name"] for row in json.loads(out.read_text(encoding="utf-8"))["rows"]}
    assert set(HOSTILE) <= names


def test_neutralise_and_cells() -> None:
    assert [neutralise(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "a=1", "", "'=")] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "a=1", "", "'="]
    assert csv_cell(-3) == "-3" and csv_cell(None) == "" and csv_cell(True) == "true"
    assert csv_cell(["-a", "b"]) == "'-a | b"
    assert csv_cell({"k": "=v"}) == '{"k": "=v"}'


def test_bom_json_lines_and_the_output_file(office: Office, tmp_path: Path) -> None:
    researcher = office.as_("researcher")
    excel = tmp_path / "excel.csv"
    service.export_rows(researcher, kind=Kind.persons, fmt=Format.csv, out=excel,
                        recipient=ORG, bom=True)
    assert excel.read_bytes().startswith(b"\xef\xbb\xbfperson,")
    lines = tmp_path / "persons.jsonl"
    result = service.export_rows(researcher, kind=Kind.persons, fmt=Format.jsonl, out=lines,
                                 recipient=ORG)
    parsed = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert len(parsed) == result.rows and set(parsed[0]) == {
        "person", "sex", "birth_year", "origin_province", "first_seen_year"}
    assert oct(lines.stat().st_mode & 0o777) == "0o600", "readable by its owner only"
    before = lines.read_bytes()
    with pytest.raises(OutputProblem, match="already exists; give --force"):
        service.export_rows(researcher, kind=Kind.acts, fmt=Format.jsonl, out=lines,
                            recipient=ORG)
    assert lines.read_bytes() == before
    service.export_rows(researcher, kind=Kind.acts, fmt=Format.jsonl, out=lines,
                        recipient=ORG, force=True)
    assert lines.read_bytes() != before
    with pytest.raises(OutputProblem, match="folder .* does not exist"):
        service.export_rows(researcher, kind=Kind.acts, fmt=Format.csv,
                            out=tmp_path / "missing" / "x.csv", recipient=ORG)
    with pytest.raises(OutputProblem, match="already exists"):
        service.export_aggregate(office.as_("analyst"), of=Of.persons, by="sex",
                                 fmt=Format.csv, out=excel)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_an_empty_export_is_well_formed(unlocked: Unlocked, tmp_path: Path) -> None:
    office = build(unlocked, persons=0)
    researcher = office.as_("researcher")
    for fmt in Format:
        out = tmp_path / f"empty.{fmt.value}"
        result = service.export_rows(researcher, kind=Kind.persons, fmt=fmt, out=out,
                                     recipient=ORG)
        assert result.rows == 0
        if fmt is Format.json:
            assert json.loads(out.read_text(encoding="utf-8"))["rows"] == []
        elif fmt is Format.hxl:
            assert read_hxl(out)[2] == []
