"""A change to the store, declared once and served twice.

Each change is an ``Action``: its address, the model of what it takes, the function that does
it (which checks the permission it needs) and the page it is made on. ``register`` serves it as
a form post that returns to its page, and as a JSON post under /api that answers with the
page's context. ``routers/assessments.py`` and ``routers/recommendations.py`` declare theirs.
"""

# no ``from __future__ import annotations``: FastAPI reads these handlers' annotations, which
# name the action's model from the closure that registers it
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from openpeel.access import Viewer
from openpeel.assess import service
from openpeel.assess.models import Assessment
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.framework.model import load_framework
from openpeel.warehouse.db import Warehouse
from openpeel.web import forms
from openpeel.web.contexts.forces import find_force
from openpeel.web.dependencies import DB, WH, Now, Who, check_csrf, signed_in, state
from openpeel.web.errors import NotFound, status_of
from openpeel.web.render import page, twin
from openpeel.web.schemas import Model


def find_assessment(session: Session, force: str, edition: str) -> Assessment:
    """The force's assessment of the edition (any spelling of the force), or ``NotFound``."""
    code = find_force(force).code
    found = service.find_assessment(session, code, load_framework().edition(edition).id)
    if found is None:
        raise NotFound(f"no PEEL {edition} assessment of {force}")
    return found


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
        return find_assessment(self.s, self.force, self.key)


Act = Callable[[Any, Call], Done]
#: the page a change is made on, with the banner shown after it
OnPage = Callable[[Call, str], Done]


@dataclass(frozen=True)
class Action:
    path: str  # two path parameters: the force, and the edition or the recommendation id
    model: type[BaseModel]
    act: Act
    summary: str
    #: the page its form is on (shown again with the errors when the form is refused), and the
    #: model of that page's context, which the API answers with
    page: OnPage
    answer: type[Model]
    #: who it is for (the API's tag)
    audience: str = "inspector"


def register(router: APIRouter, action: Action) -> None:
    """Serve ``action`` on ``router``: a form post, and its JSON twin under /api."""
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
        back = action.page(Call(force, edition, session, wh, who, now), "")
        return page(
            request,
            back.template,
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
