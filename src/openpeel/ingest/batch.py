"""What the loader works with: a recognised file, a batch of them, a result per file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from openpeel.errors import FileRefused
from openpeel.ingest.discover import InputFile
from openpeel.ingest.guard import MAX_LINE_BYTES, Screen
from openpeel.sources.base import FileFacts, Layout, Source
from openpeel.warehouse.catalog import Table

Status = Literal["loaded", "unchanged", "refused"]

#: per file id: (raw rows, quarantined raw rows, periods, force codes)
Stats = dict[int, tuple[int, int, list[str], list[str]]]


@dataclass
class FileScan:
    """One file's new rows, counted in the one scan of a batch's rows after the insert."""

    rows: int = 0
    quarantined: int = 0
    #: of the loaded rows: the distinct periods and force spellings (source.period_sql and
    #: source.force_sql), and each coded column's distinct values
    periods: list[str] = field(default_factory=list)
    forces: list[str] = field(default_factory=list)
    codes: dict[str, list[str | None]] = field(default_factory=dict)


@dataclass
class FileResult:
    display: str
    status: Status
    kind: str | None = None
    file_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    hint: str | None = None
    #: what a loaded file covers (meta_load_ledger.slice_key)
    slice_key: str | None = None


@dataclass
class Prepared:
    """A file that was recognised and is ready to load."""

    input: InputFile
    sha256: str
    size: int
    source: Source
    layout: Layout
    facts: FileFacts
    #: what one pass over its bytes found (None for files read by a Python reader)
    screen: Screen | None = None
    #: from a data.police.uk file name, for kinds whose rows have no force or month
    name_force: str | None = None
    name_month: str | None = None
    #: the force code and month a data.police.uk file name claims (its rows must agree)
    claimed_force: str | None = None
    claimed_month: str | None = None

    @property
    def plain(self) -> bool:
        """The bulk reader may read it (see ``openpeel.ingest.guard.Screen.plain``)."""
        return self.screen is None or self.screen.plain


class NeedsCare(Exception):
    """Raised inside a batch's transaction when the bulk reader cannot account for every line
    of a file: the batch is rolled back and the file read line by line instead
    (``openpeel.ingest.guard.careful_read``)."""


class Refusal(Exception):
    """Raised inside a batch's transaction: the batch is rolled back and the file refused."""

    def __init__(self, refused: FileRefused) -> None:
        super().__init__(str(refused))
        self.refused = refused


@dataclass
class Batch:
    """Files of one kind and layout loaded in one transaction, with consecutive file ids."""

    files: list[Prepared]
    first_id: int
    table: Table
    #: the path DuckDB reads for each file (a link with a plain name where the path has glob
    #: characters, which DuckDB would expand)
    scan_paths: list[str]
    #: read line by line: scan_paths[0] is the clean file written by careful_read
    careful: bool = False
    #: per file id: lines quarantined before the rows reached DuckDB (careful reads)
    structural: dict[int, int] = field(default_factory=dict)

    @property
    def source(self) -> Source:
        return self.files[0].source

    @property
    def layout(self) -> Layout:
        return self.files[0].layout

    @property
    def raw_names(self) -> list[str]:
        """The raw column names in the order of the layout's header."""
        return list(self.layout.columns or (c.name for c in self.table.published_columns))

    @property
    def header_rows(self) -> int:
        return 1 + len(self.layout.extra_header_rows)

    def file_id(self, item: Prepared) -> int:
        return self.first_id + next(i for i, p in enumerate(self.files) if p is item)

    def item(self, file_id: int) -> Prepared:
        return self.files[file_id - self.first_id]

    def by_path(self, path: str) -> Prepared:
        """The file DuckDB read as ``path``."""
        return self.files[self.scan_paths.index(path)]

    @property
    def id_range(self) -> list[int]:
        """[first, last] file id, as query parameters."""
        return [self.first_id, self.first_id + len(self.files) - 1]

    def clean_scan(self) -> str:
        """SQL for the clean file of a careful read, as a table ``t`` with the raw columns and
        ``_line``, ``_text`` (the line where the record starts and its text)."""
        names = self.raw_names
        columns = ", ".join(
            [
                "'_line': 'BIGINT'",
                *(f"'c{i}': 'VARCHAR'" for i in range(len(names))),
                "'_text': 'VARCHAR'",
            ]
        )
        renamed = ", ".join(f'c{i} AS "{n}"' for i, n in enumerate(names))
        return (
            f"(SELECT _line, _text, {renamed} FROM read_csv({literal_path(self.scan_paths[0])}, "
            f"columns = {{{columns}}}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', max_line_size = {8 * MAX_LINE_BYTES})) t"
        )

    def items(self) -> list[tuple[int, Prepared]]:
        return [(self.first_id + i, p) for i, p in enumerate(self.files)]


@dataclass
class Stages:
    """Where an ingest's time goes: seconds per stage, summed over the batches."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            self.seconds[stage] = self.seconds.get(stage, 0.0) + spent

    def __str__(self) -> str:
        return ", ".join(f"{stage} {s:.2f} s" for stage, s in self.seconds.items())


def literal_path(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"
