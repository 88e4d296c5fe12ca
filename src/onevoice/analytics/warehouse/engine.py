"""Which engine runs the Ibis queries: DuckDB embedded (default) or Spark.

``ONEVOICE_ENGINE=pyspark`` runs the same Ibis expressions on Spark. Spark starts in
local mode unless ``ONEVOICE_SPARK_MASTER`` names a cluster (``spark://host:7077``,
``yarn``, ``k8s://...``); the dataset root must then be a path every executor can read
(a shared file system or an object store path).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import ibis
import pyarrow as pa

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

Engine = Literal["duckdb", "pyspark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "pyspark")
ENGINE_ENV = "ONEVOICE_ENGINE"
SPARK_MASTER_ENV = "ONEVOICE_SPARK_MASTER"
UNKNOWN_ENGINE = "{env}={value!r} is not an engine; use one of: {allowed}"


def engine_name(engine: str | None = None) -> Engine:
    """The engine to use: the argument, else ``$ONEVOICE_ENGINE``, else ``duckdb``."""
    value = (engine or os.environ.get(ENGINE_ENV) or "duckdb").strip().lower()
    if value not in ENGINES:
        raise ValueError(
            UNKNOWN_ENGINE.format(env=ENGINE_ENV, value=value, allowed=", ".join(ENGINES))
        )
    return cast(Engine, value)


def spark_session(master: str | None = None, **config: str) -> Any:
    """A SparkSession for Ibis: local[*] unless ``master`` or ``$ONEVOICE_SPARK_MASTER``."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("onevoice").master(
        master or os.environ.get(SPARK_MASTER_ENV) or "local[*]"
    )
    # Dates must not shift with the JVM's time zone between engines.
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    for key, value in config.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def connect(engine: str | None = None) -> BaseBackend:
    """An Ibis backend for the chosen engine (see :func:`engine_name`)."""
    if engine_name(engine) == "pyspark":
        return ibis.pyspark.connect(spark_session())
    return ibis.duckdb.connect()


def read_parquet_files(con: BaseBackend, files: Sequence[Path], schema: pa.Schema) -> ir.Table:
    """An Ibis table over exactly ``files`` (all of ``schema``) on either engine.

    An empty list gives an empty table with the same columns, so queries need no
    special case for an empty dataset.
    """
    if not files:
        return ibis.memtable(schema.empty_table())
    paths = [str(f) for f in files]
    if con.name == "pyspark":
        # Ibis's pyspark read_parquet takes one path; the batch list needs the session.
        session = con._session
        name = ibis.util.gen_name("sales")
        session.read.schema(_spark_schema(schema)).parquet(*paths).createOrReplaceTempView(name)
        return con.table(name)
    return con.read_parquet(paths)


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    mapping = {
        pa.string(): T.StringType(),
        pa.int64(): T.LongType(),
        pa.float64(): T.DoubleType(),
        pa.date32(): T.DateType(),
    }
    return T.StructType([T.StructField(f.name, mapping[f.type], True) for f in schema])
