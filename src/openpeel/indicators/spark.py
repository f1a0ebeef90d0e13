"""The Spark engine: the same indicator SQL (compiled from DuckDB's dialect by sqlglot), run by
Apache Spark over the warehouse exported to Parquet (``openpeel export-parquet``).

Local mode (``local[*]``) by default; any Spark master URL, or a Spark Connect server
(``sc://host:15002``), through ``OPENPEEL_SPARK_MASTER``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from openpeel.errors import OpenPeelError


class SparkUnavailable(OpenPeelError):
    pass


#: settings of the driver OpenPEEL starts itself (not with Spark Connect)
LOCAL_CONF = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
#: SQL settings of every session: UTC times, few shuffle partitions (the aggregates are
#: small), and Spark 3's lenient casts, which the measures' SQL is written for
SQL_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.ansi.enabled": "false",
}


def spark_session(master: str) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable(
            "PySpark is not installed", hint="pip install 'openpeel[spark]' (needs Java 17+)"
        ) from exc
    builder = SparkSession.builder.appName("openpeel")
    connect = master.startswith("sc://")
    if connect:
        builder = builder.remote(master)
    else:
        builder = builder.master(master)
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
        # set on the session, so that a Spark Connect server's own defaults do not apply
        for key, value in SQL_CONF.items():
            session.conf.set(key, value)
        if not connect:
            session.sparkContext.setLogLevel("ERROR")
        return session
    except Exception as exc:  # no Java, no Spark Connect client, or no answer
        raise SparkUnavailable(
            f"cannot start Spark ({master}): {exc}",
            hint="pip install 'openpeel[spark]' (with the Spark Connect client) and Java 17+, "
            "or check OPENPEEL_SPARK_MASTER",
        ) from exc


@dataclass
class SparkEngine:
    """Runs the indicator SQL on Spark over a Parquet tree of the warehouse."""

    parquet: Path
    master: str = "local[*]"
    name: str = "spark"
    dialect: str = "spark"
    session: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.parquet.is_dir():
            raise OpenPeelError(
                f"there is no Parquet export at {self.parquet}",
                hint="write one with `openpeel export-parquet DIR`",
            )
        from openpeel.indicators.engine import compile_sql
        from openpeel.warehouse.parquet import DERIVED, tables_in

        self.session = self.session or spark_session(self.master)
        for folder in tables_in(self.parquet):
            self.session.read.parquet(str(folder)).createOrReplaceTempView(folder.name)
        for name, sql in DERIVED.items():
            self.session.sql(compile_sql(sql, self.dialect)).createOrReplaceTempView(name)

    def table(self, sql: str) -> pa.Table:
        frame = self.session.sql(sql)
        table: pa.Table = frame.toArrow()
        return table

    def materialise(self, name: str, sql: str) -> None:
        self.session.sql(sql).cache().createOrReplaceTempView(name)
