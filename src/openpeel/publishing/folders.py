"""Folders written whole: a new folder is filled beside its target and swapped in, so that a
reader, or a crash, finds the old folder or the new one and never a mix of the two.

* ``stage`` makes the new folder beside the target (same file system, so the swap is a rename);
  folders left by a killed run (their process is gone) are removed first.
* ``swap_in`` puts it in place: one atomic exchange of the two names where Linux offers it
  (``renameat2`` with ``RENAME_EXCHANGE``), else two renames; then removes the old folder.
* An export folder carries a marker (``MARKER``) listing every file the export wrote, and an
  export replaces only a folder that is empty or whose files are all on its marker: nothing
  the export did not write is ever deleted.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from openpeel.errors import OpenPeelError

log = logging.getLogger("openpeel.publishing")

#: the file an export writes into its folder: what wrote it, when, and every file it wrote
MARKER = ".openpeel-export.json"
MARKER_KIND = "OpenPEEL public export"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class FolderError(OpenPeelError):
    pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_STAGED = re.compile(r"\.(?P<name>.+)\.(?:new|old)-(?P<pid>\d+)-[^/]+")


def clean_stale(parent: Path) -> list[Path]:
    """Remove the folders that killed runs left in ``parent`` (``.NAME.new-PID-*`` and
    ``.NAME.old-PID-*`` whose process is gone)."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for path in parent.iterdir():
        found = _STAGED.fullmatch(path.name)
        if found is None or _alive(int(found["pid"])):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            log.info("removed %s, left by a run that was stopped", path)
            removed.append(path)
    return removed


def stage(target: Path) -> Path:
    """A new, empty folder beside ``target``, to be filled and then swapped in."""
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent)
    return Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.new-{os.getpid()}-"))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # a file system that cannot exchange: two renames instead
    raise OSError(code, os.strerror(code), str(b))


def swap_in(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` (replacing what is there) and remove the old one."""
    if not target.exists() and not target.is_symlink():
        new.rename(target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)  # it now holds the old folder
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-{os.getpid()}-"))
    old.rmdir()
    target.rename(old)
    new.rename(target)
    shutil.rmtree(old)


def written_files(folder: Path) -> list[str]:
    """Every file under ``folder``, as paths relative to it, in order."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def write_marker(folder: Path, at: datetime) -> None:
    """Mark ``folder`` as an export, listing every file in it (written last)."""
    marker = {"kind": MARKER_KIND, "written_at": at.isoformat(), "files": written_files(folder)}
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def check_replaceable(folder: Path, written_before: Callable[[str], bool] | None = None) -> None:
    """Refuse a folder that an export may not replace: anything but a missing folder, an empty
    one, or an earlier export holding only the files it wrote. ``written_before`` recognises
    the files of an export made before exports were marked (each of its files, by its path)."""
    if folder.is_symlink():
        raise FolderError(
            f"{folder} is a symbolic link; an export replaces only a folder it wrote",
            hint="give the folder itself, or a new one",
        )
    if not folder.exists():
        return
    if not folder.is_dir():
        raise FolderError(
            f"{folder} is a file, not a folder", hint="give a new folder for the export (--to)"
        )
    present = written_files(folder)
    if not present and not any(folder.iterdir()):
        return
    hint = "give a new or empty folder (--to), or move this one away yourself"
    marker = folder / MARKER
    if not marker.is_file() and written_before is not None and all(map(written_before, present)):
        return  # an export from before the marker: every file is one an export writes
    if not marker.is_file():
        raise FolderError(
            f"{folder} is not an OpenPEEL export (it has no {MARKER}) and holds "
            f"{len(present)} files, such as {present[0] if present else 'folders'}; "
            "an export replaces only a folder it wrote itself, and deletes nothing else",
            hint=hint,
        )
    try:
        listed = json.loads(marker.read_text(encoding="utf-8"))
        ours = set(listed["files"]) if listed.get("kind") == MARKER_KIND else None
    except (ValueError, KeyError, TypeError, AttributeError):
        ours = None
    if ours is None:
        raise FolderError(f"{marker} is not an OpenPEEL export's marker", hint=hint)
    strangers = [p for p in present if p != MARKER and p not in ours]
    if strangers:
        raise FolderError(
            f"{folder} holds files that the export did not write, such as {strangers[0]} "
            f"({len(strangers)} in all); the export would delete them",
            hint="move them out of the folder, or give another folder (--to)",
        )
