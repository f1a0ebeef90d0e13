"""``openpeel``: load the public police data, and (in later versions) assess and publish."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from openpeel import __version__
from openpeel.cli.assess import assess_app, framework_app, grades_app, screen
from openpeel.cli.audit import audit_app
from openpeel.cli.chart import app as chart_app
from openpeel.cli.common import DEFAULT_HOME, DEFAULT_WAIT, FormatOpt, Home, Wait
from openpeel.cli.fetch import fetch, refresh
from openpeel.cli.forces import app as forces_app
from openpeel.cli.forecast import forecast
from openpeel.cli.indicators import app as indicators_app
from openpeel.cli.output import Format, emit, err, out, plain
from openpeel.cli.publish import app as publish_app
from openpeel.cli.users import app as users_app
from openpeel.errors import OpenPeelError
from openpeel.settings import SETTINGS

if TYPE_CHECKING:
    pass

app = typer.Typer(
    name="openpeel",
    help="OpenPEEL: an open, reproducible implementation of PEEL police inspections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
docs_app = typer.Typer(
    help="Generate the documentation that derives from declarations.", no_args_is_help=True
)
app.add_typer(docs_app, name="docs")

app.add_typer(indicators_app, name="indicators")
app.add_typer(chart_app, name="chart")
app.add_typer(forces_app, name="forces")
app.add_typer(framework_app, name="framework")
app.add_typer(assess_app, name="assess")
app.add_typer(grades_app, name="grades")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(publish_app, name="publish")
app.command("screen")(screen)
app.command("forecast")(forecast)
app.command("fetch")(fetch)
app.command("refresh")(refresh)


def _version(value: bool) -> None:
    if value:
        out.print(f"openpeel {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log each step and SQL statement with its time.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
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


@docs_app.command("dictionary")
def docs_dictionary(
    output: Annotated[Path, typer.Option(help="Where to write it.")] = Path(
        "docs/data-dictionary.md"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Do not write; exit 1 if the file is not current.")
    ] = False,
) -> None:
    """Write the warehouse data dictionary generated from the declared schema."""
    from openpeel.warehouse.dictionary import render_dictionary

    _write_or_check(output, render_dictionary(), check, "openpeel docs dictionary")


@docs_app.command("indicators")
def docs_indicators(
    output: Annotated[Path, typer.Option(help="Where to write it.")] = Path("docs/indicators.md"),
    check: Annotated[
        bool, typer.Option("--check", help="Do not write; exit 1 if the file is not current.")
    ] = False,
) -> None:
    """Write the indicator catalogue generated from openpeel/indicators/definitions."""
    from openpeel.indicators.docs import render_indicators

    _write_or_check(output, render_indicators(), check, "openpeel docs indicators")


@docs_app.command("framework")
def docs_framework(
    output: Annotated[Path, typer.Option(help="Where to write it.")] = Path("docs/framework.md"),
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the file is not current; write nothing.")
    ] = False,
) -> None:
    """Write docs/framework.md from the framework editions."""
    from openpeel.framework.docs import render_framework

    _write_or_check(output, render_framework(), check, "openpeel docs framework")


@docs_app.command("settings")
def docs_settings(
    output: Annotated[Path, typer.Option(help="Where to write it.")] = Path("docs/settings.md"),
    check: Annotated[
        bool, typer.Option("--check", help="Do not write; exit 1 if the file is not current.")
    ] = False,
) -> None:
    """Write the table of settings generated from openpeel/settings.py."""
    from openpeel.settings import render_settings

    _write_or_check(output, render_settings(), check, "openpeel docs settings")


def _write_or_check(output: Path, text: str, check: bool, command: str) -> None:
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            err.print(f"{output} is not current: run `{command}` and commit the result.")
            raise typer.Exit(1)
        out.print(f"{output} is current.")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    out.print(f"wrote {output}")


@app.command("export-parquet")
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


@app.command()
def demo(
    home: Home = DEFAULT_HOME,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build only; do not serve the dashboard.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
    wait: Wait = DEFAULT_WAIT,
) -> None:
    """Build everything from the bundled sample of real data: the warehouse, the indicators,
    the backtested forecasts, the Hampshire 2016 worked example, its reports and the national
    overview of 2016, and demo accounts; then serve the dashboard at http://127.0.0.1:8000."""
    from openpeel import demo as pipeline
    from openpeel.cli.ingest_view import run_ingest
    from openpeel.sample import sample_path

    path = sample_path()
    out.print(f"Loading the bundled sample ({path}) into {home}")
    code = run_ingest(home, [path], wait)
    status(home=home, fmt=Format.table)
    built = pipeline.build(home, wait, say=out.print, progress=err.print)
    out.print(
        f"Computed {built.indicators} indicators ({built.rows:,} rows). Try:\n"
        f"  openpeel indicators show victim_does_not_support_share --period 2017/18 "
        f"--home {home}\n"
        f"  openpeel assess show --force Hampshire --edition 2016 --home {home}\n"
        f"  openpeel grades history --force Hampshire --home {home}\n"
        f"  openpeel grades --year 2016 --pillar effectiveness --home {home}\n"
        f"  openpeel screen --force Hampshire --home {home}\n"
        f"  openpeel publish status --home {home}\n"
        f"  openpeel publish show hampshire-2016 --output summary --home {home}"
    )
    if code or no_serve:
        _print_sign_ins(built.logins)
        out.print(f"Serve it with: openpeel serve --home {home}")
        raise typer.Exit(code)
    _serve(home, "127.0.0.1", port)


