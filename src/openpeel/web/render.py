"""Pages and their JSON twins from one context: the HTML template renders it, the API returns it
as it is. Caching headers follow who asked: shared caches may keep what the public sees."""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse

from openpeel import access
from openpeel.access import Viewer
from openpeel.clock import uk, uk_day
from openpeel.publishing.render import web_link
from openpeel.web.chart_data import chart_tables
from openpeel.web.dependencies import CSRF_FIELD, LazyCsrfToken
from openpeel.web.forms import FormState, take_flash

PUBLIC_MAX_AGE = 60


def _environment() -> jinja2.Environment:
    folder = resources.files("openpeel.web") / "templates"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk"] = lambda v: uk(_parse(v)) if v else ""
    env.filters["day"] = uk_day  # "27 April 2017": every date a page shows
    env.filters["chart_tables"] = chart_tables
    env.filters["link"] = web_link
    env.globals["downloads"] = _downloads
    return env


def _downloads(template: str, context: dict[str, Any], path: str, query: str) -> Any:
    """What a page offers to download, for templates/downloads.html.j2 (imported when first
    asked: openpeel.web.routers.downloads serves the pages' contexts, which render pages)."""
    from openpeel.web.routers.downloads import page_listing

    return page_listing(template, context, path, query)


def _parse(value: Any) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else value


ENV = _environment()


def cache_headers(who: Viewer) -> dict[str, str]:
    """Public views may be cached for a minute (embargoes lift on the minute); a user's not."""
    if who.name is None:
        return {"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}", "Vary": "Cookie"}
    return {"Cache-Control": "private, no-store", "Vary": "Cookie, Authorization"}


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    who: Viewer,
    *,
    status: int = 200,
    api: str | None = None,
    form: FormState | None = None,
) -> HTMLResponse:
    """The page; ``form``, a form refused, is shown again with its errors and values."""
    html = ENV.get_template(template).render(
        c=context,
        who=who,
        may=lambda action, force=None: access.may_act(who, action, force),
        path=request.url.path,
        api=api if api is not None else "/api" + request.url.path,
        query=str(request.url.query),
        csrf_field=CSRF_FIELD,
        csrf_token=LazyCsrfToken(request),
        form=form,
        flash=take_flash(request),
    )
    return HTMLResponse(html, status_code=status, headers=cache_headers(who))


def twin(context: dict[str, Any], who: Viewer, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(context), status_code=status, headers=cache_headers(who))
