"""The inspector's workspace (findings, evidence, proposed and confirmed grades, publication)
and what a force posts (progress on recommendations, responses).

Each change is declared once in ``ACTIONS`` (its address, the model of what it takes, the
permission it needs and the function that does it) and registered twice: as a form post that
returns to its page, and as a JSON post under /api that returns the page's context.
"""

# no ``from __future__ import annotations``: FastAPI reads these handlers' annotations, which
# name the action's model from the closure that registers it
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel import access
from openpeel.access import Viewer
from openpeel.assess import service
from openpeel.assess.models import (
    FINDING_KINDS,
    RECOMMENDATION_STATUSES,
    RESPONDENTS,
    Assessment,
    Publication,
)
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.framework.model import load_framework
from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing import corrections, release, workflow
from openpeel.publishing.corrections import finding_mark, judged_report, working_state
from openpeel.publishing.versions import public_version
from openpeel.warehouse.db import Warehouse
from openpeel.web import forms, models
from openpeel.web.deps import DB, WH, Now, Who, check_csrf, require, signed_in, state
from openpeel.web.errors import status_of
from openpeel.web.render import page, twin
from openpeel.web.views import NotFound, find_force, force_page

router = APIRouter()
PUBLISH_STEPS = ("draft", "check", "schedule", "correct", "postpone", "withdraw", "revoke")


def _assessment(session: Session, force: str, edition: str) -> Assessment:
    code = find_force(force).code
    found = service.find_assessment(session, code, load_framework().edition(edition).id)
    if found is None:
        raise NotFound(f"no PEEL {edition} assessment of {force}")
    return found


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
    a = _assessment(session, force, edition)
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
    response_model=models.Workspace,
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
    response_model=models.AssessmentPage,
)
def assessment_api(
    force: str, edition: str, wh: WH, session: DB, who: Who, now: Now
) -> JSONResponse:
    require(who, "see_workspace")
    return twin(assessment_context(wh, session, now, force, edition), who)


# ---- what can be changed -------------------------------------------------------------------


class FindingIn(BaseModel):
    kind: Literal[FINDING_KINDS]  # type: ignore[valid-type]
    question: str = Field(description="The edition's question id.")
    text: str = Field(min_length=1, max_length=5000)
    recommendation: str | None = Field(
        default=None, max_length=5000, description="Needed for a cause of concern."
    )


class FindingEdit(BaseModel):
    finding: int = Field(ge=1, description="The finding's id.")
    kind: Literal[FINDING_KINDS]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=5000)


class EvidenceIn(BaseModel):
    indicator: str
    period: str
    question: str
    note: str | None = Field(default=None, max_length=2000)


class ConfirmIn(BaseModel):
    level: Literal["question", "pillar"]
    target: str
    grade: str | None = Field(default=None, description="Another grade than the proposed one.")
    rationale: str | None = Field(default=None, max_length=5000)


class PublishIn(BaseModel):
    step: Literal[PUBLISH_STEPS]  # type: ignore[valid-type]
    at: str | None = Field(
        default=None, description="Release time, UK: YYYY-MM-DD HH:MM (schedule, postpone)."
    )
    now: bool = Field(
        default=False,
        description="Schedule: release at once (with no time, now; a past time needs this).",
    )
    why: str | None = Field(
        default=None, max_length=5000, description="Why (a correction, a withdrawal)."
    )
    user: str | None = Field(
        default=None, max_length=200, description="Whose pre-release access to revoke."
    )


class ProgressIn(BaseModel):
    status: Literal[RECOMMENDATION_STATUSES]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=5000)


class ResponseIn(BaseModel):
    respondent: Literal[RESPONDENTS]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=20000)
    url: str | None = Field(default=None, max_length=1000)


@dataclass(frozen=True)
class Done:
    """Where a form returns to (the page it is on, as ``template``), the context the API
    answers with, and the banner the page shows after it."""

    back: str
    context: Callable[[], dict[str, Any]]
    template: str
    message: str = ""


