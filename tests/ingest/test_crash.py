"""A load killed with SIGKILL leaves the warehouse exactly as it was; running again finishes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load
from tests.ingest.helpers import fingerprint

SAMPLE = sample_path()
JANUARY = SAMPLE / "police_uk" / "2019-01"  # five real files, about 45,000 rows


def _ingest_process(home: Path, path: Path, kill_at: str | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CI": "true"}
    env.pop("OPENPEEL_FAULT_KILL_AT", None)
    if kill_at:
        env["OPENPEEL_FAULT_KILL_AT"] = kill_at
    return subprocess.Popen(
        [sys.executable, "-m", "openpeel", "ingest", str(path), "--home", str(home)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _baseline(home: Path) -> dict[str, tuple[int, int]]:
    with Warehouse(home) as wh:
        load(wh, SAMPLE / "police_uk" / "2016-01")
        return fingerprint(wh)


@pytest.mark.parametrize("point", ["inserted", "before-commit"])
def test_killed_load_leaves_the_warehouse_as_it_was(home: Path, point: str) -> None:
    before = _baseline(home)
    process = _ingest_process(home, JANUARY, kill_at=point)
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL
    with Warehouse(home) as wh:
        assert fingerprint(wh) == before
    rerun = _ingest_process(home, JANUARY)
    assert rerun.wait(timeout=120) == 0
    with Warehouse(home) as wh:
        assert wh.scalar("SELECT count(*) FROM meta_load_ledger WHERE status = 'loaded'") == 8
        assert wh.scalar(
            "SELECT count(*) FROM core_policeuk__street WHERE month = '2019-01-01'"
        ) == wh.scalar(
            "SELECT sum(rows_loaded) FROM meta_load_ledger WHERE '2019-01' = ANY(periods)"
        )


def test_kill_at_a_random_moment_keeps_every_file_whole(home: Path) -> None:
    _baseline(home)
    rng = random.Random(20161103)
    for _ in range(3):
        process = _ingest_process(home, JANUARY)
        time.sleep(rng.uniform(0.2, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        with Warehouse(home) as wh:
            # every row belongs to a file in the ledger, and every file has all its rows
            orphans = wh.scalar(
                "SELECT count(*) FROM raw_policeuk__street WHERE file_id NOT IN "
                "(SELECT file_id FROM meta_load_ledger)"
            )
            assert orphans == 0
            mismatched = wh.rows(
                "SELECT l.file_id FROM meta_load_ledger l LEFT JOIN (SELECT file_id, count(*) "
                "AS n FROM raw_policeuk__street GROUP BY 1) r USING (file_id) "
                "WHERE l.kind = 'policeuk_street' AND coalesce(r.n, 0) <> l.rows_read"
            )
            assert mismatched == []
    rerun = _ingest_process(home, JANUARY)
    assert rerun.wait(timeout=120) == 0
    with Warehouse(home) as wh:
        assert wh.scalar("SELECT count(DISTINCT sha256) FROM meta_load_ledger") == 8
