"""Downloads everywhere (issue 18, point 7): each page's tables as CSV and XLSX, its charts as
PNG and SVG, and all of its data as one XLSX workbook, one sheet per table.

What each page offers is declared in ``openpeel.presentation.tables``; the numbers come from
the page's own context (the same as the page and its JSON twin, with the same query
parameters), so a download always holds what the page shows. Addresses, for a page at
``/forces/hampshire`` (the overview, ``/``, is ``/download/overview``):

* ``/download/forces/hampshire.xlsx``: every table of the page, one sheet each
* ``/download/forces/hampshire/<table>.csv`` or ``.xlsx``: one table
* ``/download/forces/hampshire/<chart>.svg`` or ``.png``: one chart
* ``/download/forces/hampshire/<chart>-data.csv`` or ``.xlsx``: a chart's data table

No cell of a CSV or XLSX can run as a formula (``openpeel.csvsafe``).
"""

# no ``from __future__ import annotations``: FastAPI reads the annotations of the handlers
# made in _register, which name a type made there

import io
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from openpeel.csvsafe import XLSX, write_csv, write_xlsx
from openpeel.presentation import tables
from openpeel.web.dependencies import Who
from openpeel.web.errors import NotFound
from openpeel.web.render import cache_headers
from openpeel.web.routers.pages import PAGES, Page, cached

MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "svg": "image/svg+xml", "png": "image/png"}
TABLE_FORMATS, CHART_FORMATS = ("csv", "xlsx"), ("svg", "png")

Sheet = tuple[str, list[str], list[list[Any]]]


def download_base(path: str) -> str:
    """The address the downloads of the page at ``path`` start with: ``/download`` and the
    page's address; the overview's, ``/download/overview``; a list whose items have pages under
    it (``/forces``), ``/download/forces/list``, so that its downloads are not read as a
    force's."""
    path = path.rstrip("/")
    if path == "":
        return "/download/overview"
    if any(p.path.startswith(path + "/{") for p in PAGES):
        return f"/download{path}/list"
    return "/download" + path


def _charts(declared: tables.PageDownloads, context: dict[str, Any]) -> list[tables.ChartItem]:
    return [item for c in declared.charts for item in tables.chart_items(c, context)]


def sheets(declared: tables.PageDownloads, context: dict[str, Any]) -> list[Sheet]:
    """Every table of a page, then every chart's data table: (id, header, rows)."""
    out: list[Sheet] = []
    for t in declared.tables:
        header, rows = tables.table_data(t, context)
        out.append((t.id, header, rows))
    for item in _charts(declared, context):
        data = tables.chart_table(item)
        if data is not None:
            out.append((f"{item.id}-data", *data))
    return out


def listing(declared: tables.PageDownloads, context: dict[str, Any], base: str) -> dict[str, Any]:
    """What a page offers, with the addresses: for its downloads template and its JSON twin."""
    return {
        "workbook": f"{base}.xlsx",
        "tables": [
            {
                "id": t.id,
                "title": t.title,
                "links": {f.upper(): f"{base}/{t.id}.{f}" for f in TABLE_FORMATS},
            }
            for t in declared.tables
        ],
        "charts": [
            {
                "id": item.id,
                "title": item.title,
                "links": {f.upper(): f"{base}/{item.id}.{f}" for f in CHART_FORMATS}
                | (
                    {
                        f"its data as {f.upper()}": f"{base}/{item.id}-data.{f}"
                        for f in TABLE_FORMATS
                    }
                    if tables.chart_table(item) is not None
                    else {}
                ),
            }
            for item in _charts(declared, context)
        ],
    }


def page_listing(
    template: str, context: dict[str, Any], path: str, query: str = ""
) -> dict[str, Any] | None:
    """For a page's template (``downloads.html.j2``): what the page at ``path`` with ``query``
    (its filters, year, period) offers, or None where its template declares no downloads."""
    declared = tables.BY_PAGE.get(template.removesuffix(".html.j2"))
    if declared is None:
        return None
    offered = listing(declared, context, download_base(path))
    if not query:
        return offered
    tail = "?" + query
    offered["workbook"] += tail
    for x in offered["tables"] + offered["charts"]:
        x["links"] = {k: v + tail for k, v in x["links"].items()}
    return offered


