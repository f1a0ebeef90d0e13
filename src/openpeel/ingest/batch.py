"""What the loader works with: a recognised file, a batch of them, a result per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from openpeel.errors import FileRefused
from openpeel.ingest.discover import InputFile
from openpeel.sources.base import FileFacts, Layout, Source
from openpeel.warehouse.catalog import Table

Status = Literal["loaded", "unchanged", "refused"]

#: (line, raw text, reason) of a row the CSV reader could not split into the declared columns
Reject = tuple[int, str, str]

#: per file id: (raw rows, quarantined raw rows, periods, force codes)
Stats = dict[int, tuple[int, int, list[str], list[str]]]


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


@dataclass
class Prepared:
    """A file that was recognised and is ready to load."""

    input: InputFile
    sha256: str
    size: int
    source: Source
    layout: Layout
    facts: FileFacts
    #: from a data.police.uk file name, for kinds whose rows have no force or month
    name_force: str | None = None
    name_month: str | None = None


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
    rejects: dict[int, list[Reject]] = field(default_factory=dict)

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

    def items(self) -> list[tuple[int, Prepared]]:
        return [(self.first_id + i, p) for i, p in enumerate(self.files)]
