"""Compare every table and view of two homes' warehouses, row for row: the check that a change
to the loader leaves what it stores unchanged. When each load happened, how long it took and
the working folder it was read from are left out.

    .venv/bin/python scripts/compare_homes.py HOME_BEFORE HOME_AFTER

Prints one line per table and view (rows in each, rows only in one) and exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: columns that differ between two runs of the same load: when, how long, from where
LEFT_OUT = {
    "meta_load_ledger": ("loaded_at", "seconds", "path", "openpeel_version"),
    "meta_refused_file": ("refused_at", "path"),
}


def main() -> int:
    import duckdb

    from openpeel.warehouse.db import WAREHOUSE_FILE
    from openpeel.warehouse.ddl import literal, quote

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    con = duckdb.connect()
    for alias, home in (("a", args.before), ("b", args.after)):
        con.execute(f"ATTACH {literal(str(home / WAREHOUSE_FILE))} AS {alias} (READ_ONLY)")
    names = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'a' ORDER BY 1"
        ).fetchall()
    ]
    differ = 0
    for name in names:
        left_out = LEFT_OUT.get(name, ())
        columns = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'a' "
                "AND table_name = ? ORDER BY ordinal_position",
                [name],
            ).fetchall()
            if c not in left_out
        ]
        cols = ", ".join(quote(c) for c in columns)
        a, b = f"a.{quote(name)}", f"b.{quote(name)}"
        count = f"(SELECT {cols} FROM {{0}} EXCEPT ALL SELECT {cols} FROM {{1}})"
        n_a, n_b, only_a, only_b = con.execute(
            f"SELECT (SELECT count(*) FROM {a}), (SELECT count(*) FROM {b}), "
            f"(SELECT count(*) FROM {count.format(a, b)}), "
            f"(SELECT count(*) FROM {count.format(b, a)})"
        ).fetchone() or (0, 0, 0, 0)
        same = n_a == n_b and not only_a and not only_b
        differ += not same
        print(
            f"{'same' if same else 'DIFFER':6} {name}: {n_a:,} and {n_b:,} rows; "
            f"{only_a:,} only in the first, {only_b:,} only in the second"
        )
    print(f"{len(names)} tables and views compared, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