def table_bytes(sheet: Sheet, fmt: str) -> bytes:
    """One table as CSV (UTF-8) or an XLSX workbook of one sheet."""
    _, header, rows = sheet
    if fmt == "csv":
        text = io.StringIO()
        write_csv(text, header, ([("" if v is None else v) for v in r] for r in rows))
        return text.getvalue().encode("utf-8")
    out = io.BytesIO()
    write_xlsx(out, [sheet])
    return out.getvalue()


def chart_svg(item: tables.ChartItem, context: dict[str, Any]) -> str:
    """A chart as SVG: a Vega-Lite chart drawn offline; the spine, drawn here."""
    if item.id == "spine":
        from openpeel.web.spine_figure import spine_svg

        return spine_svg(str(context["force"]["name"]), context["spine"])
    from openpeel.presentation.rendering import spec_svg

    return spec_svg(item.chart["spec"])


def chart_png(svg: str) -> bytes:
    """An SVG drawn as PNG at twice its size, offline."""
    import vl_convert as vlc

    return bytes(vlc.svg_to_png(svg, scale=2))


def _name(context: dict[str, Any], page: str) -> str:
    """The stem of a downloaded file's name: the page and what it is of, e.g.
    ``indicator-arrests-per-1000-2017-18-hampshire`` or ``force-hampshire-2016``."""
    force = context.get("force")  # a force page's {"slug", ...}; an indicator page's slug
    indicator = context.get("indicator")
    parts = [
        page,
        indicator.get("id") if isinstance(indicator, dict) else None,
        force.get("slug") if isinstance(force, dict) else force,
        *(context.get(k) for k in ("period", "year", "pillar", "region")),
    ]
    return tables.slug("-".join(str(p) for p in parts if p))


def _answer(data: bytes, fmt: str, filename: str, who: Any) -> Response:
    disposition = "inline" if fmt == "svg" else "attachment"
    return Response(
        data,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}.{fmt}"',
            "X-Content-Type-Options": "nosniff",
            **cache_headers(who),
        },
    )


def item_bytes(
    declared: tables.PageDownloads, context: dict[str, Any], item: str, fmt: str
) -> bytes:
    """One table, chart or chart's data of a page in ``fmt``; NotFound if it has none."""
    for t in declared.tables:
        if t.id == item and fmt in TABLE_FORMATS:
            return table_bytes((t.id, *tables.table_data(t, context)), fmt)
    for chart in _charts(declared, context):
        if chart.id == item and fmt in CHART_FORMATS:
            svg = chart_svg(chart, context)
            return svg.encode("utf-8") if fmt == "svg" else chart_png(svg)
        data = tables.chart_table(chart)
        if item == f"{chart.id}-data" and data is not None and fmt in TABLE_FORMATS:
            return table_bytes((item, *data), fmt)
    offered = listing(declared, context, "")
    names = [t["id"] for t in offered["tables"]] + [c["id"] for c in offered["charts"]]
    raise NotFound(
        f"this page has no download {item}.{fmt}",
        hint=f"tables ({', '.join(TABLE_FORMATS)}) and charts ({', '.join(CHART_FORMATS)}): "
        + ", ".join(names),
    )


#: a file's bytes, as OpenAPI documents them
_FILE = {"schema": {"type": "string", "format": "binary"}}
FORMATS = TABLE_FORMATS + CHART_FORMATS


