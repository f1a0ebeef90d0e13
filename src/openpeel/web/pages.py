"""The public pages, each with its JSON twin under /api built from the same context.

``PAGES`` declares them: an address, a template and the function that builds the context.
Every page is registered twice from it: as HTML at the address (left out of the OpenAPI
schema) and as JSON at /api + the address (documented there).
"""

# no ``from __future__ import annotations``: FastAPI reads the annotations of the handlers
# made in _register, which name a type made there

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from openpeel import access
from openpeel.assess.models import Publication
from openpeel.csvsafe import frame_csv
from openpeel.warehouse.db import Warehouse
from openpeel.web import profiles, schemas, views
from openpeel.web.cache import mark_stale, request_versions
from openpeel.web.contexts.indicators import indicator_list, indicator_page
from openpeel.web.dependencies import DB, WH, Now, Who
from openpeel.web.profiles import Compare, CompareForces
from openpeel.web.render import cache_headers, page, twin

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


def overview_context(
    wh: WH,
    session: DB,
    who: Who,
    now: Now,
    year: Annotated[
        int | None,
        Query(ge=2014, le=2100, description="PEEL year, e.g. 2016 (default: the latest)."),
    ] = None,
    pillar: Annotated[
        str | None, Query(description="Pillar id, e.g. effectiveness (default: the first).")
    ] = None,
) -> dict[str, Any]:
    return views.overview(wh, session, who, now, year, pillar)


