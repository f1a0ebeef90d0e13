"""The admin's page: the accounts, a form to add one (as `openpeel users add` does), and on each
account the forms to disable or enable it, set its password or change its role (as `openpeel
users disable|enable|passwd|role` do), each with its JSON twin under /api. It also shows how many
reads of unpublished reports the public was refused since the server started (counted in memory:
such a refusal writes nothing to the store)."""

# no ``from __future__ import annotations``: FastAPI reads the Form model's annotation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from openpeel.assess.sessions import live_sessions
from openpeel.assess.users import (
    MIN_PASSWORD,
    UserError,
    add_user,
    disable_user,
    enable_user,
    list_users,
    set_password,
    set_role,
)
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.publishing.reading import refused_public_reads
from openpeel.web import forms
from openpeel.web.dependencies import DB, Who, check_csrf, require, signed_in, state
from openpeel.web.errors import status_of
from openpeel.web.render import page, twin
from openpeel.web.schemas import Accounts

router = APIRouter()

Role = Literal["force", "inspector", "admin"]


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    force: str | None = Field(default=None, description="A force user's force.")
    password: str = Field(max_length=1000)


Action = Literal["disable", "enable", "password", "role"]


class ChangeIn(BaseModel):
    """A change to an account: ``password`` needs the new password, ``role`` the role (and a
    force user's force); ``disable`` and ``enable`` need nothing."""

    password: str | None = Field(default=None, max_length=1000, description="The new password.")
    role: Role | None = None
    force: str | None = Field(default=None, description="A force user's force.")


def users_context(session: Session) -> dict[str, Any]:
    from openpeel.reference.forces import forces

    sessions = live_sessions(session)
    return {
        "title": "Accounts",
        "users": [
            {
                "name": u.name,
                "role": u.role,
                "force": u.force_code,
                "created": u.created_at.isoformat(),
                "disabled": u.disabled_at.isoformat() if u.disabled_at else None,
                "sessions": sessions.get(u.name, 0),
            }
            for u in list_users(session)
        ],
        "min_password": MIN_PASSWORD,
        # a force user's force, chosen from the 43 by name
        "forces": [
            {"code": f.code, "name": f.name}
            for f in sorted(forces().territorial(), key=lambda f: f.name)
        ],
        "refused_public_reads": refused_public_reads.count,
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


def _change(session: Session, who: Who, name: str, action: Action, data: ChangeIn) -> None:
    require(who, "manage_users")
    actor = str(who.name)
    if action == "disable":
        disable_user(session, name, actor)
    elif action == "enable":
        enable_user(session, name, actor)
    elif action == "password":
        if not data.password:
            raise UserError("send the new password", hint="fill in the password field")
        set_password(session, name, data.password, actor)
    else:
        if data.role is None:
            raise UserError("send the new role", hint="one of: force, inspector, admin")
        set_role(session, name, data.role, actor, force=data.force or None)


@router.post("/admin/users/{name}/{action}", include_in_schema=False, dependencies=GUARDS)
def change_form(
    name: str, action: Action, data: Annotated[ChangeIn, Form()], session: DB, who: Who
) -> Response:
    _change(session, who, name, action, data)
    return RedirectResponse("/admin/users", status_code=303)


@router.post(
    "/api/admin/users/{name}/{action}",
    summary="Disable or enable an account, set its password or change its role (admins); "
    "disabling it or setting its password ends its sessions",
    dependencies=GUARDS,
    tags=["admin"],
    response_model=Accounts,
)
def change_api(
    name: str, action: Action, session: DB, who: Who, data: ChangeIn | None = None
) -> JSONResponse:
    _change(session, who, name, action, data or ChangeIn())
    return twin(users_context(session), who)
