"""``surplace export`` through the real command line, on SQLite and PostgreSQL: a redacted
export, the overwrite rule, usage errors (exit 2), a refused role (exit 1), a count table and
the evidence package."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from surplace.config import Settings
from surplace.evidence import service as evidence_service
from surplace.vault import service as vault_service
from surplace.vault.audit import AuditEntry
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import PASSPHRASE, TEST_ARGON2, cli_env
from tests.io.test_export_support import build


def test_export_rows_overwrite_and_usage(unlocked: Unlocked, settings: Settings,
                                         tmp_path: Path) -> None:
    office = build(unlocked, persons=6)
    env = cli_env(settings)
    out = tmp_path / "persons.csv"
    done = surplace("export", "persons", "--format", "hxl", "--out", str(out), "--for",
                    "Synthetic Court", "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["rows"], result["redaction"], result["recipient"]) == (
        6, "full", "Synthetic Court")
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("#affected+code,")
    again = surplace("export", "persons", "--out", str(out), "--for", "Synthetic Court",
                     env=env)
    assert again.returncode == 1
    assert again.stderr.strip() == (
        "Error: --out: the file already exists; give --force to replace it.")
    assert str(out) not in again.stderr
    forced = surplace("export", "acts", "--out", str(out), "--for", "Synthetic Court",
                      "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert out.read_text(encoding="utf-8").startswith("act,incident,act_type")
    assert not any(value in forced.stderr + forced.stdout for value in office.secrets)
    for args, message in [
        (("persons", "--out", str(tmp_path / "a.csv")), "--for"),
        (("aggregate", "--of", "persons", "--by", "year,age", "--out", str(tmp_path / "a.csv")),
         "--by: 'age' is not one of"),
    ]:
        wrong = surplace("export", *args, env=env)
        assert wrong.returncode == 2, (args, wrong.stderr)
        assert message in wrong.stderr and "Traceback" not in wrong.stderr
    assert not (tmp_path / "a.csv").exists()


def test_an_analyst_gets_tables_only(unlocked: Unlocked, settings: Settings,
                                     tmp_path: Path) -> None:
    build(unlocked, persons=8)
    vault_service.add_user(unlocked, name="analyst-cli", role="analyst", passphrase=PASSPHRASE,
                           params=TEST_ARGON2)
    env = {**cli_env(settings), "SURPLACE_USER": "analyst-cli"}
    refused = surplace("export", "persons", "--out", str(tmp_path / "p.csv"), "--for",
                       "Synthetic Partner NGO", env=env)
    assert refused.returncode == 1
    assert "may not export persons" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "p.csv").exists()
    table = tmp_path / "acts.csv"
    done = surplace("export", "aggregate", "--of", "acts", "--by", "act_type,province",
                    "--threshold", "3", "--out", str(table), env=env)
    assert done.returncode == 0, done.stderr
    assert "cell(s) suppressed (threshold 3)" in done.stderr
    lines = table.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "act_type,province,count,suppressed"


def test_evidence_package_for_a_recipient(unlocked: Unlocked, settings: Settings,
                                          tmp_path: Path) -> None:
    office = build(unlocked, persons=4)
    case_number = next(iter(office.my_cases))
    exhibit = tmp_path / "exhibit.txt"
    exhibit.write_text("Synthetic testimony recording transcript.\n", encoding="utf-8")
    evidence_service.add_evidence(unlocked, path=exhibit, case=case_number)
    package = tmp_path / "package"
    done = surplace("export", "evidence", str(package), "--case", case_number, "--for",
                    "Synthetic Tribunal", "--json", env=cli_env(settings))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["items"]) == 1 and (package / "manifest.json").is_file()
    with unlocked.session() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "export", AuditEntry.object_type == "export")).one()
    assert entry.object_id == result["package_id"]
    assert json.loads(entry.detail or "{}") == {
        "kind": "evidence", "format": "package", "rows": 1, "redaction": "full",
        "recipient": "Synthetic Tribunal", "case": result["case_id"]}
