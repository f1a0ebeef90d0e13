"""The profile views of issue 18: every force on every indicator (the "tartan rug" at
/indicators/all, with its CSV) and a force's spine chart (a section of the force page).

The numbers and classes come from ``openpeel.indicators.profile``; this module adds the words,
the colours' class names and the geometry of the server-drawn spine chart (inline SVG: no script
is needed to see it, and each row's numbers are in the table that follows it).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from openpeel.csvsafe import write_csv, write_xlsx
from openpeel.framework.model import load_framework
from openpeel.indicators import profile, recent_trend, spc
from openpeel.indicators.comparison import wording
from openpeel.indicators.units import format_value
from openpeel.presentation import tables
from openpeel.reference import forces
from openpeel.web.dependencies import WH, Who
from openpeel.web.render import cache_headers

#: each comparison class in words, for the key and for the text hidden in each coloured cell
#: (indicators/wording.toml, section profile_classes), in the order of profile.CLASSES
CLASS_WORDS = {c: str(wording()["profile_classes"][c]) for c in profile.CLASSES}


def short_value(unit: str, value: float | None) -> str:
    """A value short enough for a cell of the rug (its unit is in the column's heading)."""
    if value is None:
        return "–"
    if unit == "share":
        return f"{100 * value:.1f}%"
    return f"{value:,.1f}" if unit == "per_1000" else f"{value:,.2f}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

UNIT_WORDS = {"share": "%", "per_1000": "per 1,000"}

#: the recent-trend marker on each spine row (indicators/recent_trend.py): symbol, CSS class
TREND_MARKS = {
    recent_trend.INCREASING: ("↑", "op-mark-trend"),
    recent_trend.DECREASING: ("↓", "op-mark-trend"),
    recent_trend.NO_CHANGE: ("→", "op-mark-trend"),
    recent_trend.CANNOT: ("–", "op-mark-none"),
}

#: the SPC variation icon on each spine row (indicators/spc.py), as NHS "Making Data Count"
#: colours them: improving blue, concerning orange, common cause grey, no direction purple
VARIATION_MARKS = {
    spc.COMMON: ("~", "op-mark-common"),
    spc.IMPROVING: ("▲", "op-mark-improving"),
    spc.CONCERNING: ("▼", "op-mark-concerning"),
    spc.HIGHER: ("H", "op-mark-neutral"),
    spc.LOWER: ("L", "op-mark-neutral"),
}


def marks(trend: str | None, variation: str | None) -> list[dict[str, str]]:
    """A spine row's markers: its recent trend and, for a monthly indicator, its latest SPC
    variation; each its symbol, CSS class and words."""
    trend = trend or recent_trend.CANNOT
    symbol, css = TREND_MARKS[trend]
    out = [{"symbol": symbol, "css": css, "words": f"Recent trend: {trend}"}]
    if variation is not None:
        symbol, css = VARIATION_MARKS[variation]
        out.append({"symbol": symbol, "css": css, "words": f"Latest month: {variation}"})
    return out


def css_class(comparison: str) -> str:
    """The CSS class that colours a cell of this comparison ("not compared" -> op-c-none)."""
    return "op-c-none" if comparison == profile.NOT_COMPARED else f"op-c-{comparison}"


def _pillars() -> list[str]:
    return list(dict.fromkeys(t.split("/", 1)[0] for t in load_framework().themes))


def _regions() -> list[str]:
    return sorted({f.region for f in forces().territorial()})


def rug(
    wh: WH,
    pillar: str | None = None,
    region: str | None = None,
    sort: str | None = None,
    compare: str | None = None,
    compare_forces: str | None = None,
) -> dict[str, Any]:
    """The context of /indicators/all: the forces (rows) by indicators (columns), each cell the
    value and its comparison with England and Wales, or the comparator ``compare`` chooses (or
    why it is not compared). Forces are in name order, or by ``sort`` (an indicator id) highest
    first, forces without a value last."""
    from openpeel.indicators.comparators import parse
    from openpeel.web.comparing import recolour_rug
    from openpeel.web.views import NotFound

    choice = parse(compare or None, compare_forces)

    pillar, region, sort = pillar or None, region or None, sort or None  # "" is the form's "all"
    if pillar is not None and pillar not in _pillars():
        raise NotFound(f"no pillar {pillar!r}; the pillars are {', '.join(_pillars())}")
    if region is not None and region not in _regions():
        raise NotFound(f"no region {region!r}; the regions are {', '.join(_regions())}")
    frame = profile.matrix(wh, pillar=pillar, region=region)
    rows = profile.records(frame)
    columns: dict[str, dict[str, Any]] = {}
    for r in rows:
        columns.setdefault(
            r["indicator_id"],
            {
                "id": r["indicator_id"],
                "title": r["title"],
                "unit": r["unit"],
                "unit_words": UNIT_WORDS.get(r["unit"], r["unit"]),
                "polarity": r["polarity"],
                "period": r["period"],
            },
        )
    by_force: dict[str, dict[str, Any]] = {}
    for r in rows:
        force = by_force.setdefault(
            r["force_code"],
            {"code": r["force_code"], "name": r["force_name"], "region": r["region"], "cells": {}},
        )
        force["cells"][r["indicator_id"]] = {
            "value": r["value"],
            "lower": r["lower"],
            "upper": r["upper"],
            "ew_value": r["ew_value"],
            "comparison": r["comparison"],
            "not_compared_reason": r["not_compared_reason"],
            "css": css_class(r["comparison"]),
            "text": short_value(r["unit"], r["value"]),
            "trend": r["trend"],
        }
    slugs = {f.code: f.policeuk_slug for f in forces().territorial()}
    table = sorted(by_force.values(), key=lambda f: f["name"])
    if sort is not None:
        if sort not in columns:
            raise NotFound(f"no indicator {sort!r} shown here to sort by")
        values = {f["code"]: f["cells"][sort]["value"] for f in table}
        # highest first, ties in name order (the sort is stable), no value last
        table.sort(key=lambda f: (values[f["code"]] is None, -(values[f["code"]] or 0.0)))
    for f in table:
        f["slug"] = slugs[f["code"]]
    context = {
        "title": "Every force on every indicator",
        "pillar": pillar,
        "region": region,
        "sort": sort,
        "pillars": _pillars(),
        "regions": _regions(),
        "key": [{"class": c, "css": css_class(c), "words": w} for c, w in CLASS_WORDS.items()],
        "indicators": list(columns.values()),
        "forces": table,
    }
    recolour_rug(wh, context, choice, css_class, CLASS_WORDS)
    return context


def rug_table(
    wh: WH,
    pillar: str | None = None,
    region: str | None = None,
    sort: str | None = None,
    compare: str | None = None,
    compare_forces: str | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """The rug as shown (filtered, sorted and compared with the comparator chosen): one row per
    force, per indicator its value, its comparison and why it is not compared (as declared in
    presentation/tables.py)."""
    context = rug(wh, pillar, region, sort, compare, compare_forces)
    return tables.table_data(tables.BY_PAGE["rug"].tables[0], context)


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
Pillar = Annotated[str | None, Query(description="Pillar id, e.g. effectiveness (default: all).")]
Region = Annotated[str | None, Query(description="Region, e.g. South East (default: all).")]
Sort = Annotated[
    str | None,
    Query(description="An indicator id: forces highest first on it (default: by name)."),
]

router = APIRouter()


def _joined(forces: list[str] | None) -> str | None:
    """The forces chosen, as the comparators' comma-separated list (None when none is)."""
    return ",".join(forces) if forces else None


@dataclass(frozen=True)
class RugQuery:
    """What a rug download was asked for: the page's filters, order and comparator."""

    pillar: str | None
    region: str | None
    sort: str | None
    compare: str | None
    forces: str | None

    def table(self, wh: WH) -> tuple[list[str], list[list[Any]]]:
        return rug_table(wh, self.pillar, self.region, self.sort, self.compare, self.forces)

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
    return RugQuery(pillar, region, sort, compare, _joined(forces))


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


# the spine chart's geometry, in SVG user units
SPINE_WIDTH, SPINE_ROW = 640, 20


def _x(value: float | None, centre: float, half: float, flip: bool) -> float | None:
    """Where a value sits across the chart: the centre (England and Wales, or the comparator
    chosen) in the middle, the force furthest from it at an edge; better to the right where
    the indicator has a polarity."""
    if value is None or not math.isfinite(value):
        return None
    offset = (value - centre) / half if half > 0 else 0.0
    if flip:
        offset = -offset
    return round(SPINE_WIDTH * (0.5 + 0.48 * offset), 1)


def spine_geometry(r: dict[str, Any], centre: float | None, label: str) -> dict[str, Any] | None:
    """The x positions of a spine row's range, inner quartiles, centre and the force's value,
    the centre (``label``'s value) in the middle; the spread is always of all the forces. None
    where there is no centre or no spread."""
    lo, hi = r["minimum"], r["maximum"]
    if centre is None or lo is None or hi is None:
        return None
    values = [v for v in (lo, hi, r["value"]) if v is not None]
    half = max(abs(v - centre) for v in values)
    flip = r["polarity"] == "higher_is_worse"
    xs = [_x(v, centre, half, flip) for v in (lo, r["q1"], r["q3"], hi, r["value"])]
    left, q_left = min(xs[0] or 0, xs[3] or 0), min(xs[1] or 0, xs[2] or 0)
    return {
        "range": (left, abs((xs[3] or 0) - (xs[0] or 0))),
        "quartiles": (q_left, abs((xs[2] or 0) - (xs[1] or 0))),
        "centre": SPINE_WIDTH / 2,
        "centre_label": label,
        "value": xs[4],
    }


def spine_section(wh: WH, force_code: str) -> list[dict[str, Any]]:
    """A force's spine chart: per PEEL question, each indicator's row with its numbers and, where
    there is an England and Wales value and a spread, the x positions of the range, the inner
    quartiles, England and Wales and the force's value (``spine_geometry``), and its trend and
    SPC markers."""
    frame = profile.spine(wh, force_code)
    clean = {r["indicator_id"]: r for r in profile.records(frame)}
    out = []
    for g in profile.spine_groups(frame):
        rows = []
        for raw in g["rows"]:
            r = dict(clean[raw["indicator_id"]])
            r["geometry"] = spine_geometry(r, r["ew_value"], "England and Wales")
            r["texts"] = {
                k: format_value(r["unit"], r[k])
                for k in ("value", "ew_value", "peer_value", "minimum", "q1", "q3", "maximum")
            }
            r["css"] = css_class(r["comparison"])
            r["marks"] = marks(r["trend"], r["variation"])
            rows.append(r)
        out.append({**g, "rows": rows})
    return out
