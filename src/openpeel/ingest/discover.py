"""Turn the paths a user gives into input files: files, folders (walked), zip archives and
spreadsheets (one input file per data sheet, ``openpeel.sources._spreadsheets``)."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpeel.errors import FileRefused, OpenPeelError
from openpeel.sources._spreadsheets import SPREADSHEET_SUFFIXES, extract_sheets, is_spreadsheet

#: file name endings that are read as data
DATA_SUFFIXES = (".csv", ".csv.gz", ".geojson", ".json", *SPREADSHEET_SUFFIXES)
#: files skipped when walking a folder (documentation and checksum lists that sit beside data)
IGNORED_NAMES = ("MANIFEST.csv", "*.md", "*.txt", ".*")
#: archives that may sit inside a zip archive: reported as refused, never silently ignored
NESTED_ARCHIVE_SUFFIXES = (
    ".zip",
    ".tar",
    ".tgz",
    ".tar.gz",
    ".tar.bz2",
    ".tar.xz",
    ".7z",
    ".rar",
    ".gz",
    ".bz2",
    ".xz",
)

#: limits checked on an archive's directory before anything is extracted (and the actual
#: bytes counted while extracting)
ZIP_MAX_MEMBER_BYTES = 8 * 1024**3  # one member, uncompressed
ZIP_MAX_TOTAL_BYTES = 32 * 1024**3  # all data members, uncompressed
#: uncompressed : compressed; CSV text compresses 5-15x, a zip bomb 1000x or more
ZIP_MAX_RATIO = 100
ZIP_MAX_MEMBERS = 100_000
#: free space kept on the work folder's disk beyond the extracted members
ZIP_SPACE_MARGIN = 256 * 1024**2


@dataclass(frozen=True)
class InputFile:
    """One file to load. ``path`` is readable on disk (zip members are extracted first)."""

    display: str
    path: Path

    @property
    def name(self) -> str:
        return self.display.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]


def is_data_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    if any(fnmatch.fnmatch(base, pattern) for pattern in IGNORED_NAMES):
        return False
    return base.lower().endswith(DATA_SUFFIXES)


def discover(paths: Iterable[Path], workdir: Path) -> tuple[list[InputFile], list[FileRefused]]:
    """Every data file under ``paths`` in a stable order; unreadable archives are refused.

    Zip members are extracted, and the data sheets of spreadsheets written as CSV, into
    ``workdir`` (which the caller removes afterwards).
    """
    found: list[InputFile] = []
    refused: list[FileRefused] = []
    for given in paths:
        if given.is_symlink() and not given.exists():
            refused.append(_bad_link(given))
            continue
        if not given.exists():
            raise OpenPeelError(
                f"{given}: no such file or folder",
                hint="check the path; `openpeel ingest --help` shows examples",
            )
        if given.is_dir():
            for child in _walk(given, refused):
                rel = child.relative_to(given).as_posix()
                if child.suffix.lower() == ".zip":
                    _from_zip(child, workdir, found, refused)
                elif is_data_name(rel):
                    found.append(InputFile(str(child), child))
        elif given.suffix.lower() == ".zip":
            _from_zip(given, workdir, found, refused)
        else:
            found.append(InputFile(str(given), given))
    return _sheets_of_spreadsheets(found, workdir, refused), refused


def _sheets_of_spreadsheets(
    found: list[InputFile], workdir: Path, refused: list[FileRefused]
) -> list[InputFile]:
    """Each spreadsheet replaced by its data sheets (unreadable ones refused)."""
    out: list[InputFile] = []
    for item in found:
        if not is_spreadsheet(item.name):
            out.append(item)
            continue
        try:
            sheets = extract_sheets(item.path, item.display, workdir / "sheets")
        except FileRefused as exc:
            refused.append(exc)
            continue
        out.extend(InputFile(display, path) for display, path in sheets)
    return out


def _walk(folder: Path, refused: list[FileRefused]) -> list[Path]:
    """Every file under ``folder``, in a stable order, following links to folders once; a link
    that loops back to a folder above it, or leads nowhere, is reported as refused."""
    found: list[Path] = []

    def visit(here: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as exc:
            refused.append(FileRefused(str(here), f"cannot be read: {exc.strerror}"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                info = path.stat()  # follows links
            except OSError:
                if entry.is_symlink():
                    refused.append(_bad_link(path))
                else:
                    refused.append(FileRefused(str(path), "cannot be read"))
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    refused.append(
                        FileRefused(
                            str(path),
                            f"is a symbolic link loop: it leads back to {path.resolve()}, a "
                            "folder above it, so the folder would be read for ever",
                            hint="remove the link, or give the folder it points to directly",
                        )
                    )
                    continue
                visit(path, ancestors | {key})
            elif stat.S_ISREG(info.st_mode):
                found.append(path)

    top = folder.stat()
    visit(folder, frozenset({(top.st_dev, top.st_ino)}))
    return found


def _bad_link(path: Path) -> FileRefused:
    try:
        path.resolve(strict=True)
    except RuntimeError:
        problem = "is a symbolic link loop: following it never reaches a file"
    except OSError:
        problem = f"is a symbolic link to {os.readlink(path)}, which does not exist"
    else:
        problem = "is a symbolic link that cannot be followed"
    return FileRefused(str(path), problem, hint="fix or remove the link")


def member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why an archive member's name cannot be used safely, or None."""
    name = info.filename
    if "\x00" in name or any(unicodedata.category(c) == "Cc" for c in name):
        return "has control characters in its name"
    if "\\" in name:
        return "has a backslash in its name (a Windows path), which may lead outside the archive"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path, which would be written outside the work folder"
    parts = name.split("/")
    if ".." in parts:
        return "has '..' in its path, which would be written outside the work folder"
    if any(len(p.encode()) > 255 for p in parts):
        return "has a name longer than 255 bytes"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return None


