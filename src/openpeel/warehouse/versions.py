"""States of the warehouse: the current file that every reader opens, the next one a writer
makes, and the data version that tells them apart.

DuckDB lets one process write a file, or many read it, never both. So a command that changes
the warehouse works on a copy (``openpeel.warehouse.writing``) and swaps it in whole:

    warehouse.duckdb       the current state: the last complete one; readers open it
    warehouse.next.duckdb  the next state, while a writer works on it (a killed writer leaves it)
    warehouse.next.json    what the next file was copied from, by which command, when
    warehouse.lock         the writer lock (``writer_lock``): one writer at a time

A swap is a rename, so a reader opens either the previous state or the new one, each whole.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from openpeel.warehouse.writer_lock import Holder, holder, when

CURRENT = "warehouse.duckdb"
NEXT = "warehouse.next.duckdb"
NEXT_RECORD = "warehouse.next.json"
WAL = ".wal"  # DuckDB's write-ahead log sits beside its file, with this ending


def data_version(home: Path) -> str | None:
    """The version of the warehouse readers of ``home`` see now (None: no warehouse yet).

    It changes with every load that commits, because each swaps in a new file (another inode,
    written later); a cache of pages keyed by it never serves a state that has been replaced.
    A stat, so cheap enough to ask on every request.
    """
    try:
        return file_version((home / CURRENT).stat())
    except FileNotFoundError:
        return None


def file_version(st: os.stat_result) -> str:
    """The version of a warehouse file from its identity: inode, size and modification time."""
    return f"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"


@dataclass(frozen=True)
class Pending:
    """A next file left by a writer that did not finish, and what it was copied from."""

    base: str | None  # the data version of the current file it was copied from; None: none
    command: str
    started: str  # ISO 8601, UTC


def read_pending(home: Path) -> Pending | None:
    """The record of the next file, if both are there and the record is whole."""
    try:
        data = json.loads((home / NEXT_RECORD).read_text(encoding="utf-8"))
        found = Pending(data["base"], str(data["command"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if (home / NEXT).exists() else None


def write_pending(home: Path, pending: Pending) -> None:
    """Record what the next file was copied from: written whole (a new file renamed into place)
    and synced, so that a kill leaves either no record or this one."""
    temporary = home / (NEXT_RECORD + ".tmp")
    with temporary.open("w", encoding="utf-8") as f:
        json.dump(asdict(pending), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, home / NEXT_RECORD)
    sync_folder(home)


def resumable(home: Path) -> Pending | None:
    """A next file a writer can carry on with: the current file is still the one it was copied
    from (or there is still none)."""
    pending = read_pending(home)
    if pending is None or pending.base != data_version(home):
        return None
    return pending


def sync_folder(folder: Path) -> None:
    """Make the folder's entries (a rename, a new file) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Loading:
    """What is under way in a home: a writer at work, and a next file waiting to be carried on."""

    writer: Holder | None
    pending: Pending | None

    def lines(self) -> list[str]:
        if self.writer is not None:
            return [
                f"A load is under way: {self.writer.describe()}; until it finishes, the "
                "dashboard and the other commands read the last complete state."
            ]
        if self.pending is not None:
            return [
                f"`{self.pending.command}` (started {when(self.pending.started)}) did not "
                "finish; run it again to carry on from what it had done (any `openpeel ingest`, "
                "`indicators compute` or `forecast` does)."
            ]
        return []


def loading(home: Path) -> Loading:
    return Loading(holder(home), resumable(home))


def no_warehouse_hint(home: Path) -> str:
    """What to do where there is no warehouse: load data, or wait for the first load."""
    said = loading(home).lines()
    return (
        " ".join(said)
        if said
        else (
            "load data with `openpeel ingest PATH`, or point --home at the folder that holds "
            "warehouse.duckdb"
        )
    )
