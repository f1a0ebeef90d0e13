"""The warehouse for a long-lived reader (the web app): one read-only connection per data
version, a cursor per request, and the next version opened when a load swaps it in.

Each request looks at the current file's identity (a stat). When a load has swapped in a new
file, the next request opens it; the connection to the previous one is closed when the last
request using it ends. A request is answered from the version it started with, whole.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from openpeel.errors import OpenPeelError
from openpeel.warehouse.db import READER_ALIAS, Warehouse, attach_read_only, has_tables
from openpeel.warehouse.versions import CURRENT, data_version

log = logging.getLogger("openpeel.warehouse")

#: after a failed open, the version in hand is used this long before trying again (seconds)
RETRY_SECONDS = 1.0


class WarehouseUnavailable(OpenPeelError):
    """No state of the warehouse can be read now (none was opened yet, and the current file
    cannot be). Said without the file's path: the message goes to web clients."""

    def __init__(self, retry_after: int = 5) -> None:
        super().__init__(
            "the data are being updated and cannot be read for a moment",
            hint=f"try again in {retry_after} seconds",
        )
        self.retry_after = retry_after


@dataclass
class _Version:
    con: duckdb.DuckDBPyConnection
    version: str
    users: int = 0
    retired: bool = False


class LiveWarehouse:
    """The warehouse of ``home`` for many threads, following the loads that commit."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._current: _Version | None = None
        #: the versions with a connection open: the current one, and retired ones still read
        self._opened: list[_Version] = []
        self._failed_at = 0.0

    @contextmanager
    def reading(self) -> Iterator[Warehouse]:
        """A warehouse on the newest complete version, for one request (one thread)."""
        held = self._acquire()
        cursor: duckdb.DuckDBPyConnection | None = None
        try:
            with self._lock:
                cursor = held.con.cursor()
            cursor.execute(f"USE {READER_ALIAS}")
            yield Warehouse.over(self.home, cursor, held.version)
        finally:
            if cursor is not None:
                cursor.close()
            self._release(held)

    @property
    def version(self) -> str | None:
        """The version the next request would read (opening it if a load has swapped one in)."""
        with self.reading() as wh:
            return wh.version

    @property
    def versions_open(self) -> list[str]:
        """The data versions with a connection open, oldest first."""
        with self._lock:
            return [v.version for v in self._opened]

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._retire(self._current)
                self._current = None

    def _acquire(self) -> _Version:
        with self._lock:
            held = self._current
            now = time.monotonic()
            if (held is None or held.version != data_version(self.home)) and (
                held is None or now - self._failed_at >= RETRY_SECONDS
            ):
                try:
                    fresh = self._open()
                except (OSError, duckdb.Error, OpenPeelError) as exc:
                    self._failed_at = now
                    if held is None:
                        log.warning("cannot open the warehouse in %s: %s", self.home, exc)
                        raise WarehouseUnavailable() from exc
                    log.warning(
                        "cannot open the new state of the warehouse in %s (%s): answering from "
                        "version %s meanwhile",
                        self.home,
                        exc,
                        held.version,
                    )
                else:
                    if held is not None:
                        self._retire(held)
                    self._current = held = fresh
                    self._opened.append(fresh)
                    log.info("reading version %s of the warehouse in %s", fresh.version, self.home)
            assert held is not None  # noqa: S101  (narrows the type: set in the branch above)
            held.users += 1
            return held

    def _open(self) -> _Version:
        """The current file, opened: its version is taken before and after, so that a swap in
        between is never mistaken for the file opened."""
        for _ in range(5):
            before = data_version(self.home)
            if before is None:
                raise OpenPeelError("there is no warehouse")
            con = attach_read_only(self.home / CURRENT)
            if data_version(self.home) != before:
                con.close()  # swapped meanwhile: which file was opened is not known
                continue
            if not has_tables(con):
                con.close()
                raise OpenPeelError("the warehouse is incomplete (a first load was stopped)")
            return _Version(con, before)
        raise OpenPeelError("the warehouse changed five times while it was being opened")

    def _retire(self, held: _Version) -> None:
        held.retired = True
        if held.users == 0:
            self._close(held)

    def _release(self, held: _Version) -> None:
        with self._lock:
            held.users -= 1
            if held.retired and held.users == 0:
                self._close(held)

    def _close(self, held: _Version) -> None:
        held.con.close()
        self._opened.remove(held)