def item_schema(declared: tables.PageDownloads) -> dict[str, Any]:
    """The OpenAPI schema of a page's ``item``, from its declarations: the ids of its tables,
    charts and charts' data; a pattern where a list of charts takes its ids from the data
    (``forecast-series-1``)."""
    fixed = [t.id for t in declared.tables]
    named_by_data = []
    for c in declared.charts:
        if c.at.endswith("[]"):
            named_by_data.append(c.id)
        else:
            fixed += [c.id] + ([f"{c.id}-data"] if c.data else [])
    fixed = list(dict.fromkeys(fixed))  # a table and a chart may share an id (the spine)
    if not named_by_data:
        return {"type": "string", "enum": fixed}
    either = [re.escape(i) for i in fixed] + [re.escape(c) + "-[a-z0-9-]+" for c in named_by_data]
    return {"type": "string", "pattern": f"^(?:{'|'.join(either)})$"}


def _item_words(declared: tables.PageDownloads) -> str:
    said = [f"`{t.id}` ({t.title}; {', '.join(TABLE_FORMATS)})" for t in declared.tables]
    for c in declared.charts:
        name = f"`{c.id}-<{c.id_field}>`" if c.at.endswith("[]") else f"`{c.id}`"
        data = f", its data as {name[:-1]}-data`" if c.data else ""
        said.append(f"{name} ({c.title}; {', '.join(CHART_FORMATS)}{data})")
    return "What to download: " + "; ".join(said) + "."


def _handlers(
    spec: Page, declared: tables.PageDownloads
) -> tuple[Callable[..., Response], Callable[..., Response]]:
    Context = Annotated[dict[str, Any], Depends(cached(spec))]
    Item = Annotated[
        str, Path(description=_item_words(declared), json_schema_extra=item_schema(declared))
    ]
    Format = Annotated[
        str,
        Path(
            description="csv or xlsx for a table or a chart's data, svg or png for a chart.",
            json_schema_extra={"enum": list(FORMATS)},
        ),
    ]

    def workbook(who: Who, context: Context) -> Response:
        out = io.BytesIO()
        write_xlsx(out, sheets(declared, context))
        return _answer(out.getvalue(), "xlsx", _name(context, declared.page), who)

    def one(item: Item, fmt: Format, who: Who, context: Context) -> Response:
        data = item_bytes(declared, context, item, fmt)
        return _answer(data, fmt, f"{_name(context, declared.page)}-{item}", who)

    return workbook, one


router = APIRouter()

_SPECS = {p.template.removesuffix(".html.j2"): p for p in PAGES}
#: literal addresses before those with a parameter (/download/forces/list.xlsx before
#: /download/forces/{force}.xlsx), as Starlette takes the first route that matches
_DECLARED = sorted(tables.DOWNLOADS, key=lambda d: "{" in _SPECS[d.page].path)
_ITEMS = []
# the workbooks first: /download/forces/{force}/forecasts.xlsx before a force's items
for _declared in _DECLARED:
    _spec = _SPECS[_declared.page]
    _workbook, _one = _handlers(_spec, _declared)
    _base = download_base(_spec.path)
    router.add_api_route(
        _base + ".xlsx",
        _workbook,
        methods=["GET"],
        name=f"download-{_declared.page}",
        summary=f"{_declared.title}: every table of the page as one XLSX workbook",
        description="The page's query parameters choose what it shows, and so what the "
        "workbook holds: one sheet per table and per chart's data.",
        tags=["public"],
        response_class=Response,
        responses={200: {"description": "An XLSX workbook", "content": {XLSX: _FILE}}},
    )
    _ITEMS.append((_base, _declared, _one))
for _base, _declared, _one in _ITEMS:
    router.add_api_route(
        _base + "/{item}.{fmt}",
        _one,
        methods=["GET"],
        name=f"download-{_declared.page}-item",
        summary=f"{_declared.title}: one table (csv, xlsx)"
        + (" or chart (svg, png)" if _declared.charts else ""),
        description="The page's query parameters choose what it shows, and so what the file "
        "holds. No cell of a CSV or XLSX can run as a formula in a spreadsheet.",
        tags=["public"],
        response_class=Response,
        responses={
            200: {
                "description": "The table or chart",
                "content": {m.split(";")[0]: _FILE for m in MEDIA.values()},
            }
        },
    )
