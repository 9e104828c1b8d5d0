"""``surplace estimate`` as a user runs it: table, JSON, figures, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from surplace.config import Settings
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import cli_env
from tests.estimation.conftest import DATA
from tests.linkage.test_histories import Store

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


def test_from_store_counts_linked_persons(unlocked: Unlocked, settings: Settings) -> None:
    store = Store(unlocked)
    for year, a_only, b_only, both in ((2019, 30, 20, 10), (2020, 15, 25, 5)):
        for sources in [("A",)] * a_only + [("B",)] * b_only + [("A", "B")] * both:
            store.person(*((code, year, None, None) for code in sources))
    store.person(("C", 2019, None, None))  # on a list left out by --sources
    run = surplace("estimate", "--from-store", "persons", "--sources", "A,B", "--strata",
                   "year", "--method", "lincoln", "--json", env=cli_env(settings))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["source"] == "store: persons"
    chapman = {r["stratum"]: r for r in report["results"] if r["method"] == "chapman"}
    assert chapman["year=2019"]["observed"] == 60 and chapman["year=2020"]["observed"] == 45
    assert chapman["year=2019"]["estimate"] == pytest.approx(41 * 31 / 11 - 1)
    assert chapman["year=2020"]["estimate"] == pytest.approx(21 * 31 / 6 - 1)
    assert chapman["total"]["observed"] == 105


@pytest.mark.parametrize(("args", "message"), [
    ((), "Give a FILE of capture histories, or --from-store persons"),
    (("kosovo.csv", "--from-store", "persons"), "Give a FILE or --from-store, not both"),
    (("--from-store", "persons", "--lists", "A,B"), "with --from-store, choose lists with "
                                                     "--sources"),
    (("kosovo.csv", "--sources", "A,B"), "--sources goes with --from-store"),
])
def test_file_or_store_is_a_usage_error_otherwise(tmp_path: Path, args: tuple[str, ...],
                                                  message: str) -> None:
    run = surplace("estimate", *args, env={"SURPLACE_STORE": str(tmp_path)})
    assert run.returncode == 2 and message in run.stderr
    assert "Traceback" not in run.stderr
