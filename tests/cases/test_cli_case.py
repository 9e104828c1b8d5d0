"""``surplace case`` end to end through the real command line, as a caseworker would use it:
sensitive fields from --input files (never options), results as JSON, refusals as one line."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from surplace.config import Settings
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.vault import service as vault_service
from surplace.vault.service import Unlocked
from tests.cases.conftest import table_digests
from tests.clirun import surplace
from tests.conftest import TEST_ARGON2, cli_env

WORKER_PASSPHRASE = "worker passphrase: not a secret"
TODAY = date.today()


def _people(unlocked: Unlocked) -> tuple[str, str]:
    with unlocked.session() as session:
        codes = [records_service.register_person(session, actor=unlocked.actor, data=PersonIn(
            names=[NameIn(full_name=name)], sex="F", birth_year=year)).pseudonym
            for name, year in (("Pyon Synthetic-ok", 1991), ("Pyon Synthetic-mi", 2016))]
    vault_service.add_user(unlocked, name="worker", role="caseworker",
                           passphrase=WORKER_PASSPHRASE, params=TEST_ARGON2)
    return codes[0], codes[1]


def _file(folder: Path, name: str, content: dict[str, Any]) -> str:
    path = folder / name
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return str(path)


class Cli:
    def __init__(self, settings: Settings) -> None:
        self.env = cli_env(settings)
        self.worker_env = {**self.env, "SURPLACE_USER": "worker",
                           "SURPLACE_PASSPHRASE": WORKER_PASSPHRASE}

    def run(self, *args: str, worker: bool = False) -> subprocess.CompletedProcess[str]:
        return surplace("case", *args, env=self.worker_env if worker else self.env, stdin="")

    def json(self, *args: str, worker: bool = False) -> Any:
        done = self.run(*args, "--json", worker=worker)
        assert done.returncode == 0, (args, done.stderr)
        return json.loads(done.stdout)


def test_every_case_command(unlocked: Unlocked, settings: Settings, tmp_path: Path) -> None:
    principal, child = _people(unlocked)
    cli = Cli(settings)
    opened = cli.json("open", "--principal", principal, "--language", "ko", "--need",
                      "survivor_of_torture", "--input", _file(tmp_path, "open.json", {
                          "summary": "Synthetic summary of the claim.",
                          "current_location": "Synthetic hideout Tumen-9",
                          "members": [{"person": child, "relationship": "daughter"}]}))
    number = opened["case_number"]
    assert re.fullmatch(r"SP-\d{4}-\d{6}", number) and opened["principal"] == principal
    shown = cli.json("show", number)
    assert shown["current_location"] == "Synthetic hideout Tumen-9"
    assert [m["pseudonym"] for m in shown["members"]] == [principal, child]
    assert cli.json("transition", number, "register")["to_status"] == "registered"
    assert cli.json("transition", number, "decide_processing", "--modality",
                    "regular")["modality"] == "regular"
    interview = cli.json("interview", number, "--language", "ko", "--duration", "80",
                         "--read-back", "--interpreter-undertaking", "--input", _file(
                             tmp_path, "interview.json", {
                                 "record": "Synthetic record.", "interpreter": "Synthetic",
                                 "facts": {"outside_dprk": True}}))
    assert interview["transition"] == "record_interview" and interview["read_back"] is True

    alert = cli.json("alert", "raise", number, "detained", "--input",
                     _file(tmp_path, "note.json", {"note": "Synthetic: held in Tumen."}))
    assert alert["accelerated"] is True and alert["priority"] == 1
    urgent = cli.json("list", "--urgent")
    assert urgent[0]["case_number"] == number and urgent[0]["risk"] == "critical"
    assert urgent[0]["processing"] == "accelerated"
    assert [a["id"] for a in cli.json("alert", "list")] == [alert["id"]]
    started = cli.json("intervention", "start", number, "legal_aid", "--body", "Synthetic Law",
                       "--alert", alert["id"])
    assert cli.json("intervention", "update", started["id"], "succeeded")["completed_on"] == (
        TODAY.isoformat())
    assert cli.json("alert", "resolve", alert["id"])["resolved_at"] is not None
    assert cli.json("assist", number, "food", "3", "--on", TODAY.isoformat())["unit"] == (
        "ration")
    totals = cli.json("totals", "--case", number)
    assert [(t["kind"], t["quantity"]) for t in totals] == [("food", 3.0)]

    consent = cli.json("consent", "record", number, "case_file")
    referral = cli.json("refer", number, "--to-org", "Synthetic Partner")
    assert referral["shares_identity"] is False
    package = json.dumps(cli.json("referral", "show", referral["id"])["package"],
                         ensure_ascii=False)
    assert principal in package and "Synthetic summary of the claim." in package
    assert "Pyon Synthetic" not in package and "Tumen-9" not in package
    assert cli.json("referral", "decline", referral["id"])["status"] == "declined"
    assert cli.json("consent", "withdraw", consent["id"])["withdrawn_on"] == TODAY.isoformat()

    # The worker cannot see the case until assigned; then works on it as themself.
    refused = cli.run("show", number, worker=True)
    assert refused.returncode == 1 and f"on case {number}" in refused.stderr
    assert cli.json("list", worker=True) == []
    assert cli.json("grant", number, "worker")["grant"]
    assert cli.json("show", number, worker=True)["case_number"] == number
    assert cli.json("grant", number, "worker", "--revoke")["revoked"] == 1
    assert cli.json("assign", number, "worker")["assigned"] is True
    assert [c["case_number"] for c in cli.json("list", "--mine", worker=True)] == [number]
    handed = cli.json("refer", number, "--to-user", "worker", "--transfer")
    incoming = cli.json("referral", "incoming", worker=True)
    assert [r["id"] for r in incoming] == [handed["id"]]
    assert cli.json("referral", "accept", handed["id"], worker=True)["status"] == "accepted"
    updated = cli.json("update", number, "--risk", "high", "--input",
                       _file(tmp_path, "reason.json", {"reason": "Synthetic: released."}),
                       worker=True)
    assert updated["risk"] == "high"
    assert cli.json("assign", number, "worker", "--end")["assigned"] is False

    entries = cli.json("timeline", number)
    kinds = {e["kind"] for e in entries}
    assert kinds >= {"transition", "interview", "alert", "alert_resolved", "intervention",
                     "assistance", "consent", "consent_withdrawn", "referral",
                     "referral_answered", "note"}
    assert [e["on"] for e in entries] == sorted(e["on"] for e in entries)
    # Without --json: tables on standard output, messages on standard error.
    table = cli.run("list")
    assert table.returncode == 0 and number in table.stdout and "1 case(s)" in table.stderr
    text = cli.run("timeline", number)
    assert text.returncode == 0 and "register" in text.stdout
    said = cli.run("transition", number, "return_for_interview", "--input",
                   _file(tmp_path, "return.json", {"reason": "Synthetic."}))
    assert said.returncode == 1 and "Cannot return for interview a case that is interviewed"\
        in said.stderr
    assert cli.run("show", number).returncode == 0


def _one_error_line(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == code, (done.returncode, done.stderr)
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "Traceback" not in done.stderr and not done.stdout.strip()
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_refusals_are_one_clear_line(unlocked: Unlocked, settings: Settings,
                                     tmp_path: Path) -> None:
    principal, _ = _people(unlocked)
    cli = Cli(settings)
    number = cli.json("open", "--principal", principal)["case_number"]
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    unchanged = {name for name in table_digests(unlocked.store)
                 if name not in ("audit_entry", "audit_head")}
    before = {k: v for k, v in table_digests(unlocked.store).items() if k in unchanged}
    for args, code, fragments in [
        (("transition", number, "register", "--on", "2026-13-01"), 2,
         ("--on: '2026-13-01' is not a date",)),
        (("transition", number, "register", "--on", tomorrow), 1,
         (f"{tomorrow} is in the future",)),
        (("transition", number, "decide"), 1,
         ("Cannot decide a case that is received: it must be reviewed",)),
        (("transition", number, "fly"), 1, ("There is no transition 'fly'",)),
        (("open", "--principal", principal, "--need", "pregancy"), 1,
         ("'pregancy' is not a known specific need; did you mean pregnancy",)),
        (("open",), 2, ("Give --principal",)),
        (("assign", number, "ghost"), 1, ("Unknown caseworker 'ghost'",)),
        (("show", "SP-1999-000001"), 1, ("No case 'SP-1999-000001'",)),
        (("alert", "raise", number, "detaned"), 1, ("did you mean detained",)),
        (("alert", "raise", number, "detained", "--deadline", "2026-12-01T10:00"), 2,
         ("has no time zone",)),
        (("alert", "resolve", "no-such-alert"), 1, ("No alert 'no-such-alert'",)),
        (("assist", number, "food", "0"), 1, ("quantity",)),
        (("interview", number, "--input", str(tmp_path / "absent.json")), 2,
         ("--input: cannot read",)),
        (("interview", number, "--interviewer", "nobody"), 1, ("Unknown caseworker 'nobody'",)),
        (("refer", number), 1, ("exactly one recipient",)),
        (("list", "--status", "decidd"), 1, ("did you mean decided",)),
    ]:
        _one_error_line(cli.run(*args), code, *fragments)
    after = {k: v for k, v in table_digests(unlocked.store).items() if k in unchanged}
    assert after == before
    # A caseworker not assigned to the case is refused by the policy, naming the case only.
    refused = cli.run("show", number, worker=True)
    _one_error_line(refused, 1, "may not case read on case", number)
