"""Compute every indicator on DuckDB and on Spark (local mode, over a Parquet export of the same
warehouse) and report any difference: the check that `--engine spark` gives the same figures.

    .venv/bin/python scripts/compare_engines.py --home HOME [--parquet DIR] [--master local[2]]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    from openpeel.indicators.catalogue import load_catalogue
    from openpeel.indicators.engine import differences
    from openpeel.indicators.run import compute
    from openpeel.indicators.spark import SparkEngine
    from openpeel.warehouse.db import Warehouse
    from openpeel.warehouse.parquet import export_parquet

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--parquet", type=Path)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    ids = list(load_catalogue().indicators)
    with Warehouse(args.home, read_only=True) as wh:
        parquet = args.parquet or args.home / "parquet"
        if args.parquet is None:
            start = time.perf_counter()
            export_parquet(wh, parquet)
            print(f"exported to {parquet} in {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        duck = compute(wh, ids)
        duck_s = time.perf_counter() - start
        engine = SparkEngine(parquet, args.master)
        start = time.perf_counter()
        spark = compute(wh, ids, engine=engine)
        spark_s = time.perf_counter() - start
    differ = 0
    rows = 0
    for iid in ids:
        found = differences(duck[iid], spark[iid])
        rows += len(duck[iid])
        print(f"{iid}: {len(duck[iid]):,} rows: {', '.join(found) or 'the same'}", flush=True)
        differ += bool(found)
    print(
        f"{len(ids)} indicators, {rows:,} rows: {len(ids) - differ} the same on both engines; "
        f"DuckDB {duck_s:.1f} s, Spark ({args.master}) {spark_s:.1f} s"
    )
    raise SystemExit(1 if differ else 0)


if __name__ == "__main__":
    main()
