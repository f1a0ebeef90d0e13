"""``openpeel screen``: the risk screen, where to look."""

from __future__ import annotations

from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, FormatOpt, Home
from openpeel.cli.output import Format, emit


def screen(
    force: Annotated[str | None, typer.Option(help="Force name or code (default: all).")] = None,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """Where to look: indicator evidence worse than England and Wales or deteriorating."""
    from openpeel.assess.screen import screen as run
    from openpeel.reference import forces
    from openpeel.warehouse.db import Warehouse

    code = forces().resolve(force).code if force else None
    with Warehouse(home, read_only=True) as wh:
        rows = run(wh, code)
    emit(
        [r.as_dict() for r in rows],
        fmt,
        title="Risk screen",
        columns=["force_name", "theme", "indicator_id", "period", "value", "ew_value", "signal"],
    )