def _from_zip(
    archive: Path, workdir: Path, found: list[InputFile], refused: list[FileRefused]
) -> None:
    """The data members of an archive, extracted to plain names in ``workdir``.

    Every member is checked before anything is written: a hostile name (absolute, '..',
    control characters, a link) refuses the whole archive; declared sizes beyond the limits,
    or a compression ratio no CSV file has, refuse it too; an archive inside the archive is
    refused by name. While extracting, a member giving more bytes than it declared is refused.
    """

    def refuse(problem: str, hint: str = "download the archive again") -> None:
        refused.append(FileRefused(str(archive), problem, hint=hint))

    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_MEMBERS:
                refuse(f"has {len(infos):,} members; at most {ZIP_MAX_MEMBERS:,} are read")
                return
            for info in infos:
                problem = member_problem(info)
                if problem:
                    refuse(
                        f"member {info.filename!r} {problem}; nothing was extracted",
                        hint="this is not an archive as publishers make them; do not use it",
                    )
                    return
            members = []
            for info in sorted(infos, key=lambda i: i.filename):
                if info.is_dir():
                    continue
                display = f"{archive}!{info.filename}"
                if info.filename.lower().endswith(NESTED_ARCHIVE_SUFFIXES) and not (
                    is_data_name(info.filename)
                ):
                    refused.append(
                        FileRefused(
                            display,
                            "is an archive inside an archive, which is not read",
                            hint="extract it and ingest the inner archive or its files",
                        )
                    )
                elif is_data_name(info.filename):
                    members.append(info)
            for info in members:
                if info.file_size > ZIP_MAX_MEMBER_BYTES:
                    refuse(
                        f"member {info.filename!r} declares {info.file_size:,} bytes "
                        f"uncompressed; at most {ZIP_MAX_MEMBER_BYTES:,} are read; nothing "
                        "was extracted"
                    )
                    return
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > 1024**2 and ratio > ZIP_MAX_RATIO:
                    refuse(
                        f"member {info.filename!r} would expand {ratio:,.0f} times "
                        f"({info.compress_size:,} bytes to {info.file_size:,}); no published "
                        f"data file compresses more than {ZIP_MAX_RATIO} times, so this is "
                        "refused as a zip bomb; nothing was extracted",
                        hint="do not use this archive",
                    )
                    return
            total = sum(i.file_size for i in members)
            if total > ZIP_MAX_TOTAL_BYTES:
                refuse(
                    f"declares {total:,} bytes uncompressed; at most {ZIP_MAX_TOTAL_BYTES:,} "
                    "are read from one archive; nothing was extracted",
                    hint="unzip it yourself and ingest the folder",
                )
                return
            workdir.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(workdir).free
            if total + ZIP_SPACE_MARGIN > free:
                refuse(
                    f"needs {total:,} bytes to extract and the work folder's disk has "
                    f"{free:,} free; nothing was extracted",
                    hint="free some space, or unzip it elsewhere and ingest the folder",
                )
                return
            target = (
                workdir
                / hashlib.sha1(str(archive.resolve()).encode(), usedforsecurity=False).hexdigest()[
                    :12
                ]
            )
            target.mkdir(parents=True, exist_ok=True)
            for number, info in enumerate(members):
                display = f"{archive}!{info.filename}"
                # a plain name of our own: the member's name is never a path on disk
                out = target / f"member-{number:06d}{_suffix(info.filename)}"
                problem = _extract(zf, info, out)
                if problem:
                    out.unlink(missing_ok=True)
                    refused.append(FileRefused(display, problem, hint="download the archive again"))
                    continue
                found.append(InputFile(display, out))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        refuse(f"is not a readable zip archive: {exc}")


def _suffix(name: str) -> str:
    lowered = name.lower()
    return next((s for s in DATA_SUFFIXES if lowered.endswith(s)), "")


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path) -> str | None:
    """Copy one member to ``out`` in chunks, counting the bytes; the problem, if any."""
    written = 0
    try:
        with zf.open(info) as src, out.open("wb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > info.file_size:
                    return (
                        f"gives more than the {info.file_size:,} bytes it declares; "
                        "extraction stopped"
                    )
                dst.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        return f"cannot be extracted: {exc}"
    if written != info.file_size:
        return f"gives {written:,} bytes, not the {info.file_size:,} it declares"
    return None


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
