"""The warehouse's commands: ``openpeel ingest``, ``status``, ``quality``, ``sources`` and
``export-parquet``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, DEFAULT_WAIT, FormatOpt, Home, Wait
from openpeel.cli.output import Format, emit, err, out
from openpeel.errors import OpenPeelError


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files (.csv, .csv.gz, .geojson; .ods and .xlsx spreadsheets, each data "
            "sheet read as a file), folders (walked) or data.police.uk .zip archives.",
            show_default=False,
        ),
    ],
    home: Home = DEFAULT_HOME,
    wait: Wait = DEFAULT_WAIT,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Let a file replace a loaded slice with fewer rows, and load a file whose "
            "last line is cut short (the line quarantined). Both are refused otherwise, as a "
            "truncated download would be.",
        ),
    ] = False,
) -> None:
    """Load published data files into the warehouse.

    Each file loads whole or not at all. A file already loaded (same SHA-256) is skipped; a
    newer file for the same source, period and force replaces the older one, unless it has
    fewer rows (see --allow-shrink). Every line is loaded or quarantined with its reason (see
    `openpeel quality`); a file whose rows disagree with its name, two files for one slice in
    one run, and unsafe archives are refused. The exit status is 1 when any file was
    refused; the other files still load. The dashboard and the other commands read the last
    complete state meanwhile, and the new one when the run ends; a killed run is carried on by
    the next.

    Example: openpeel ingest ../shared/data
    """
    from openpeel.cli.ingest_view import run_ingest

    raise typer.Exit(run_ingest(home, paths, wait, allow_shrink=allow_shrink))


def status(home: Home = DEFAULT_HOME, fmt: FormatOpt = Format.table) -> None:
    """Show what is loaded: sources, periods, forces and rows (and a load under way)."""
    from openpeel.warehouse.db import Warehouse
    from openpeel.warehouse.status import status_records
    from openpeel.warehouse.versions import loading

    with Warehouse(home, read_only=True) as wh:
        records = status_records(wh)
    for line in loading(home).lines():
        err.print(line)
    if not records and fmt is Format.table:
        err.print(f"Nothing is loaded in {home} yet: run `openpeel ingest PATH`.")
        return
    emit(records, fmt, title=f"OpenPEEL warehouse {home}")


def quality(
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
    section: Annotated[
        str,
        typer.Option(
            help="quarantine (rows not loaded), register (data-quality findings per force and "
            "period), refused (files not loaded) or all."
        ),
    ] = "all",
    limit: Annotated[
        int,
        typer.Option(
            help="At most this many rows per section in a table "
            "(0: no limit; csv and json are never cut)."
        ),
    ] = 50,
) -> None:
    """List quarantined rows, refused files and the data-quality register."""
    from openpeel.warehouse.db import Warehouse
    from openpeel.warehouse.quality import SECTIONS, section_records

    chosen = list(SECTIONS) if section == "all" else [section]
    for name in chosen:
        if name not in SECTIONS:
            raise OpenPeelError(
                f"no quality section {name!r}", hint=f"use one of {', '.join(SECTIONS)} or all"
            )
    with Warehouse(home, read_only=True) as wh:
        for name in chosen:
            records = section_records(wh, name)
            if fmt is Format.table:
                shown = records if limit == 0 else records[:limit]
                title = f"{SECTIONS[name]} ({len(records):,} rows"
                title += f", first {len(shown):,} shown)" if len(shown) < len(records) else ")"
                emit(shown, fmt, title=title)
            else:
                emit([{"section": name, **r} for r in records], fmt)


def sources(fmt: FormatOpt = Format.table) -> None:
    """List the publisher formats OpenPEEL reads."""
    from openpeel.sources import all_sources
    from openpeel.sources._spreadsheets import SPREADSHEET_SUFFIXES

    emit(
        [
            {
                "kind": s.kind,
                "title": s.title,
                "publisher": s.publisher,
                "table": s.raw_table,
                "layouts": [lay.name for lay in s.layouts],
                # a table read as CSV is read from a sheet of a spreadsheet too
                "files": [
                    *s.file_suffixes,
                    *(SPREADSHEET_SUFFIXES if ".csv" in s.file_suffixes else ()),
                ],
            }
            for s in all_sources().values()
        ],
        fmt,
        title="Source formats",
    )


def export_parquet_command(
    out_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Folder of the Parquet tree.")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Export the warehouse's core and reference tables to Parquet, one folder per table,
    partitioned by month (for Spark: `openpeel indicators compute --engine spark`)."""
    from openpeel.warehouse.db import Warehouse
    from openpeel.warehouse.parquet import export_parquet

    with Warehouse(home, read_only=True) as wh:
        done = export_parquet(wh, out_dir)
    rows = sum(e.rows for e in done)
    parts = sum(1 for e in done if e.partitioned)
    out.print(f"{len(done)} tables ({parts} by month), {rows:,} rows, in {out_dir}")
