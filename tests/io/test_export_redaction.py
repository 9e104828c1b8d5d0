"""Exports redacted by role, on SQLite and PostgreSQL: who may export what, and that a file
made for a role without ``identity.read`` holds none of the identifying values stored (searched
for one by one)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from surplace.access.policy import AccessDenied
from surplace.errors import InvalidInput
from surplace.io.export import service
from surplace.io.export.schemas import Filters, Format, Kind
from surplace.vault.service import Unlocked
from tests.io.test_export_support import Office, build


@pytest.fixture
def office(unlocked: Unlocked) -> Office:
    return build(unlocked)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def leaked(path: Path, secrets: list[str]) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [value for value in secrets if value in text]


@pytest.mark.parametrize("fmt", [Format.csv, Format.json, Format.hxl])
def test_a_researchers_person_export_holds_no_identity(office: Office, tmp_path: Path,
                                                        fmt: Format) -> None:
    out = tmp_path / f"persons.{fmt.value}"
    result = service.export_rows(office.as_("researcher"), kind=Kind.persons, fmt=fmt, out=out,
                                 recipient="Synthetic Partner NGO")
    assert result.redaction == "pseudonymised" and result.rows == len(office.pseudonyms)
    assert leaked(out, office.secrets) == []
    text = out.read_text(encoding="utf-8")
    assert all(pseudonym in text for pseudonym in office.pseudonyms)
    for name in ("name", "birth_date", "origin_place", "contact"):
        assert f'"{name}"' not in text and f",{name}," not in text


def test_a_researchers_records_and_acts_hold_no_identity(office: Office, tmp_path: Path) -> None:
    researcher = office.as_("researcher")
    for kind in (Kind.records, Kind.acts, Kind.incidents):
        out = tmp_path / f"{kind.value}.csv"
        result = service.export_rows(researcher, kind=kind, fmt=Format.csv, out=out,
                                     recipient="Synthetic Partner NGO")
        assert result.redaction == "pseudonymised"
        assert leaked(out, office.secrets) == [], kind
    acts = read_csv(tmp_path / "acts.csv")
    assert len(acts) == office.acts
    assert set(acts[0]) == {"act", "incident", "act_type", "victim", "victim_sex",
                            "victim_birth_year", "year", "province", "victim_status",
                            "perpetrator_units", "documented"}, "no date, place or text"
    assert {row["victim"] for row in acts} <= set(office.pseudonyms)
    records = read_csv(tmp_path / "records.csv")
    assert "payload" not in records[0] and "source_row" not in records[0]
    linked = [row for row in records if row["person"]]
    assert len(linked) == len(records) - 1, "every record but one is linked to its person"


def test_the_administrator_gets_identities(office: Office, tmp_path: Path) -> None:
    out = tmp_path / "persons.json"
    result = service.export_rows(office.unlocked, kind=Kind.persons, fmt=Format.json, out=out,
                                 recipient="Synthetic Court")
    assert result.redaction == "full"
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["export"]["redaction"] == "full"
    rows = {row["person"]: row for row in document["rows"]}
    for pseudonym, (name, hangul, born, village, contact) in office.secrets_of.items():
        row = rows[pseudonym]
        assert (row["name"], row["other_names"], row["birth_date"], row["origin_place"],
                row["contact"]) == (name, [hangul], born, village, contact)
    records = tmp_path / "records.csv"
    service.export_rows(office.unlocked, kind=Kind.records, fmt=Format.csv, out=records,
                        recipient="Synthetic Court")
    assert sum(row["payload"] != "" for row in read_csv(records)) == len(read_csv(records))


def test_a_caseworker_gets_identities_of_their_cases_only(office: Office,
                                                          tmp_path: Path) -> None:
    worker = office.as_("caseworker")
    out = tmp_path / "persons.csv"
    result = service.export_rows(worker, kind=Kind.persons, fmt=Format.csv, out=out,
                                 recipient="Synthetic Legal Aid")
    assert result.redaction == "cases"
    rows = {row["person"]: row for row in read_csv(out)}
    mine = set(office.my_cases.values())
    for pseudonym, values in office.secrets_of.items():
        if pseudonym in mine:
            assert rows[pseudonym]["name"] == values[0]
            assert rows[pseudonym]["contact"] == values[4]
        else:
            assert rows[pseudonym]["name"] == rows[pseudonym]["contact"] == ""
    others = [value for pseudonym, values in office.secrets_of.items() if pseudonym not in mine
              for value in values]
    assert leaked(out, others) == []
    cases = tmp_path / "cases.csv"
    service.export_rows(worker, kind=Kind.cases, fmt=Format.csv, out=cases,
                        recipient="Synthetic Legal Aid")
    listed = read_csv(cases)
    assert {row["case_number"] for row in listed} == set(office.my_cases)
    assert {row["principal"]: row["principal_name"] for row in listed} == {
        pseudonym: office.secrets_of[pseudonym][0] for pseudonym in mine}
    acts = tmp_path / "acts.csv"
    service.export_rows(worker, kind=Kind.acts, fmt=Format.csv, out=acts,
                        recipient="Synthetic Legal Aid")
    for row in read_csv(acts):
        assert (row["victim_name"] != "") == (row["victim"] in mine)


@pytest.mark.parametrize(("role", "kind"), [
    ("analyst", Kind.persons), ("analyst", Kind.records), ("analyst", Kind.acts),
    ("analyst", Kind.cases), ("viewer", Kind.persons), ("viewer", Kind.incidents),
    ("researcher", Kind.cases)])
def test_roles_that_may_not_export_rows_are_refused(unlocked: Unlocked, tmp_path: Path,
                                                    role: str, kind: Kind) -> None:
    office = build(unlocked, persons=0)  # refused before anything is read
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "refused.csv"
    with pytest.raises(AccessDenied, match=f"may not export {kind.value}"):
        service.export_rows(office.as_(role), kind=kind, fmt=Format.csv, out=out,
                            recipient="Synthetic Partner NGO")
    assert list(folder.iterdir()) == [], "no file, not even a partial one"


def test_filters(office: Office, tmp_path: Path) -> None:
    out = tmp_path / "acts.jsonl"
    result = service.export_rows(office.as_("researcher"), kind=Kind.acts, fmt=Format.jsonl,
                                 out=out, recipient="Synthetic Partner NGO",
                                 filters=Filters(act_type="arrest", year=2017))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert result.rows == len(lines) > 0
    assert {(row["act_type"], row["year"]) for row in lines} == {("arrest", 2017)}
    assert result.filters == {"act_type": "arrest", "year": "2017"}
    with pytest.raises(InvalidInput, match="--act-type: 'arest' is not a known act type"):
        service.export_rows(office.unlocked, kind=Kind.acts, fmt=Format.csv,
                            out=tmp_path / "x.csv", recipient="Synthetic Partner NGO",
                            filters=Filters(act_type="arest"))
    with pytest.raises(InvalidInput, match="--act-type: applies to"):
        service.export_rows(office.unlocked, kind=Kind.persons, fmt=Format.csv,
                            out=tmp_path / "y.csv", recipient="Synthetic Partner NGO",
                            filters=Filters(act_type="arrest"))
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y.csv").exists()
