"""The person commands end to end, through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from surplace.config import Settings
from tests.clirun import surplace
from tests.conftest import cli_env


def test_init_add_find_show(settings: Settings, tmp_path: Path) -> None:
    env = cli_env(settings)
    done = surplace("init", env=env)
    assert done.returncode == 0, done.stderr
    added = surplace("person", "add", "--name", "림금향", "--script", "hangul", "--sex", "F",
                     "--birth-date", "1986-07-30", "--origin-province", "KP-09",
                     "--origin-place", "Synthetic Onsong ward", "--json", env=env)
    assert added.returncode == 0, added.stderr
    pseudonym = json.loads(added.stdout)["pseudonym"]
    found = surplace("person", "find", "--name", "림금향", "--json", env=env)
    assert [p["pseudonym"] for p in json.loads(found.stdout)] == [pseudonym]
    shown = json.loads(surplace("person", "show", pseudonym, "--json", env=env).stdout)
    assert shown["origin_place"] == "Synthetic Onsong ward"
    assert shown["birth_date"] == "1986-07-30"
    log = json.loads(surplace("audit", "log", "--action", "read", "--json", env=env).stdout)
    assert {entry["field"] for entry in log} >= {"origin_place", "birth_date", "full_name"}
    assert all("림금향" not in json.dumps(entry, ensure_ascii=False) for entry in log)


def test_import_is_all_or_nothing(settings: Settings, tmp_path: Path) -> None:
    env = cli_env(settings)
    assert surplace("init", env=env).returncode == 0
    lines = [json.dumps({"names": [{"full_name": f"Synthetic {i}"}], "sex": "F"})
             for i in range(5)]
    lines.insert(3, json.dumps({"names": [{"full_name": "Synthetic bad"}], "sex": "Q"}))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = surplace("person", "import", str(bad), env=env)
    assert refused.returncode == 2
    assert "line 4" in refused.stderr and "sex" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert json.loads(surplace("person", "find", "--name", "Synthetic 0", "--json",
                               env=env).stdout) == []
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(lines[:3] + lines[4:]) + "\n", encoding="utf-8")
    imported = surplace("person", "import", str(good), "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == {"imported": 5}


def test_demo_builds_a_store_and_refuses_to_replace_a_real_one(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "DEMO-STORE").write_text("an earlier demo\n", encoding="utf-8")
    (folder / "left-over.txt").write_text("from the earlier demo\n", encoding="utf-8")
    env = {"SURPLACE_STORE": str(folder), "SURPLACE_ARGON2_TIME_COST": "1"}
    built = surplace("demo", "--persons", "150", "--cases", "3", "--acts", "20", "--json",
                     env=env, timeout=600)
    assert built.returncode == 0, built.stderr
    summary = json.loads(built.stdout)
    assert not (folder / "left-over.txt").exists()  # the earlier demo was replaced
    assert summary["imported"] > 0 and summary["rejected"] > 0
    assert summary["cases"]["opened"] == 3 and summary["audit"]["intact"] is True
    assert {e["stratum"] for e in summary["estimates"] if e["subject"] == "persons"}
    assert all((folder / report).is_file() for report in summary["reports"])
    assert "Linking records into persons" in built.stderr  # progress, on standard error
    demo_env = {**env, "SURPLACE_PASSPHRASE": "surplace demo passphrase"}
    listed = surplace("case", "list", "--json", env={**demo_env, "SURPLACE_USER": "caseworker"})
    assert len(json.loads(listed.stdout)) == 3
    counted = json.loads(surplace("incident", "count", "--json", env=demo_env).stdout)
    assert 0 < counted["total"] <= 20
    real = tmp_path / "real"
    real_env = {"SURPLACE_STORE": str(real), "SURPLACE_ARGON2_TIME_COST": "1",
                "SURPLACE_PASSPHRASE": "a real passphrase"}
    assert surplace("init", env=real_env).returncode == 0
    refused = surplace("demo", env={**real_env})
    assert refused.returncode == 2 and "not a demo store" in refused.stderr
    assert (real / "store.sqlite3").exists()
    other = tmp_path / "papers"
    other.mkdir()
    (other / "notes.txt").write_text("not a store\n", encoding="utf-8")
    refused = surplace("demo", env={"SURPLACE_STORE": str(other)})
    assert refused.returncode == 2 and (other / "notes.txt").exists()
