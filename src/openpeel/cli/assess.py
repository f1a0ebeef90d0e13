"""``openpeel framework``, ``assess``, ``grades`` and ``screen``: the PEEL framework,
assessments and their graded judgements, grade history and the risk screen."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from openpeel.cli.common import DEFAULT_HOME, FormatOpt, Home
from openpeel.cli.output import Format, emit, out

framework_app = typer.Typer(help="The PEEL framework editions, as data.", no_args_is_help=True)
assess_app = typer.Typer(
    help="Assessments: findings, evidence, proposed and confirmed grades.", no_args_is_help=True
)
grades_app = typer.Typer(
    help="Grade history, and the national view of a PEEL year (--year, --pillar).",
    invoke_without_command=True,
)

ForceOpt = Annotated[str, typer.Option("--force", help="Force name or ONS code.")]
EditionOpt = Annotated[str, typer.Option("--edition", help="PEEL edition: 2016, 2018/19, ...")]


@contextmanager
def _session(home: Path) -> Iterator[Session]:
    from openpeel.assess.store import Store

    store = Store.open(home)
    try:
        with store.session() as session:
            yield session
    finally:
        store.close()


def _actor() -> str:
    from openpeel.assess.service import current_actor

    return current_actor()


# -- framework -------------------------------------------------------------------------------


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


# -- assess ----------------------------------------------------------------------------------


@assess_app.command("create")
def assess_create(
    force: ForceOpt,
    edition: EditionOpt,
    published: Annotated[
        str | None, typer.Option(help="Publication date (YYYY-MM-DD); responses due 56 days on.")
    ] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Create an assessment of a force under an edition."""
    from openpeel.assess import service

    with _session(home) as session:
        a = service.create_assessment(
            session,
            force,
            edition,
            _actor(),
            published_on=date.fromisoformat(published) if published else None,
        )
        out.print(f"assessment {a.id}: {a.force_code}, PEEL {a.edition_id}")


