"""Facts the warehouse declares once: the schema's constants, the list of code tables, and the
columns every row is inserted into by name."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import openpeel
from openpeel.declarations import toml_documents
from openpeel.indicators.compare import OUT_COLUMNS
from openpeel.indicators.recent_trend import TREND_COLUMNS
from openpeel.indicators.run import store
from openpeel.indicators.spc import SPC_COLUMNS
from openpeel.sample import sample_path
from openpeel.warehouse import quality
from openpeel.warehouse.catalog import Column, Schema, SchemaError, load_schema, read_schema
from openpeel.warehouse.code_tables import CODE_TABLES
from openpeel.warehouse.db import UndeclaredColumns, Warehouse
from openpeel.warehouse.ddl import create_table
from openpeel.warehouse.parquet import DERIVED, export_parquet
from tests.conftest import load, need


def test_small_month_share_is_one_schema_constant(warehouse: Warehouse) -> None:
    declared = load_schema().constant("small_month_share")
    assert warehouse.scalar("SELECT small_month_share()") == declared
    assert declared == quality.SMALL_MONTH_SHARE
    # no view or check writes the share as a number of its own
    share = re.compile(rf"(?<![\d.]){re.escape(repr(declared))}\s*\*")
    exprs = [c.expr or "" for t in load_schema().tables.values() for c in t.columns]
    assert not [e for e in exprs if share.search(e)]


def test_every_code_table_has_its_alias_view_and_spellings(warehouse: Warehouse) -> None:
    views = {
        str(name).removeprefix("ref_alias_")
        for (name,) in warehouse.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'ref_alias_%'"
        )
    }
    assert views == set(CODE_TABLES)
    loaded = {str(c) for (c,) in warehouse.rows("SELECT DISTINCT code_table FROM ref_code_alias")}
    assert loaded == set(CODE_TABLES)
    lookups = {lk.code for t in load_schema().tables.values() for lk in t.lookups}
    codes = {c.code for t in load_schema().tables.values() for c in t.columns if c.code}
    assert lookups | codes <= set(CODE_TABLES)


# -- rows go into their columns by name -------------------------------------------------------


#: a value of each declared type, distinct per column (the column's position in the list)
def _value(column: Column, number: int) -> object:
    samples: dict[str, object] = {
        "VARCHAR": f"{column.name}-{number}",
        "INTEGER": number,
        "BIGINT": number,
        "DOUBLE": number + 0.25,
        "BOOLEAN": number % 2 == 0,
    }
    return samples[column.type]


def _frame(table: str, rows: int) -> pd.DataFrame:
    columns = load_schema()[table].columns
    data = {
        c.name: [_value(c, 1000 + 100 * i + n) for i in range(rows)] for n, c in enumerate(columns)
    }
    data["indicator_id"] = [INDICATOR] * rows
    return pd.DataFrame(data)


INDICATOR = "arrests_per_1000"
OUT_TABLES = ("out_indicator_values", "out_indicator_recent_trends", "out_indicator_spc")


def _reordered(tables: tuple[str, ...]) -> Schema:
    """The package's schema with the columns of ``tables`` declared in reverse order."""
    documents = []
    for where, doc in toml_documents("openpeel.warehouse", "schema", SchemaError):
        changed = {
            name: {**raw, "columns": list(reversed(raw["columns"]))} if name in tables else raw
            for name, raw in doc.items()
        }
        documents.append((where, changed))
    return read_schema(documents)


def _use(wh: Warehouse, schema: Schema, tables: tuple[str, ...]) -> None:
    """Make the warehouse's ``tables`` as ``schema`` declares them."""
    wh.schema = schema
    for table in tables:
        wh.execute(f"DROP TABLE {table}")
        wh.execute(create_table(schema[table]))


def test_the_column_lists_are_the_declared_ones() -> None:
    schema = load_schema()
    assert schema["out_indicator_values"].column_names == OUT_COLUMNS
    assert schema["out_indicator_recent_trends"].column_names == TREND_COLUMNS
    assert schema["out_indicator_spc"].column_names == SPC_COLUMNS


def test_reordered_output_columns_keep_their_values(warehouse: Warehouse) -> None:
    schema = _reordered(OUT_TABLES)
    first = schema["out_indicator_values"].columns[0].name
    assert first == load_schema()["out_indicator_values"].columns[-1].name
    _use(warehouse, schema, OUT_TABLES)
    frames = {table: _frame(table, 3) for table in OUT_TABLES}
    store(warehouse, {INDICATOR: frames["out_indicator_values"]}, markers=False)
    warehouse.insert_rows("out_indicator_recent_trends", frames["out_indicator_recent_trends"])
    warehouse.insert_rows("out_indicator_spc", frames["out_indicator_spc"])
    for table, frame in frames.items():
        names = ", ".join(frame.columns)
        stored = warehouse.records(f"SELECT {names} FROM {table} ORDER BY {frame.columns[-1]}")
        assert stored == frame.to_dict("records"), table


LEDGER_TABLES = ("meta_load_ledger", "meta_quarantine")


def _ledger(wh: Warehouse) -> list[dict[str, object]]:
    rows = wh.records("SELECT * FROM meta_load_ledger ORDER BY file_id")
    return [{k: v for k, v in r.items() if k not in {"loaded_at", "seconds"}} for r in rows]


