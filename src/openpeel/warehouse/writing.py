"""Write the warehouse while it is read: on a copy, swapped in whole when the work is done.

``writing(home, command)``:

1. takes the home's writer lock (a second writer is refused, naming the first, or waits);
2. copies the current file to the next file, or carries on with a next file a killed writer
   left, if the current file is still the one it was copied from;
3. yields a ``Warehouse`` on the next file: the command works with its usual transactions;
4. checkpoints and closes it, syncs it to disk and renames it over the current file, then syncs
   the folder.

A kill at any moment leaves the current file as it was (or absent before the first load); the
next writer carries on from the work the killed one had committed. A command that fails leaves
its work in the next file in the same way: nothing is published that did not finish.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from openpeel.errors import OpenPeelError
from openpeel.faults import fault_point
from openpeel.warehouse.db import Warehouse, attach_read_only
from openpeel.warehouse.versions import (
    CURRENT,
    NEXT,
    NEXT_RECORD,
    WAL,
    Pending,
    data_version,
    resumable,
    sync_file,
    sync_folder,
    write_pending,
)
from openpeel.warehouse.writer_lock import WarehouseBusy, when, writer_lock

log = logging.getLogger("openpeel.warehouse")

#: free space kept beyond the copy itself, for the work the writer adds
SPACE_MARGIN = 256 * 1024 * 1024

Notify = Callable[[str], None]


@contextmanager
def writing(
    home: Path, command: str, *, wait: float = 0.0, notify: Notify | None = None
) -> Iterator[Warehouse]:
    """A warehouse to write into for ``command`` (e.g. "openpeel ingest"); its work becomes the
    current state, at once and whole, when the block ends without an error."""
    tell = notify or (lambda _message: None)
    with writer_lock(home, command, wait=wait, notify=tell):
        wh = _open_next(home, command, wait, tell)
        try:
            yield wh
            wh.execute("CHECKPOINT")
        except BaseException as exc:
            wh.close()
            log.info("%s did not finish; its work waits in %s", command, home / NEXT)
            if not isinstance(exc, OpenPeelError):  # a user's error says what to do itself
                tell(
                    "stopped before the end: the warehouse keeps its last complete state; run "
                    "the command again to carry on from the work done so far"
                )
            raise
        wh.close()
        _swap(home)


def _open_next(home: Path, command: str, wait: float, tell: Notify) -> Warehouse:
    """The next file, opened for writing: carried on where a killed writer left it, unless it
    cannot be read (then dropped), else copied from the current file."""
    pending = resumable(home)
    if pending is not None:
        tell(f"carrying on from the unfinished `{pending.command}` of {when(pending.started)}")
        try:
            return Warehouse(home, file=home / NEXT)
        except WarehouseBusy:
            raise
        except (OpenPeelError, duckdb.Error) as exc:
            log.warning("cannot read the unfinished work in %s: %s", home / NEXT, exc)
            tell("its work cannot be read: starting again from the last complete state")
    _copy_next(home, command, wait)
    return Warehouse(home, file=home / NEXT)


def _copy_next(home: Path, command: str, wait: float) -> None:
    discard_next(home)
    current = home / CURRENT
    started = datetime.now(UTC).isoformat(timespec="seconds")
    base = None
    if current.exists():
        base = _copy(home, wait)
    write_pending(home, Pending(base, command, started))
    fault_point("copied")


def discard_next(home: Path) -> None:
    """Remove a next file that cannot be carried on: the record first (so that a kill in
    between leaves no record of a next file that is half gone), then its log, then the file."""
    for name in (NEXT_RECORD, NEXT + WAL, NEXT):
        (home / name).unlink(missing_ok=True)


def _copy(home: Path, wait: float) -> str | None:
    """Copy the current file (and its log, if a writer in place left one) to the next file;
    returns the data version copied.

    The current file is attached read-only meanwhile: DuckDB's own lock then keeps any writer
    in place (an older OpenPEEL, a script) out until the copy is whole.
    """
    current, target = home / CURRENT, home / NEXT
    size = current.stat().st_size
    free = shutil.disk_usage(home).free
    if free < size + SPACE_MARGIN:
        raise OpenPeelError(
            f"not enough free space in {home} to load: the load works on a copy of the "
            f"warehouse ({size / 1e9:.1f} GB) and {free / 1e9:.1f} GB are free",
            hint="free some space on that disk, then run the command again",
        )
    start = time.perf_counter()
    guard = _guard(current, wait)
    try:
        base = data_version(home)
        shutil.copyfile(current, target)
        if (home / (CURRENT + WAL)).exists():
            shutil.copyfile(home / (CURRENT + WAL), home / (NEXT + WAL))
            sync_file(home / (NEXT + WAL))
    finally:
        guard.close()
    sync_file(target)
    log.info("copied the warehouse (%.0f MB) in %.2f s", size / 1e6, time.perf_counter() - start)
    return base


def _guard(current: Path, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    while True:
        try:
            return attach_read_only(current)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise OpenPeelError(f"cannot read the warehouse {current}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"the warehouse {current} is being written in place by another program",
                    hint="wait for it to finish (or give --wait SECONDS), then run the command "
                    "again",
                ) from exc
            time.sleep(0.2)
        except duckdb.Error as exc:
            raise OpenPeelError(f"cannot read the warehouse {current}: {exc}") from exc


def _swap(home: Path) -> None:
    """Make the next file the current one, whole: synced, then renamed over it."""
    target = home / NEXT
    log_file = home / (NEXT + WAL)
    if log_file.exists() and log_file.stat().st_size:
        raise OpenPeelError(
            f"the warehouse being written ({target}) kept its log after its last checkpoint",
            hint="run the command again: it carries on from that file",
        )
    log_file.unlink(missing_ok=True)
    sync_file(target)
    fault_point("swapping")
    # a log a writer in place left beside the current file was copied with it and is in the
    # next file now; left there, it would be read as the new file's
    (home / (CURRENT + WAL)).unlink(missing_ok=True)
    target.replace(home / CURRENT)
    sync_folder(home)
    fault_point("swapped")
    (home / NEXT_RECORD).unlink(missing_ok=True)
    log.info("the warehouse in %s is now version %s", home, data_version(home))
