"""``openpeel grades``: a force's grade history, and the national view of a PEEL year."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from openpeel.cli.common import DEFAULT_HOME, ForceOpt, FormatOpt, Home, store_session
from openpeel.cli.output import Format, emit, out

grades_app = typer.Typer(
    help="Grade history, and the national view of a PEEL year (--year, --pillar).",
    invoke_without_command=True,
)


Working = Annotated[
    bool,
    typer.Option(
        "--working",
        help="Show the store's working state (grades confirmed but not yet published), marked, "
        "instead of the published grades only.",
    ),
]


def _store_grades(session: Session, names: dict[str, str], working: bool) -> list[Any]:
    """The store's grades: as the public sees them now (published versions), or the working
    state."""
    from openpeel.access import PUBLIC
    from openpeel.assess.history import confirmed
    from openpeel.clock import now
    from openpeel.publishing.versions import shown_grades

    return confirmed(session, names) if working else shown_grades(session, PUBLIC, now())


@grades_app.callback()
def grades_national(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="PEEL year (2018 = PEEL 2018/19).")] = None,
    pillar: Annotated[str, typer.Option(help="Pillar, or a question id.")] = "effectiveness",
    working: Working = False,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """The national view of a PEEL year: every force's grade, counts and changes (as
    published; --working for the store's working state)."""
    if ctx.invoked_subcommand is not None:
        return
    if year is None:
        out.print(ctx.get_help())
        raise typer.Exit(2)
    from openpeel.assess.history import national
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh, store_session(home) as session:
        names = dict(wh.rows("SELECT force_code, name FROM ref_force"))
        view = national(wh, year, pillar, store=_store_grades(session, names, working))
    if fmt is Format.json:
        emit(
            [
                {
                    "edition": view.edition,
                    "pillar": view.pillar,
                    "counts": view.counts,
                    "changes": view.changes,
                    "forces": [r.as_dict() for r in view.forces],
                }
            ],
            fmt,
        )
        return
    emit(
        [{"grade": g, "forces": n} for g, n in view.counts.items()],
        fmt,
        title=f"PEEL {view.edition} {pillar}: grades",
    )
    emit(
        [{"change": c, "forces": n} for c, n in view.changes.items()],
        fmt,
        title="Changes since the assessment before",
    )
    emit(
        [
            {
                "force": r.force_name,
                "grade": r.grade + _marked(r.state),
                "before": r.previous_grade,
                "change": r.change,
            }
            for r in view.forces
        ],
        fmt,
        title="Forces",
    )


def _marked(state: str) -> str:
    return "" if state == "published" else f" ({state.replace('_', ' ')}, not published)"


@grades_app.command("history")
def grades_history(
    force: ForceOpt,
    working: Working = False,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """A force's grades over the years, each with its change since the assessment before (as
    published; --working for the store's working state)."""
    from openpeel.assess.history import history
    from openpeel.reference import forces
    from openpeel.warehouse.db import Warehouse

    code = forces().resolve(force).code
    with Warehouse(home, read_only=True) as wh, store_session(home) as session:
        names = dict(wh.rows("SELECT force_code, name FROM ref_force"))
        rows = history(wh, code, store=_store_grades(session, names, working))
    emit(
        [r.as_dict() for r in rows]
        if fmt is Format.json
        else [
            {
                "edition": r.edition,
                "pillar": r.pillar,
                "question": r.question or "",
                "grade": r.grade + _marked(r.state),
                "change": r.change,
                "sentence": r.sentence,
            }
            for r in rows
        ],
        fmt,
        title=f"Grade history: {force}" + (" (working state)" if working else ""),
    )
