"""The inspector's workspace: every assessment, one assessment (findings, evidence, proposed
and confirmed grades, its publication), and the changes an inspector makes in it, each declared
once in ``ACTIONS`` and served by ``routers/changes.py`` as a form post and a JSON post.
"""

# no ``from __future__ import annotations``: FastAPI reads the handlers' annotations
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess import service
from openpeel.assess.models import FINDING_KINDS, Assessment, Publication
from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing import corrections, release, workflow
from openpeel.publishing.corrections import finding_mark, judged_report, working_state
from openpeel.publishing.versions import public_version
from openpeel.warehouse.db import Warehouse
from openpeel.web.contexts.forces import find_force
from openpeel.web.dependencies import DB, WH, Now, Who, require
from openpeel.web.errors import NotFound
from openpeel.web.render import page, twin
from openpeel.web.routers.changes import Action, Call, Done, find_assessment, register
from openpeel.web.schemas import (
    AssessmentPage,
    ConfirmIn,
    EvidenceIn,
    FindingEdit,
    FindingIn,
    Nothing,
    PublishIn,
    Workspace,
)

router = APIRouter()


def workspace_list(session: Session) -> dict[str, Any]:
    from openpeel.reference.forces import forces

    rows = []
    for a in session.scalars(
        select(Assessment).order_by(Assessment.edition_id, Assessment.force_code)
    ):
        f = forces().get(a.force_code)
        rows.append(
            {
                "force": f.name,
                "slug": f.policeuk_slug,
                "edition": a.edition_id,
                "status": a.status,
                "findings": len(a.findings),
                "confirmed": sum(1 for j in a.judgements if j.confirmed_grade),
            }
        )
    return {"title": "Inspector's workspace", "assessments": rows}


def assessment_context(
    wh: Warehouse,  # noqa: ARG001  (as every context builder; unused by this one today)
    session: Session,
    now: datetime,
    force: str,
    edition: str,
) -> dict[str, Any]:
    """Everything an inspector works on in one assessment, and what can be chosen in its forms."""
    a = find_assessment(session, force, edition)
    f = find_force(force)
    ed = service.edition_of(a)
    pub = session.scalars(select(Publication).where(Publication.assessment_id == a.id)).first()
    titles = {q.id: q.title for q in ed.questions} | {p.id: p.title for p in ed.pillars}
    public = public_version(pub, now) if pub is not None else None
    said = judged_report(public.context["report"]) if public is not None else None
    return {
        "title": f"PEEL {a.edition_id}: {f.name}",
        "force": {"code": f.code, "name": f.name, "slug": f.policeuk_slug},
        "edition": a.edition_id,
        "status": a.status,
        "findings": [
            {
                "id": x.id,
                "kind": x.kind,
                "question": x.question_id,
                "question_title": titles.get(x.question_id or x.pillar_id, x.pillar_id),
                "text": x.text,
                "recommendations": [r.text for r in x.recommendations],
                # against the published version: "new", "changed", or None (as published)
                "unpublished": finding_mark(said, x.id, x.kind, x.text),
            }
            for x in a.findings
        ],
        "evidence": [
            {
                "id": e.id,
                "kind": e.kind,
                "question": e.question_id,
                "indicator": e.indicator_id,
                "period": e.period,
                "value": e.value,
                "title": e.title,
                "note": e.note,
            }
            for e in a.evidence
        ],
        "judgements": [
            {
                "level": j.level,
                "target": j.target_id,
                "target_title": titles.get(j.target_id, j.target_id),
                "proposed": j.proposed_grade,
                "reasons": list(j.proposed_reasons or []),
                "confirmed": j.confirmed_grade,
                "rationale": j.rationale,
                "override": bool(j.is_override),
                "confirmed_by": j.confirmed_by,
                "published": said.grades.get((j.level, j.target_id), ("", None))[1]
                if said is not None
                else None,
            }
            for j in sorted(a.judgements, key=lambda j: (j.level != "pillar", j.target_id))
        ],
        "publication": None if pub is None else working_state(pub, a, now),
        "choices": {
            "kinds": list(FINDING_KINDS),
            "questions": [{"id": q.id, "title": q.title} for q in ed.questions],
            "grades": list(ed.scale.ids),
            "indicators": [
                {"id": i.id, "title": i.title} for i in load_catalogue().indicators.values()
            ],
        },
    }


@router.get("/workspace", include_in_schema=False)
def workspace_page(request: Request, session: DB, who: Who) -> HTMLResponse:
    require(who, "see_workspace")
    return page(request, "workspace.html.j2", workspace_list(session), who)


@router.get(
    "/api/workspace",
    summary="Every assessment (inspectors and admins)",
    tags=["inspector"],
    response_model=Workspace,
)
def workspace_api(session: DB, who: Who) -> JSONResponse:
    require(who, "see_workspace")
    return twin(workspace_list(session), who)


@router.get("/workspace/{force}/{edition}", include_in_schema=False)
def assessment_page(
    request: Request, force: str, edition: str, wh: WH, session: DB, who: Who, now: Now
) -> HTMLResponse:
    require(who, "see_workspace")
    context = assessment_context(wh, session, now, force, edition)
    return page(request, "assessment.html.j2", context, who)


@router.get(
    "/api/workspace/{force}/{edition}",
    summary="One assessment (inspectors and admins)",
    tags=["inspector"],
    response_model=AssessmentPage,
)
def assessment_api(
    force: str, edition: str, wh: WH, session: DB, who: Who, now: Now
) -> JSONResponse:
    require(who, "see_workspace")
    return twin(assessment_context(wh, session, now, force, edition), who)


