"""Options shared by the commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from openpeel.cli.output import Format, err
from openpeel.settings import SETTINGS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from openpeel.warehouse.db import Warehouse

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
Wait = Annotated[
    float,
    typer.Option(
        "--wait",
        envvar="OPENPEEL_WAIT",
        metavar="SECONDS",
        help="If another command is writing to the warehouse, wait up to this long for it to "
        "finish (0: refuse at once, naming it).",
    ),
]
ForceOpt = Annotated[str, typer.Option("--force", help="Force name or ONS code.")]
EditionOpt = Annotated[str, typer.Option("--edition", help="PEEL edition: 2016, 2018/19, ...")]
DEFAULT_HOME = Path(next(s.default for s in SETTINGS if s.name == "home"))
DEFAULT_WAIT = float(next(s.default for s in SETTINGS if s.name == "wait"))


@contextmanager
def writer(home: Path, command: str, wait: float) -> Iterator[Warehouse]:
    """The warehouse to change for ``command``, on a copy that becomes the current state when
    the command finishes; the dashboard and other readers keep the last complete state until
    then."""
    from openpeel.warehouse.writing import writing

    with writing(home, command, wait=wait, notify=lambda m: err.print(f"{command}: {m}")) as wh:
        yield wh


@contextmanager
def store_session(home: Path) -> Iterator[Session]:
    """A session of the home's assessment store, committed when the block ends."""
    from openpeel.assess.store import Store

    store = Store.open(home)
    try:
        with store.session() as session:
            yield session
    finally:
        store.close()


def actor() -> str:
    """Who is acting: the user running the command (``openpeel.assess.service.current_actor``)."""
    from openpeel.assess.service import current_actor

    return current_actor()
