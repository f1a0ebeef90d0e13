"""Options shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.output import Format
from openpeel.settings import SETTINGS

Home = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="OPENPEEL_HOME",
        metavar="DIR",
        show_default=True,
        help="Folder that holds the warehouse and all other state.",
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
DEFAULT_HOME = Path(next(s.default for s in SETTINGS if s.name == "home"))
