"""The forces' pages' contexts as FastAPI dependencies: the national overview, the list of
forces, a force's page and its forecasts (registered as routes, HTML and JSON twin, from
``routers/pages.py``'s ``PAGES``).
"""

# no ``from __future__ import annotations``: FastAPI reads the handlers' annotations
from typing import Annotated, Any

from fastapi import Query

from openpeel.web.contexts.forces import force_list, force_page, overview
from openpeel.web.contexts.forecasts import forecast_page
from openpeel.web.dependencies import (
    DB,
    WH,
    Compare,
    CompareForces,
    Now,
    PageNo,
    PerPage,
    Who,
    joined,
    paginate,
)


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
    return overview(wh, session, who, now, year, pillar)


def forces_context(
    wh: WH,
    q: Annotated[
        str | None,
        Query(description="A force's name in any spelling, a local authority in it, or a region."),
    ] = None,
    page_no: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    return paginate(force_list(q, wh), "forces", page_no, per_page)


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
    return force_page(wh, session, who, now, force, year, compare, joined(forces))


def forecasts_context(force: str, wh: WH) -> dict[str, Any]:
    return forecast_page(wh, force)
