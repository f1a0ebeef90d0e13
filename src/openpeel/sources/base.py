"""What a source format is, and how a file is recognised as one.

A :class:`Source` declares one publisher format: the raw table its rows go to, the published
header row(s) of each layout it has had, how to read it, and how to find the periods and forces a
file covers. The readers are the modules next to this one, one per publisher.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, cast

from openpeel.errors import FileRefused
from openpeel.warehouse.catalog import load_schema

PeriodType = Literal[
    "month", "quarter", "financial_year", "year", "rolling_12_months", "date", "none"
]

#: data.police.uk archive file names: YYYY-MM-<force slug>-<kind>.csv
POLICEUK_NAME = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<slug>[a-z0-9-]+?)-(?P<kind>street|outcomes|stop-and-search)"
    r"\.csv(?:\.gz)?$"
)


def published_header(raw_table: str) -> tuple[str, ...]:
    """The header a publisher's file has, as the raw table declares its published columns
    (``header`` of each column in warehouse/schema, in order): the layout a source's files were
    first seen in. Later or other layouts, which differ, are written out in the source."""
    return tuple(str(c.header) for c in load_schema()[raw_table].published_columns)


def raw_columns(raw_table: str) -> tuple[str, ...]:
    """The names of the raw table's published columns, in declared (header) order."""
    return tuple(c.name for c in load_schema()[raw_table].published_columns)


@dataclass(frozen=True)
class Layout:
    """One published column layout: the header row as published, in order."""

    name: str
    header: tuple[str, ...]
    #: raw column names, in the same order (defaults to the raw table's published columns)
    columns: tuple[str, ...] | None = None
    #: rows after the header that are part of the heading (e.g. a units row); checked, not loaded
    extra_header_rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class FileFacts:
    """What the sniffer learned from a file's first bytes."""

    header: tuple[str, ...]
    extra_rows: tuple[tuple[str, ...], ...]
    new_line: str  # "\n", "\r\n" or "\r"
    compressed: bool


@dataclass(frozen=True)
class Source:
    kind: str
    title: str
    publisher: str
    raw_table: str
    layouts: tuple[Layout, ...]
    period_type: PeriodType
    #: SQL over the raw table (alias r) giving each row's period label, e.g. "r.month"
    period_sql: str | None
    #: SQL over the raw table (alias r) giving each row's force spelling; None: no force column
    force_sql: str | None = None
    #: the force and period come from a data.police.uk file name (stop-and-search files)
    name_gives_force: bool = False
    #: many files of this kind may be read in one scan (the monthly archive files)
    batchable: bool = False
    #: files that hold several forces form one slice per period (not one per force)
    multi_force: bool = False
    delimiter: str = ","
    encoding: str = "utf-8"
    #: reads a non-CSV file into rows of text (e.g. GeoJSON); None for CSV
    reader: Callable[[Path], list[tuple[str | None, ...]]] | None = None
    notes: str = ""
    file_suffixes: tuple[str, ...] = field(default=(".csv", ".csv.gz"))

    def match(self, facts: FileFacts) -> Layout | None:
        for layout in self.layouts:
            n = len(layout.extra_header_rows)
            if facts.header == layout.header and facts.extra_rows[:n] == layout.extra_header_rows:
                return layout
        return None


GZIP_MAGIC = b"\x1f\x8b"


def open_bytes(path: Path) -> IO[bytes]:
    """Open a file for reading, decompressing gzip by its magic number."""
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def sniff(path: Path, display: str, *, rows: int = 3, encoding: str = "utf-8") -> FileFacts:
    """Read the first rows of a file, refusing it if it is empty, truncated or not text."""
    try:
        with open_bytes(path) as fh:
            head = _read_head(fh, rows)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRefused(
            display,
            f"cannot be read: {exc}",
            hint="the file may be truncated or corrupt; download it again",
        ) from exc
    if not head.strip():
        raise FileRefused(display, "is empty", hint="download the file again")
    # a NUL byte in the header line is a binary file; one further on is a damaged field,
    # quarantined with its line by the loader
    first_line = re.split(rb"\r\n|\n|\r", head[:4096], maxsplit=1)[0]
    if b"\x00" in first_line or (b"\x00" in head[:4096] and not _is_text(head[:4096])):
        raise FileRefused(
            display,
            "is not a text (CSV) file: it contains NUL bytes",
            hint="check that this is the CSV file and not another format",
        )
    try:
        text = head.decode(encoding if encoding != "utf-8" else "utf-8-sig")
    except UnicodeDecodeError as exc:
        # the chunk may end inside a multi-byte character
        if exc.start < len(head) - 4:
            line = head[: exc.start].count(b"\n") + 1
            raise FileRefused(
                display,
                f"line {line} is not valid {encoding} text (byte 0x{head[exc.start]:02x} at "
                f"offset {exc.start})",
                hint="re-save the file as UTF-8",
            ) from exc
        text = head[: exc.start].decode("utf-8-sig")
    new_line = "\r\n" if "\r\n" in text else ("\r" if "\r" in text and "\n" not in text else "\n")
    records = list(_first_records(text, rows))
    if not records or not any(cell.strip() for cell in records[0]):
        raise FileRefused(display, "has no header row", hint="download the file again")
    return FileFacts(
        header=tuple(records[0]),
        extra_rows=tuple(tuple(r) for r in records[1:]),
        new_line=new_line,
        compressed=is_gzip(path),
    )


def _is_text(head: bytes) -> bool:
    """Whether the bytes are UTF-8 text (a character cut at the end allowed)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 4
    return True


def _read_head(
    fh: IO[bytes], rows: int, *, chunk: int = 32 * 1024, limit: int = 1024 * 1024
) -> bytes:
    """The first bytes of a file: enough for ``rows`` lines (up to ``limit``)."""
    head = fh.read(chunk)
    while len(head) < limit and head.count(b"\n") + head.count(b"\r") <= rows:
        more = fh.read(chunk)
        if not more:
            break
        head += more
    return head


def _first_records(text: str, n: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[list[str]] = []
    try:
        for record in reader:
            out.append(record)
            if len(out) >= n:
                break
    except csv.Error:
        pass
    return out


def describe_mismatch(header: tuple[str, ...], expected: tuple[str, ...]) -> str:
    """Say how a header differs from an expected one."""
    missing = [h for h in expected if h not in header]
    extra = [h for h in header if h not in expected]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(repr(m) for m in missing))
    if extra:
        parts.append("unexpected " + ", ".join(repr(e) for e in extra))
    if not parts:
        parts.append("the same columns in another order")
    return "; ".join(parts)
