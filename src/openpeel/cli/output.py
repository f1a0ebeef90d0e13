"""The CLI's output layer: tables, CSV and JSON on stdout; messages on stderr."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from openpeel.csvsafe import write_csv


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def plain() -> bool:
    """No colours or progress bars: CI, or output that is not a terminal."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"} or not sys.stdout.isatty()


out = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 200)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def emit(
    records: Sequence[dict[str, Any]],
    fmt: Format,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Print records as a table, CSV or JSON."""
    cols = list(columns or (records[0].keys() if records else []))
    if fmt is Format.json:
        sys.stdout.write(json.dumps(list(records), default=_json_default, indent=2) + "\n")
        return
    if fmt is Format.csv:
        buffer = io.StringIO()
        write_csv(buffer, cols, ([_csv_cell(r.get(k)) for k in cols] for r in records))
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c.replace("_", " "), overflow="fold")
    for r in records:
        table.add_row(*(_cell(r.get(c)) for c in cols))
    out.print(table)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value
