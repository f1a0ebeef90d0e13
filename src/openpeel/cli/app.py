"""``openpeel``: the root command, its options, and every command group and command in the
order ``--help`` lists them. Each group is a module of its own (``openpeel.cli.<group>``)."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from openpeel import __version__
from openpeel.cli.assess import assess_app
from openpeel.cli.audit import audit_app
from openpeel.cli.chart import app as chart_app
from openpeel.cli.docs import docs_app
from openpeel.cli.fetch import fetch, refresh
from openpeel.cli.forces import app as forces_app
from openpeel.cli.forecast import forecast
from openpeel.cli.framework import framework_app
from openpeel.cli.grades import grades_app
from openpeel.cli.indicators import app as indicators_app
from openpeel.cli.output import err, out, plain
from openpeel.cli.publish import app as publish_app
from openpeel.cli.screen import screen
from openpeel.cli.serve import _demo_sign_ins, demo, serve
from openpeel.cli.users import app as users_app
from openpeel.cli.warehouse import export_parquet_command, ingest, quality, sources, status
from openpeel.errors import OpenPeelError

__all__ = ["_demo_sign_ins", "app", "main"]  # _demo_sign_ins: the old path of demo.sign_ins

app = typer.Typer(
    name="openpeel",
    help="OpenPEEL: an open, reproducible implementation of PEEL police inspections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
app.command("ingest")(ingest)
app.command("status")(status)
app.command("quality")(quality)
app.command("sources")(sources)
app.command("demo")(demo)
app.command("export-parquet")(export_parquet_command)
app.command("serve")(serve)


def _version(value: bool) -> None:
    if value:
        out.print(f"openpeel {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log each step and SQL statement with its time.")
    ] = False,
    version: Annotated[  # noqa: ARG001  (typer's eager --version callback does the work)
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


def main() -> None:
    """Entry point: user errors are printed plainly, without a traceback."""
    try:
        app()
    except OpenPeelError as exc:
        err.print(f"[bold red]error:[/] {exc.message}" if not plain() else f"error: {exc.message}")
        if exc.hint:
            err.print(f"  hint: {exc.hint}")
        sys.exit(2)
