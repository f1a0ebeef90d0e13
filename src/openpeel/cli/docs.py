"""``openpeel docs``: write (or check) the documentation that derives from declarations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.output import err, out

docs_app = typer.Typer(
    help="Generate the documentation that derives from declarations.", no_args_is_help=True
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
