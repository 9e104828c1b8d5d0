"""``surplace report`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.clirun import surplace
from tests.conftest import cli_env
from tests.reports.conftest import Built


def test_report_command_writes_both_files_with_progress(built: Built, tmp_path: Path) -> None:
    env = cli_env(built.settings)
    done = surplace("report", "--out", str(tmp_path / "out"), "--period", "2019-2024",
                    "--region", "CN-22", "--language", "ko", "--threshold", "5", "--json",
                    env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert (made["language"], made["region"], made["period"]) == ("ko", "CN-JL", "2019-2024")
    assert Path(made["html"]).is_file() and Path(made["pdf"]).is_file()
    assert "Writing PDF" in done.stderr or "Report written" in done.stderr  # Rich progress
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "surplace-report-ko.html", "surplace-report-ko.pdf"]


def test_report_command_usage_errors(built: Built, tmp_path: Path) -> None:
    env = cli_env(built.settings)
    bad_period = surplace("report", "--out", str(tmp_path), "--period", "20x", env=env)
    assert bad_period.returncode == 2
    assert bad_period.stderr.strip() == ("Error: --period: '20x' is not a year or a span of "
                                         "years such as 2005-2020.")
    bad_region = surplace("report", "--out", str(tmp_path / "r"), "--region", "Atlantis",
                          env=env)
    assert bad_region.returncode == 1 and "region: the place given is not in the gazetteer" in \
        bad_region.stderr
    assert "Traceback" not in bad_period.stderr + bad_region.stderr
    assert not (tmp_path / "r").exists()
