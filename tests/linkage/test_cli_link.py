"""``surplace link`` as a user runs it: files in, clusters out, one clear line for bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from surplace.cli.common import UsageProblem
from surplace.cli.link_files import _roles
from surplace.linkage.simulate import simulate
from tests.clirun import surplace

COLUMNS = ["--column", "id=record_id", "--column", "source=source", "--column", "name=name",
           "--column", "family_name=family_name", "--column", "given_name=given_name",
           "--column", "sex=sex", "--column", "birth=birth", "--column", "origin=origin"]


def _lists(tmp_path: Path) -> list[str]:
    records = simulate(80, seed=4).records
    paths = []
    for half, part in enumerate((records.iloc[::2], records.iloc[1::2])):
        path = tmp_path / f"list{half}.csv"
        part.to_csv(path, index=False)
        paths.append(str(path))
    return paths


def test_links_two_files_and_writes_one_row_per_record(tmp_path: Path) -> None:
    out = tmp_path / "clusters.csv"
    result = surplace("link", *_lists(tmp_path), *COLUMNS, "--out", str(out), "--json",
                      env={})
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["record_id", "cluster_id", "match_probability_to_cluster"]
    assert len(rows) == summary["records"]
    assert len({row["cluster_id"] for row in rows}) == summary["persons"] < len(rows)
    assert "≥0.99" in summary["pairs_by_band"]


def test_table_output_and_default_source(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("nm,dob\nKIM CHOL SU,1985-03-02\n김철수,1985-03-02\nRi Sun Hui,1990\n",
                    encoding="utf-8")
    out = tmp_path / "out.csv"
    result = surplace("link", str(path), "--column", "name=nm", "--column", "birth=dob",
                      "--out", str(out), env={})
    assert result.returncode == 0, result.stderr
    assert "3 records" in result.stdout and "persons" in result.stdout
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("a.csv:2,")


def _error(result: object) -> str:
    stderr = getattr(result, "stderr", "")
    lines = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "a.csv: the file is empty"),
    (b"id,name\n", "a.csv: the file has a header but no records"),
    (b"id,name\n1,Kim Chol Su\n2,Ri Sun Hui\n1,Pak Yong Ho\n",
     "a.csv, row 4, column 'id': record id '1' is already used (a.csv, row 2)"),
    (b"id,name\n1,Kim Chol Su\n2,\xff\xfe\n", "a.csv, row 3, column 'name': not UTF-8 text"),
    (b"id,full\n1,Kim Chol Su\n", "a.csv: no column 'name' (for role name)"),
])
def test_bad_input_gets_one_line_naming_file_row_and_column(
        tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    result = surplace("link", str(path), "--column", "id=id", "--column", "name=name",
                      "--out", str(tmp_path / "out.csv"), env={})
    assert result.returncode == 1
    assert message in _error(result)
    assert "Kim" not in result.stderr and not (tmp_path / "out.csv").exists()


def test_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("nm,dob\nKim Chol Su,1985\n", encoding="utf-8")
    result = surplace("link", str(path), "--column", "nickname=nm", "--out",
                      str(tmp_path / "o.csv"), env={})
    assert result.returncode == 2
    assert "unknown role 'nickname'" in _error(result)


@pytest.mark.parametrize(("spec", "message"), [
    ("name", "write ROLE=COLUMN"),
    ("birth=dob", "give a name role"),
])
def test_malformed_column_options(spec: str, message: str) -> None:
    with pytest.raises(UsageProblem, match=message):
        _roles([spec])
