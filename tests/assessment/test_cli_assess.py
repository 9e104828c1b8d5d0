"""``surplace assess`` run as a user would: no store, no passphrase, one clear line on errors."""

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


def test_table_and_draft_files(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(ORDINARY))
    for name in ("draft.md", "draft.html"):
        done = surplace("assess", "--facts", str(facts), "--jurisdiction", "uk",
                        "--out", str(tmp_path / name), env={})
        assert done.returncode == 0, done.stderr
        assert "refugee_status" in done.stdout and "undetermined" in done.stdout
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "unverified" in text and "jurisdiction uk" in text


def test_bad_facts_give_one_clear_line(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"dprk_nationl": True}))
    done = surplace("assess", "--facts", str(facts), env={})
    assert done.returncode == 1
    assert "did you mean dprk_national" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors(tmp_path: Path) -> None:
    assert surplace("assess", "--case", "c1", env={}).returncode == 2
    assert "case service" in surplace("assess", "--case", "c1", env={}).stderr
    missing = surplace("assess", "--facts", str(tmp_path / "none.json"), env={})
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    facts = tmp_path / "facts.json"
    facts.write_text("{}")
    bad_date = surplace("assess", "--facts", str(facts), "--as-of", "soon", env={})
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    bad_jur = surplace("assess", "--facts", str(facts), "--jurisdiction", "mars", env={})
    assert bad_jur.returncode == 2
