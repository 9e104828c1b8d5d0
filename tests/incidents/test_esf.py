"""The HURIDOCS ESF export of a generated set validates against the field list, and a
researcher's export carries pseudonyms, never names."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from surplace.cases import vocabularies as case_vocabularies
from surplace.demo.violations import load, violations
from surplace.incidents import claims, esf, service
from surplace.incidents import vocabularies as incident_vocabularies
from surplace.vault.service import Unlocked
from tests.incidents.conftest import SECRET_NAMES, Office

FIELDS = tomllib.loads(esf.FIELDS_FILE.read_text(encoding="utf-8"))
FORMATS = ("event", "act", "chain", "involvement", "information", "intervention", "person")
PLAIN_TYPES = {"text", "code", "date", "integer", "boolean"}


def _terms(vocabulary: str) -> dict[str, Any]:
    """Interventions share the case vocabulary; every other term list is the incidents'."""
    if vocabulary.startswith("intervention_"):
        return case_vocabularies.terms(vocabulary)
    return incident_vocabularies.terms(vocabulary)


def _valid(document: dict[str, Any]) -> list[str]:
    """Problems of an export against esf_fields.toml, read here independently of the exporter."""
    problems = []
    for name in FORMATS:
        fields = FIELDS[name]
        keys = [f"{field['number']}_{field['name']}" for field in fields]
        for index, record in enumerate(document["records"][name]):
            if list(record) != keys:
                problems.append(f"{name}[{index}]: keys {list(record)} differ from {keys}")
                continue
            for field, key in zip(fields, keys, strict=True):
                value, kind = record[key], field["type"]
                if value is None:
                    continue
                if kind == "date":
                    date.fromisoformat(value)
                elif kind == "integer" and not isinstance(value, int):
                    problems.append(f"{name}[{index}].{key}: {value!r} is not an integer")
                elif kind == "boolean" and not isinstance(value, bool):
                    problems.append(f"{name}[{index}].{key}: {value!r} is not a boolean")
                elif kind not in PLAIN_TYPES and value not in _terms(kind):
                    problems.append(f"{name}[{index}].{key}: {value!r} is not a {kind} term")
                elif kind in ("text", "code") and not isinstance(value, str):
                    problems.append(f"{name}[{index}].{key}: {value!r} is not text")
    return problems


@pytest.fixture
def documented(office: Office) -> list[str]:
    """The office's incidents plus a generated set; returns every name in the store."""
    generated = violations(30, seed=5)
    with office.unlocked.session() as session:
        load(session, actor=office.admin, generated=generated)
        first = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26", place="CN-JL", content="Synthetic testimony.",
            language="ko", reported_on="2024-05-02", handed_to_unit="kp_mss",
            perpetrators=[{"person": office.people["officer"], "degree": "ordered"}]))
        arrest = service.add_act(session, actor=office.admin, data={
            "incident_id": first.incident_id, "act_type": "arrest",
            "victim": office.people["kum"], "date": "2024-04-20", "legal_counsel": False,
            "whereabouts": "Synthetic cell 4"})
        service.link_acts(session, actor=office.admin, data={
            "from_act": arrest.id, "to_act": first.act_id, "relation": "handed_over"})
        service.add_intervention(session, actor=office.admin, data={
            "incident_id": first.incident_id, "kind": "urgent_appeal",
            "started_on": "2024-04-27", "outcome": "No reply."})
    return SECRET_NAMES + [n.full_name for p in generated.persons for n in p.names]


def _export(unlocked: Unlocked, role: str, office: Office) -> dict[str, Any]:
    actor = office.admin if role == "admin" else office.staff[role]
    with unlocked.session() as session:
        return esf.export(session, actor=actor)


def test_the_export_validates_against_the_field_list(office: Office,
                                                     documented: list[str]) -> None:
    document = _export(office.unlocked, "admin", office)
    assert _valid(document) == []
    records = document["records"]
    assert len(records["event"]) >= 20 and len(records["act"]) >= 20
    assert all(records[name] for name in FORMATS)
    assert document["identities"] == "names"
    names = {r["0903_person_name"] for r in records["person"]}
    assert "Synthetic Pang Kum-sun" in names
    content = {r["S2556_content"] for r in records["information"]}
    assert "Synthetic testimony." in content
    chain = records["chain"][0]
    assert chain["2209_type_of_chain_of_events"] == "handed_over"
    grades = {r["2553_reliability_of_information"] for r in records["information"]}
    assert "B6" in grades  # NGO-A's reliability B, credibility not given: 6
    roles = {r["S0903_pseudonym"]: r["S0950_roles"] for r in records["person"]}
    assert roles[office.people["officer"]] == "perpetrator"


def test_a_researchers_export_holds_pseudonyms_not_names(office: Office, documented: list[str],
                                                         tmp_path: Path) -> None:
    document = _export(office.unlocked, "researcher", office)
    assert _valid(document) == []
    assert document["identities"] == "pseudonyms only"
    text = io.StringIO()
    esf.write_json(document, text)
    written = esf.write_csv(document, tmp_path / "csv")
    every = text.getvalue() + "".join(path.read_text(encoding="utf-8") for path in written)
    leaked = [name for name in documented if name in every]
    assert leaked == []
    assert "Synthetic source NGO-A" not in every and "Synthetic cell 4" not in every
    assert "Synthetic testimony." not in every
    assert office.people["kum"] in every
    persons = document["records"]["person"]
    assert all(p["0903_person_name"] is None and p["0904_other_names"] is None for p in persons)
    acts = {a["2102_victim"] for a in document["records"]["act"]}
    assert office.people["kum"] in acts


def test_csv_files_have_the_field_keys_as_header(office: Office, documented: list[str],
                                                 tmp_path: Path) -> None:
    document = _export(office.unlocked, "admin", office)
    for path in esf.write_csv(document, tmp_path):
        name = path.stem
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert rows[0] == [f"{f['number']}_{f['name']}" for f in FIELDS[name]]
        assert len(rows) - 1 == len(document["records"][name])
    assert json.loads(json.dumps(document)) == document


def test_an_export_of_one_incident(office: Office) -> None:
    with office.unlocked.session() as session:
        one = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26"))
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "chol", date="2022-01-03"))
        document = esf.export(session, actor=office.staff["researcher"],
                              incident_ids=[str(one.incident_id)])
    assert [e["0101_event_record_number"] for e in document["records"]["event"]] == [
        one.incident_id]
    assert [p["S0903_pseudonym"] for p in document["records"]["person"]] == [
        office.people["kum"]]
