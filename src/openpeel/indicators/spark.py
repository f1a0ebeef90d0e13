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


def spark_session(master: str) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable(
            "PySpark is not installed", hint="pip install 'openpeel[spark]' (needs Java 17+)"
        ) from exc
    builder = SparkSession.builder.appName("openpeel")
    if master.startswith("sc://"):
        builder = builder.remote(master)
    else:
        builder = (
            builder.master(master)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.ansi.enabled", "false")
        )
    try:
        session = builder.getOrCreate()
        if not master.startswith("sc://"):
            session.sparkContext.setLogLevel("ERROR")
        return session
    except Exception as exc:  # no Java, or a master that does not answer
        raise SparkUnavailable(
            f"cannot start Spark ({master}): {exc}",
            hint="install Java 17+, or check OPENPEEL_SPARK_MASTER",
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