@dataclass(frozen=True)
class Call:
    """One change asked for: the force and edition (or recommendation) in its address, and the
    request's store session, warehouse, viewer and time."""

    force: str
    key: str  # the edition, or for progress the recommendation's id
    s: Session
    wh: Warehouse
    who: Viewer
    now: datetime

    @property
    def actor(self) -> str:
        return str(self.who.name)

    def assessment(self) -> Assessment:
        return _assessment(self.s, self.force, self.key)

    def to_workspace(self, message: str = "") -> Done:
        return Done(
            f"/workspace/{self.force}/{self.key}",
            lambda: assessment_context(self.wh, self.s, self.now, self.force, self.key),
            "assessment.html.j2",
            message,
        )

    def to_force_page(self, message: str = "") -> Done:
        return Done(
            f"/forces/{find_force(self.force).policeuk_slug}",
            lambda: force_page(self.wh, self.s, self.who, self.now, self.force),
            "force.html.j2",
            message,
        )


Act = Callable[[Any, Call], Done]


def add_finding(data: FindingIn, c: Call) -> Done:
    require(c.who, "edit_assessment")
    recs = [{"text": data.recommendation}] if data.recommendation else None
    service.add_finding(
        c.s, c.assessment(), data.kind, data.text, c.actor, question=data.question,
        recommendations=recs,
    )  # fmt: skip
    return c.to_workspace("The finding is added.")


def edit_finding(data: FindingEdit, c: Call) -> Done:
    require(c.who, "edit_assessment")
    if data.finding not in {f.id for f in c.assessment().findings}:
        raise NotFound(f"no finding {data.finding} in the PEEL {c.key} assessment of {c.force}")
    service.edit_finding(c.s, data.finding, c.actor, kind=data.kind, text=data.text)
    return c.to_workspace("The finding is saved.")


def add_evidence(data: EvidenceIn, c: Call) -> Done:
    require(c.who, "edit_assessment")
    service.add_indicator_evidence(
        c.s, c.wh, c.assessment(), data.indicator, data.period, c.actor, question=data.question,
        note=data.note,
    )  # fmt: skip
    return c.to_workspace("The indicator value is attached as evidence.")


def propose(_data: BaseModel, c: Call) -> Done:
    require(c.who, "edit_assessment")
    service.propose(c.s, c.assessment(), c.actor)
    return c.to_workspace("Grades are proposed from the findings and evidence.")


def confirm(data: ConfirmIn, c: Call) -> Done:
    require(c.who, "edit_assessment")
    service.confirm(
        c.s, c.assessment(), data.level, data.target, c.actor, grade=data.grade or None,
        rationale=data.rationale or None,
    )  # fmt: skip
    return c.to_workspace("The grade is confirmed.")


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
        return c.to_workspace(PUBLISHED_STEP["draft"])
    pub = c.s.scalars(select(Publication).where(Publication.assessment_id == a.id)).first()
    if pub is None:
        raise workflow.PublishError("draft the publication first")
    STEPS[data.step](data, c, pub.slug)
    return c.to_workspace(PUBLISHED_STEP[data.step])


def post_progress(data: ProgressIn, c: Call) -> Done:
    from openpeel.assess.models import Recommendation

    found = c.s.get(Recommendation, int(c.key)) if c.key.isdigit() else None
    code = find_force(c.force).code
    if found is None or found.finding.assessment.force_code != code:
        raise NotFound(f"no recommendation {c.key} for {c.force}")
    require(c.who, "post_progress", code)
    inspectorate = access.may_act(c.who, "accept_progress", code)
    service.update_recommendation(
        c.s, found.id, data.status, data.text, c.actor, on=c.now.date(), accepted=inspectorate,
        at=c.now,
    )  # fmt: skip
    return c.to_force_page(
        "The progress is posted."
        if inspectorate
        else "The progress is posted. It will be public once the inspectorate accepts it."
    )


def accept_progress(_data: BaseModel, c: Call) -> Done:
    from openpeel.assess.models import RecommendationUpdate

    found = c.s.get(RecommendationUpdate, int(c.key)) if c.key.isdigit() else None
    code = find_force(c.force).code
    if found is None or found.recommendation.finding.assessment.force_code != code:
        raise NotFound(f"no progress update {c.key} for {c.force}")
    require(c.who, "accept_progress", code)
    service.accept_progress(c.s, found.id, c.actor, at=c.now)
    return c.to_force_page("The progress is accepted and public.")


def post_response(data: ResponseIn, c: Call) -> Done:
    a = c.assessment()
    require(c.who, "post_response", a.force_code)
    service.record_response(
        c.s, a, data.respondent, c.actor, received_on=c.now.date(), text=data.text,
        url=data.url or None,
    )  # fmt: skip
    return c.to_force_page("The response is recorded.")


