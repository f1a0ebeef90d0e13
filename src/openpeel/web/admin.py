"""The admin's page: the accounts, and a form to add one (as `openpeel users add` does)."""

# no ``from __future__ import annotations``: FastAPI reads the Form model's annotation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from openpeel.assess.users import MIN_PASSWORD, add_user, list_users
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.web import forms
from openpeel.web.deps import DB, Who, check_csrf, require, signed_in, state
from openpeel.web.errors import status_of
from openpeel.web.models import Accounts
from openpeel.web.render import page, twin

router = APIRouter()


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["force", "inspector", "admin"]
    force: str | None = Field(default=None, description="A force user's force.")
    password: str = Field(min_length=MIN_PASSWORD, max_length=1000)


def users_context(session: Session) -> dict[str, Any]:
    from openpeel.reference.forces import forces

    return {
        "title": "Accounts",
        "users": [
            {
                "name": u.name,
                "role": u.role,
                "force": u.force_code,
                "created": u.created_at.isoformat(),
            }
            for u in list_users(session)
        ],
        "min_password": MIN_PASSWORD,
        # a force user's force, chosen from the 43 by name
        "forces": [
            {"code": f.code, "name": f.name}
            for f in sorted(forces().territorial(), key=lambda f: f.name)
        ],
    }


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, session: DB, who: Who) -> HTMLResponse:
    require(who, "manage_users")
    return page(request, "users.html.j2", users_context(session), who, api="/api/admin/users")


@router.get(
    "/api/admin/users", summary="Every account (admins)", tags=["admin"], response_model=Accounts
)
def users_api(session: DB, who: Who) -> JSONResponse:
    require(who, "manage_users")
    return twin(users_context(session), who)


def _add(data: UserIn, session: Session, who: Who) -> None:
    require(who, "manage_users")
    add_user(session, data.name, data.role, data.password, str(who.name), force=data.force or None)


GUARDS = [Depends(signed_in), Depends(check_csrf)]


@router.post("/admin/users", include_in_schema=False, dependencies=GUARDS)
def add_form(
    request: Request,
    fields: Annotated[dict[str, str], Depends(forms.posted)],
    session: DB,
    who: Who,
) -> Response:
    try:
        data = UserIn.model_validate(fields)
        with state(request).store.session() as own:  # rolled back whole when refused
            _add(data, own, who)
    except ValidationError as exc:
        problems = forms.field_errors(exc, "user")
    except OpenPeelError as exc:
        if status_of(exc) != 400 and not isinstance(exc, UnknownCodeError):
            raise
        problems = [forms.service_error(exc)]
    else:
        forms.flash(request, f"The account {data.name.strip()} is added.")
        return RedirectResponse("/admin/users", status_code=303)
    fields.pop("password", None)  # never sent back
    return page(
        request,
        "users.html.j2",
        users_context(session),
        who,
        status=400,
        api="/api/admin/users",
        form=forms.refused(fields | {forms.FORM_ID: "user"}, problems),
    )


@router.post(
    "/api/admin/users",
    summary="Add an account (admins)",
    dependencies=GUARDS,
    tags=["admin"],
    response_model=Accounts,
)
def add_api(data: UserIn, session: DB, who: Who) -> JSONResponse:
    _add(data, session, who)
    return twin(users_context(session), who)
