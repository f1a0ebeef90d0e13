"""Engines benchmark: the street-based indicators on a SYNTHETIC national archive of street rows
in Parquet (partitioned by month), computed by DuckDB and by Spark in local mode side by side in
the same run, at 5M, 20M and 50M rows, with their results checked equal.

The Parquet trees are the bundled sample's warehouse exported (`openpeel export-parquet`), with
its `core_policeuk__street` replaced by SYNTHETIC rows (fixed hash of the row number: 43 forces,
36 months of 2015-2017, the sample's crime types and outcomes). Building them is not timed.

    .venv/bin/python benchmarks/spark.py [--sizes 5000000,20000000,50000000] [--write]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, machine, show_result

BASE = WORK / "engines-base"
STREET_IDS = [
    "policeuk_crimes_per_1000",
    "policeuk_unable_to_prosecute_share",
    "policeuk_no_suspect_share",
]


def base_home() -> Path:
    """The sample's warehouse (built once) and its Parquet export."""
    from openpeel.ingest.run import ingest
    from openpeel.sample import sample_path
    from openpeel.warehouse.db import Warehouse
    from openpeel.warehouse.parquet import export_parquet

    home = BASE / "home"
    if not (BASE / "parquet").is_dir():
        with Warehouse(home) as wh:
            ingest(wh, [sample_path()])
        with Warehouse(home, read_only=True) as wh:
            export_parquet(wh, BASE / "parquet")
    return home


def synthetic_tree(rows: int) -> Path:
    """The base tree with a SYNTHETIC street table of ``rows`` rows."""
    import duckdb

    tree = WORK / f"engines-{rows}"
    marker = tree / "SYNTHETIC.txt"
    label = f"SYNTHETIC street rows: {rows}, hash of the row number\n"
    if marker.exists() and marker.read_text() == label:
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(BASE / "parquet", tree)
    street = tree / "core_policeuk__street"
    con = duckdb.connect()
    kinds = con.sql(
        f"SELECT DISTINCT crime_type, last_outcome_category FROM read_parquet("
        f"'{street}/**/*.parquet', hive_partitioning = true) ORDER BY ALL"
    ).fetchall()
    forces = [
        r[0]
        for r in con.sql(
            f"SELECT force_code FROM read_parquet('{tree}/ref_force/*.parquet') "
            "WHERE is_territorial ORDER BY 1"
        ).fetchall()
    ]
    shutil.rmtree(street)
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    kinds_sql = (
        "["
        + ", ".join(
            "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in k) + "]" for k in kinds
        )
        + "]"
    )
    forces_sql = "[" + ", ".join(f"'{f}'" for f in forces) + "]"
    con.execute(f"""
        COPY (
            SELECT 0::INTEGER AS file_id, NULL::VARCHAR AS crime_id,
                   make_date(2015 + (i % 36) // 12, (i % 36) % 12 + 1, 1) AS month,
                   f AS force_code, f AS falls_within_code,
                   -1.5 + (hash(i) % 1000) / 1000.0 AS longitude,
                   51.0 + (hash(i + 1) % 1000) / 1000.0 AS latitude,
                   'On or near SYNTHETIC Street' AS location,
                   NULL::VARCHAR AS lsoa_code, NULL::VARCHAR AS lsoa_name,
                   k[1] AS crime_type, k[2] AS last_outcome_category, NULL::VARCHAR AS context
            FROM (SELECT i, {forces_sql}[1 + CAST(hash(i * 3) % {len(forces)} AS BIGINT)] AS f,
                         {kinds_sql}[1 + CAST(hash(i * 7) % {len(kinds)} AS BIGINT)] AS k
                  FROM range({rows}) t(i))
        ) TO '{street}' (FORMAT parquet, PARTITION_BY (month))
    """)
    marker.write_text(label)
    return tree


def main() -> None:
    from openpeel.indicators.engine import ParquetEngine, differences
    from openpeel.indicators.run import compute
    from openpeel.indicators.spark import SparkEngine, spark_session
    from openpeel.warehouse.db import Warehouse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000000,20000000,50000000")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("building the base warehouse and its Parquet export (not timed) ...", flush=True)
    home = base_home()
    start = time.perf_counter()
    session = spark_session("local[*]")
    spark_start = time.perf_counter() - start
    results = []
    with Warehouse(home, read_only=True) as wh:
        # warm-up on the sample's own tree (not timed): the JVM's first queries are slow
        compute(wh, STREET_IDS, engine=SparkEngine(BASE / "parquet", session=session))
        for rows in sizes:
            print(f"{rows:,} SYNTHETIC street rows (building, not timed) ...", flush=True)
            tree = synthetic_tree(rows)
            size_mb = sum(p.stat().st_size for p in (tree / "core_policeuk__street").rglob("*"))
            start = time.perf_counter()
            duck = compute(wh, STREET_IDS, engine=ParquetEngine(tree))
            duck_s = time.perf_counter() - start
            start = time.perf_counter()
            spark = compute(wh, STREET_IDS, engine=SparkEngine(tree, session=session))
            spark_s = time.perf_counter() - start
            same = all(differences(duck[i], spark[i]) == [] for i in STREET_IDS)
            results.append((rows, size_mb / 1e6, duck_s, spark_s, same))
            print(f"  DuckDB {duck_s:.1f} s, Spark {spark_s:.1f} s, same: {same}", flush=True)
    session.stop()
    first = results[0]
    lines = [
        f"### Engines: DuckDB and Spark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}; Spark 4 local mode (`local[*]`), started once in "
        f"{spark_start:.1f} s and warmed up on the sample (neither in the times below)",
        "",
        "The three street-based indicators (crimes per 1,000 residents; the shares of crimes "
        "closed as unable to prosecute and with no suspect), every force and period, from a "
        "SYNTHETIC national archive of street rows in Parquet partitioned by month, each engine "
        "aggregating the rows itself (the bundled sample's other tables alongside).",
        "",
        "| street rows | Parquet MB | DuckDB s | Spark s | Spark / DuckDB | DuckDB s per 10M | "
        "Spark s per 10M | same results |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
        *[
            f"| {rows:,} | {mb:,.0f} | {d:.1f} | {s:.1f} | {s / d:.1f}× | "
            f"{d / rows * 1e7:.2f} | {s / rows * 1e7:.2f} | {'yes' if same else 'NO'} |"
            for rows, mb, d, s, same in results
        ],
        "",
        f"From {first[0]:,} to {results[-1][0]:,} rows ({results[-1][0] / first[0]:.0f}× the "
        f"rows) DuckDB took {results[-1][2] / first[2]:.1f}× the time and Spark "
        f"{results[-1][3] / first[3]:.1f}×.",
        "",
    ]
    text = "\n".join(lines)
    show_result(text, args.write)


if __name__ == "__main__":
    main()
