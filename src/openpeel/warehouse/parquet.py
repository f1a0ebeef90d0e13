"""Export of the warehouse's ``core_*`` and ``ref_*`` tables to a Parquet tree, one folder per
table, partitioned by month where the table has one (Hive style: ``month=2017-01-01/``), so
that another engine (Spark) can read the warehouse from shared storage."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from openpeel.warehouse.catalog import SchemaError, Table, load_schema
from openpeel.warehouse.db import Warehouse

PARTITION_COLUMN = "month"


def counting_sql(table: Table) -> str:
    """The definition of a counting view (one that declares ``counts``) over the rows it counts,
    in DuckDB's dialect: its other declared columns are the keys."""
    if table.counts is None:
        raise SchemaError(f"{table.name} does not declare what it counts")
    keys = [c.name for c in table.columns if c.name != table.counts.column]
    return (
        f"SELECT {', '.join(keys)}, CAST(count(*) AS BIGINT) AS {table.counts.column} "
        f"FROM {table.counts.rows_of} GROUP BY ALL"
    )


#: tables not exported but defined over exported ones (DuckDB's dialect; every engine reading
#: the tree defines them), generated from the views' ``counts`` declarations: the engine does
#: the aggregation from the rows, so a national archive lives in the tree once, row by row
DERIVED = {t.name: counting_sql(t) for t in load_schema().layer("core") if t.counts is not None}


def tables_in(parquet: Path) -> list[Path]:
    """The table folders of a Parquet tree (temporary folders of an export left out)."""
    return sorted(p for p in parquet.iterdir() if p.is_dir() and not p.name.startswith("."))


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    partitioned: bool
    path: Path


def exported_tables(wh: Warehouse) -> list[str]:
    return [
        str(name)
        for (name,) in wh.rows(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'core\\_%' ESCAPE '\\' OR table_name LIKE 'ref\\_%' ESCAPE '\\' "
            "ORDER BY table_name"
        )
    ]


def export_parquet(wh: Warehouse, out: Path) -> list[Exported]:
    """Write every core and reference table under ``out`` (each table's folder replaced)."""
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for table in exported_tables(wh):
        if table in DERIVED:
            continue
        columns = {str(c) for (c, *_) in wh.rows(f"DESCRIBE {table}")}
        folder = out / table
        tmp = out / f".{table}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        rows = int(wh.scalar(f"SELECT count(*) FROM {table}"))
        partitioned = PARTITION_COLUMN in columns and rows > 0
        if partitioned:
            wh.execute(
                f"COPY (SELECT * FROM {table}) TO '{tmp}' "
                f"(FORMAT parquet, PARTITION_BY ({PARTITION_COLUMN}))"
            )
        else:
            tmp.mkdir()
            wh.execute(f"COPY (SELECT * FROM {table}) TO '{tmp / 'data.parquet'}' (FORMAT parquet)")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        done.append(Exported(table, rows, partitioned, folder))
    return done
