"""The incident commands end to end, through the real command line, on synthetic data."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from surplace.config import Settings
from surplace.vault import service as vault_service
from tests.clirun import surplace
from tests.conftest import PASSPHRASE, TEST_ARGON2, cli_env
from tests.incidents.conftest import SECRET_NAMES, Office


def _json(env: dict[str, str], *args: str) -> Any:
    done = surplace("incident", *args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_incident_act_perpetrator_chain_show_list_status_intervene(
        office: Office, settings: Settings) -> None:
    env = cli_env(settings)
    kum = office.people["kum"]
    incident = _json(env, "add", "--title", "Synthetic round-up", "--start-date", "2024-04-20",
                     "--place", "Jilin")
    arrest = _json(env, "act", "add", "--type", "arrest", "--victim", kum, "--incident",
                   incident["id"], "--date", "2024-04-20", "--place", "CN-JL",
                   "--detention-kind", "cn_police_cell", "--no-legal-counsel",
                   "--source", "NGO-A", "--connection", "witness", "--credibility", "2")
    assert arrest["documented"] is True
    assert arrest["information"][0]["grade"] == "B2"
    returned = _json(env, "act", "add", "--type", "forced_return", "--victim", kum,
                     "--incident", incident["id"], "--date", "2024-04-26", "--place", "KP-09",
                     "--handed-to", "kp_mss", "--perpetrator", "cn_border_police",
                     "--degree", "direct_perpetrator")
    assert returned["documented"] is False
    involvement = _json(env, "act", "perpetrator", returned["id"], "--person",
                        office.people["officer"], "--degree", "ordered")
    assert involvement["person"] == office.people["officer"]
    chain = _json(env, "act", "chain", arrest["id"], returned["id"], "--relation",
                  "handed_over")
    assert chain["relation"] == "handed_over"
    act = surplace("incident", "act", "show", returned["id"], env=env)
    assert act.returncode == 0 and "kp_mss" in act.stdout
    intervention = _json(env, "intervene", incident["id"], "--kind", "urgent_appeal",
                         "--date", "2024-04-27", "--body", "Synthetic NGO")
    assert intervention["kind"] == "urgent_appeal"
    shown = _json(env, "show", incident["id"])
    assert shown["title"] == "Synthetic round-up" and shown["place"] == "CN-JL"
    assert [a["act_type"] for a in shown["act_list"]] == ["arrest", "forced_return"]
    assert {p["unit"] for p in shown["act_list"][1]["involvements"]} == {
        "cn_border_police", None}
    assert shown["interventions"][0]["acting_body"] == "Synthetic NGO"
    status = surplace("incident", "status", incident["id"], "investigating", env=env)
    assert status.returncode == 0, status.stderr
    listed = _json(env, "list", "--status", "investigating")
    assert [i["id"] for i in listed] == [incident["id"]]


def test_claims_review_queue_and_counts(office: Office, settings: Settings) -> None:
    env = cli_env(settings)
    kum = office.people["kum"]
    with office.unlocked.session() as session:
        from surplace.incidents import claims

        first = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26", place="CN-JL")).model_dump()
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-C", "kum", date="2023-10-09", place="CN-LN", connection="hearsay"))
    base = ["claim", "add", "--victim", kum, "--type", "forced_return"]
    second = _json(env, *base, "--source", "NGO-B", "--connection", "relative",
                   "--date", "2024-04-28", "--place", "CN-JL")
    vague = _json(env, *base, "--source", "NGO-C", "--connection", "hearsay",
                  "--date", "2024-01-01", "--precision", "year")
    assert [second["outcome"], vague["outcome"]] == ["linked", "pending"]
    assert second["act_id"] == first["act_id"]
    queue = _json(env, "link")
    assert [c["information_id"] for c in queue] == [vague["information_id"]]
    candidate = queue[0]["id"]
    assert _json(env, "link", "--accept", candidate)["act_id"] == first["act_id"]
    assert _json(env, "link", "--undo", candidate)["outcome"] == "pending"
    assert _json(env, "link", "--reject", candidate, "--reason", "other year")["outcome"] == "new"
    both = surplace("incident", "link", "--accept", candidate, "--reject", candidate, env=env)
    assert both.returncode == 2
    counted = _json(env, "count", "--by", "type,year")
    assert counted["total"] == 3
    assert {(r["key"]["year"], r["acts"]) for r in counted["rows"]} == {("2024", 2),
                                                                         ("2023", 1)}
    strict = _json(env, "count", "--min-reliability", "C", "--max-credibility", "6")
    assert strict["total"] == 1  # NGO-C is graded E: only the return NGO-A and NGO-B saw
    table = surplace("incident", "count", "--by", "province", "--show-acts", env=env)
    assert table.returncode == 0 and "CN-JL" in table.stdout and first["act_id"] in table.stdout


def test_claim_files_are_all_or_nothing(office: Office, settings: Settings,
                                        tmp_path: Path) -> None:
    env = cli_env(settings)
    kum, chol = office.people["kum"], office.people["chol"]
    rows = [office.claim("NGO-A", "kum", date="2024-04-26", place="CN-JL"),
            office.claim("NGO-B", "kum", date="2024-04-27", place="CN-JL"),
            office.claim("NGO-A", "chol", act_type="arrest", date="2021-06-01",
                         date_precision="month", place="CN-LN",
                         perpetrators=[{"unit": "cn_psb", "degree": "direct_perpetrator"}])]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([json.dumps(rows[0]), "{not json",
                              json.dumps(rows[1] | {"act_type": "forced_retrun"}),
                              json.dumps(rows[2] | {"source": "NGO-Q"})]) + "\n",
                   encoding="utf-8")
    refused = surplace("incident", "claims", "add-file", str(bad), env=env)
    assert refused.returncode == 1, refused.stderr
    for expected in ("line 2: not valid JSON", "line 3: act_type: 'forced_retrun'",
                     "did you mean forced_return", "line 4: source: no source 'NGO-Q'",
                     "3 row(s) of bad.jsonl are wrong; nothing was added"):
        assert expected in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _json(env, "list") == []
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    added = _json(env, "claim", "add-file", str(good))
    assert (added["added"], added["new"], added["linked"], added["pending"]) == (3, 2, 1, 0)
    table = tmp_path / "more.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "victim", "act_type", "date", "place", "connection",
                         "credibility", "perpetrator_unit", "perpetrator_degree"])
        writer.writerow(["NGO-C", chol, "arrest", "2021-06-15", "CN-LN", "witness", "3",
                         "cn_psb", "direct_perpetrator"])
        writer.writerow(["NGO-C", kum, "torture", "2024-05-10", "KP-09", "victim", "2", "", ""])
    from_csv = _json(env, "claims", "add-file", str(table))
    assert [c["outcome"] for c in from_csv["claims"]] == ["linked", "new"]
    by_unit = _json(env, "count", "--by", "perpetrator")
    assert {r["key"]["perpetrator"]: r["acts"] for r in by_unit["rows"]} == {
        "cn_psb": 1, "unknown": 2}
    wrong_header = tmp_path / "wrong.csv"
    wrong_header.write_text("source,victim,colour\nNGO-A,x,red\n", encoding="utf-8")
    refused = surplace("incident", "claims", "add-file", str(wrong_header), env=env)
    assert refused.returncode == 1 and "line 1: unknown column(s) 'colour'" in refused.stderr


def test_histories_feed_estimate_and_export_redacts_by_role(
        office: Office, settings: Settings, tmp_path: Path) -> None:
    with office.unlocked.session() as session:
        from surplace.incidents import claims

        for victim, day in (("kum", "2024-04-26"), ("chol", "2023-02-11")):
            for source in ("NGO-A", "NGO-B"):
                claims.add_claim(session, actor=office.admin, data=office.claim(
                    source, victim, date=day, place="CN-JL"))
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "officer", date="2022-09-01", place="CN-LN"))
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-B", "kum", date="2021-01-05", place="CN-LN"))
    vault_service.add_user(office.unlocked, name="researcher", role="researcher",
                           passphrase=PASSPHRASE, params=TEST_ARGON2)
    env = cli_env(settings)
    histories = tmp_path / "histories.csv"
    done = surplace("incident", "histories", "--output", str(histories), env=env)
    assert done.returncode == 0, done.stderr
    assert histories.read_text(encoding="utf-8").splitlines()[0] == "NGO-A,NGO-B,count"
    estimated = surplace("estimate", str(histories), "--method", "lincoln", "--json", env=env)
    assert estimated.returncode == 0, estimated.stderr
    chapman = json.loads(estimated.stdout)["results"][1]
    assert chapman["method"] == "chapman" and chapman["estimate"] >= 4
    as_researcher = {**env, "SURPLACE_USER": "researcher"}
    exported = surplace("incident", "export", "--format", "esf-json", env=as_researcher)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["identities"] == "pseudonyms only"
    assert all(name not in exported.stdout for name in SECRET_NAMES)
    assert office.people["kum"] in exported.stdout
    folder = tmp_path / "esf"
    done = surplace("incident", "export", "--format", "esf-csv", "--output", str(folder),
                    env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.csv" for name in document["records"])
    assert "Synthetic Pang Kum-sun" in (folder / "person.csv").read_text(encoding="utf-8")
    again = surplace("incident", "export", "--format", "esf-csv", "--output", str(folder),
                     env=env)
    assert again.returncode == 2 and "not empty" in again.stderr


def test_bad_input_is_one_clear_line(office: Office, settings: Settings) -> None:
    env = cli_env(settings)
    for args, message in [  # every refusal is tested on the service in test_bad_input.py
        (["act", "add", "--type", "forced_retrun", "--victim", office.people["kum"]],
         "act_type: 'forced_retrun' is not a known act type; did you mean forced_return"),
        (["claim", "add", "--source", "NGO-Z", "--victim", office.people["kum"], "--type",
          "arrest", "--connection", "witness"], "source: no source 'NGO-Z'"),
        (["show", "no-such-incident"], "No incident 'no-such-incident'"),
    ]:
        done = surplace("incident", *args, env=env)
        assert done.returncode == 1, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
