"""``surplace assess --facts`` run as a user would: no store, no passphrase, one clear line on
errors. Assessing stored cases through the command line is in ``test_cli_store``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.assessment.conftest import ORDINARY
from tests.clirun import surplace

VIGNETTES = Path(__file__).parent / "vignettes"


def test_json_output_on_a_vignette_file() -> None:
    done = surplace("assess", "--facts", str(VIGNETTES / "border_guard_officer.toml"),
                    "--as-of", "2026-11-01", "--json", env={})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["conclusions"] == {"refugee_status": "not_established",
                                   "non_refoulement": "established",
                                   "complementary_protection": "established"}
    assert data["refugee_status"]["defeated_by"] == "exclusion_1f"
    assert data["notice"].startswith("DRAFT")


def test_table_and_draft_files_from_json_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "facts.json").write_text(json.dumps(ORDINARY))
    # YAML as a caseworker would write it: a facts table, a bare date, yes/no as true/false.
    (tmp_path / "facts.yaml").write_text("facts:\n" + "".join(
        f"  {key}: {json.dumps(value)}\n" for key, value in ORDINARY.items())
        + "  date_left_dprk: 2019-03-01\n", encoding="utf-8")
    for source, name in (("facts.json", "draft.md"), ("facts.yaml", "draft.html")):
        done = surplace("assess", "--facts", str(tmp_path / source), "--jurisdiction", "uk",
                        "--out", str(tmp_path / name), env={})
        assert done.returncode == 0, done.stderr
        assert "refugee_status" in done.stdout and "undetermined" in done.stdout
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "unverified" in text and "jurisdiction uk" in text
    assert "— 2019-03-01" in (tmp_path / "draft.html").read_text(encoding="utf-8")


def test_bad_facts_give_one_clear_line(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"dprk_nationl": True}))
    done = surplace("assess", "--facts", str(facts), env={})
    assert done.returncode == 1
    assert "did you mean dprk_national" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors(tmp_path: Path) -> None:
    both = surplace("assess", "--case", "c1", "--facts", "f.json", env={})
    assert both.returncode == 2 and "either --facts FILE" in both.stderr
    missing = surplace("assess", "--facts", str(tmp_path / "none.json"), env={})
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    facts = tmp_path / "facts.json"
    facts.write_text("{}")
    bad_date = surplace("assess", "--facts", str(facts), "--as-of", "soon", env={})
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    bad_jur = surplace("assess", "--facts", str(facts), "--jurisdiction", "mars", env={})
    assert bad_jur.returncode == 2
