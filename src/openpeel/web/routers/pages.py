"""The public pages, each with its JSON twin under /api built from the same context.

``PAGES`` declares them: an address, a template and the function that builds the context (a
FastAPI dependency of ``routers/forces.py``, ``indicators.py`` or ``publications.py``).
Every page is registered twice from it: as HTML at the address (left out of the OpenAPI
schema) and as JSON at /api + the address (documented there).
"""

# no ``from __future__ import annotations``: FastAPI reads the annotations of the handlers
# made in _register, which name a type made there

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from openpeel.warehouse.db import Warehouse
from openpeel.web import schemas
from openpeel.web.cache import mark_stale, request_versions
from openpeel.web.dependencies import Who
from openpeel.web.render import page, twin
from openpeel.web.routers import forces, indicators, publications


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    context: Callable[..., dict[str, Any]]
    summary: str
    model: type[schemas.Model]  # what its JSON twin holds (openpeel.web.schemas)


PAGES = (
    Page(
        "/",
        "overview.html.j2",
        forces.overview_context,
        "National overview: grades by pillar",
        schemas.Overview,
    ),
    Page(
        "/forces", "forces.html.j2", forces.forces_context, "Find a police force", schemas.ForceList
    ),
    Page(
        "/forces/{force}",
        "force.html.j2",
        forces.force_context,
        "A force: grades and figures",
        schemas.ForcePage,
    ),
    Page(
        "/forces/{force}/forecasts",
        "forecasts.html.j2",
        forces.forecasts_context,
        "A force's demand forecasts, backtests and emerging demand",
        schemas.ForecastPage,
    ),
    Page(
        "/indicators",
        "indicators.html.j2",
        indicators.indicators_context,
        "Every indicator",
        schemas.IndicatorList,
    ),
    Page(
        "/indicators/all",
        "rug.html.j2",
        indicators.rug_context,
        "Every force on every indicator, compared with England and Wales or the comparator chosen",
        schemas.RugPage,
    ),
    Page(
        "/indicators/{indicator}",
        "indicator.html.j2",
        indicators.indicator_context,
        "An indicator for every force: values, funnel, ranks, trend",
        schemas.IndicatorPage,
    ),
    Page(
        "/publications",
        "publications.html.j2",
        publications.publications_context,
        "Every readable report",
        schemas.PublicationList,
    ),
    Page(
        "/publications/{slug}",
        "publication.html.j2",
        publications.publication_context,
        "A publication's outputs and formats",
        schemas.PublicationPage,
    ),
)


def api_path(path: str) -> str:
    return "/api/overview" if path == "/" else "/api" + path


def cached(spec: Page) -> Callable[..., dict[str, Any]]:
    """The page's context builder, its contexts for the public kept per versions of the site
    (``openpeel.web.cache``): the page and its JSON twin share them.

    The builder's parameters stay those FastAPI resolves and documents; the request and the
    viewer are added for the key."""
    build = spec.context
    signature = inspect.signature(build)
    own = list(signature.parameters.values())
    extra = [
        inspect.Parameter("opl_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter("opl_who", inspect.Parameter.KEYWORD_ONLY, annotation=Who),
    ]

    def context(**given: Any) -> dict[str, Any]:
        request: Request = given.pop("opl_request")
        who = given.pop("opl_who")
        if who.name is not None:  # a user's pages are theirs alone: never kept
            return build(**given)
        versions = request_versions(request.scope, request.app.state.versions)
        wh = next((v for v in given.values() if isinstance(v, Warehouse)), None)
        if wh is not None and wh.version != versions.data:
            mark_stale(request.scope)  # read from another state than the key says: not kept
            return build(**given)
        key = (
            spec.path,
            tuple(sorted(request.path_params.items())),
            tuple(sorted(request.query_params.multi_items())),
            versions.key(),
        )
        contexts = request.app.state.contexts
        found: dict[str, Any] | None = contexts.get(key)
        if found is None:
            found = build(**given)
            contexts.put(key, found)
        return found

    context.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + extra
    )
    return context


def _register(router: APIRouter, spec: Page) -> None:
    Context = Annotated[dict[str, Any], Depends(cached(spec))]

    def html(request: Request, who: Who, context: Context) -> HTMLResponse:
        return page(request, spec.template, context, who, api=api_path(request.url.path))

    def api(who: Who, context: Context) -> JSONResponse:
        return twin(context, who)

    name = spec.template.removesuffix(".html.j2")
    router.add_api_route(
        spec.path, html, methods=["GET"], include_in_schema=False, name=f"page-{name}"
    )
    router.add_api_route(
        api_path(spec.path),
        api,
        methods=["GET"],
        summary=spec.summary,
        name=f"api-{name}",
        response_model=spec.model,
        tags=["public"],
    )


router = APIRouter()
for _spec in PAGES:
    _register(router, _spec)