@assess_app.command("finding")
def assess_finding(
    force: ForceOpt,
    edition: EditionOpt,
    kind: Annotated[
        str,
        typer.Option(
            help="strength, area_for_improvement, cause_of_concern, promising_practice "
            "or innovative_practice."
        ),
    ],
    text: Annotated[str, typer.Option(help="The finding, in words.")],
    question: Annotated[str | None, typer.Option(help="Question id of the edition.")] = None,
    pillar: Annotated[
        str | None, typer.Option(help="Pillar, for a finding about a whole pillar.")
    ] = None,
    recommendation: Annotated[
        list[str] | None, typer.Option(help="A recommendation (required for a cause of concern).")
    ] = None,
    due: Annotated[str | None, typer.Option(help="Due date of the recommendations.")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Add a finding (and, for a cause of concern, its recommendations)."""
    from openpeel.assess import service

    due_on = date.fromisoformat(due) if due else None
    with _session(home) as session:
        a = service.get_assessment(session, force, edition)
        f = service.add_finding(
            session,
            a,
            kind,
            text,
            _actor(),
            question=question,
            pillar=pillar,
            recommendations=[{"text": r, "due_on": due_on} for r in recommendation or []],
        )
        out.print(f"finding {f.id} added ({f.kind}, {f.question_id or f.pillar_id})")


@assess_app.command("evidence")
def assess_evidence(
    force: ForceOpt,
    edition: EditionOpt,
    indicator: Annotated[
        str | None, typer.Option(help="Indicator id to freeze as evidence.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="Period of the indicator value.")] = None,
    document: Annotated[str | None, typer.Option(help="Title of a document as evidence.")] = None,
    url: Annotated[str | None, typer.Option(help="Address of the document.")] = None,
    question: Annotated[str | None, typer.Option(help="Question the evidence bears on.")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Attach evidence: an indicator value with its benchmarks, or a document."""
    from openpeel.assess import service
    from openpeel.errors import OpenPeelError
    from openpeel.warehouse.db import Warehouse

    with _session(home) as session:
        a = service.get_assessment(session, force, edition)
        if indicator:
            if not period:
                raise OpenPeelError("indicator evidence needs --period")
            with Warehouse(home, read_only=True) as wh:
                e = service.add_indicator_evidence(
                    session, wh, a, indicator, period, _actor(), question=question
                )
            said = "; ".join(s["text"] for s in e.signals or []) or "no significant signal"
            out.print(f"evidence {e.id}: {e.title}, {e.period} = {e.value:.4g} ({said})")
        elif document:
            e = service.add_document_evidence(
                session, a, document, _actor(), url=url, question=question
            )
            out.print(f"evidence {e.id}: {document}")
        else:
            raise OpenPeelError("give --indicator and --period, or --document")


@assess_app.command("load")
def assess_load(
    path: Annotated[Path, typer.Argument(help="A YAML assessment or a CSV of findings.")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Load an assessment (YAML) or findings (CSV) in bulk; all or nothing."""
    from openpeel.assess.bulk import load_findings_csv, load_yaml
    from openpeel.warehouse.db import Warehouse

    with _session(home) as session:
        if path.suffix.lower() == ".csv":
            out.print(f"{load_findings_csv(session, path, _actor())} findings added from {path}")
            return
        with Warehouse(home, read_only=True) as wh:
            r = load_yaml(session, wh, path, _actor())
        out.print(
            f"assessment {r.assessment.id}: {r.findings} findings, {r.evidence} evidence, "
            f"{r.grades} grades confirmed, {r.responses} responses from {path}"
        )


def _judgement_rows(a: Any) -> list[dict[str, Any]]:
    return [
        {
            "level": j.level,
            "target": j.target_id,
            "proposed": j.proposed_grade,
            "confirmed": j.confirmed_grade,
            "reasons": "; ".join(j.proposed_reasons or []),
            "rationale": j.rationale,
        }
        for j in a.judgements
    ]


@assess_app.command("propose")
def assess_propose(
    force: ForceOpt, edition: EditionOpt, home: Home = DEFAULT_HOME, fmt: FormatOpt = Format.table
) -> None:
    """Propose grades for every question and pillar from the findings, with reasons."""
    from openpeel.assess import service

    with _session(home) as session:
        a = service.get_assessment(session, force, edition)
        service.propose(session, a, _actor())
        emit(_judgement_rows(a), fmt, title="Proposed grades")


@assess_app.command("confirm")
def assess_confirm(
    force: ForceOpt,
    edition: EditionOpt,
    question: Annotated[str | None, typer.Option(help="Question id.")] = None,
    pillar: Annotated[str | None, typer.Option(help="Pillar id.")] = None,
    grade: Annotated[str | None, typer.Option(help="The grade (default: the proposal).")] = None,
    rationale: Annotated[str | None, typer.Option(help="Why (required to override).")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Confirm a proposed grade, or override it with a rationale."""
    from openpeel.assess import service
    from openpeel.errors import OpenPeelError

    if bool(question) == bool(pillar):
        raise OpenPeelError("give either --question or --pillar")
    level, target = ("question", question) if question else ("pillar", pillar)
    with _session(home) as session:
        a = service.get_assessment(session, force, edition)
        j = service.confirm(
            session, a, level, str(target), _actor(), grade=grade, rationale=rationale
        )
        out.print(
            f"{level} {target}: {j.confirmed_grade}" + (" (override)" if j.is_override else "")
        )


@assess_app.command("show")
def assess_show(
    force: ForceOpt, edition: EditionOpt, home: Home = DEFAULT_HOME, fmt: FormatOpt = Format.table
) -> None:
    """An assessment: grades, findings, recommendations, evidence and responses."""
    from openpeel.assess import service

    with _session(home) as session:
        a = service.get_assessment(session, force, edition)
        findings = [
            {
                "id": f.id,
                "question": f.question_id or f.pillar_id,
                "kind": f.kind,
                "text": f.text,
                "recommendations": "; ".join(
                    f"[{r.id} {r.status}] {r.text}" for r in f.recommendations
                ),
            }
            for f in a.findings
        ]
        evidence = [
            {
                "id": e.id,
                "question": e.question_id,
                "what": e.title,
                "period": e.period,
                "value": e.value,
                "ew_value": e.ew_value,
                "signals": "; ".join(s["text"] for s in e.signals or []),
            }
            for e in a.evidence
        ]
        responses = [
            {"respondent": r.respondent, "due": r.due_on, "received": r.received_on, "url": r.url}
            for r in a.responses
        ]
        if fmt is Format.json:
            emit(
                [
                    {
                        "assessment": a.id,
                        "force_code": a.force_code,
                        "edition": a.edition_id,
                        "status": a.status,
                        "judgements": _judgement_rows(a),
                        "findings": findings,
                        "evidence": evidence,
                        "responses": responses,
                    }
                ],
                fmt,
            )
            return
        out.print(f"Assessment {a.id}: {a.force_code}, PEEL {a.edition_id} ({a.status})")
        emit(_judgement_rows(a), fmt, title="Grades")
        emit(findings, fmt, title="Findings")
        emit(evidence, fmt, title="Evidence")
        emit(responses, fmt, title="Responses")


@assess_app.command("recommendation")
def assess_recommendation(
    recommendation_id: Annotated[int, typer.Argument(help="Recommendation number (see show).")],
    status: Annotated[str, typer.Option(help="open, in_progress, complete or superseded.")],
    text: Annotated[str, typer.Option(help="What has been done.")],
    evidence: Annotated[str | None, typer.Option(help="Evidence of the progress.")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Record dated progress on a recommendation."""
    from openpeel.assess import service

    with _session(home) as session:
        u = service.update_recommendation(
            session, recommendation_id, status, text, _actor(), evidence=evidence
        )
        out.print(f"recommendation {recommendation_id}: {u.status} on {u.on}")


@assess_app.command("response")
def assess_response(
    force: ForceOpt,
    edition: EditionOpt,
    respondent: Annotated[
        str, typer.Option(help="'police and crime commissioner' or 'chief constable'.")
    ],
    received: Annotated[str, typer.Option(help="Date received (YYYY-MM-DD).")],
    url: Annotated[str | None, typer.Option(help="Where it is published.")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Record a stakeholder's response to the report."""
    from openpeel.assess import service

    with _session(home) as session:
        a = service.get_assessment(session, force, edition)
        r = service.record_response(
            session, a, respondent, _actor(), received_on=date.fromisoformat(received), url=url
        )
        late = r.due_on is not None and r.received_on is not None and r.received_on > r.due_on
        out.print(
            f"{r.respondent}: received {r.received_on}"
            + (f", after it was due ({r.due_on})" if late else "")
        )


# -- grades ----------------------------------------------------------------------------------


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

    with Warehouse(home, read_only=True) as wh, _session(home) as session:
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
    with Warehouse(home, read_only=True) as wh, _session(home) as session:
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


# -- screen --------------------------------------------------------------------------


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
