"""``surplace estimate`` as a user runs it: table, JSON, figures, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import surplace
from tests.estimation.conftest import DATA

pytestmark = pytest.mark.xdist_group("lcmcr")
QUICK = ["--burnin", "200", "--samples", "40", "--thinning", "5", "--chains", "2"]


def test_table_by_default(tmp_path: Path) -> None:
    run = surplace("estimate", str(DATA / "kosovo_1999_4lists.csv"), "--seed", "1", *QUICK,
                   env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    for words in ("4,400 people seen", "Chao lower bound", "Log-linear Mt", "7,395",
                  "dga: graphical-model averaging", "12,595", "LCMCR: latent classes",
                  "Log-linear model chosen: EXH*ABA", "Seed 1"):
        assert words in run.stdout
    assert "LCMCR sampler" in run.stderr  # the progress bar is on standard error


def test_json_and_figures(tmp_path: Path) -> None:
    figures = tmp_path / "figures"
    run = surplace("estimate", str(DATA / "spina_bifida_ny_3lists_by_ethnicity.csv"),
                   "--strata", "eth", "--method", "all", "--seed", "4", "--json", "--plot",
                   str(figures), *QUICK, env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    totals = [r for r in report["results"] if r["stratum"] == "total"]
    assert {r["method"] for r in totals} >= {"chao", "dga", "lcmcr"}
    assert all(r["observed"] == 621 for r in totals)
    names = {p.name for p in figures.iterdir()}
    assert {"overlaps-1.png", "posterior-total.png", "ranking-loglinear-1.png"} <= names
    assert all((figures / name).read_bytes()[:4] == b"\x89PNG" for name in names)


def test_two_lists_by_name(tmp_path: Path) -> None:
    run = surplace("estimate", str(DATA / "kosovo_1999_4lists.csv"), "--lists", "EXH,HRW",
                   "--method", "lincoln", "--json", env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)["results"]
    assert results[0]["method"] == "lincoln-petersen"
    assert results[0]["estimate"] == pytest.approx(1910 * 685 / 193)


# (every bad-input path is tested on the library in test_histories.py; here, that the
# command turns them into one line and exit code 1)
@pytest.mark.parametrize(("text", "message"), [
    ("A,B,count\n1,0,3\n0,3,1\n", "List column 'B', line 3: '3' is not 0 or 1"),
    ("", "is empty"),
])
def test_bad_input_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    run = surplace("estimate", str(path), env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 1
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_missing_file_and_unknown_method(tmp_path: Path) -> None:
    run = surplace("estimate", str(tmp_path / "absent.csv"),
                   env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 2 and "does not exist" in run.stderr
    run = surplace("estimate", str(DATA / "kosovo_1999_4lists.csv"), "--method", "magic",
                   env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 2


def test_missing_list_names_the_column(tmp_path: Path) -> None:
    run = surplace("estimate", str(DATA / "kosovo_1999_4lists.csv"), "--lists", "EXH,UN",
                   env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 1 and "No list column 'UN'" in run.stderr
