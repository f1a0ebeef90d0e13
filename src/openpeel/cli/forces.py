"""``openpeel forces``: find a force by place or by any spelling of its name."""

from __future__ import annotations

from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, FormatOpt, Home
from openpeel.cli.output import Format, emit

app = typer.Typer(help="The territorial forces, found by place or name.", no_args_is_help=True)


@app.command()
def find(
    text: Annotated[
        str,
        typer.Argument(
            help="A force's name in any spelling, a local authority, or a region "
            "('Southampton', 'Devon and Cornwall', 'London')."
        ),
    ],
    limit: Annotated[int, typer.Option(help="At most this many forces.")] = 10,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """Forces a place or name may mean, best first, each with why it matched. Local authorities
    come from the lookup loaded into HOME; without it, force names and regions only."""
    from openpeel.reference.places import find as find_forces
    from openpeel.warehouse.db import WAREHOUSE_FILE, Warehouse

    if (home / WAREHOUSE_FILE).exists():
        with Warehouse(home, read_only=True) as wh:
            matches = find_forces(wh, text, limit)
    else:
        matches = find_forces(None, text, limit)
    emit(
        [
            {
                "force_code": m.force_code,
                "force_name": m.force_name,
                "region": m.region,
                "score": m.score,
                "why": m.why,
            }
            for m in matches
        ],
        fmt,
        title=f"Forces for “{text}”",
    )
