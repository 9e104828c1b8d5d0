"""Splink's database back ends for surplace: DuckDB in memory (configured by
:mod:`surplace.linkage.engine`), or Spark for lists that outgrow one machine.

The model (:mod:`surplace.linkage.model`) is the same on both: its levels are Splink creators,
translated to each dialect, or SQL that DuckDB and Spark SQL both read (``greatest``, ``least``,
``abs``, ``substr``, comparisons), and the features are plain columns computed in Python. Only
the session differs, and this module makes it.

Which Spark. surplace uses the *active* Spark session when there is one, so a program (or a
``spark-submit`` job) that made its own session against a cluster links on that cluster; the
session must have Splink's similarity functions on its class path (``spark.jars`` set to
``splink.backends.spark.similarity_jar_location()``), or Jaro–Winkler levels cannot run. With
no active session, one is started through PySpark with that jar, which runs locally
(``local[*]``) unless Spark's own configuration says otherwise (``spark.master`` in
``$SPARK_CONF_DIR/spark-defaults.conf``, or ``PYSPARK_SUBMIT_ARGS``): the CLI's
``--backend spark`` is that.

Splink breaks Spark's query lineage between steps by writing parquet under the session's
checkpoint directory; each call gets its own temporary directory, removed when the call ends
(its results are by then in pandas), so nothing is left on disk. Records are handed to Spark
with an explicit schema: Spark cannot infer the type of a column that is missing in every
record (a list without origins).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from surplace.errors import SurplaceError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession  # type: ignore[import-not-found,unused-ignore]

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
#: Columns of the comparison table that are integers and arrays of text; the rest is text.
INTEGER_COLUMNS = ("birth_lo", "birth_hi", "birth_year", "birth_month", "birth_day")
ARRAY_COLUMNS = ("name_cands", "surnames")


class BackendUnavailable(SurplaceError):
    """The back end asked for cannot run here (the message says what to install)."""


def spark_available() -> bool:
    """Whether PySpark can be imported (Java is checked only when a session starts)."""
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None


def spark_session() -> SparkSession:
    """The active Spark session, or a new one with Splink's similarity functions (see the
    module docstring)."""
    if not spark_available():
        raise BackendUnavailable("the Spark back end needs PySpark (pip install pyspark) and "
                                 "Java 17 or later.")
    from pyspark.sql import SparkSession  # type: ignore[import-not-found,unused-ignore]
    from splink.backends.spark import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    warehouse = tempfile.mkdtemp(prefix="surplace-spark-")
    builder = (SparkSession.builder.appName("surplace-linkage")
               .config("spark.jars", similarity_jar_location())
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(os.cpu_count() or 2))
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.warehouse.dir", warehouse))
    try:
        session = builder.getOrCreate()
    except Exception as error:  # PySpark raises its own errors when Java cannot start
        raise BackendUnavailable(f"Spark could not start ({type(error).__name__}); it needs "
                                 "Java 17 or later (JAVA_HOME).") from None
    atexit.register(shutil.rmtree, warehouse, True)
    session.sparkContext.setLogLevel("ERROR")
    return session


def to_spark(session: SparkSession, table: pd.DataFrame) -> Any:
    """``table`` as a Spark DataFrame with an explicit schema (see the module docstring)."""
    from pyspark.sql import types as T  # type: ignore[import-not-found,unused-ignore]

    def kind(column: str) -> T.DataType:
        if column in INTEGER_COLUMNS or str(table[column].dtype) in ("Int64", "int64"):
            return T.LongType()
        if column in ARRAY_COLUMNS:
            return T.ArrayType(T.StringType())
        if str(table[column].dtype).startswith("float"):
            return T.DoubleType()
        return T.StringType()

    schema = T.StructType([T.StructField(str(c), kind(str(c)), True) for c in table.columns])
    return session.createDataFrame(table, schema)  # through Arrow, column by column


class _SparkTables:
    """A SparkAPI whose ``register`` takes pandas frames through :func:`to_spark`."""

    def __init__(self, api: Any, session: SparkSession) -> None:
        self._api = api
        self._session = session

    def register(self, table: Any, **names: Any) -> Any:
        if isinstance(table, pd.DataFrame):
            table = to_spark(self._session, table)
        return self._api.register(table, **names)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


@contextmanager
def database(backend: Backend) -> Iterator[Any]:
    """A fresh Splink database API on ``backend``, cleaned up on exit (see the module
    docstring); use it only within the ``with``."""
    if backend == "duckdb":
        from splink import DuckDBAPI

        from surplace.linkage.engine import connection

        with connection() as con:  # bounded memory, private spill folder (engine's docstring)
            yield DuckDBAPI(con)
        return
    if backend != "spark":
        raise ValueError(f"unknown back end {backend!r} (use {' or '.join(BACKENDS)}).")
    session = spark_session()
    from splink.backends.spark import SparkAPI

    logging.getLogger("py4j").setLevel(logging.ERROR)
    checkpoints = tempfile.mkdtemp(prefix="surplace-splink-")
    session.sparkContext.setCheckpointDir(checkpoints)
    try:
        partitions = int(session.conf.get("spark.sql.shuffle.partitions") or 2)
        api = SparkAPI(spark_session=session,  # type: ignore[no-untyped-call]
                       num_partitions_on_repartition=partitions)
        yield _SparkTables(api, session)
    finally:
        shutil.rmtree(checkpoints, ignore_errors=True)
