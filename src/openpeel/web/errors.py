"""One error shape for every error, as JSON under /api and as a page elsewhere:

{"error": {"status": 404, "title": "Not found", "detail": "...", "hint": "..."}}
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from openpeel import access
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.publishing.reading import EmbargoError
from openpeel.warehouse.live import WarehouseUnavailable
from openpeel.web.dependencies import AuthError, Forbidden
from openpeel.web.security import security_headers
from openpeel.web.throttle import SignInBusy, TooManyAttempts

log = logging.getLogger("openpeel.web")


class NotFound(OpenPeelError):
    """A page about something that does not exist (or that the viewer may not know of)."""


class ErrorDetail(BaseModel):
    status: int
    title: str
    detail: str
    hint: str | None


class ErrorBody(BaseModel):
    """Every error's shape."""

    error: ErrorDetail


#: documented for every operation of the API
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A request OpenPEEL cannot carry out, and why"},
    401: {"model": ErrorBody, "description": "Sign in (or send an API token) first"},
    403: {"model": ErrorBody, "description": "The role or the force scope does not allow it"},
    404: {"model": ErrorBody, "description": "Nothing there that you may see"},
    422: {"model": ErrorBody, "description": "A parameter or the body is not valid"},
    429: {"model": ErrorBody, "description": "Too many failed sign-ins; see Retry-After"},
    503: {"model": ErrorBody, "description": "The data cannot be read now; see Retry-After"},
}


def status_of(exc: OpenPeelError) -> int:
    if isinstance(exc, NotFound | EmbargoError | UnknownCodeError):
        return 404  # what the viewer may not read does not exist for them; nor an unknown code
    if isinstance(exc, AuthError):
        return 401
    if isinstance(exc, Forbidden | access.UnknownRole):
        return 403  # a stored role that is not a role (a forged one) reads and acts as nobody
    if isinstance(exc, TooManyAttempts):
        return 429
    if isinstance(exc, WarehouseUnavailable | SignInBusy):
        return 503
    return 400


def body(status: int, detail: str, hint: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "title": HTTPStatus(status).phrase,
            "detail": detail,
            "hint": hint,
        }
    }


#: an error page's title, in plain English (the JSON keeps HTTP's phrase)
PAGE_TITLES = {
    400: "There is a problem with your request",
    401: "Sign in to continue",
    403: "You do not have permission to view this page",
    404: "Page not found",
    422: "There is a problem with your request",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def _viewer(request: Request) -> access.Viewer:
    """Who is signed in, for the error page's header (the request's own dependencies may not
    have run, or may be what failed)."""
    from openpeel.assess.sessions import session_user
    from openpeel.web.dependencies import SESSION_ID, state

    session_id = request.session.get(SESSION_ID) if "session" in request.scope else None
    if not session_id:
        return access.PUBLIC
    try:
        with state(request).store.session() as session:
            user = session_user(session, str(session_id))
            if user is None:  # signed out, expired or disabled: nobody
                return access.PUBLIC
            return access.viewer_of(user)
    except Exception:  # the store is what failed: the page still answers
        log.warning("could not find the signed-in user for an error page", exc_info=True)
        return access.PUBLIC


def respond(request: Request, status: int, detail: str, hint: str | None = None) -> Response:
    """The error as JSON for the API (or a script), as a page for a browser."""
    from openpeel.web.forms import web_hint
    from openpeel.web.render import page, twin

    content = body(status, detail, hint)
    wants_html = "text/html" in request.headers.get("accept", "")
    if request.url.path.startswith("/api") or not wants_html:
        who = getattr(request.state, "viewer", access.PUBLIC)
        response: Response = twin(content, who, status)
    else:
        said = "" if detail == content["error"]["title"] else detail  # "Not Found" says nothing
        shown = content["error"] | {
            "title": PAGE_TITLES.get(status, content["error"]["title"]),
            "detail": said[:1].upper() + said[1:] + ("" if said.endswith(".") else ".")
            if said
            else "",
            "hint": web_hint(hint),
        }
        # no "this page as data" link: an error has no twin to read
        response = page(request, "error.html.j2", shown, _viewer(request), status=status, api="")
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: FastAPI) -> None:
    async def openpeel_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OpenPeelError)  # noqa: S101  (narrows the type: registered for it)
        response = respond(request, status_of(exc), exc.message, exc.hint)
        if isinstance(exc, WarehouseUnavailable | TooManyAttempts | SignInBusy):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)  # noqa: S101  (narrows the type: registered for it)
        return respond(request, exc.status_code, str(exc.detail))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # noqa: S101  (narrows the type: registered for it)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return respond(request, 422, f"the request is not valid: {problems}")

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        response = respond(
            request, 500, "something went wrong on our side", "try again; if it persists, report it"
        )
        # Starlette answers an unexpected error outside every middleware, so the security
        # headers the middleware gives every other response are set here
        security_headers().set_headers(response)
        return response

    app.add_exception_handler(OpenPeelError, openpeel_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)
