"""The engine seam: indicator SQL is written once, in DuckDB's dialect, and compiled for the
engine that runs it. DuckDB (the warehouse itself) is the default; other engines plug in here.

Nothing outside this module may use an engine's own API or SQL features directly; a feature one
engine lacks is declared in ``ENGINE_GAPS`` and raises :class:`EngineGap` by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa
import sqlglot

from openpeel.errors import OpenPeelError
from openpeel.warehouse.db import Warehouse


class EngineGap(OpenPeelError):
    """A feature the chosen engine does not have (declared, never a wrong answer)."""


#: (engine, feature) -> why the engine cannot do it
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