def forces_context(
    wh: WH,
    q: Annotated[
        str | None,
        Query(description="A force's name in any spelling, a local authority in it, or a region."),
    ] = None,
    page_no: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    return paginate(views.force_list(q, wh), "forces", page_no, per_page)


def force_context(
    force: str,
    wh: WH,
    session: DB,
    who: Who,
    now: Now,
    year: Annotated[
        int | None, Query(ge=2014, le=2100, description="PEEL year of the key indicators.")
    ] = None,
    compare: Compare = None,
    forces: CompareForces = None,
) -> dict[str, Any]:
    return views.force_page(
        wh, session, who, now, force, year, compare, ",".join(forces) if forces else None
    )


def forecasts_context(force: str, wh: WH) -> dict[str, Any]:
    return views.forecast_page(wh, force)


def indicators_context(
    wh: WH,
    page_no: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    return paginate(indicator_list(wh), "indicators", page_no, per_page)


def rug_context(
    wh: WH,
    pillar: profiles.Pillar = None,
    region: profiles.Region = None,
    sort: profiles.Sort = None,
    compare: Compare = None,
    forces: CompareForces = None,
) -> dict[str, Any]:
    return profiles.rug(wh, pillar, region, sort, compare, ",".join(forces) if forces else None)


def indicator_context(
    indicator: str,
    wh: WH,
    session: DB,
    who: Who,
    period: Annotated[str | None, Query(description="Period (default: the latest).")] = None,
    force: Annotated[str | None, Query(description="A force to chart, by name or slug.")] = None,
    compare: Compare = None,
    forces: CompareForces = None,
) -> dict[str, Any]:
    context = indicator_page(
        wh, indicator, period, force, compare, ",".join(forces) if forces else None
    )
    # an inspector may attach the force's value to one of its assessments from here
    context["attach"] = (
        views.attachable(session, context["force_code"])
        if context["force_code"] and access.may_act(who, "edit_assessment")
        else []
    )
    return context


def publications_context(
    session: DB,
    who: Who,
    now: Now,
    page_no: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    return paginate(views.publication_list(session, who, now), "publications", page_no, per_page)


def publication_context(slug: str, session: DB, who: Who, now: Now) -> dict[str, Any]:
    return views.publication_page(session, who, now, slug)


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
        overview_context,
        "National overview: grades by pillar",
        schemas.Overview,
    ),
    Page("/forces", "forces.html.j2", forces_context, "Find a police force", schemas.ForceList),
    Page(
        "/forces/{force}",
        "force.html.j2",
        force_context,
        "A force: grades and figures",
        schemas.ForcePage,
    ),
    Page(
        "/forces/{force}/forecasts",
        "forecasts.html.j2",
        forecasts_context,
        "A force's demand forecasts, backtests and emerging demand",
        schemas.ForecastPage,
    ),
    Page(
        "/indicators",
        "indicators.html.j2",
        indicators_context,
        "Every indicator",
        schemas.IndicatorList,
    ),
    Page(
        "/indicators/all",
        "rug.html.j2",
        rug_context,
        "Every force on every indicator, compared with England and Wales or the comparator chosen",
        schemas.RugPage,
    ),
    Page(
        "/indicators/{indicator}",
        "indicator.html.j2",
        indicator_context,
        "An indicator for every force: values, funnel, ranks, trend",
        schemas.IndicatorPage,
    ),
    Page(
        "/publications",
        "publications.html.j2",
        publications_context,
        "Every readable report",
        schemas.PublicationList,
    ),
    Page(
        "/publications/{slug}",
        "publication.html.j2",
        publication_context,
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

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


@router.get("/indicators/{indicator}.csv", include_in_schema=False)
@router.get(
    "/api/indicators/{indicator}.csv",
    summary="An indicator's values as CSV",
    tags=["public"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def indicator_csv(indicator: str, wh: WH, who: Who, period: str | None = None) -> Response:
    from openpeel.indicators.api import values

    context = indicator_page(wh, indicator, period)
    frame = values(wh, context["indicator"]["id"], period=context["period"])
    name = f"{context['indicator']['id']}-{context['period'].replace('/', '-')}.csv"
    return Response(
        frame_csv(frame),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **cache_headers(who)},
    )


@router.get("/publications/{slug}/{output}.{fmt}", include_in_schema=False)
@router.get(
    "/api/publications/{slug}/{output}.{fmt}",
    tags=["public"],
    summary="One output of a publication (report, summary, press-release, overview) as html, "
    "pdf, md or json",
    response_class=Response,
    responses={
        200: {"content": {t.split(";")[0]: {"schema": {}} for t in MEDIA_TYPES.values()}},
        304: {"description": "Not modified (the ETag matches)"},
    },
)
def publication_output(
    request: Request,
    slug: str,
    output: str,
    fmt: str,
    session: DB,
    who: Who,
    now: Now,
    version: Annotated[
        int | None,
        Query(ge=0, le=10000, description="A version: 0 the original, N correction N."),
    ] = None,
    rendition: Annotated[
        Literal["press", "public"] | None,
        Query(
            description="A press release's rendition: press (with the embargo line, for "
            "pre-release readers) or public; by default press while embargoed, public after."
        ),
    ] = None,
) -> Response:
    from openpeel import access
    from openpeel.publishing import reading, workflow
    from openpeel.publishing.outputs import OUTPUTS
    from openpeel.web.errors import respond

    known = session.scalars(select(Publication).where(Publication.slug == slug)).first()
    if known is None or output not in OUTPUTS[known.kind] or fmt not in MEDIA_TYPES:
        raise views.unreadable(slug)
    try:
        data, served = reading.read_version(
            session, slug, output, fmt, who, now, version, rendition
        )
    except workflow.PublishError:
        # answered, not raised, so that a signed-in user's refused read stays in the access
        # log; the answer is the one an unknown slug gets
        refused = views.unreadable(slug)
        return respond(request, 404, refused.message, refused.hint)
    # the press rendition is never cached where another reader could be given it
    public = access.state(served, now) == access.PUBLISHED and rendition != "press"
    etag = f'"{served.context_sha256}-{output}-{fmt}-{rendition or ""}"'
    headers = (
        {"Cache-Control": "public, max-age=3600", "ETag": etag}
        if public
        else {"Cache-Control": "private, no-store"}
    )
    if public and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


for _spec in PAGES:
    _register(router, _spec)
