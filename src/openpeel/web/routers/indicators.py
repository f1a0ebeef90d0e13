"""The indicators' routes: every force on every indicator as CSV and XLSX (as filtered), an
indicator's values as CSV, and the pages' contexts as FastAPI dependencies (the indicators list,
every force on every indicator, an indicator's page), registered as routes from
``routers/pages.py``'s ``PAGES``.
"""

# no ``from __future__ import annotations``: FastAPI reads the handlers' annotations
import io
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from openpeel import access
from openpeel.csvsafe import XLSX, frame_csv, write_csv, write_xlsx
from openpeel.presentation import tables
from openpeel.web.contexts.indicators import attachable, indicator_list, indicator_page
from openpeel.web.contexts.rug import rug
from openpeel.web.dependencies import (
    DB,
    WH,
    Compare,
    CompareForces,
    PageNo,
    PerPage,
    Who,
    joined,
    paginate,
)
from openpeel.web.render import cache_headers

Pillar = Annotated[str | None, Query(description="Pillar id, e.g. effectiveness (default: all).")]
Region = Annotated[str | None, Query(description="Region, e.g. South East (default: all).")]
Sort = Annotated[
    str | None,
    Query(description="An indicator id: forces highest first on it (default: by name)."),
]

router = APIRouter()


@dataclass(frozen=True)
class RugQuery:
    """What a rug download was asked for: the page's filters, order and comparator."""

    pillar: str | None
    region: str | None
    sort: str | None
    compare: str | None
    forces: str | None

    def table(self, wh: WH) -> tuple[list[str], list[list[Any]]]:
        """The rug as shown (filtered, sorted and compared with the comparator chosen): one row
        per force, per indicator its value, its comparison and why it is not compared (as
        declared in presentation/tables.py)."""
        context = rug(wh, self.pillar, self.region, self.sort, self.compare, self.forces)
        return tables.table_data(tables.BY_PAGE["rug"].tables[0], context)

    def attachment(self, body: str | bytes, media_type: str, ext: str, who: Who) -> Response:
        parts = (p.replace(" ", "-") for p in (self.pillar, self.region) if p)
        name = "-".join(["all-indicators", *parts])
        disposition = f'attachment; filename="{name}.{ext}"'
        return Response(
            body,
            media_type=media_type,
            headers={"Content-Disposition": disposition, **cache_headers(who)},
        )


def rug_query(
    pillar: Pillar = None,
    region: Region = None,
    sort: Sort = None,
    compare: Compare = None,
    forces: CompareForces = None,
) -> RugQuery:
    return RugQuery(pillar, region, sort, compare, joined(forces))


Asked = Annotated[RugQuery, Depends(rug_query)]


# registered before the pages so that /indicators/all.csv is not read as an indicator's CSV
@router.get("/indicators/all.csv", include_in_schema=False)
@router.get(
    "/api/indicators/all.csv",
    summary="Every force on every indicator as CSV (as filtered)",
    tags=["public"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def rug_csv(wh: WH, who: Who, asked: Asked) -> Response:
    header, rows = asked.table(wh)
    text = io.StringIO()
    write_csv(text, header, ([("" if v is None else v) for v in r] for r in rows))
    return asked.attachment(text.getvalue(), "text/csv; charset=utf-8", "csv", who)


@router.get("/indicators/all.xlsx", include_in_schema=False)
@router.get(
    "/api/indicators/all.xlsx",
    summary="Every force on every indicator as an XLSX workbook (as filtered)",
    tags=["public"],
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def rug_xlsx(wh: WH, who: Who, asked: Asked) -> Response:
    out = io.BytesIO()
    write_xlsx(out, [("forces", *asked.table(wh))])
    return asked.attachment(out.getvalue(), XLSX, "xlsx", who)


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


def indicators_context(
    wh: WH,
    page_no: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    return paginate(indicator_list(wh), "indicators", page_no, per_page)


def rug_context(
    wh: WH,
    pillar: Pillar = None,
    region: Region = None,
    sort: Sort = None,
    compare: Compare = None,
    forces: CompareForces = None,
) -> dict[str, Any]:
    return rug(wh, pillar, region, sort, compare, joined(forces))


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
    context = indicator_page(wh, indicator, period, force, compare, joined(forces))
    # an inspector may attach the force's value to one of its assessments from here
    context["attach"] = (
        attachable(session, context["force_code"])
        if context["force_code"] and access.may_act(who, "edit_assessment")
        else []
    )
    return context
