"""Turn the paths a user gives into input files: files, folders (walked), zip archives and
spreadsheets (one input file per data sheet, ``openpeel.sources._spreadsheets``)."""

from __future__ import annotations

import fnmatch
import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpeel.errors import FileRefused, OpenPeelError
from openpeel.sources._spreadsheets import SPREADSHEET_SUFFIXES, extract_sheets, is_spreadsheet

#: file name endings that are read as data
DATA_SUFFIXES = (".csv", ".csv.gz", ".geojson", ".json", *SPREADSHEET_SUFFIXES)
#: files skipped when walking a folder (documentation and checksum lists that sit beside data)
IGNORED_NAMES = ("MANIFEST.csv", "*.md", "*.txt", ".*")


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
        if not given.exists():
            raise OpenPeelError(
                f"{given}: no such file or folder",
                hint="check the path; `openpeel ingest --help` shows examples",
            )
        if given.is_dir():
            for child in sorted(p for p in given.rglob("*") if p.is_file()):
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


def _from_zip(
    archive: Path, workdir: Path, found: list[InputFile], refused: list[FileRefused]
) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = sorted(
                (i for i in zf.infolist() if not i.is_dir() and is_data_name(i.filename)),
                key=lambda i: i.filename,
            )
            target = workdir / hashlib.sha1(str(archive.resolve()).encode()).hexdigest()[:12]
            for info in members:
                out = target / info.filename
                out.parent.mkdir(parents=True, exist_ok=True)
                display = f"{archive}!{info.filename}"
                try:
                    with zf.open(info) as src, out.open("wb") as dst:
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    refused.append(
                        FileRefused(
                            display,
                            f"cannot be extracted: {exc}",
                            hint="download the archive again",
                        )
                    )
                    continue
                found.append(InputFile(display, out))
    except (zipfile.BadZipFile, OSError) as exc:
        refused.append(
            FileRefused(
                str(archive),
                f"is not a readable zip archive: {exc}",
                hint="download the archive again",
            )
        )


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