def _print_sign_ins(logins: list[tuple[str, str, str]]) -> None:
    if logins:
        out.print("Demo sign-ins (docs/web.md lists them):")
    for name, role, password in logins:
        out.print(f"  sign in as {role}: {name} / {password}")


def _demo_sign_ins(home: Path) -> list[tuple[str, str, str]]:
    """Moved to ``openpeel.demo.sign_ins`` (kept while other branches use this name)."""
    from openpeel import demo as pipeline

    return pipeline.sign_ins(home)


def _serve(home: Path, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from openpeel.web.app import create_app, prepare_home, secure_cookies

    out.print(f"\nOpenPEEL dashboard: http://{host}:{port}/  (API: http://{host}:{port}/api/docs)")
    if host in ("127.0.0.1", "localhost", "::1"):  # known passwords: never told elsewhere
        _print_sign_ins(_demo_sign_ins(home))
    out.print("Press Ctrl+C to stop.")
    if workers == 1:
        # forwarded headers are believed from OPENPEEL_TRUSTED_PROXIES only (openpeel.web.security),
        # not from whatever uvicorn trusts by default
        uvicorn.run(
            create_app(home, host=host),
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=False,
        )
        return
    # each worker process makes its own app (openpeel.web.app:app_from_environment) over the
    # home and cookie policy passed in the environment; the store and the keys are made here
    prepare_home(home)
    os.environ["OPENPEEL_HOME"] = str(home.resolve())
    os.environ["OPENPEEL_SECURE_COOKIES"] = "true" if secure_cookies(host) else "false"
    uvicorn.run(
        "openpeel.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
    )


DEFAULT_WORKERS = int(next(s.default for s in SETTINGS if s.name == "web_workers"))


@app.command()
def serve(
    home: Home = DEFAULT_HOME,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            envvar="OPENPEEL_WEB_WORKERS",
            min=1,
            help="Processes that answer (uvicorn workers); in production one per core.",
        ),
    ] = DEFAULT_WORKERS,
) -> None:
    """Serve the web dashboard and its JSON API (documented at /api/docs)."""
    from openpeel.warehouse.db import Warehouse

    Warehouse(home, read_only=True).close()  # a clear error where there is no warehouse
    _serve(home, host, port, workers)


def main() -> None:
    """Entry point: user errors are printed plainly, without a traceback."""
    try:
        app()
    except OpenPeelError as exc:
        err.print(f"[bold red]error:[/] {exc.message}" if not plain() else f"error: {exc.message}")
        if exc.hint:
            err.print(f"  hint: {exc.hint}")
        sys.exit(2)
