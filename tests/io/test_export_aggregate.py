"""Aggregate exports from the store, on SQLite and PostgreSQL: what they count, who may make
them, and that the published file passes the same linear-programming attack as the tables of
``test_disclosure``; and the audit entry every export writes."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from surplace.access.policy import AccessDenied
from surplace.errors import InvalidInput
from surplace.io.export import service
from surplace.io.export.disclosure import TOTAL
from surplace.io.export.schemas import Filters, Format, Kind, Of
from surplace.vault import audit_service
from surplace.vault.audit import AuditEntry
from surplace.vault.service import Unlocked
from tests.io.test_disclosure import assert_protected
from tests.io.test_export_support import Office, build


@pytest.fixture
def office(unlocked: Unlocked) -> Office:
    return build(unlocked, persons=24, seed=11)


def test_person_counts_are_right_and_protected(office: Office, tmp_path: Path) -> None:
    analyst = office.as_("analyst")
    with analyst.session() as session:
        table = service.aggregate_table(session, actor=analyst.actor, of=Of.persons,
                                        by="province,sex")
        from surplace.records.models import Person

        truth = Counter((p.origin_province, p.sex) for p in session.scalars(select(Person)))
    assert table.dimensions == ("province", "sex")
    assert "KP-01" in table.categories[0] and "unknown" in table.categories[0], \
        "the categories are the vocabulary's, not only those seen"
    assert int(table.values[-1, -1]) == sum(truth.values()) == 24
    for cell in table.cells():
        if TOTAL not in cell.key and cell.count is not None:
            assert cell.count == truth.get(cell.key, 0)
    assert table.primary.any(), "24 persons over 4 provinces and 2 sexes make small cells"
    assert_protected(table)
    out = tmp_path / "persons.csv"
    result = service.export_aggregate(analyst, of=Of.persons, by=["province", "sex"],
                                      fmt=Format.csv, out=out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert result.suppressed == sum(row["suppressed"] == "true" for row in rows) > 0
    for row in rows:
        count = row["count"]
        assert (count == "") == (row["suppressed"] == "true")
        assert count == "" or int(count) == 0 or int(count) >= 5
    assert leaked_nothing(out, office)


def leaked_nothing(path: Path, office: Office) -> bool:
    text = path.read_text(encoding="utf-8")
    return not any(value in text for value in office.secrets) and not any(
        pseudonym in text for pseudonym in office.pseudonyms)


def test_acts_and_cases(office: Office, tmp_path: Path) -> None:
    analyst = office.as_("analyst")
    with analyst.session() as session:
        acts = service.aggregate_table(session, actor=analyst.actor, of=Of.acts,
                                       by="act_type,year", threshold=3)
        cases = service.aggregate_table(session, actor=analyst.actor, of=Of.cases, by="year")
        arrests = service.aggregate_table(session, actor=analyst.actor, of=Of.persons,
                                          by="act_type", filters=Filters(act_type="arrest"))
    assert int(acts.values[-1, -1]) == office.acts
    assert_protected(acts)
    assert int(cases.values[-1]) == len(office.my_cases) + len(office.other_cases)
    assert_protected(cases)
    arrest = acts.categories[0].index("arrest")
    assert int(acts.values[arrest, -1]) == int(arrests.values[-1]) > 0, \
        "documented arrests, counted as acts and as persons arrested"
    out = tmp_path / "acts.json"
    service.export_aggregate(analyst, of=Of.acts, by="act_type,year", fmt=Format.json, out=out,
                             threshold=3, recipient="Synthetic UN Special Rapporteur")
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["export"]["threshold"] == 3 and document["columns"] == [
        "act_type", "year", "count", "suppressed"]
    assert all(row["count"] is None or row["count"] == 0 or row["count"] >= 3
               for row in document["rows"])


def test_who_may_export_aggregates(office: Office, tmp_path: Path) -> None:
    for role in ("caseworker", "viewer"):
        with pytest.raises(AccessDenied, match="may not aggregate read"):
            service.export_aggregate(office.as_(role), of=Of.persons, by="year",
                                     fmt=Format.csv, out=tmp_path / f"{role}.csv")
    result = service.export_aggregate(office.as_("researcher"), of=Of.cases, by="year",
                                      fmt=Format.hxl, out=tmp_path / "cases.csv")
    assert result.redaction == "aggregate"
    with pytest.raises(InvalidInput, match="--by: 'age' is not one of year, province"):
        service.export_aggregate(office.as_("analyst"), of=Of.persons, by="year,age",
                                 fmt=Format.csv, out=tmp_path / "bad.csv")
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["cases.csv"]


def test_every_export_writes_one_audit_entry(office: Office, tmp_path: Path) -> None:
    def entries() -> list[AuditEntry]:
        with office.unlocked.session() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                        .order_by(AuditEntry.seq)))

    researcher = office.as_("researcher")
    out = tmp_path / "acts.csv"
    result = service.export_rows(researcher, kind=Kind.acts, fmt=Format.csv, out=out,
                                 recipient="Synthetic Partner NGO",
                                 filters=Filters(province="cn-jl"))
    service.export_rows(office.unlocked, kind=Kind.persons, fmt=Format.json,
                        out=tmp_path / "persons.json", recipient="Synthetic Court")
    service.export_aggregate(office.as_("analyst"), of=Of.persons, by="year", fmt=Format.csv,
                             out=tmp_path / "table.csv", threshold=4)
    with pytest.raises(AccessDenied):
        service.export_rows(office.as_("analyst"), kind=Kind.persons, fmt=Format.csv,
                            out=tmp_path / "refused.csv", recipient="Synthetic Partner NGO")
    first, second, third = entries()
    detail = json.loads(first.detail or "{}")
    assert first.actor_id == office.staff["researcher"].user_id
    assert first.object_type == "export" and first.object_id == result.export_id
    assert detail == {"kind": "acts", "format": "csv", "rows": result.rows,
                      "redaction": "pseudonymised", "recipient": "Synthetic Partner NGO",
                      "filters": {"province": "CN-JL"},
                      "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}
    assert json.loads(second.detail or "{}")["redaction"] == "full"
    table = json.loads(third.detail or "{}")
    assert (table["kind"], table["by"], table["threshold"], table["redaction"]) == (
        "aggregate:persons", ["year"], 4, "aggregate")
    assert "recipient" not in table and table["suppressed"] >= 0
    every = " ".join(e.detail or "" for e in entries())
    assert not [value for value in office.secrets if value in every]
    assert audit_service.verify(office.unlocked).ok