def to_workspace(c: Call, message: str = "") -> Done:
    """The assessment's page in the workspace, with the banner shown after a change."""
    return Done(
        f"/workspace/{c.force}/{c.key}",
        lambda: assessment_context(c.wh, c.s, c.now, c.force, c.key),
        "assessment.html.j2",
        message,
    )


def add_finding(data: FindingIn, c: Call) -> Done:
    require(c.who, "edit_assessment")
    recs = [{"text": data.recommendation}] if data.recommendation else None
    service.add_finding(
        c.s, c.assessment(), data.kind, data.text, c.actor, question=data.question,
        recommendations=recs,
    )  # fmt: skip
    return to_workspace(c, "The finding is added.")


def edit_finding(data: FindingEdit, c: Call) -> Done:
    require(c.who, "edit_assessment")
    if data.finding not in {f.id for f in c.assessment().findings}:
        raise NotFound(f"no finding {data.finding} in the PEEL {c.key} assessment of {c.force}")
    service.edit_finding(c.s, data.finding, c.actor, kind=data.kind, text=data.text)
    return to_workspace(c, "The finding is saved.")


def add_evidence(data: EvidenceIn, c: Call) -> Done:
    require(c.who, "edit_assessment")
    service.add_indicator_evidence(
        c.s, c.wh, c.assessment(), data.indicator, data.period, c.actor, question=data.question,
        note=data.note,
    )  # fmt: skip
    return to_workspace(c, "The indicator value is attached as evidence.")


def propose(_data: Nothing, c: Call) -> Done:
    require(c.who, "edit_assessment")
    service.propose(c.s, c.assessment(), c.actor)
    return to_workspace(c, "Grades are proposed from the findings and evidence.")


def confirm(data: ConfirmIn, c: Call) -> Done:
    require(c.who, "edit_assessment")
    service.confirm(
        c.s, c.assessment(), data.level, data.target, c.actor, grade=data.grade or None,
        rationale=data.rationale or None,
    )  # fmt: skip
    return to_workspace(c, "The grade is confirmed.")


def _release_time(data: PublishIn, c: Call) -> datetime:
    from openpeel.clock import parse_uk_time

    if data.at:
        return parse_uk_time(data.at, "release time")
    if data.now and data.step == "schedule":
        return c.now
    raise workflow.PublishError("give the release time", hint="YYYY-MM-DD HH:MM, UK")


#: each step of the publication workflow, on the assessment's publication
STEPS: dict[str, Callable[[PublishIn, Call, str], object]] = {
    "check": lambda _d, c, slug: workflow.send_for_check(c.s, slug, c.actor, c.now),
    "schedule": lambda d, c, slug: workflow.schedule(
        c.s, slug, _release_time(d, c), c.actor, c.now, release_now=d.now
    ),
    "correct": lambda d, c, slug: corrections.correct(c.s, c.wh, slug, d.why or "", c.actor, c.now),
    "postpone": lambda d, c, slug: release.postpone(
        c.s, slug, _release_time(d, c), c.actor, c.now, d.why
    ),
    "withdraw": lambda d, c, slug: release.withdraw(c.s, slug, c.actor, c.now, d.why or ""),
    "revoke": lambda d, c, slug: release.revoke(c.s, slug, d.user or "", c.actor, c.now),
}


#: the banner after each step
PUBLISHED_STEP = {
    "draft": "The report is drafted.",
    "check": "The report is sent to the force for factual accuracy check.",
    "schedule": "The release is scheduled.",
    "correct": "The correction is drafted.",
    "postpone": "The release is postponed.",
    "withdraw": "The release is withdrawn.",
    "revoke": "The pre-release access is revoked.",
}


def publish(data: PublishIn, c: Call) -> Done:
    require(c.who, "publish")
    a = c.assessment()
    if data.step == "draft":
        workflow.draft(c.s, c.wh, a.force_code, a.edition_id, c.actor, c.now)
        return to_workspace(c, PUBLISHED_STEP["draft"])
    pub = c.s.scalars(select(Publication).where(Publication.assessment_id == a.id)).first()
    if pub is None:
        raise workflow.PublishError("draft the publication first")
    STEPS[data.step](data, c, pub.slug)
    return to_workspace(c, PUBLISHED_STEP[data.step])


ACTIONS = (
    Action(
        "/workspace/{force}/{edition}/findings",
        FindingIn,
        add_finding,
        "Add a finding",
        to_workspace,
        AssessmentPage,
    ),
    Action(
        "/workspace/{force}/{edition}/findings/edit",
        FindingEdit,
        edit_finding,
        "Edit a finding",
        to_workspace,
        AssessmentPage,
    ),
    Action(
        "/workspace/{force}/{edition}/evidence",
        EvidenceIn,
        add_evidence,
        "Attach indicator evidence",
        to_workspace,
        AssessmentPage,
    ),
    Action(
        "/workspace/{force}/{edition}/propose",
        Nothing,
        propose,
        "Propose grades from the rules",
        to_workspace,
        AssessmentPage,
    ),
    Action(
        "/workspace/{force}/{edition}/confirm",
        ConfirmIn,
        confirm,
        "Confirm or override a grade",
        to_workspace,
        AssessmentPage,
    ),
    Action(
        "/workspace/{force}/{edition}/publish",
        PublishIn,
        publish,
        "Draft, send for check, schedule, correct, postpone, withdraw, revoke access",
        to_workspace,
        AssessmentPage,
    ),
)
for _action in ACTIONS:
    register(router, _action)
