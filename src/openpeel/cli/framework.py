"""``openpeel framework``: the PEEL framework editions, as data."""

from __future__ import annotations

import typer

from openpeel.cli.common import FormatOpt
from openpeel.cli.output import Format, emit

framework_app = typer.Typer(help="The PEEL framework editions, as data.", no_args_is_help=True)


@framework_app.command("list")
def framework_list(fmt: FormatOpt = Format.table) -> None:
    """The editions, their grade scales and how many questions each grades."""
    from openpeel.framework.model import load_framework

    emit(
        [
            {
                "edition": e.id,
                "title": e.title,
                "scale": e.scale.id,
                "questions": len(e.questions),
                "graded": sum(q.graded for q in e.questions),
                "pillar grades": e.pillar_rule != "none",
            }
            for e in load_framework().ordered()
        ],
        fmt,
        title="PEEL editions",
    )


@framework_app.command("show")
def framework_show(edition: str, fmt: FormatOpt = Format.table) -> None:
    """An edition's questions (docs/framework.md has everything)."""
    from openpeel.framework.model import load_framework

    ed = load_framework().edition(edition)
    emit(
        [
            {
                "question": q.id,
                "pillar": q.pillar,
                "graded": q.graded,
                "title": q.title + ("" if q.title_verified else " (wording not verified)"),
            }
            for q in ed.questions
        ],
        fmt,
        title=f"{ed.title}: {ed.scale.title}",
    )


@framework_app.command("crosswalk")
def framework_crosswalk(from_edition: str, to_edition: str, fmt: FormatOpt = Format.table) -> None:
    """Which questions of one edition correspond to which of another, and if grades compare."""
    from openpeel.framework.model import load_framework

    emit(
        [
            {
                "from": c.from_question,
                "to": c.to_question,
                "themes": ", ".join(c.themes),
                "comparable": c.comparable,
                "note": c.note,
            }
            for c in load_framework().crosswalk(from_edition, to_edition)
        ],
        fmt,
        title=f"PEEL {from_edition} to {to_edition}",
    )
