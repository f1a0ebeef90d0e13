"""The embedded DuckDB warehouse that lives in the OpenPEEL home."""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pandas as pd
import pyarrow as pa

from openpeel.errors import OpenPeelError
from openpeel.faults import fault_point
from openpeel.warehouse.catalog import Schema, load_schema
from openpeel.warehouse.ddl import all_ddl, literal, quote
from openpeel.warehouse.versions import CURRENT, data_version, no_warehouse_hint
from openpeel.warehouse.writer_lock import WarehouseBusy, writer_lock

log = logging.getLogger("openpeel.warehouse")

WAREHOUSE_FILE = CURRENT
#: the name under which a read-only connection attaches the warehouse file
READER_ALIAS = "wh"


class NoWarehouse(OpenPeelError):
    """There is no complete warehouse in the home (yet)."""


class UndeclaredColumns(OpenPeelError):
    """Rows for a warehouse table with a column its declaration does not have."""


#: rows for Warehouse.insert_rows: a frame, or one mapping of column name -> value per row
Rows: TypeAlias = pa.Table | pd.DataFrame | Sequence[Mapping[str, object]]


class Warehouse:
    """A connection to the warehouse in ``home``.

    ``Warehouse(home, read_only=True)`` reads the current file, the last complete state, even
    while a load runs (``openpeel.warehouse.versions``). ``Warehouse(home)`` writes the current
    file in place, holding the home's writer lock: for a home nothing serves (the tests, a
    script building a home); ``openpeel.warehouse.writing.writing(home, command)`` writes into
    a served one, on a copy swapped in when it is done.
    """

    def __init__(self, home: Path, *, read_only: bool = False, file: Path | None = None) -> None:
        self.home = home
        self.path = file or home / WAREHOUSE_FILE
        self.schema: Schema = load_schema()
        #: the data version this connection reads (``versions.data_version``); None when writing
        self.version: str | None = None
        self._lock = ExitStack()
        if read_only:
            # taken before opening: after a swap in between, the version names an older state
            # than the one opened, never a newer one (so nothing old is cached under the new)
            self.version = data_version(home) if file is None else None
            self.con = _open_read_only(home, self.path)
            return
        home.mkdir(parents=True, exist_ok=True)
        if file is None:  # in place: the writer lock keeps a load on a copy from racing it
            self._lock.enter_context(
                writer_lock(home, f"{Path(sys.argv[0]).name} (writing in place)", in_place=True)
            )
        try:
            self.con = _open_writable(self.path)
        except BaseException:
            self._lock.close()
            raise
        try:
            # rows are never read back by position (quarantined rows are found by content), so
            # DuckDB may write them in any order: about 1.4x faster bulk loads
            self.con.execute("SET preserve_insertion_order = false")
            self._ensure_schema()
        except BaseException:
            self.close()
            raise

    @classmethod
    def over(cls, home: Path, con: duckdb.DuckDBPyConnection, version: str | None) -> Warehouse:
        """A warehouse over a connection opened elsewhere (the web app's, per request)."""
        wh = cls.__new__(cls)
        wh.home = home
        wh.path = home / WAREHOUSE_FILE
        wh.schema = load_schema()
        wh.version = version
        wh._lock = ExitStack()
        wh.con = con
        return wh

    def _ensure_schema(self) -> None:
        """Create the tables, macros and views and load the reference tables, unless the
        warehouse holds them as this version makes them (the same fingerprint)."""
        from openpeel.warehouse.code_tables import (
            CODE_TABLES,
            load_reference_tables,
            reference_frames,
        )

        statements = all_ddl(self.schema, CODE_TABLES)
        frames = reference_frames()
        fingerprint = schema_fingerprint(statements, frames)
        if self._holds_schema(fingerprint):
            fault_point("schema")  # the crash tests kill a writer here either way
            return
        self.con.execute("BEGIN")
        try:
            for statement in statements:
                self.con.execute(statement)
            load_reference_tables(self.con, frames)
            self.con.execute("DELETE FROM meta_schema")
            self.insert_rows("meta_schema", [{"fingerprint": fingerprint}])
            fault_point("schema")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def _holds_schema(self, fingerprint: str) -> bool:
        """Whether the warehouse was last made with this fingerprint and still has every
        declared table and view."""
        try:
            found = self.con.execute("SELECT max(fingerprint) FROM meta_schema").fetchone()
        except duckdb.CatalogException:  # a warehouse made before the table was declared
            return False
        if not found or found[0] != fingerprint:
            return False
        names = {
            str(name)
            for (name,) in self.con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() AND table_schema = 'main'"
            ).fetchall()
        }
        return set(self.schema.tables) <= names

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

    def insert_rows(self, table: str, rows: Rows) -> None:
        """Insert rows into a declared table, each value into the column of its name (``INSERT
        ... BY NAME``): a column the declaration does not have is refused, and a declared
        column the rows leave out is null."""
        declared = self.schema[table].column_names
        frame: pa.Table | pd.DataFrame
        if isinstance(rows, pd.DataFrame):
            frame, names = rows, [str(n) for n in rows.columns]
        elif isinstance(rows, pa.Table):
            frame, names = rows, list(rows.column_names)
        else:
            if not rows:
                return
            names = list(rows[0])
            for number, row in enumerate(rows):
                if list(row) != names:
                    raise UndeclaredColumns(
                        f"rows for {table}: row {number} has the columns {sorted(row)}, "
                        f"the first row {sorted(names)}",
                        hint="give every row the same columns",
                    )
            frame = pa.table({n: [row[n] for row in rows] for n in names})
        undeclared = [n for n in names if n not in declared]
        if undeclared:
            raise UndeclaredColumns(
                f"rows for {table} have columns its declaration does not have: {undeclared}",
                hint=f"declare them in warehouse/schema (the table has {list(declared)})",
            )
        self.con.register("_insert_rows", frame)
        try:
            self.execute(f"INSERT INTO {quote(table)} BY NAME SELECT * FROM _insert_rows")
        finally:
            self.con.unregister("_insert_rows")

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()

    def records(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        # fetched to the end: DuckDB refuses other work on a connection with a result unread
        rows = self.execute(sql, params).fetchall()
        return rows[0][0] if rows else None

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
        try:
            self.con.close()
        finally:
            self._lock.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def schema_fingerprint(statements: Sequence[str], frames: Mapping[str, pa.Table]) -> str:
    """SHA-256 of the DDL statements and the reference tables' rows."""
    digest = hashlib.sha256()
    for statement in statements:
        digest.update(statement.encode() + b"\0")
    for name, frame in frames.items():
        digest.update(f"{name}\0{frame.schema}\0{frame.to_pydict()!r}\0".encode())
    return digest.hexdigest()


def attach_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file at ``path``, attached in a fresh in-memory
    database and made the default.

    ``duckdb.connect(path)`` would hand back a database this process already has open under
    that name, which after a load's swap is the previous file: attaching opens the file the
    path names now.
    """
    # a large query spills beside the file, as it would with the file opened directly (an
    # in-memory database would spill into the working folder)
    con = duckdb.connect(config={"temp_directory": f"{path}.tmp"})
    try:
        con.execute(f"ATTACH {literal(str(path))} AS {READER_ALIAS} (READ_ONLY)")
        con.execute(f"USE {READER_ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has its tables (a first load killed before it made them has not)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND table_name = 'meta_load_ledger'"
    ).fetchone()
    return bool(found and found[0])


def _open_writable(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path))
    except (duckdb.IOException, duckdb.ResourceInUseException) as exc:
        if "lock" in str(exc).lower() or "already attached" in str(exc):
            raise WarehouseBusy(
                f"the warehouse {path} is being read by another process, or elsewhere in this "
                "one, and cannot be written in place",
                hint="a home that is served or read meanwhile is written by `openpeel ingest`, "
                "`indicators compute` and `forecast` (openpeel.warehouse.writing in Python), "
                "which work on a copy",
            ) from exc
        raise OpenPeelError(f"cannot open the warehouse {path}: {exc}") from exc


def _open_read_only(home: Path, path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise NoWarehouse(f"there is no warehouse in {home} yet", hint=no_warehouse_hint(home))
    try:
        con = attach_read_only(path)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"the warehouse {path} is being written in place by another process",
                hint="wait for it to finish, then try again",
            ) from exc
        raise OpenPeelError(f"cannot open the warehouse {path}: {exc}") from exc
    except duckdb.Error as exc:
        raise OpenPeelError(f"cannot open the warehouse {path}: {exc}") from exc
    if not has_tables(con):
        con.close()
        raise NoWarehouse(
            f"the warehouse in {home} is incomplete: a first load was stopped before it had "
            "made the warehouse's tables",
            hint="run `openpeel ingest PATH` again: it makes them and loads the files",
        )
    return con
