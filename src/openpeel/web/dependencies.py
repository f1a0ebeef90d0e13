"""What every request may depend on: the store session, the warehouse, the clock, who is asking
(a session cookie or an API token) and the CSRF check of a form; and the query parameters
several pages share (a long list's page, the comparator chosen).

Who may read or change what is decided in ``openpeel.access`` only; here the viewer
is found and the decision asked for.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from openpeel import access
from openpeel.access import Viewer, viewer_of
from openpeel.assess.store import Store
from openpeel.errors import OpenPeelError
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.live import LiveWarehouse
from openpeel.web.throttle import HashSlots, Throttle

#: the cookie's keys: the server-side session's id (``openpeel.assess.sessions``), the CSRF token
SESSION_ID = "sid"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class AuthError(OpenPeelError):
    """Not signed in (401) where a page needs a user."""


class Forbidden(OpenPeelError):
    """Signed in, but the role or the force scope does not allow it (403)."""


@dataclass
class WebState:
    home: Path
    store: Store
    clock: Callable[[], datetime]
    #: the warehouse, read-only, following the loads that commit (openpeel.warehouse.live)
    warehouse: LiveWarehouse = field(init=False)
    #: failed sign-ins by name and by address, and the password checks running at once
    throttle: Throttle = field(default_factory=Throttle)
    hash_slots: HashSlots = field(default_factory=HashSlots)

    def __post_init__(self) -> None:
        self.warehouse = LiveWarehouse(self.home)


def state(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


def db(request: Request) -> Iterator[Session]:
    """A store session per request, committed at its end (or rolled back on an error)."""
    with state(request).store.session() as session:
        yield session


def warehouse(request: Request) -> Iterator[Warehouse]:
    """The warehouse's newest complete state, read-only, for one request: a load into the home
    runs meanwhile on a copy, and the requests after it commits read the new state."""
    with state(request).warehouse.reading() as wh:
        yield wh


def clock(request: Request) -> datetime:
    return state(request).clock()


DB = Annotated[Session, Depends(db)]
WH = Annotated[Warehouse, Depends(warehouse)]
Now = Annotated[datetime, Depends(clock)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def viewer(request: Request, session: DB) -> Viewer:
    """Who is asking: an API token's user, the signed-in user, or the public."""
    from openpeel.assess.users import user_for_token

    token = _bearer(request)
    if token is not None:
        user = user_for_token(session, token)
        if user is None:
            raise AuthError("the API token is not valid", hint="issue one: `openpeel users token`")
        return viewer_of(user)
    session_id = request.session.get(SESSION_ID)
    if not session_id:
        return access.PUBLIC
    from openpeel.assess.sessions import session_user

    user = session_user(session, str(session_id))
    if user is None:  # signed out, expired, disabled or gone: the cookie signs nobody in
        request.session.clear()
        return access.PUBLIC
    return viewer_of(user)


Who = Annotated[Viewer, Depends(viewer)]


def require(who: Viewer, action: str, force_code: str | None = None) -> None:
    """Refuse unless ``who`` may do ``action`` (for ``force_code``), as ``openpeel.access`` says."""
    if access.may_act(who, action, force_code):
        return
    if who.name is None:
        raise AuthError("sign in to do this", hint="sign in at /login")
    raise Forbidden(
        f"{who.name} ({who.role}) may not {action.replace('_', ' ')}"
        + (f" for {force_code}" if force_code else "")
    )


def signed_in(who: Who) -> None:
    """A change needs someone signed in (before its CSRF token is even looked at)."""
    if who.name is None:
        raise AuthError("sign in to do this", hint="sign in at /login")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; every form carries it back."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return str(token)


class LazyCsrfToken:
    """The CSRF token for a template, made only if the page shows a form: a public page
    without one then sets no cookie (and may be cached by others)."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)

    def __html__(self) -> str:
        return str(self)


async def check_csrf(request: Request) -> None:
    """A change sent with the session cookie must carry the session's CSRF token (a form field
    or the X-CSRF-Token header); a change sent with an API token needs none (no cookie)."""
    if _bearer(request) is not None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get(SESSION_CSRF)
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise Forbidden(
            "the form's CSRF token is missing or out of date",
            hint="reload the page and send the form again",
        )


#: a long list's page and its length, cut by ``paginate``
PageNo = Annotated[int, Query(alias="page", ge=1, description="Page of a long list, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Items per page (at most 200).")]


def paginate(context: dict[str, Any], key: str, page_no: int, per_page: int) -> dict[str, Any]:
    """The context with its long list ``key`` cut to one page, with where it sits in the whole."""
    items = context[key]
    start = (page_no - 1) * per_page
    context[key] = {
        "items": items[start : start + per_page],
        "page": page_no,
        "per_page": per_page,
        "total": len(items),
        "pages": max(1, -(-len(items) // per_page)),
    }
    return context


#: the comparator a page is compared with (``openpeel.indicators.comparators``), and the forces
#: chosen with compare=forces
Compare = Annotated[
    str | None,
    Query(
        description="The comparator: ew (England and Wales, the default), msg (the force's "
        "most similar group), region (the force's region) or forces (the forces listed).",
        max_length=20,
    ),
]
CompareForces = Annotated[
    list[str] | None,
    Query(
        description="With compare=forces: the forces to compare with, by name or slug, "
        "comma-separated (forces=kent,surrey) or repeated (forces=kent&forces=surrey).",
        max_length=43,
    ),
]


def joined(forces: list[str] | None) -> str | None:
    """The forces chosen, as the comparators' comma-separated list (None when none is)."""
    return ",".join(forces) if forces else None
