"""Every CSV that OpenPEEL writes for people goes through here, so that no cell can run as a
formula when the file is opened in a spreadsheet (CSV formula injection).

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
with a ``'`` in front, which spreadsheets show as text and do not evaluate; a number (as a
number, or as text that is just a number such as ``-1.5``) is written as it is. The files
OpenPEEL writes only to read back itself (a spreadsheet's sheets unpacked for loading) keep
their cells exactly as they are and do not use this module.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any

#: the first characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The cell as it is, or prefixed with ``'`` where a spreadsheet would run it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        options.setdefault("lineterminator", "\n")
        self._writer = csv.writer(out, **options)
        # a row with a carriage return in a cell is quoted whole: with "\n" line ends the csv
        # module would leave such a cell bare, and a reader would end the row there
        self._quoted = csv.writer(out, **{**options, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[Any]) -> None:
        cells = [safe_cell(v) for v in row]
        bare = not any(isinstance(c, str) and "\r" in c for c in cells)
        (self._writer if bare else self._quoted).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Iterable[Any]]) -> int:
    """A header and rows as CSV; how many rows."""
    writer = SafeWriter(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def frame_csv(frame: Any) -> str:
    """A pandas DataFrame as CSV text (no index; missing values as empty cells)."""
    import io

    import pandas as pd

    out = io.StringIO()
    rows = (
        ["" if (v is None or (not isinstance(v, str) and pd.isna(v))) else v for v in row]
        for row in frame.itertuples(index=False, name=None)
    )
    write_csv(out, [str(c) for c in frame.columns], rows)
    return out.getvalue()


#: an XLSX sheet holds at most this many rows (the header included)
XLSX_MAX_ROWS = 1_048_576
#: the media type of an XLSX workbook
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_cell(value: Any) -> tuple[Any, bool]:
    """(the value an XLSX cell holds, whether it must be written as text). Text a spreadsheet
    would run as a formula is written as text, not as a formula; characters XML cannot hold
    (control characters) are dropped; missing values are empty cells."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or (isinstance(value, float) and value != value):
        return None, False
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        return text, text.startswith(FORMULA_STARTS)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None), False  # XLSX has no time zones: the clock time
    return value, False


def write_xlsx(
    out: IO[bytes] | str | os.PathLike[str],
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Iterable[Any]]]],
) -> None:
    """Sheets of (name, header, rows) as one XLSX workbook, written to a binary file or a path.
    No cell is ever a formula: text that begins like one is stored as text (``xlsx_cell``)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from openpeel.errors import OpenPeelError

    book = Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = book.create_sheet(title=name[:31])
        for count, row in enumerate([header, *rows], start=1):
            if count > XLSX_MAX_ROWS:
                raise OpenPeelError(
                    f"sheet {name!r} has more rows than an XLSX sheet holds ({XLSX_MAX_ROWS:,})",
                    hint="write it as CSV or Parquet, or a part of it",
                )
            cells = []
            for value in row:
                held, as_text = xlsx_cell(value)
                cell = WriteOnlyCell(sheet, value=held)
                if as_text:
                    cell.data_type = "s"  # openpyxl would store "=..." as a formula
                cells.append(cell)
            sheet.append(cells)
    book.save(out)
