"""``openpeel assess``: assessments, their findings, evidence, proposed and confirmed grades,
recommendations and responses."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from openpeel.cli.common import (
    DEFAULT_HOME,
    EditionOpt,
    ForceOpt,
    FormatOpt,
    Home,
    actor,
    store_session,
)
from openpeel.cli.output import Format, emit, out

assess_app = typer.Typer(
    help="Assessments: findings, evidence, proposed and confirmed grades.", no_args_is_help=True
)
#: the old names, while other branches still import them from here
_session = store_session
_actor = actor


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

    with store_session(home) as session:
        a = service.create_assessment(
            session,
            force,
            edition,
            actor(),
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
    with store_session(home) as session:
        a = service.get_assessment(session, force, edition)
        f = service.add_finding(
            session,
            a,
            kind,
            text,
            actor(),
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

    with store_session(home) as session:
        a = service.get_assessment(session, force, edition)
        if indicator:
            if not period:
                raise OpenPeelError("indicator evidence needs --period")
            with Warehouse(home, read_only=True) as wh:
                e = service.add_indicator_evidence(
                    session, wh, a, indicator, period, actor(), question=question
                )
            said = "; ".join(s["text"] for s in e.signals or []) or "no significant signal"
            out.print(f"evidence {e.id}: {e.title}, {e.period} = {e.value:.4g} ({said})")
        elif document:
            e = service.add_document_evidence(
                session, a, document, actor(), url=url, question=question
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

    with store_session(home) as session:
        if path.suffix.lower() == ".csv":
            out.print(f"{load_findings_csv(session, path, actor())} findings added from {path}")
            return
        with Warehouse(home, read_only=True) as wh:
            r = load_yaml(session, wh, path, actor())
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

    with store_session(home) as session:
        a = service.get_assessment(session, force, edition)
        service.propose(session, a, actor())
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
    with store_session(home) as session:
        a = service.get_assessment(session, force, edition)
        j = service.confirm(
            session, a, level, str(target), actor(), grade=grade, rationale=rationale
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

    with store_session(home) as session:
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

    with store_session(home) as session:
        u = service.update_recommendation(
            session, recommendation_id, status, text, actor(), evidence=evidence
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

    with store_session(home) as session:
        a = service.get_assessment(session, force, edition)
        r = service.record_response(
            session, a, respondent, actor(), received_on=date.fromisoformat(received), url=url
        )
        late = r.due_on is not None and r.received_on is not None and r.received_on > r.due_on
        out.print(
            f"{r.respondent}: received {r.received_on}"
            + (f", after it was due ({r.due_on})" if late else "")
        )