def test_reordered_ledger_columns_keep_their_values(tmp_path: Path) -> None:
    files = [sample_path() / "hmic" / "peel_grades.csv"]
    with Warehouse(tmp_path / "declared") as wh:
        load(wh, *files)
        expected = _ledger(wh)
    with Warehouse(tmp_path / "reordered") as wh:
        _use(wh, _reordered(LEDGER_TABLES), LEDGER_TABLES)
        load(wh, *files)
        assert _ledger(wh) == expected
    [row] = expected
    assert row["status"] == "loaded"
    assert str(row["path"]).endswith("peel_grades.csv")
    assert row["rows_read"] == int(str(row["rows_loaded"])) + int(str(row["rows_quarantined"]))


def test_rows_with_an_undeclared_column_are_refused(warehouse: Warehouse) -> None:
    row = {"path": "a.csv", "problem": "p", "refused_at": datetime.now(UTC), "typo": 1}
    with pytest.raises(UndeclaredColumns, match="typo"):
        warehouse.insert_rows("meta_refused_file", [row])
    frame = _frame("out_indicator_spc", 1).rename(columns={"mean": "average"})
    with pytest.raises(UndeclaredColumns, match="average"):
        warehouse.insert_rows("out_indicator_spc", frame)
    assert warehouse.scalar("SELECT count(*) FROM meta_refused_file") == 0
    del row["typo"]
    warehouse.insert_rows("meta_refused_file", [row])
    assert warehouse.records("SELECT path, problem, hint FROM meta_refused_file") == [
        {"path": "a.csv", "problem": "p", "hint": None}
    ]


def _sql_texts(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string of a module, an f-string's fields as ``{}``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts_of_fstrings = {
        id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
    }
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in parts_of_fstrings:
                out.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            out.append((node.lineno, "".join(str(p) for p in parts)))
    return out


def test_every_insert_goes_by_name() -> None:
    """No statement inserts into a table by the position of its columns: every INSERT goes BY
    NAME (``Warehouse.insert_rows``), so a column added or moved in a declaration cannot shift
    values into another column."""
    package = Path(openpeel.__file__).parent
    by_position = [
        f"{path.relative_to(package)}:{line}"
        for path in sorted(package.rglob("*.py"))
        for line, text in _sql_texts(path)
        if re.search(r"\bINSERT\b.*\bINTO\b", text, re.IGNORECASE | re.DOTALL)
        and not re.search(r"\bBY\s+NAME\b", text, re.IGNORECASE)
    ]
    assert by_position == [], "insert by name: Warehouse.insert_rows, or INSERT INTO t BY NAME"


def test_the_insert_check_tells_by_name_from_by_position(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        'A = "INSERT INTO t BY NAME SELECT 1 AS a"\n'
        'B = (f"INSERT INTO {t} (a, b) "\n'
        '"SELECT a, b FROM x")\n'
    )
    texts = [text for _, text in _sql_texts(module)]
    assert "INSERT INTO {} (a, b) SELECT a, b FROM x" in texts
    assert "INSERT INTO t BY NAME SELECT 1 AS a" in texts
    assert "INSERT INTO " not in texts, "an f-string's parts are not read alone"


# -- the street counts: one declaration, the same rows on every engine (DuckDB, Spark) ------


@pytest.fixture(scope="module")
def street_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A warehouse of the sample's street records and its Parquet export (home, tree)."""
    home, tree = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("pq")
    with Warehouse(home) as wh:
        load(wh, sample_path() / "police_uk")
        exported = {e.table for e in export_parquet(wh, tree)}
    assert not set(DERIVED) & exported, "the counting views are defined, not exported"
    return home, tree


def _engine_over(tree: Path, engine: str) -> Any:
    """The engine that reads the Parquet tree and defines the counting views over it."""
    if engine == "duckdb":
        from openpeel.indicators.engine import ParquetEngine

        return ParquetEngine(tree)
    if shutil.which("java") is None:
        need("java", "no Java here (Spark needs Java 17+)")
    if importlib.util.find_spec("pyspark") is None:
        need("pyspark", "PySpark is not installed")
    from openpeel.indicators.spark import SparkEngine

    return SparkEngine(tree, "local[1]")


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    """The rows in the order of all their columns (the same order on every engine)."""
    rows: list[dict[str, Any]] = table.sort_by(
        [(name, "ascending") for name in table.column_names]
    ).to_pylist()
    return rows


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_the_street_counts_are_the_same_in_the_warehouse_and_over_parquet(
    street_tree: tuple[Path, Path], engine: str
) -> None:
    assert set(DERIVED) == {"core_policeuk__street_counts", "core_policeuk__street_type_counts"}
    home, tree = street_tree
    other = _engine_over(tree, engine)
    try:
        with Warehouse(home) as wh:
            for name, sql in DERIVED.items():
                view = wh.arrow(f"SELECT * FROM {name}")
                assert view.num_rows > 100, name
                # the warehouse's view (counted from the raw rows) is what its declaration says
                ordered = wh.arrow(f"SELECT * FROM {name} ORDER BY ALL")
                assert wh.arrow(f"SELECT * FROM ({sql}) ORDER BY ALL").equals(ordered), name
                over_parquet = other.table(f"SELECT * FROM {name}")
                assert over_parquet.column_names == view.column_names, name
                assert _sorted(over_parquet) == _sorted(view), name
                total = wh.scalar(f"SELECT sum(records) FROM {name}")
                assert total == wh.scalar("SELECT count(*) FROM core_policeuk__street")
    finally:
        if engine == "spark":
            other.session.stop()
