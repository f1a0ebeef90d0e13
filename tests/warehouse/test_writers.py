"""Writers as a user runs them: a kill at any moment (first-time creation included) leaves the
current warehouse as it was, `status` says so plainly, the next run carries on, and a second
writer is refused naming the first, or waits for it when asked."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import duckdb
import pytest

from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.versions import CURRENT, NEXT, read_pending
from openpeel.warehouse.writing import writing
from tests.conftest import load
from tests.ingest.helpers import fingerprint

POLICE_UK = sample_path() / "police_uk"
CITY = POLICE_UK / "2016-01"  # three small files
JANUARY = POLICE_UK / "2019-01"  # five files, about 45,000 rows
#: every point a writer can be killed at, in the order a load reaches them
POINTS = ("copied", "schema", "inserted", "before-commit", "swapping", "swapped")


def openpeel(home: Path, *args: str, kill_at: str | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}
    env["CI"] = "true"
    if kill_at:
        env["OPENPEEL_FAULT_KILL_AT"] = kill_at
    return subprocess.Popen(
        [sys.executable, "-m", "openpeel", *args, "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def run(home: Path, *args: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    process = openpeel(home, *args, kill_at=kill_at)
    out, err = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def snapshot(home: Path) -> dict[str, tuple[int, int]] | None:
    """The current state as readers see it (None: no warehouse)."""
    if not (home / CURRENT).exists():
        return None
    with Warehouse(home, read_only=True) as wh:
        return fingerprint(wh)


def status_says_no_warehouse_yet(home: Path) -> str:
    shown = run(home, "status")
    assert shown.returncode == 2, shown.stdout + shown.stderr
    assert f"there is no warehouse in {home} yet" in shown.stderr
    assert "Error" not in shown.stderr.replace("error:", "")  # no raw DuckDB error
    return shown.stderr


@pytest.fixture
def city(home: Path) -> Path:
    assert run(home, "ingest", str(CITY)).returncode == 0
    return home


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_a_killed_load_leaves_the_current_state_and_the_next_run_carries_on(
    city: Path, point: str
) -> None:
    before = snapshot(city)
    killed = run(city, "ingest", str(JANUARY), kill_at=point)
    assert killed.returncode == -signal.SIGKILL
    if point == "swapped":  # killed after the swap: the whole load is current
        assert snapshot(city) != before
    else:
        assert snapshot(city) == before
    again = run(city, "ingest", str(JANUARY))
    assert again.returncode == 0, again.stderr
    if point not in ("swapped",):
        assert "carrying on from the unfinished `openpeel ingest`" in again.stderr
    assert not (city / NEXT).exists()
    with Warehouse(city, read_only=True) as wh:
        assert wh.scalar("SELECT count(DISTINCT sha256) FROM meta_load_ledger") == 8
        assert wh.scalar(
            "SELECT count(*) FROM core_policeuk__street WHERE month = '2019-01-01'"
        ) == wh.scalar(
            "SELECT sum(rows_loaded) FROM meta_load_ledger WHERE '2019-01' = ANY(periods)"
        )


@pytest.mark.slow
@pytest.mark.parametrize("point", ["copied", "schema", "inserted", "swapping"])
def test_a_kill_during_first_time_creation_leaves_no_warehouse_and_status_says_so(
    home: Path, point: str
) -> None:
    killed = run(home, "ingest", str(CITY), kill_at=point)
    assert killed.returncode == -signal.SIGKILL
    said = status_says_no_warehouse_yet(home)
    if point != "copied":  # work was done: the status says how to carry it on
        assert "`openpeel ingest` (started" in said
        assert "did not finish; run it again to carry on" in said
    again = run(home, "ingest", str(CITY))
    assert again.returncode == 0, again.stderr
    shown = run(home, "status", "--format", "csv")
    assert shown.returncode == 0
    assert "policeuk_street,1,2016-01" in shown.stdout


def test_an_incomplete_warehouse_an_older_version_left_is_reported_and_made_whole(
    home: Path,
) -> None:
    # what a kill during first-time creation left before loads worked on a copy: the file
    # DuckDB made, without the tables
    home.mkdir()
    duckdb.connect(str(home / CURRENT)).close()
    shown = run(home, "status")
    assert shown.returncode == 2
    assert "the warehouse in" in shown.stderr
    assert "is incomplete" in shown.stderr
    assert "Catalog" not in shown.stderr
    assert run(home, "ingest", str(CITY)).returncode == 0
    assert "policeuk_street" in run(home, "status").stdout


@pytest.mark.slow
def test_kills_at_random_moments_never_leave_a_broken_warehouse(home: Path) -> None:
    rng = random.Random(20161103)
    for attempt in range(6):
        process = openpeel(home, "ingest", str(CITY) if attempt < 3 else str(JANUARY))
        time.sleep(rng.uniform(0.3, 4.0))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        if not (home / CURRENT).exists():
            status_says_no_warehouse_yet(home)
            continue
        with Warehouse(home, read_only=True) as wh:
            # every file in the ledger has all its rows, and every row belongs to one
            assert (
                wh.scalar(
                    "SELECT count(*) FROM raw_policeuk__street WHERE file_id NOT IN "
                    "(SELECT file_id FROM meta_load_ledger)"
                )
                == 0
            )
            assert (
                wh.rows(
                    "SELECT l.file_id FROM meta_load_ledger l LEFT JOIN (SELECT file_id, count(*) "
                    "AS n FROM raw_policeuk__street GROUP BY 1) r USING (file_id) "
                    "WHERE l.kind = 'policeuk_street' AND coalesce(r.n, 0) <> l.rows_read"
                )
                == []
            )
    assert run(home, "ingest", str(CITY), str(JANUARY)).returncode == 0
    with Warehouse(home, read_only=True) as wh:
        assert wh.scalar("SELECT count(DISTINCT sha256) FROM meta_load_ledger") == 8


def _lines_of(stream: IO[str], into: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(stream), daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_a_second_writer_is_refused_naming_the_first_or_waits_for_it(city: Path) -> None:
    with writing(city, "openpeel ingest") as wh:  # a load under way, in this process
        refused = run(city, "indicators", "compute")
        assert refused.returncode == 2
        assert "cannot run `openpeel indicators compute`: `openpeel ingest` (process" in (
            refused.stderr
        )
        assert "--wait SECONDS" in refused.stderr
        shown = run(city, "status")  # a reader meanwhile: the last complete state, and the load
        assert shown.returncode == 0
        assert "A load is under way: `openpeel ingest`" in shown.stderr
        assert "policeuk_street" in shown.stdout
        waiting = openpeel(city, "indicators", "compute", "--wait", "300")
        told: list[str] = []
        assert waiting.stderr is not None
        reader = _lines_of(waiting.stderr, told)
        deadline = time.monotonic() + 120
        while not any("waiting for `openpeel ingest`" in line for line in told):
            assert waiting.poll() is None, told
            assert time.monotonic() < deadline, told
            time.sleep(0.1)
        load(wh, JANUARY)
    assert waiting.wait(timeout=300) == 0, told
    reader.join(timeout=60)
    waiting.communicate()
    with Warehouse(city, read_only=True) as wh:
        assert wh.scalar("SELECT count(DISTINCT sha256) FROM meta_load_ledger") == 8
        # the indicators were computed after the load, from its data
        assert wh.scalar("SELECT count(*) FROM out_indicator_values WHERE period = '2019-01'") > 0
    assert read_pending(city) is None


@pytest.mark.slow
def test_writers_started_together_each_run_whole_one_after_the_other(city: Path) -> None:
    started = [
        openpeel(city, "ingest", str(JANUARY), "--wait", "600"),
        openpeel(city, "ingest", str(POLICE_UK / "2016-02"), "--wait", "600"),
        openpeel(city, "indicators", "compute", "--wait", "600"),
        openpeel(city, "ingest", str(POLICE_UK / "2019-02"), "--wait", "600"),
    ]
    for process in started:
        _, err = process.communicate(timeout=900)
        assert process.returncode == 0, err
    with Warehouse(city, read_only=True) as wh:
        assert wh.scalar("SELECT count(DISTINCT sha256) FROM meta_load_ledger") == 3 + 5 + 3 + 1
        assert wh.scalar("SELECT count(*) FROM out_indicator_values") > 0
