"""Writers work on a copy swapped in whole; readers see the last complete state, and the web's
long-lived reader follows each swap (openpeel.warehouse.writing, .live, .versions)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from openpeel.assess.store import Store
from openpeel.errors import OpenPeelError
from openpeel.sample import sample_path
from openpeel.warehouse.db import NoWarehouse, Warehouse
from openpeel.warehouse.live import LiveWarehouse, WarehouseUnavailable
from openpeel.warehouse.versions import (
    CURRENT,
    NEXT,
    NEXT_RECORD,
    WAL,
    data_version,
    resumable,
)
from openpeel.warehouse.writer_lock import WarehouseBusy
from openpeel.warehouse.writing import writing
from openpeel.web.app import create_app
from tests.conftest import load
from tests.ingest.helpers import fingerprint

POLICE_UK = sample_path() / "police_uk"
JAN, FEB, MAR = (POLICE_UK / f"2016-0{m}" for m in (1, 2, 3))


def _files(wh: Warehouse) -> int:
    return int(wh.scalar("SELECT count(*) FROM meta_load_ledger WHERE status = 'loaded'"))


def _read(home: Path) -> int:
    with Warehouse(home, read_only=True) as wh:
        return _files(wh)


def _snapshot(home: Path) -> dict[str, tuple[int, int]]:
    with Warehouse(home, read_only=True) as wh:
        return fingerprint(wh)


def _fail_after_loading(home: Path, *paths: Path, command: str = "test") -> None:
    with writing(home, command) as wh:
        load(wh, *paths)
        raise RuntimeError("stopped")


@pytest.fixture
def january(home: Path) -> Path:
    """A home with January 2016's three City of London files, written through a copy."""
    with writing(home, "test") as wh:
        load(wh, JAN)
    return home


def test_a_write_becomes_current_whole_when_it_ends(home: Path) -> None:
    with writing(home, "test") as wh:
        load(wh, JAN)
        assert data_version(home) is None  # nothing is current before the end
        with pytest.raises(NoWarehouse, match=r"no warehouse in .* yet"):
            Warehouse(home, read_only=True)
    assert _read(home) == 3
    assert not (home / NEXT).exists()
    assert not (home / NEXT_RECORD).exists()
    assert not (home / (NEXT + WAL)).exists()


def test_readers_keep_their_state_and_the_next_reader_sees_the_new_one(january: Path) -> None:
    first = data_version(january)
    before = Warehouse(january, read_only=True)
    try:
        with writing(january, "test") as wh:
            load(wh, FEB)
            assert _read(january) == 3  # the current state, while the load runs
        assert _files(before) == 3  # a reader opened before keeps its state, whole
        # a reader opened now, in the same process, reads the new file (not the open one)
        assert _read(january) == 6
    finally:
        before.close()
    assert data_version(january) not in (None, first)


def test_a_failed_writer_publishes_nothing_and_the_next_one_carries_on(january: Path) -> None:
    before = _snapshot(january)
    with pytest.raises(RuntimeError, match="stopped"):
        _fail_after_loading(january, FEB, command="test one")
    assert _snapshot(january) == before
    pending = resumable(january)
    assert pending is not None
    assert pending.command == "test one"
    told: list[str] = []
    with writing(january, "test two", notify=told.append) as wh:
        results = load(wh, FEB, MAR)
    assert any("carrying on from the unfinished `test one`" in m for m in told)
    assert sorted(r.status for r in results) == ["loaded"] * 3 + ["unchanged"] * 3
    assert _read(january) == 9


def test_a_next_file_copied_from_an_older_state_is_not_carried_on(january: Path) -> None:
    with pytest.raises(RuntimeError, match="stopped"):
        _fail_after_loading(january, FEB)
    with Warehouse(january) as wh:  # the current state changes under the next file
        load(wh, MAR)
    assert resumable(january) is None
    told: list[str] = []
    with writing(january, "test", notify=told.append):
        pass
    assert told == []
    assert _read(january) == 6  # January and March; February's unfinished load is gone


def test_unfinished_work_that_cannot_be_read_is_dropped_and_the_load_starts_again(
    january: Path,
) -> None:
    with pytest.raises(RuntimeError, match="stopped"):
        _fail_after_loading(january, FEB)
    (january / (NEXT + WAL)).unlink(missing_ok=True)
    (january / NEXT).write_bytes(b"damaged" * 1000)
    assert resumable(january) is not None
    told: list[str] = []
    with writing(january, "test", notify=told.append) as wh:
        load(wh, MAR)
    assert any("cannot be read: starting again" in m for m in told)
    assert _read(january) == 6  # January and March