class Nothing(BaseModel):
    pass


@dataclass(frozen=True)
class Action:
    path: str  # two path parameters: the force, and the edition or the recommendation id
    model: type[BaseModel]
    act: Act
    summary: str
    #: the page its form is on, shown again with the errors when the form is refused
    template: str = "assessment.html.j2"
    #: who it is for (the API's tag), and what it answers with
    audience: str = "inspector"
    answer: type[models.Model] = models.AssessmentPage


ACTIONS = (
    Action("/workspace/{force}/{edition}/findings", FindingIn, add_finding, "Add a finding"),
    Action(
        "/workspace/{force}/{edition}/findings/edit", FindingEdit, edit_finding, "Edit a finding"
    ),
    Action(
        "/workspace/{force}/{edition}/evidence",
        EvidenceIn,
        add_evidence,
        "Attach indicator evidence",
    ),
    Action(
        "/workspace/{force}/{edition}/propose", Nothing, propose, "Propose grades from the rules"
    ),
    Action(
        "/workspace/{force}/{edition}/confirm", ConfirmIn, confirm, "Confirm or override a grade"
    ),
    Action(
        "/workspace/{force}/{edition}/publish",
        PublishIn,
        publish,
        "Draft, send for check, schedule, correct, postpone, withdraw, revoke access",
    ),
    Action(
        "/forces/{force}/recommendations/{edition}/progress",
        ProgressIn,
        post_progress,
        "A force's progress on one of its recommendations",
        "force.html.j2",
        "force",
        models.ForcePage,
    ),
    Action(
        "/forces/{force}/progress/{edition}/accept",
        Nothing,
        accept_progress,
        "Accept a force's progress update, which makes it public (inspectors)",
        "force.html.j2",
        "inspector",
        models.ForcePage,
    ),
    Action(
        "/forces/{force}/responses/{edition}",
        ResponseIn,
        post_response,
        "A response to a report",
        "force.html.j2",
        "force",
        models.ForcePage,
    ),
)


def _register(action: Action) -> None:
    model = action.model

    def form(
        request: Request,
        force: str,
        edition: str,
        fields: Annotated[dict[str, str], Depends(forms.posted)],
        session: DB,
        wh: WH,
        who: Who,
        now: Now,
    ) -> Response:
        try:
            # its own transaction: committed when the action succeeds, rolled back whole
            # when it is refused, leaving the request's session to show the page again
            with state(request).store.session() as own:
                done = action.act(
                    model.model_validate(fields), Call(force, edition, own, wh, who, now)
                )
        except ValidationError as exc:
            problems = forms.field_errors(exc, fields.get(forms.FORM_ID, "").split("-")[0])
        except OpenPeelError as exc:
            # not found, not allowed: the error page; a value the form sent that is not
            # known (a question, a grade) is the form's error
            if status_of(exc) != 400 and not isinstance(exc, UnknownCodeError):
                raise
            problems = [forms.service_error(exc)]
        else:
            forms.flash(request, done.message)
            return RedirectResponse(done.back, status_code=303)
        # refused: the page again, as it was, with what was typed and what is wrong
        back = _page_of(action, Call(force, edition, session, wh, who, now))
        return page(
            request,
            action.template,
            back.context(),
            who,
            status=400,
            api="/api" + back.back,
            form=forms.refused(fields, problems),
        )

    def api(
        force: str,
        edition: str,
        data: model,  # type: ignore[valid-type]
        session: DB,
        wh: WH,
        who: Who,
        now: Now,
    ) -> JSONResponse:
        done = action.act(data, Call(force, edition, session, wh, who, now))
        session.flush()
        return twin(done.context(), who)

    csrf = [Depends(signed_in), Depends(check_csrf)]
    router.add_api_route(
        action.path, form, methods=["POST"], include_in_schema=False, dependencies=csrf
    )
    router.add_api_route(
        "/api" + action.path,
        api,
        methods=["POST"],
        summary=action.summary,
        dependencies=csrf,
        tags=[action.audience],
        response_model=action.answer,
    )


def _page_of(action: Action, c: Call) -> Done:
    if action.template == "force.html.j2":
        return c.to_force_page()
    return c.to_workspace()


for _action in ACTIONS:
    _register(_action)
