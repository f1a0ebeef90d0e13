"""The publications' routes: one output of a publication in a format, and the pages' contexts as
FastAPI dependencies (every readable report, a publication's page), registered as routes from
``routers/pages.py``'s ``PAGES``.
"""

# no ``from __future__ import annotations``: FastAPI reads the handlers' annotations
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from openpeel.assess.models import Publication
from openpeel.web.contexts.publications import publication_list, publication_page, unreadable
from openpeel.web.dependencies import DB, Now, PageNo, PerPage, Who, paginate

router = APIRouter()

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


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
        raise unreadable(slug)
    try:
        data, served = reading.read_version(
            session, slug, output, fmt, who, now, version, rendition
        )
    except workflow.PublishError:
        # answered, not raised, so that a signed-in user's refused read stays in the access
        # log; the answer is the one an unknown slug gets
        refused = unreadable(slug)
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


def publications_context(
    session: DB,
    who: Who,
    now: Now,
    page_no: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    return paginate(publication_list(session, who, now), "publications", page_no, per_page)


def publication_context(slug: str, session: DB, who: Who, now: Now) -> dict[str, Any]:
    return publication_page(session, who, now, slug)
