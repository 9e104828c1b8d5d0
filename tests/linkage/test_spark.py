"""The same settings on Splink's Spark back end: ``surplace link … --backend spark`` finds the
persons DuckDB finds. Runs where PySpark is installed and Java can start it (a local Spark)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from surplace.linkage.evaluate import pairwise_scores
from surplace.linkage.run import InputList, link_frames
from surplace.linkage.simulate import simulate
from surplace.linkage.spark import spark_available
from tests.clirun import surplace
from tests.linkage.test_cli_link import COLUMNS

pytestmark = [
    pytest.mark.skipif(not spark_available(), reason="PySpark is not installed "
                       "(pip install pyspark); the Spark back end is documented, not tested"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java to run Spark"),
]


def _partition(clusters: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(map(str, group)) for group in
            clusters.groupby("cluster_id")["record_id"].agg(list)}


def test_spark_finds_the_persons_duckdb_finds(tmp_path: Path) -> None:
    sim = simulate(60, seed=3)
    path = tmp_path / "lists.csv"
    sim.records.to_csv(path, index=False)
    out = tmp_path / "clusters.csv"
    result = surplace("link", str(path), *COLUMNS, "--out", str(out), "--backend", "spark",
                      "--json", env={}, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    with out.open(encoding="utf-8") as handle:
        spark = pd.DataFrame(list(csv.DictReader(handle)))
    roles = {role: role for role in sim.records.columns}
    duckdb = link_frames([InputList("lists.csv", sim.records, roles)]).clusters
    assert len(spark) == len(duckdb) == summary["records"]
    assert _partition(spark) == _partition(duckdb)
    assert summary["persons"] == duckdb["cluster_id"].nunique()
    joined = duckdb.merge(spark, on="record_id", suffixes=("_duckdb", "_spark"))
    probability = pd.to_numeric(joined["match_probability_to_cluster_spark"], errors="coerce")
    # u is sampled at random and EM stops at a tolerance: each engine does both its own way.
    assert (probability - joined["match_probability_to_cluster_duckdb"]).abs().max() < 0.01
    assert pairwise_scores(spark["cluster_id"].tolist(), sim.truth.tolist()).f1 >= 0.9
