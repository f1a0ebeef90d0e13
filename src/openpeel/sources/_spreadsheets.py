"""Spreadsheets as the publishers put them out (OpenDocument ``.ods``, Excel ``.xlsx``).

The Home Office publishes its open data tables as spreadsheets: a cover sheet, notes, and one
or more data sheets. A spreadsheet is read like an archive of tables: every sheet whose heading
is a declared layout (:class:`openpeel.sources.base.Layout`) becomes one input file, written
out as CSV in the ingest's work folder and then loaded as a CSV file of that format would be.
Its name is ``book.ods!Sheet name``; line 1 of the CSV is the header row of the sheet (rows
above it, such as a title, are not data and are left out).

The cells are read with python-calamine (the Rust calamine reader), which reads both formats.
Each cell becomes the text a CSV export would hold:

* text as it is; an empty cell as an empty field;
* a whole number (stored as a float, as spreadsheets do) without a decimal point: ``12``;
* any other number in its shortest exact form (``942.1829999999999``);
* a date as ``YYYY-MM-DD``, a date and time as ``YYYY-MM-DDTHH:MM:SS``;
* a boolean as ``TRUE`` or ``FALSE``.

A spreadsheet with no sheet of a known layout gives its largest sheet from its first non-empty
row, so that the usual refusal names the nearest layout and what differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from python_calamine import CalamineWorkbook

from openpeel.errors import FileRefused
from openpeel.sources.base import FileFacts

log = logging.getLogger("openpeel.sources")

#: spreadsheet file endings read as data
SPREADSHEET_SUFFIXES = (".ods", ".xlsx")
#: a declared header is looked for in the first rows of each sheet (titles may stand above it)
HEADER_SEARCH_ROWS = 20
#: rows after the header given to the layout check (units rows are declared as extra rows)
EXTRA_ROWS = 2

Cell = object


def is_spreadsheet(name: str) -> bool:
    return name.lower().endswith(SPREADSHEET_SUFFIXES)


def cell_text(value: Cell) -> str:
    """A cell as the text a CSV export of it holds (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _row_text(row: Sequence[Cell]) -> list[str]:
    return [cell_text(v) for v in row]


def _trimmed(row: list[str]) -> list[str]:
    """The row without its trailing empty cells."""
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def _header_at(rows: list[list[str]]) -> int | None:
    """The index of the first row that is the header of a declared layout, if any."""
    from openpeel.sources import all_sources

    for index, row in enumerate(rows):
        header = tuple(_trimmed(row))
        if not header:
            continue
        extra = tuple(tuple(_trimmed(r)) for r in rows[index + 1 : index + 1 + EXTRA_ROWS])
        facts = FileFacts(header=header, extra_rows=extra, new_line="\n", compressed=False)
        if any(s.match(facts) is not None for s in all_sources().values()):
            return index
    return None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "sheet"


def _write_csv(rows: Iterator[list[str]], width: int, out: Path) -> int:
    """Write rows as CSV, each cut to ``width`` cells where the cells beyond are empty (a row
    with a value beyond is written whole, so that it is quarantined as too long). The file is
    read back by the loader only, so its cells stay exactly as in the sheet (not through
    ``openpeel.csvsafe``, which would change a text cell such as ``-`` or ``=A1``)."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for row in rows:
            if len(row) > width and not any(row[width:]):
                row = row[:width]
            elif len(row) < width:
                row = row + [""] * (width - len(row))
            writer.writerow(row)
            count += 1
    return count


def extract_sheets(path: Path, display: str, workdir: Path) -> list[tuple[str, Path]]:
    """(display name, CSV path) of every data sheet of a spreadsheet, written into ``workdir``.

    Raises :class:`FileRefused` when the file cannot be read as a spreadsheet or is empty.
    """
    target = (
        workdir / hashlib.sha1(str(path.resolve()).encode(), usedforsecurity=False).hexdigest()[:12]
    )
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise FileRefused(
            display,
            f"cannot be read as a spreadsheet: {exc}",
            hint="the file may be truncated or corrupt, or not the format its name says; "
            "download it again",
        ) from exc
    found: list[tuple[str, Path]] = []
    largest: tuple[int, str, int] | None = None  # (rows, sheet, first non-empty row)
    with book:
        names = list(book.sheet_names)
        for number, name in enumerate(names, start=1):
            try:
                sheet = book.get_sheet_by_name(name)
                rows = sheet.iter_rows()
                head = [_row_text(r) for _, r in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
            except Exception as exc:
                raise _unreadable(display, name, exc) from exc
            at = _header_at(head)
            if at is None:
                first = next((i for i, r in enumerate(head) if _trimmed(r)), None)
                if first is not None and (largest is None or sheet.height > largest[0]):
                    largest = (sheet.height, name, first)
                log.info("%s: sheet %r has no declared header; not read", display, name)
                continue
            found.append(_sheet_csv(book, name, number, at, display, target))
        if not found and largest is not None:
            _, name, first = largest
            found.append(_sheet_csv(book, name, names.index(name) + 1, first, display, target))
    if not found:
        raise FileRefused(display, "is empty: no sheet has any value", hint="download it again")
    return found


def _sheet_csv(
    book: CalamineWorkbook, name: str, number: int, header_row: int, display: str, target: Path
) -> tuple[str, Path]:
    """Write one sheet, from its header row on, as a CSV file."""
    target.mkdir(parents=True, exist_ok=True)
    out = target / f"{number:02d}-{_safe(name)}.csv"
    try:
        rows = (_row_text(r) for r in book.get_sheet_by_name(name).iter_rows())
        for _ in range(header_row):  # title rows above the header
            next(rows, None)
        header = next(rows, [])
        count = _write_csv(itertools.chain([header], rows), len(_trimmed(header)), out)
    except Exception as exc:
        raise _unreadable(display, name, exc) from exc
    log.info("%s: sheet %r read from row %d, %d rows", display, name, header_row + 1, count - 1)
    return f"{display}!{name}", out


def _unreadable(display: str, sheet: str, exc: Exception) -> FileRefused:
    return FileRefused(
        display,
        f"sheet {sheet!r} cannot be read: {exc}",
        hint="the file may be truncated or corrupt; download it again",
    )
