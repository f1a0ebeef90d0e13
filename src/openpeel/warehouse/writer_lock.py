"""One writer of the warehouse at a time per home: an exclusive lock on ``HOME/warehouse.lock``.

The lock is a POSIX record lock (``fcntl``): the kernel drops it when its process ends, however
it ends (SIGKILL included), and a forked child does not inherit it. The holder writes who it is
(the command, its process id, when it started) into the file, so that a refused writer can
name what is running. Only this module opens the lock file: closing any other descriptor of it
would drop the process's lock.

Within one process, writers in place (``Warehouse(home)``) nest, as a test opening a home twice
does; a writer on a copy (``versions.writing``) is alone.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpeel.errors import OpenPeelError

log = logging.getLogger("openpeel.warehouse")

LOCK_FILE = "warehouse.lock"
#: how often a waiting writer tries the lock again, in seconds
POLL_SECONDS = 0.2


class WarehouseBusy(OpenPeelError):
    """Another writer holds the warehouse."""


@dataclass(frozen=True)
class Holder:
    """Who holds the writer lock."""

    command: str
    pid: int
    started: str  # ISO 8601, UTC

    def describe(self) -> str:
        if not self.pid:
            return self.command
        return f"`{self.command}` (process {self.pid}, started {when(self.started)})"


def when(iso: str) -> str:
    """A moment recorded in ISO 8601 (UTC), as people read it: 2026-12-04 17:09:30 UTC."""
    return iso[:10] + " " + iso[11:19] + " UTC" if len(iso) >= 19 else "a moment ago"


#: a holder that has not written who it is yet
UNKNOWN = Holder("another openpeel command", 0, "")


@dataclass
class _Held:
    fd: int
    holder: Holder
    in_place: bool
    count: int = 1


_HELD: dict[Path, _Held] = {}
_GUARD = threading.Lock()


def _key(home: Path) -> Path:
    return home.resolve()


@contextmanager
def writer_lock(
    home: Path,
    command: str,
    *,
    wait: float = 0.0,
    in_place: bool = False,
    notify: Callable[[str], None] | None = None,
) -> Iterator[Holder]:
    """Hold the home's writer lock for ``command``; if another writer holds it, wait up to
    ``wait`` seconds (telling ``notify`` once), then refuse naming the holder."""
    home.mkdir(parents=True, exist_ok=True)
    key = _key(home)
    me = Holder(command, os.getpid(), datetime.now(UTC).isoformat(timespec="seconds"))
    deadline = time.monotonic() + max(0.0, wait)
    told = False
    while True:
        other = _try(home, key, me, in_place)
        if other is None:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            raise WarehouseBusy(
                f"cannot run `{command}`: {other.describe()} is writing to the warehouse in {home}",
                hint="wait for it to finish (the dashboard and the other commands keep reading "
                "the last complete state meanwhile), or give --wait SECONDS to wait for it",
            )
        if not told:
            told = True
            log.info("waiting for the writer lock of %s", home)
            if notify is not None:
                notify(f"waiting for {other.describe()} to finish writing to the warehouse")
        time.sleep(min(POLL_SECONDS, left))
    try:
        yield _HELD[key].holder
    finally:
        _release(key)


def _try(home: Path, key: Path, me: Holder, in_place: bool) -> Holder | None:
    """Take the lock (or nest in this process's own, in place): None; else who holds it.

    Every descriptor of the lock file is opened and closed under the guard, and none while this
    process holds the lock but the holding one: closing another would drop the lock.
    """
    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            if in_place and held.in_place:
                held.count += 1
                return None
            return held.holder
        fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            other = _read(fd)
            os.close(fd)
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            return other or UNKNOWN
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        _HELD[key] = _Held(fd, me, in_place)
        return None


def _release(key: Path) -> None:
    with _GUARD:
        held = _HELD[key]
        held.count -= 1
        if held.count:
            return
        del _HELD[key]
        try:
            os.ftruncate(held.fd, 0)
        finally:
            os.close(held.fd)  # drops the lock


def _read(fd: int) -> Holder | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode())
        return Holder(str(data["command"]), int(data["pid"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # written at this moment, or by something else


def holder(home: Path) -> Holder | None:
    """Who is writing to the warehouse of ``home`` now, if anyone (asked without taking the
    lock, even for a moment: a writer starting then would be refused)."""
    with _GUARD:
        held = _HELD.get(_key(home))
        if held is not None:
            return held.holder
        try:
            fd = os.open(home / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            return (_read(fd) or UNKNOWN) if _locked(fd) else None
        finally:
            os.close(fd)  # this process holds no lock on the file: closing drops nothing


#: struct flock of Linux (l_type, l_whence, l_start, l_len, l_pid), as fcntl(F_GETLK) takes it
_FLOCK = "hhqqi4x"


def _locked(fd: int) -> bool:
    """Whether another process holds a lock on the file (F_GETLK: asks, takes nothing)."""
    query = struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
    answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    return int(struct.unpack(_FLOCK, answer)[0]) != fcntl.F_UNLCK
