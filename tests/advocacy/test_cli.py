"""``surplace recommendation`` through the real command line, on synthetic data."""

from __future__ import annotations

import json
from typing import Any

from surplace.config import Settings
from tests.advocacy.conftest import Office
from tests.clirun import surplace
from tests.conftest import cli_env


def _json(env: dict[str, str], *args: str) -> Any:
    done = surplace("recommendation", *args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_add_judge_attach_show_indicators(office: Office, settings: Settings) -> None:
    with office.unlocked.session() as session:
        act_id = office.document(session, 0, "forced_return", "2016-03-04")
    env = cli_env(settings)
    added = _json(env, "add", "SYN-1", "--addressee", "Synthetic Government", "--issuer",
                  "Synthetic NGO", "--date", "2015-06-15", "--text", "Stop synthetic returns.")
    assert added["status"] is None
    judged = _json(env, "status", "syn-1", "not_implemented", "--reason",
                   "A synthetic return in 2016.")
    assert judged["label"] == "not implemented" and judged["judged_by_name"] == "admin"
    attached = _json(env, "evidence", "SYN-1", "act", act_id, "--note", "the 2016 return")
    assert attached["object_id"] == act_id
    shown = _json(env, "show", "SYN-1")
    assert [s["reason"] for s in shown["history"]] == ["A synthetic return in 2016."]
    assert shown["evidence_list"][0]["note"] == "the 2016 return"
    found = _json(env, "indicators", "SYN-1", "--indicator", "forced_returns")
    assert [(i["code"], i["value"]) for i in found["indicators"]] == [("forced_returns", 1)]
    table = surplace("recommendation", "list", env=env)
    assert table.returncode == 0 and "SYN-1" in table.stdout and "implemented" in table.stdout


def test_errors_are_one_line(office: Office, settings: Settings) -> None:
    env = cli_env(settings)
    missing = surplace("recommendation", "status", "NOPE-1", "implemented", "--reason", "x",
                       env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == ("Error: No recommendation 'NOPE-1'; 'surplace "
                                      "recommendation list' shows the codes.")
    loaded = _json(env, "load")
    assert loaded["added"] == ["HRW-2013-1", "HRW-2013-2", "HRW-2013-3", "HRW-2013-4"]
    no_reason = surplace("recommendation", "status", "HRW-2013-1", "implemented", env=env)
    assert no_reason.returncode == 2 and "needs its reason" in no_reason.stderr
    bad_evidence = surplace("recommendation", "evidence", "HRW-2013-1", "act", "nope", env=env)
    assert bad_evidence.returncode == 1
    assert bad_evidence.stderr.strip() == "Error: No act 'nope' to attach as evidence."
    assert "Traceback" not in missing.stderr + no_reason.stderr + bad_evidence.stderr
