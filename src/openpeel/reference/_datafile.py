"""Reading and checking the CSV files in ``openpeel/reference/data``.

Every problem is raised as a :class:`ReferenceDataError` that names the file, the line (1 is
the header) and the field, so that a wrong data file can be fixed without guessing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from openpeel.errors import OpenPeelError

DATA_PACKAGE = "openpeel.reference"
DATA_README = "src/openpeel/reference/data/README.md"


#: the characters ``str.split()`` treats as whitespace (every ``c`` with ``c.isspace()``), as
#: inclusive code point ranges; the SQL twin of :func:`normalise` (``norm_code``, generated in
#: warehouse/ddl.py) collapses exactly these
WHITESPACE_RANGES: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),
    (0x1C, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)


def normalise(name: str) -> str:
    """The one form every spelling is matched in: stripped, inner whitespace collapsed to one
    space, lower-cased. Code tables store their spellings in it, and every lookup (in Python,
    and in SQL through the ``norm_code`` macro) normalises the published value the same way."""
    return " ".join(name.split()).lower()


class ReferenceDataError(OpenPeelError):
    """A reference data file (forces, aliases, code tables) that is wrong."""

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        place = path
        if line is not None:
            place += f", line {line}"
        if field is not None:
            place += f", field {field!r}"
        super().__init__(
            f"{place}: {problem}", hint=hint or f"fix the data file; see {DATA_README}"
        )


@dataclass(frozen=True)
class Record:
    """One data row of a reference CSV file, with the line it came from."""

    source: str
    line: int
    values: Mapping[str, str]

    def __getitem__(self, field: str) -> str:
        return self.values[field]

    def fail(self, field: str, problem: str) -> ReferenceDataError:
        return ReferenceDataError(self.source, problem, line=self.line, field=field)

    def required(self, field: str) -> str:
        value = self.values[field]
        if not value:
            raise self.fail(field, "is blank but must have a value")
        return value

    def boolean(self, field: str) -> bool:
        value = self.values[field]
        if value not in ("true", "false"):
            raise self.fail(field, f"must be 'true' or 'false', not {value!r}")
        return value == "true"

    def matching(self, field: str, pattern: str, what: str, *, blank_ok: bool = False) -> str:
        value = self.values[field]
        if blank_ok and not value:
            return value
        if not re.fullmatch(pattern, value):
            raise self.fail(field, f"{value!r} is not {what}")
        return value


@dataclass(frozen=True)
class DataFile:
    """A whole reference CSV file: its name for messages, its columns and its rows."""

    source: str
    columns: tuple[str, ...]
    records: tuple[Record, ...]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def fail(
        self, problem: str, *, line: int | None = None, field: str | None = None
    ) -> ReferenceDataError:
        return ReferenceDataError(self.source, problem, line=line, field=field)


def read_data_file(filename: str, path: Path | None, columns: Iterable[str]) -> DataFile:
    """Read ``path``, or the packaged ``data/<filename>`` when ``path`` is None, and check it.

    Checks: the required ``columns`` are in the header, every row has as many fields as the
    header, and no value has leading or trailing whitespace.
    """
    if path is None:
        source = f"openpeel/reference/data/{filename}"
        resource = resources.files(DATA_PACKAGE).joinpath("data").joinpath(filename)
        try:
            text = resource.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise ReferenceDataError(source, "packaged data file is missing") from exc
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise ReferenceDataError(source, "file not found") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ReferenceDataError(source, "file is empty (no header line)", line=1)
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReferenceDataError(
            source,
            f"missing column(s) {', '.join(missing)}; header is {', '.join(header)}",
            line=1,
            field=missing[0],
        )
    if len(set(header)) != len(header):
        raise ReferenceDataError(source, "header repeats a column name", line=1)
    records: list[Record] = []
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise ReferenceDataError(
                source, f"has {len(row)} fields but the header has {len(header)}", line=line
            )
        values = dict(zip(header, row, strict=True))
        for name, value in values.items():
            if value != value.strip():
                raise ReferenceDataError(
                    source,
                    f"value {value!r} has leading or trailing whitespace",
                    line=line,
                    field=name,
                )
        records.append(Record(source, line, values))
    return DataFile(source, tuple(header), tuple(records))
