"""The download cache of a home: ``HOME/downloads``.

- ``files/<dataset>/<key>/<name>``: each downloaded file, as published (``key``: a short hash
  of its URL, so that two releases with the same file name stay apart);
- ``data/<dataset>/...``: the members extracted from archives, in the archive's own layout;
- ``ledger.json``: per URL, the file's SHA-256, size, ETag and Last-Modified (for conditional
  GET), when it was fetched and the checksums of the members extracted from it.

A file gets into ``files/`` or ``data/`` only whole and checked: written beside its place,
synced, then renamed over it; the ledger is rewritten the same way after. A failed fetch
leaves both as they were.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from openpeel.errors import OpenPeelError

DOWNLOADS = "downloads"
LEDGER = "ledger.json"
LOCK = "fetch.lock"


@dataclass
class Member:
    """A file extracted from an archive."""

    path: str  # relative to the downloads folder
    sha256: str
    bytes: int


@dataclass
class Entry:
    """A downloaded file, by URL."""

    url: str
    dataset: str
    release: str
    path: str  # relative to the downloads folder
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None
    fetched_at: str
    checked_at: str
    members: dict[str, Member] = field(default_factory=dict)


class Cache:
    """The downloads folder of a home and its ledger."""

    def __init__(self, home: Path) -> None:
        self.root = home / DOWNLOADS
        self.root.mkdir(parents=True, exist_ok=True)
        self.entries: dict[str, Entry] = _read(self.root / LEDGER)

    def file_for(self, dataset: str, url: str) -> Path:
        key = hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()[:10]
        name = url.rsplit("/", 1)[-1].split("?", 1)[0] or "download"
        return self.root / "files" / dataset / key / name

    def data_folder(self, dataset: str) -> Path:
        return self.root / "data" / dataset

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def abs(self, rel: str) -> Path:
        return self.root / rel

    def current(self, url: str) -> Entry | None:
        """The ledger's entry for ``url`` if its file is still there, whole."""
        entry = self.entries.get(url)
        if entry is None:
            return None
        path = self.abs(entry.path)
        if not path.exists() or path.stat().st_size != entry.bytes:
            return None
        return entry

    def save(self) -> None:
        data = {url: asdict(e) for url, e in sorted(self.entries.items())}
        write_atomic(self.root / LEDGER, json.dumps(data, indent=1).encode())


@contextmanager
def fetch_lock(home: Path, command: str) -> Iterator[None]:
    """One fetch or refresh at a time per home (a POSIX lock, dropped when the process ends)."""
    folder = home / DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            other = os.pread(fd, 512, 0).decode(errors="replace").strip() or "another command"
            raise OpenPeelError(
                f"cannot run `{command}`: {other} is fetching into {folder}",
                hint="wait for it to finish; a timer that starts refreshes should not start "
                "one while the last runs",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"`{command}` (process {os.getpid()})".encode(), 0)
        yield
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _read(path: Path) -> dict[str, Entry]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for url, raw in data.items():
            members = {k: Member(**v) for k, v in raw.pop("members", {}).items()}
            out[url] = Entry(**raw, members=members)
        return out
    except (ValueError, TypeError, KeyError) as exc:
        raise OpenPeelError(
            f"{path} cannot be read: {exc}",
            hint="move it away; the next fetch downloads every file again and rewrites it",
        ) from exc
