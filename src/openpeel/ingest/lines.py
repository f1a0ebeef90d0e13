"""Find rows in a published file by their content, with their line numbers and exact text.

Bulk reading does not keep line numbers, so when a file has rows to quarantine (rare), this
second pass finds where each of them is. It reads the file once with Python's csv module.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from openpeel.sources.base import open_bytes

Row = tuple[str | None, ...]


class _LineFeed:
    """Feeds lines to csv.reader and remembers the text and line numbers it consumed."""

    def __init__(self, text: io.TextIOBase) -> None:
        self._text = text
        self.line = 0
        self.consumed: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for line in self._text:
            self.line += 1
            self.consumed.append(line)
            yield line


def records(
    path: Path, *, delimiter: str = ",", encoding: str = "utf-8", header_rows: int = 1
) -> Iterator[tuple[int, str, Row]]:
    """(start line, raw text, fields with blanks as None) of every data record of a file."""
    with open_bytes(path) as raw:
        text = io.TextIOWrapper(
            raw, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=""
        )
        feed = _LineFeed(text)
        reader = csv.reader(feed, delimiter=delimiter)
        seen = 0
        for fields in reader:
            start = feed.line - len(feed.consumed) + 1
            raw_text = "".join(feed.consumed).rstrip("\r\n")
            feed.consumed = []
            seen += 1
            if seen <= header_rows or not fields:
                continue
            yield start, raw_text, tuple(f if f != "" else None for f in fields)


def locate(
    path: Path,
    wanted: list[Row],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header_rows: int = 1,
    skip_lines: frozenset[int] = frozenset(),
) -> list[tuple[int, str]]:
    """For each wanted row (in order), the (line, raw text) of a record with those fields.

    Rows with the same fields are matched to successive records. ``skip_lines`` are records
    already accounted for. A row not found gets line 0.
    """
    need = Counter(wanted)
    found: dict[Row, list[tuple[int, str]]] = {}
    remaining = sum(need.values())
    for line, raw_text, fields in records(
        path, delimiter=delimiter, encoding=encoding, header_rows=header_rows
    ):
        if line in skip_lines:
            continue
        if need.get(fields, 0) > 0:
            need[fields] -= 1
            found.setdefault(fields, []).append((line, raw_text))
            remaining -= 1
            if remaining == 0:
                break
    out: list[tuple[int, str]] = []
    taken: Counter[Row] = Counter()
    for row in wanted:
        hits = found.get(row, [])
        i = taken[row]
        taken[row] += 1
        out.append(hits[i] if i < len(hits) else (0, ""))
    return out


def first_line_with(
    path: Path,
    column: int,
    values: set[str],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header_rows: int = 1,
) -> dict[str, int]:
    """The first line on which each of ``values`` appears in field number ``column``."""
    out: dict[str, int] = {}
    for line, _, fields in records(
        path, delimiter=delimiter, encoding=encoding, header_rows=header_rows
    ):
        if column < len(fields):
            value = fields[column]
            if value is not None and value in values and value not in out:
                out[value] = line
                if len(out) == len(values):
                    break
    return out
