"""What a force posts: progress on one of its recommendations (public once the inspectorate
accepts it), the inspectorate's acceptance, and a response to a report; each declared once in
``ACTIONS`` and served by ``routers/changes.py`` as a form post and a JSON post, returning to the
force's page.
"""

# no ``from __future__ import annotations``: FastAPI reads the handlers' annotations
from fastapi import APIRouter

from openpeel import access
from openpeel.assess import service
from openpeel.web.contexts.forces import find_force, force_page
from openpeel.web.dependencies import require
from openpeel.web.errors import NotFound
from openpeel.web.routers.changes import Action, Call, Done, register
from openpeel.web.schemas import ForcePage, Nothing, ProgressIn, ResponseIn

router = APIRouter()


def to_force_page(c: Call, message: str = "") -> Done:
    """The force's page, with the banner shown after a change."""
    return Done(
        f"/forces/{find_force(c.force).policeuk_slug}",
        lambda: force_page(c.wh, c.s, c.who, c.now, c.force),
        "force.html.j2",
        message,
    )


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
    return to_force_page(
        c,
        "The progress is posted."
        if inspectorate
        else "The progress is posted. It will be public once the inspectorate accepts it.",
    )


def accept_progress(_data: Nothing, c: Call) -> Done:
    from openpeel.assess.models import RecommendationUpdate

    found = c.s.get(RecommendationUpdate, int(c.key)) if c.key.isdigit() else None
    code = find_force(c.force).code
    if found is None or found.recommendation.finding.assessment.force_code != code:
        raise NotFound(f"no progress update {c.key} for {c.force}")
    require(c.who, "accept_progress", code)
    service.accept_progress(c.s, found.id, c.actor, at=c.now)
    return to_force_page(c, "The progress is accepted and public.")


def post_response(data: ResponseIn, c: Call) -> Done:
    a = c.assessment()
    require(c.who, "post_response", a.force_code)
    service.record_response(
        c.s, a, data.respondent, c.actor, received_on=c.now.date(), text=data.text,
        url=data.url or None,
    )  # fmt: skip
    return to_force_page(c, "The response is recorded.")


ACTIONS = (
    Action(
        "/forces/{force}/recommendations/{edition}/progress",
        ProgressIn,
        post_progress,
        "A force's progress on one of its recommendations",
        to_force_page,
        ForcePage,
        "force",
    ),
    Action(
        "/forces/{force}/progress/{edition}/accept",
        Nothing,
        accept_progress,
        "Accept a force's progress update, which makes it public (inspectors)",
        to_force_page,
        ForcePage,
        "inspector",
    ),
    Action(
        "/forces/{force}/responses/{edition}",
        ResponseIn,
        post_response,
        "A response to a report",
        to_force_page,
        ForcePage,
        "force",
    ),
)
for _action in ACTIONS:
    register(router, _action)
