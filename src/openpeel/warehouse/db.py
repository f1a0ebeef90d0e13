"""The embedded DuckDB warehouse that lives in the OpenPEEL home."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from openpeel.errors import OpenPeelError
from openpeel.warehouse.catalog import Schema, load_schema
from openpeel.warehouse.ddl import all_ddl

log = logging.getLogger("openpeel.warehouse")

WAREHOUSE_FILE = "warehouse.duckdb"


class WarehouseBusy(OpenPeelError):
    pass


class Warehouse:
    """A connection to the warehouse file in ``home``, with the schema in place."""

    def __init__(self, home: Path, *, read_only: bool = False) -> None:
        self.home = home
        self.path = home / WAREHOUSE_FILE
        self.schema: Schema = load_schema()
        if read_only and not self.path.exists():
            raise OpenPeelError(
                f"there is no warehouse in {home}",
                hint="load data first with `openpeel ingest PATH`, or point --home at the "
                "folder that holds warehouse.duckdb",
            )
        home.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy(
                    f"the warehouse {self.path} is in use by another process",
                    hint="wait for the other openpeel command to finish, then try again",
                ) from exc
            raise OpenPeelError(f"cannot open the warehouse {self.path}: {exc}") from exc
        # rows are never read back by position (quarantined rows are found by content), so
        # DuckDB may write them in any order: about 1.4x faster bulk loads
        self.con.execute("SET preserve_insertion_order = false")
        if not read_only:
            self._ensure_schema()

    def _ensure_schema(self) -> None:
        from openpeel.warehouse.reference import load_reference_tables

        self.con.execute("BEGIN")
        try:
            for statement in all_ddl(self.schema):
                self.con.execute(statement)
            load_reference_tables(self.con)
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        start = time.perf_counter()
        result = self.con.execute(sql, params or [])
        log.debug("%.3fs %s", time.perf_counter() - start, " ".join(sql.split())[:500])
        return result

    def arrow(self, sql: str) -> pa.Table:
        """A query's result as an Arrow table."""
        start = time.perf_counter()
        table = self.con.sql(sql).to_arrow_table()
        log.debug("%.3fs %s", time.perf_counter() - start, " ".join(sql.split())[:500])
        return table

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()

    def records(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
