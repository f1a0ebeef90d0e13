"""Helpers for the ingestion tests: real lines to edit, and a fingerprint of the warehouse."""

from __future__ import annotations

import gzip
from pathlib import Path

from openpeel.warehouse.db import Warehouse


def street_lines(path: Path) -> list[str]:
    """The lines (without line ends) of a gzipped data.police.uk file."""
    return gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fingerprint(wh: Warehouse, skip: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of the content of every base table."""
    tables = [
        t
        for (t,) in wh.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema = 'main' ORDER BY 1"
        )
        if t not in skip
    ]
    out: dict[str, tuple[int, int]] = {}
    for table in tables:
        count, digest = wh.rows(
            f'SELECT count(*), coalesce(sum(hash(t::VARCHAR)), 0) FROM "{table}" t'
        )[0]
        out[table] = (int(count), int(digest))
    return out
