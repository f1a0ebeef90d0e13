"""The engine seam: indicator SQL is written once, in DuckDB's dialect, and compiled for the
engine that runs it. DuckDB (the warehouse itself) is the default; other engines plug in here.

Nothing outside this module and the engines' own modules (``spark.py``) may use an engine's API
or SQL features directly; a feature one engine lacks is declared in ``ENGINE_GAPS`` and raises
:class:`EngineGap` by name. Engines: the warehouse (DuckDB), DuckDB over a Parquet tree of the
warehouse (shared storage), and Spark over the same tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import sqlglot

from openpeel.errors import OpenPeelError
from openpeel.warehouse.db import Warehouse


class EngineGap(OpenPeelError):
    """A feature the chosen engine does not have (declared, never a wrong answer)."""


#: (engine, feature) -> why the engine cannot do it. A measure lists the features it needs
#: (``features`` in indicators/definitions); none is missing from an engine today: every
#: indicator runs on DuckDB and on Spark with the same results (tests/indicators/test_spark.py)
ENGINE_GAPS: dict[tuple[str, str], str] = {}


class Engine(Protocol):
    name: str
    dialect: str

    def table(self, sql: str) -> pa.Table:
        """Run a query (in DuckDB's dialect) and return its result."""
        ...

    def materialise(self, name: str, sql: str) -> None:
        """Keep a query's result as a temporary table for the rest of the run."""
        ...


def compile_sql(sql: str, dialect: str) -> str:
    """DuckDB SQL compiled for ``dialect`` (unchanged for DuckDB)."""
    if dialect == "duckdb":
        return sql
    return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=dialect))


def require(engine: Engine, feature: str) -> None:
    reason = ENGINE_GAPS.get((engine.name, feature))
    if reason is not None:
        raise EngineGap(
            f"the {engine.name} engine cannot {feature}: {reason}",
            hint="run this step with --engine duckdb",
        )


@dataclass
class DuckDBEngine:
    """The warehouse's own engine."""

    warehouse: Warehouse
    name: str = "duckdb"
    dialect: str = "duckdb"

    def table(self, sql: str) -> pa.Table:
        return self.warehouse.arrow(sql)

    def materialise(self, name: str, sql: str) -> None:
        self.warehouse.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")


@dataclass
class ParquetEngine:
    """DuckDB over a Parquet tree of the warehouse (``openpeel export-parquet``), e.g. on
    shared storage: each table folder a view, the derived tables defined over them."""

    parquet: Path
    name: str = "duckdb"
    dialect: str = "duckdb"
    con: duckdb.DuckDBPyConnection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from openpeel.warehouse.parquet import DERIVED, tables_in

        if not self.parquet.is_dir():
            raise OpenPeelError(
                f"there is no Parquet export at {self.parquet}",
                hint="write one with `openpeel export-parquet DIR`",
            )
        self.con = duckdb.connect()
        for folder in tables_in(self.parquet):
            pattern = str(folder / "**" / "*.parquet").replace("'", "''")
            self.con.execute(
                f"CREATE VIEW {folder.name} AS SELECT * FROM "
                f"read_parquet('{pattern}', hive_partitioning = true)"
            )
        for name, sql in DERIVED.items():
            self.con.execute(f"CREATE VIEW {name} AS {sql}")

    def table(self, sql: str) -> pa.Table:
        table: pa.Table = self.con.sql(sql).to_arrow_table()
        return table

    def materialise(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")


#: the columns that identify a row of out_indicator_values
ROW_KEYS = ("indicator_id", "period_type", "period", "breakdown", "breakdown_value", "force_code")


def differences(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Where two engines' results for an indicator differ: 'rows', or the columns whose values
    differ (floats beyond a relative 1e-9); empty when they are the same."""
    from openpeel.indicators.compare import OUT_COLUMNS

    keys = list(ROW_KEYS)
    a, b = (
        f.loc[:, list(OUT_COLUMNS)].fillna({"breakdown_value": ""}).sort_values(keys)
        for f in (a, b)
    )
    if len(a) != len(b) or not (a[keys].to_numpy() == b[keys].to_numpy()).all():
        return ["rows"]
    out = []
    for column in OUT_COLUMNS:
        if column in keys:
            continue
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            same = bool(
                np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=1e-12, equal_nan=True)
            )
        else:
            same = (
                x.astype(object).where(x.notna(), None).tolist()
                == y.astype(object).where(y.notna(), None).tolist()
            )
        if not same:
            out.append(column)
    return out
