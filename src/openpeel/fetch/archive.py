"""Take only the members asked for out of a publisher's zip archive, streamed and checked.

Every member name is checked before anything is written: an absolute path, a ``..`` part, a
backslash or a drive letter refuses the archive whole. A member is written beside its place
while its CRC and size are checked (``zipfile`` checks the CRC at the end of the stream; the size
is counted, so a member larger than its header says, or than ``MAX_MEMBER_BYTES``, is refused),
then renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpeel.errors import OpenPeelError
from openpeel.ingest.discover import member_problem

#: the largest member taken out (the national street file of a month is about 150 MB)
MAX_MEMBER_BYTES = 4 * 1024**3
#: members compressed more than this are refused as zip bombs (CSV compresses about 10:1)
MAX_RATIO = 200


class ArchiveRefused(OpenPeelError):
    """The archive cannot be taken apart safely; nothing was extracted."""


@dataclass(frozen=True)
class Extracted:
    name: str  # the member's name in the archive
    path: Path
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Wanted:
    """Members to take: those matching ``pattern`` whose month and force are asked for."""

    pattern: re.Pattern[str]
    months: frozenset[str] | None = None
    forces: frozenset[str] | None = None

    def __call__(self, name: str) -> bool:
        m = self.pattern.match(name)
        if m is None:
            return False
        if self.months is not None and m["month"] not in self.months:
            return False
        return not (self.forces is not None and m["force"] not in self.forces)


def members(archive: Path, wanted: Wanted) -> list[zipfile.ZipInfo]:
    """The members to take out, after checking every name and size in the archive."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused(
            f"{archive} is not a readable zip archive: {exc}",
            hint="it was checked when downloaded: the disk may be failing; delete it and fetch "
            "again",
        ) from exc
    for info in infos:
        why = member_problem(info)  # the loader's own check of a member
        if why:
            raise ArchiveRefused(
                f"{archive}: member {info.filename!r} {why}; nothing was extracted",
                hint="the archive is not the publisher's: fetch it from the publisher itself",
            )
    chosen = [i for i in infos if not i.is_dir() and wanted(i.filename)]
    for info in chosen:
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > MAX_MEMBER_BYTES or ratio > MAX_RATIO:
            raise ArchiveRefused(
                f"{archive}: member {info.filename!r} says it unpacks to {info.file_size:,} "
                f"bytes from {info.compress_size:,}; nothing was extracted",
                hint="the archive is not the publisher's: fetch it from the publisher itself",
            )
    return sorted(chosen, key=lambda i: i.filename)


def extract(archive: Path, chosen: list[zipfile.ZipInfo], target: Path) -> list[Extracted]:
    """Write each chosen member under ``target`` (its name as the relative path)."""
    done: list[Extracted] = []
    with zipfile.ZipFile(archive) as zf:
        for info in chosen:
            out = target / info.filename
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".tmp")
            digest = hashlib.sha256()
            size = 0
            try:
                with zf.open(info) as src, tmp.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        size += len(chunk)
                        if size > info.file_size:
                            raise ArchiveRefused(
                                f"{archive}: member {info.filename!r} is larger than its "
                                "header says",
                                hint="fetch the archive again from the publisher",
                            )
                        digest.update(chunk)
                        dst.write(chunk)
                    dst.flush()
                    os.fsync(dst.fileno())
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                tmp.unlink(missing_ok=True)
                raise ArchiveRefused(
                    f"{archive}: member {info.filename!r} cannot be extracted: {exc}",
                    hint="fetch the archive again (delete it from the downloads folder first)",
                ) from exc
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            tmp.replace(out)
            done.append(Extracted(info.filename, out, digest.hexdigest(), size))
    return done
