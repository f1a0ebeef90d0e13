"""Helpers for the sources that read their files in Python (``Source.reader``).

A reader is called by the loader inside the file's transaction. It refuses a file by raising
``FileRefused`` (see :func:`refuse`): the loader rolls the file back, logs the refusal and goes
on with the other files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from openpeel.errors import FileRefused
from openpeel.sources.base import open_bytes

Row = tuple[str | None, ...]


def refuse(path: Path, problem: str, *, hint: str | None = None) -> NoReturn:
    """Refuse the file being read: nothing of it is stored and the refusal is logged."""
    raise FileRefused(str(path), problem, hint=hint)


def csv_records(path: Path, *, encoding: str = "utf-8") -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields) of every record of a CSV file, header included.

    Reads plain or gzipped files, any line ending (LF, CRLF, CR), and quoted fields that span
    lines. Line 1 is the header line.
    """
    with open_bytes(path) as raw:
        text = io.TextIOWrapper(
            raw, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=""
        )
        reader = csv.reader(text)
        start = 1
        try:
            for fields in reader:
                yield start, fields
                start = reader.line_num + 1
        except csv.Error as exc:
            refuse(
                path,
                f"line {reader.line_num} cannot be read as CSV: {exc}",
                hint="the file may be truncated or corrupt; download it again",
            )
        except UnicodeDecodeError as exc:
            refuse(
                path,
                f"is not valid {encoding} text: {exc.reason}",
                hint="re-save the file as UTF-8",
            )


def as_row(fields: list[str]) -> Row:
    """Fields as the raw tables hold them: text as published, blanks as null (as read_csv does)."""
    return tuple(f if f != "" else None for f in fields)
