"""Helpers for the source tests of the ONS, aggregate, HMIC and reference formats.

Each test module loads the real files it needs once (a module-scoped warehouse) and checks the
ledger against ``MANIFEST.csv`` of the shared data folder.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpeel.ingest.batch import FileResult
from openpeel.ingest.run import ingest
from openpeel.warehouse.db import Warehouse
from tests.conftest import load


def manifest_rows(shared: Path) -> dict[str, int | None]:
    """MANIFEST.csv: data rows (header excluded) of every file; None where not given."""
    with (shared / "MANIFEST.csv").open(encoding="utf-8", newline="") as fh:
        return {
            row["path"]: int(row["data_rows_excluding_header"])
            if row["data_rows_excluding_header"]
            else None
            for row in csv.DictReader(fh)
        }


@contextmanager
def loaded(home: Path, shared: Path, files: dict[str, str]) -> Iterator[Warehouse]:
    """A warehouse in ``home`` with the real ``files`` (path -> expected kind) loaded.

    Checks that every file loads whole: the expected kind, rows read as in MANIFEST.csv (or
    ``expected`` for files it gives no count for), none quarantined, and that a second ingest
    of the same files changes nothing.
    """
    counts = manifest_rows(shared)
    with Warehouse(home) as wh:
        results = load(wh, *(shared / f for f in files))
        by_path = {Path(r.display).relative_to(shared).as_posix(): r for r in results}
        assert set(by_path) == set(files), results
        for path, kind in files.items():
            result = by_path[path]
            assert result.status == "loaded", result
            assert result.kind == kind, result
            if counts[path] is not None:
                assert result.rows_read == counts[path], result
            assert result.rows_quarantined == 0, result
        again = ingest(wh, [shared / f for f in files])
        assert {r.status for r in again} == {"unchanged"}, again
        yield wh


def only(results: list[FileResult]) -> FileResult:
    """The single result of an ingest of one file."""
    assert len(results) == 1, results
    return results[0]