def test_one_writer_at_a_time_in_one_process(january: Path) -> None:
    with Warehouse(january) as outer, Warehouse(january) as inner:  # in place: they nest
        assert _files(outer) == _files(inner) == 3
        with pytest.raises(WarehouseBusy, match=r"`pytest \(writing in place\)` .* is writing"):
            writing(january, "test").__enter__()
    with writing(january, "test"):
        with pytest.raises(WarehouseBusy, match=r"`test` .* is writing"):
            Warehouse(january)
        with pytest.raises(WarehouseBusy, match=r"`test` .* is writing"):
            writing(january, "again").__enter__()


def test_a_load_that_would_not_fit_on_the_disk_is_refused_before_it_starts(
    january: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = (january / CURRENT).stat().st_size
    monkeypatch.setattr("shutil.disk_usage", lambda _: SimpleNamespace(free=size + 1000))
    with pytest.raises(OpenPeelError, match="not enough free space"), writing(january, "t"):
        pass
    assert not (january / NEXT).exists()
    assert _read(january) == 3


def test_a_log_left_by_a_killed_writer_in_place_is_carried_into_the_new_file(
    home: Path,
) -> None:
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from openpeel.warehouse.db import Warehouse\n"
        "from tests.conftest import load\n"
        "wh = Warehouse(Path(sys.argv[1]))\n"
        "load(wh, Path(sys.argv[2]))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", script, str(home), str(JAN)],
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert (home / (CURRENT + WAL)).exists()  # committed, not yet checkpointed
    with writing(home, "test") as wh:
        load(wh, FEB)
    assert not (home / (CURRENT + WAL)).exists()
    assert _read(home) == 6


# -- the long-lived reader of the web app --------------------------------------------------------


def test_the_live_reader_follows_each_swap_and_closes_what_no_request_reads(
    january: Path,
) -> None:
    live = LiveWarehouse(january)
    try:
        with live.reading() as old:
            assert _files(old) == 3
            with writing(january, "test") as wh:
                load(wh, FEB)
            with live.reading() as new:  # the next request reads the new state
                assert _files(new) == 6
                assert new.version == data_version(january) != old.version
            assert _files(old) == 3  # a request in flight finishes on its own version
            assert live.versions_open == [old.version, new.version]
        assert live.versions_open == [new.version]  # the last request on the old one ended
    finally:
        live.close()


def test_the_live_reader_keeps_answering_when_a_new_state_cannot_be_opened(
    january: Path,
) -> None:
    live = LiveWarehouse(january)
    try:
        with live.reading() as wh:
            version = wh.version
        damaged = january / "damaged"
        damaged.write_bytes(b"not a DuckDB file" * 100)
        damaged.replace(january / CURRENT)
        with live.reading() as wh:
            assert wh.version == version
            assert _files(wh) == 3
    finally:
        live.close()
    with pytest.raises(WarehouseUnavailable):  # nothing in hand: it cannot answer
        LiveWarehouse(january).version  # noqa: B018


@pytest.fixture
def held_in_place(january: Path) -> Iterator[Path]:
    """The warehouse held by a writer in place in another process (an older OpenPEEL)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read()",
            str(january / CURRENT),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    yield january
    holder.kill()
    holder.communicate()  # and its pipes closed


def test_the_web_answers_503_with_retry_after_and_no_path_only_when_it_cannot_read(
    held_in_place: Path, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        client = TestClient(create_app(held_in_place, store=store))
        for url in ("/api/indicators", "/indicators"):
            answer = client.get(url, headers={"Accept": "text/html"})
            assert answer.status_code == 503
            assert answer.headers["Retry-After"] == "5"
            assert str(tmp_path) not in answer.text
            assert "warehouse.duckdb" not in answer.text
            assert "being updated" in answer.text
    finally:
        store.close()


def test_a_writer_on_a_copy_waits_for_a_writer_in_place_in_another_process(
    held_in_place: Path,
) -> None:
    with pytest.raises(WarehouseBusy, match="written in place"), writing(held_in_place, "t"):
        pass
    assert not (held_in_place / NEXT_RECORD).exists()


def test_the_data_version_changes_with_every_write_and_only_then(january: Path) -> None:
    first = data_version(january)
    assert _read(january) == 3
    assert data_version(january) == first  # reading changes nothing
    with Warehouse(january) as wh:  # a write in place
        load(wh, FEB)
    second = data_version(january)
    with writing(january, "test"):  # a swap, even of a copy left as it was
        pass
    assert len({first, second, data_version(january)}) == 3
