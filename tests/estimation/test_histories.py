"""Reading capture histories, and every way a table can be wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surplace.errors import InvalidInput
from surplace.estimation import exceptions as ex
from surplace.estimation.histories import (
    CaptureHistories,
    histories_from_frame,
    read_csv,
    strata_from_frame,
)
from tests.estimation.conftest import DATA, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lists.csv"
    path.write_text(text, encoding="utf-8")
    return path


def read(tmp_path: Path, text: str, **kwargs: object) -> CaptureHistories:
    return histories_from_frame(read_csv(write(tmp_path, text)), **kwargs)  # type: ignore[arg-type]


def test_aggregated_table() -> None:
    h = load("kosovo_1999_4lists")
    assert h.lists == ("EXH", "ABA", "OSCE", "HRW")
    assert h.n == 4400
    assert h.list_totals() == {"EXH": 1910, "ABA": 1528, "OSCE": 1786, "HRW": 685}
    assert h.times_seen().tolist() == [0, 3218, 882, 273, 27]
    assert h.cell_counts()[0] == 0 and h.cell_counts().sum() == 4400


def test_one_row_per_person_equals_aggregated(tmp_path: Path) -> None:
    rows = "A,B,C\n" + "1,0,0\n" * 3 + "1,1,0\n" * 2 + "0,0,1\n"
    individual = read(tmp_path, rows)
    aggregated = CaptureHistories.from_patterns(
        ["A", "B", "C"], [[1, 0, 0], [1, 1, 0], [0, 0, 1]], [3, 2, 1])
    assert individual.n == 6
    assert np.array_equal(individual.cell_counts(), aggregated.cell_counts())


def test_lists_by_name_and_explicit_count(tmp_path: Path) -> None:
    h = read(tmp_path, "id,A,B,C,people\nx,1,0,1,4\ny,0,1,0,2\n",
             lists=["A", "C"], count_column="people")
    assert h.lists == ("A", "C") and h.n == 4  # the person only on B is on neither


def test_repeated_patterns_add_and_zero_counts_drop(tmp_path: Path) -> None:
    h = read(tmp_path, "A,B,count\n1,0,2\n1,0,3\n0,1,0\n1,1,1\n")
    assert h.n == 6 and len(h.counts) == 2


def test_strata(tmp_path: Path) -> None:
    frame = read_csv(DATA / "spina_bifida_ny_3lists_by_ethnicity.csv")
    strata = strata_from_frame(frame, strata=["eth"])
    assert [g.label for g in strata.groups] == [
        "eth=afro-american", "eth=caucasian", "eth=other"]
    assert strata.n == 621 and strata.lists == ("birth_cert", "death_cert", "med_rehab")


def test_subset_collapses_lists() -> None:
    pair = load("kosovo_1999_4lists").subset(["EXH", "HRW"])
    assert pair.list_totals() == {"EXH": 1910, "HRW": 685}
    assert int(pair.overlaps()[0, 1]) == 193


def test_structural_zeros_declared(tmp_path: Path) -> None:
    h = read(tmp_path, "A,B,C,count\n1,0,0,5\n0,1,0,4\n1,1,0,2\n0,0,1,3\n0,1,1,1\n",
             structural_zeros=[["A", "C"]])
    assert h.structural_zeros == (0b101,)
    assert h.subset(["A", "C"]).structural_zeros == ()  # A+C+B can still occur


@pytest.mark.parametrize(("text", "error", "words"), [
    ("A,B,count\n1,0,3\n2,1,4\n", ex.NotBinary, ["'A'", "line 3", "'2'"]),
    ("A,B,count\n1,0,3\n1,yes,4\n", ex.NotBinary, ["'B'", "line 3", "'yes'"]),
    ("A,B,count\n1,0,3\n0,1,-4\n", ex.BadCount, ["'count'", "line 3", "negative"]),
    ("A,B,count\n1,0,3.5\n", ex.BadCount, ["'count'", "line 2", "fractional"]),
    ("A,B,count\n1,0,\n", ex.BadCount, ["line 2", "missing"]),
    ("A,B,count\n1,0,many\n", ex.BadCount, ["line 2", "not a number"]),
    ("A,count\n1,3\n", ex.TooFewLists, ["at least two lists"]),
    ("A,B,count\n", ex.EmptyTable, ["no rows"]),
    ("A,B,count\n1,0,0\n0,1,0\n", ex.EmptyTable, ["nobody"]),
    ("A,B,count\n1,0,3\n0,0,2\n", ex.UnseenCell, ["Line 3"]),
])
def test_bad_tables(tmp_path: Path, text: str, error: type[Exception], words: list[str]) -> None:
    with pytest.raises(error) as caught:
        read(tmp_path, text)
    assert isinstance(caught.value, InvalidInput)
    for word in words:
        assert word in str(caught.value)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ex.EmptyTable, match="empty"):
        read_csv(write(tmp_path, ""))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ex.HistoriesError, match="No file"):
        read_csv(tmp_path / "absent.csv")


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"lists": ["A", "Z"]}, ["list column 'Z'", "A, B, count"]),
    ({"count_column": "freq"}, ["count column 'freq'"]),
    ({"lists": ["A", "count"]}, ["both a list and the count"]),
    ({"structural_zeros": [["A", "Q"]]}, ["'Q'", "not a list"]),
    ({"structural_zeros": [["A"]]}, ["declared a structural zero", "3 people"]),
    ({"structural_zeros": [[]]}, ["at least one list"]),
])
def test_bad_names(tmp_path: Path, kwargs: dict[str, object], words: list[str]) -> None:
    with pytest.raises(ex.HistoriesError) as caught:
        read(tmp_path, "A,B,count\n1,0,3\n0,1,4\n1,1,1\n", **kwargs)
    for word in words:
        assert word in str(caught.value)


def test_missing_stratum_column() -> None:
    frame = pd.DataFrame({"A": ["1"], "B": ["0"], "count": ["2"]})
    with pytest.raises(ex.MissingColumn, match="stratum column 'year'"):
        strata_from_frame(frame, strata=["year"])


def test_blank_stratum_value_names_the_line(tmp_path: Path) -> None:
    frame = read_csv(write(tmp_path, "year,A,B,count\n2019,1,0,3\n,0,1,2\n"))
    with pytest.raises(ex.HistoriesError, match="line 3"):
        strata_from_frame(frame, strata=["year"])
