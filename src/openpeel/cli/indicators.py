"""``openpeel indicators``: list, compute, show and export indicators."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, DEFAULT_WAIT, FormatOpt, Home, Wait, writer
from openpeel.cli.output import Format, emit, err, out

app = typer.Typer(
    help="Evidence indicators compared with England and Wales and peers.", no_args_is_help=True
)


@app.command("list")
def list_indicators(fmt: FormatOpt = Format.table) -> None:
    """List the indicators of the catalogue (docs/indicators.md has the definitions)."""
    from openpeel.indicators.catalogue import load_catalogue

    emit(
        [
            {
                "id": i.id,
                "title": i.title,
                "unit": i.unit,
                "polarity": i.polarity,
                "periods": list(i.periods),
                "breakdowns": list(i.breakdowns),
            }
            for i in load_catalogue().indicators.values()
        ],
        fmt,
        title="Indicators",
    )


@app.command()
def compute(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Indicator ids (default: all).", show_default=False)
    ] = None,
    engine: Annotated[
        str, typer.Option(help="duckdb (the warehouse itself) or spark (over a Parquet export).")
    ] = "duckdb",
    parquet: Annotated[
        Path | None,
        typer.Option(
            help="Read the core tables from this Parquet tree (`openpeel export-parquet`) "
            "instead of the warehouse; for --engine spark the default is an export made now "
            "to HOME/parquet."
        ),
    ] = None,
    home: Home = DEFAULT_HOME,
    wait: Wait = DEFAULT_WAIT,
) -> None:
    """Compute indicators from the warehouse into out_indicator_values."""
    from openpeel.indicators.engine import Engine
    from openpeel.indicators.run import compute as run
    from openpeel.indicators.run import store

    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter(f"unknown engine {engine!r}: use duckdb or spark")
    start = time.perf_counter()
    with writer(home, "openpeel indicators compute", wait) as wh:
        chosen: Engine | None = None
        if engine == "duckdb" and parquet is not None:
            from openpeel.indicators.engine import ParquetEngine

            chosen = ParquetEngine(parquet)
        if engine == "spark":
            from openpeel.indicators.spark import SparkEngine
            from openpeel.settings import setting
            from openpeel.warehouse.parquet import export_parquet

            if parquet is None:
                parquet = home / "parquet"
                err.print(f"exporting the warehouse to {parquet}")
                export_parquet(wh, parquet)
            err.print(f"starting Spark ({setting('spark_master')})")
            chosen = SparkEngine(parquet, setting("spark_master"))
        results = run(wh, ids, engine=chosen, progress=lambda what: err.print(f"computing {what}"))
        store(wh, results, engine=engine)
    rows = sum(len(f) for f in results.values())
    out.print(
        f"{len(results)} indicators, {rows:,} rows, on {engine}, "
        f"in {time.perf_counter() - start:.1f} s."
    )


@app.command()
def show(
    indicator_id: Annotated[str, typer.Argument(metavar="ID", help="Indicator id.")],
    period: Annotated[
        str | None, typer.Option(help="Period label, e.g. 2017/18 (default: the latest).")
    ] = None,
    force: Annotated[str | None, typer.Option(help="One force (any spelling).")] = None,
    breakdown: Annotated[str, typer.Option(help="'all' or a breakdown dimension.")] = "all",
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """One row per force: value, interval, England and Wales, peers, rank and flags."""
    from openpeel.indicators.api import SHOW_COLUMNS, values
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        frame = values(wh, indicator_id, period=period, force=force, breakdown=breakdown)
    columns = [
        "force_code",
        "force_name",
        "period",
        *(["breakdown_value"] if breakdown != "all" else []),
        *SHOW_COLUMNS[4:],
    ]
    emit(
        [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")],
        fmt,
        columns=columns,
        title=f"{indicator_id}, {frame.period.iloc[0]}",
    )


@app.command()
def trends(
    indicator_id: Annotated[str, typer.Argument(metavar="ID", help="Indicator id.")],
    period: Annotated[
        str | None, typer.Option(help="The period the trend ends with (default: the latest).")
    ] = None,
    force: Annotated[str | None, typer.Option(help="One force (any spelling).")] = None,
    breakdown: Annotated[str, typer.Option(help="'all' or a breakdown dimension.")] = "all",
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """Recent trend per force by Fingertips' rule: the last five periods (docs/markers.md)."""
    from openpeel.indicators.recent_trend import read_trends
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        frame = read_trends(wh, indicator_id, period=period, force=force, breakdown=breakdown)
    columns = [
        "force_name",
        *(["breakdown_value"] if breakdown != "all" else []),
        "first_period",
        "period",
        "value",
        "trend",
        "judgement",
        "p_value",
        "reason",
    ]
    emit(
        [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")],
        fmt,
        columns=columns,
        title=f"{indicator_id}: recent trend to {frame.period.iloc[0]}",
    )


@app.command()
def spc(
    indicator_id: Annotated[str, typer.Argument(metavar="ID", help="A monthly indicator's id.")],
    force: Annotated[
        str | None,
        typer.Option(help="One force (any spelling): its chart month by month."),
    ] = None,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """Statistical process control (XmR): every force's latest month and its variation, or one
    force's chart month by month (docs/markers.md)."""
    from openpeel.indicators.spc import read_spc, spc_summary
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        if force is None:
            emit(
                spc_summary(wh, indicator_id),
                fmt,
                columns=[
                    "force_name",
                    "period",
                    "value",
                    "mean",
                    "lower_limit",
                    "upper_limit",
                    "variation",
                    "special_cause_months",
                    "months",
                    "note",
                ],
                title=f"{indicator_id}: SPC, latest month per force",
            )
            return
        frame = read_spc(wh, indicator_id, force)
    # the reason of a break once, on the segment's first month
    frame.loc[frame.segment.duplicated(), "break_reason"] = None
    emit(
        [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")],
        fmt,
        columns=[
            "period",
            "value",
            "mean",
            "lower_limit",
            "upper_limit",
            "is_outside_limits",
            "is_run",
            "is_trend",
            "is_two_in_three",
            "variation",
            "break_reason",
        ],
        title=f"{indicator_id}: SPC, {frame.force_name.iloc[0]}",
    )


@app.command()
def matrix(
    pillar: Annotated[
        str | None, typer.Option(help="Only this pillar, e.g. effectiveness.")
    ] = None,
    question: Annotated[
        str | None, typer.Option(help="Only this question theme, e.g. legitimacy/fair-treatment.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Only forces of this region.")] = None,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """Every force on every indicator, in each indicator's latest period with most forces,
    compared with England and Wales by the 95% interval (docs/markers.md)."""
    from openpeel.indicators.profile import matrix as build
    from openpeel.indicators.profile import records
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        frame = build(wh, pillar=pillar, question=question, region=region)
    emit(
        records(frame.drop(columns=["questions"])),
        fmt,
        columns=[
            "force_name",
            "indicator_id",
            "period",
            "value",
            "lower",
            "upper",
            "ew_value",
            "comparison",
            "not_compared_reason",
            "trend",
        ],
        title="Every force on every indicator",
    )


@app.command()
def spine(
    force: Annotated[str, typer.Option(help="The force (any spelling).", show_default=False)],
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """A force's profile: per indicator the spread of forces, England and Wales, the force's
    value and comparison, trend, SPC variation and its most similar group's value."""
    from openpeel.indicators.profile import records
    from openpeel.indicators.profile import spine as build
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        frame = build(wh, force)
    emit(
        records(frame.drop(columns=["questions"])),
        fmt,
        columns=[
            "indicator_id",
            "period",
            "minimum",
            "q1",
            "q3",
            "maximum",
            "ew_value",
            "value",
            "comparison",
            "trend",
            "variation",
            "peer_value",
        ],
        title=f"Profile of {force}",
    )


@app.command()
def periods(
    indicator_id: Annotated[str, typer.Argument(metavar="ID")],
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """The periods an indicator has values for."""
    from openpeel.indicators.api import periods as list_periods
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        emit(list_periods(wh, indicator_id), fmt, title=f"{indicator_id}: periods")


@app.command()
def export(
    target: Annotated[Path, typer.Argument(help="A .csv, .parquet or .xlsx file.")],
    indicator_id: Annotated[str | None, typer.Option("--id", help="Only this indicator.")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Export out_indicator_values (all or one indicator) to CSV, Parquet or Excel."""
    import itertools

    from openpeel.csvsafe import XLSX_MAX_ROWS, write_csv, write_xlsx
    from openpeel.errors import OpenPeelError
    from openpeel.warehouse.db import Warehouse
    from openpeel.warehouse.ddl import literal

    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet", ".xlsx"):
        raise OpenPeelError(
            f"cannot export to {target.name}", hint="use a .csv, .parquet or .xlsx name"
        )
    where = f"WHERE indicator_id = {literal(indicator_id)}" if indicator_id else ""
    query = f"SELECT * FROM out_indicator_values {where} ORDER BY ALL"
    with Warehouse(home, read_only=True) as wh:
        if suffix == ".parquet":
            wh.execute(f"COPY ({query}) TO {literal(str(target))} (FORMAT PARQUET)")
        elif suffix == ".csv":  # cells neutralised against formulas (openpeel.csvsafe)
            result = wh.execute(query)
            header = [str(d[0]) for d in result.description]
            batches = iter(lambda: result.fetchmany(10_000), [])
            with target.open("w", encoding="utf-8", newline="") as fh:
                write_csv(fh, header, itertools.chain.from_iterable(batches))
        else:  # cells that look like formulas written as text (openpeel.csvsafe)
            rows = int(wh.scalar(f"SELECT count(*) FROM ({query})"))
            if rows >= XLSX_MAX_ROWS:
                raise OpenPeelError(
                    f"{rows:,} rows do not fit in one Excel sheet",
                    hint="export one indicator with --id, or use .csv or .parquet",
                )
            result = wh.execute(query)
            header = [str(d[0]) for d in result.description]
            batches = iter(lambda: result.fetchmany(10_000), [])
            write_xlsx(target, [("indicators", header, itertools.chain.from_iterable(batches))])
    out.print(f"wrote {target}")
