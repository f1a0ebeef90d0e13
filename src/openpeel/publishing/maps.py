"""A choropleth of the 43 police force areas of England and Wales, coloured by grade.

`grade_map` draws the force areas from the warehouse's ONS boundaries (coordinates rounded to
keep the SVG small) with a fixed, colour-blind safe colour for each grade; render it with
`openpeel.presentation.rendering.chart_svg` or write it with `save_chart`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, cast

import altair as alt
import duckdb

from openpeel.errors import OpenPeelError
from openpeel.presentation.rendering import chart_svg
from openpeel.warehouse.db import Warehouse

__all__ = ["chart_svg", "grade_map", "simplify"]

BOUNDARIES_FILE = "police_force_areas_dec2020_ew.geojson"
NO_GRADE = "no grade"
#: GOV.UK palette: distinct under the common colour-vision deficiencies, white text-safe
GRADE_COLOURS = {
    "outstanding": "#00703c",
    "good": "#1d70b8",
    "requires improvement": "#f47738",
    "inadequate": "#d4351c",
    "not graded": "#b1b4b6",
    NO_GRADE: "#b1b4b6",
}
#: for any other grade label (Okabe-Ito)
SPARE_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#f0e442")
WIDTH, HEIGHT = 420, 520
#: decimal places of a degree kept (about 100 m; the boundaries are already generalised)
DECIMALS = 3

Ring = list[list[float]]


def _ring(ring: Sequence[Sequence[float]], *, exterior: bool) -> Ring | None:
    """The ring rounded, without repeated points, wound clockwise if ``exterior`` (as d3-geo
    reads polygons on the sphere), anticlockwise if a hole; None if it collapses."""
    points: Ring = []
    for position in ring:
        point = [round(float(position[0]), DECIMALS), round(float(position[1]), DECIMALS)]
        if not points or point != points[-1]:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        return None
    points.append(points[0])
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(points))
    if twice_area == 0:
        return None
    if (twice_area > 0) == exterior:  # anticlockwise exterior or clockwise hole
        points.reverse()
    return points


def _polygon(rings: Sequence[Sequence[Sequence[float]]]) -> list[Ring] | None:
    if not rings:
        return None
    outer = _ring(rings[0], exterior=True)
    if outer is None:
        return None
    holes = (_ring(r, exterior=False) for r in rings[1:])
    return [outer, *(h for h in holes if h is not None)]


def simplify(geometry: dict[str, Any]) -> dict[str, Any] | None:
    """A GeoJSON Polygon or MultiPolygon with its coordinates rounded to ``DECIMALS`` places and
    consecutive duplicate points dropped; None if nothing is left of it."""
    kind = geometry.get("type")
    if kind == "Polygon":
        parts = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        parts = geometry["coordinates"]
    else:
        raise OpenPeelError(f"a force boundary is a {kind}, not a Polygon or MultiPolygon")
    polygons = [p for p in (_polygon(rings) for rings in parts) if p is not None]
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _boundaries(wh: Warehouse) -> list[tuple[str, str, str]]:
    """(force code, force name, GeoJSON geometry text) for each force area, by code."""
    missing = OpenPeelError(
        "the police force area boundaries are not in the warehouse",
        hint=f"ingest the ONS boundaries file {BOUNDARIES_FILE} with `openpeel ingest PATH`",
    )
    try:
        rows = wh.rows(
            "SELECT b.force_code, coalesce(f.name, b.name, b.force_code), "
            "CAST(b.geometry AS VARCHAR) FROM core_ons__pfa_boundaries b "
            "LEFT JOIN ref_force f USING (force_code) "
            "WHERE b.geometry IS NOT NULL ORDER BY b.force_code"
        )
    except duckdb.CatalogException as exc:
        raise missing from exc
    if not rows:
        raise missing
    return [(str(code), str(name), str(geometry)) for code, name, geometry in rows]


def _colours(labels: Sequence[str]) -> list[str]:
    spare = iter(SPARE_COLOURS)
    return [GRADE_COLOURS.get(label) or next(spare, GRADE_COLOURS[NO_GRADE]) for label in labels]


def grade_map(
    wh: Warehouse,
    grades: dict[str, str],
    order: Sequence[str],
    title: str,
    description: str,
    *,
    colours: dict[str, str] | None = None,
    legend: str = "Grade",
    highlight: str | None = None,
) -> alt.Chart:
    """The force areas of England and Wales coloured by grade.

    ``grades`` maps a force's ONS code (E23…, W15…) to its grade label; ``order`` lists the
    labels for the legend, best first. A force without a grade is drawn grey as "no grade";
    a code with no boundary (a national force) is left out. ``description`` is the chart's
    text alternative. ``colours`` maps a label to its colour where the grades' own colours do
    not apply (an indicator's comparison classes), ``legend`` titles the legend, and the area
    of the force ``highlight`` (a code) is outlined.
    """
    unknown = sorted(set(grades.values()) - set(order))
    if unknown:
        raise OpenPeelError(
            "grades not in the legend order: " + ", ".join(repr(g) for g in unknown),
            hint="order lists every grade label, best first: " + ", ".join(order),
        )
    features: list[dict[str, Any]] = []
    for code, name, text in _boundaries(wh):
        geometry = simplify(json.loads(text))
        if geometry is None:
            continue
        grade = grades.get(code, NO_GRADE)
        properties = {"force_code": code, "name": name, "grade": grade, "label": f"{name}: {grade}"}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    domain = list(dict.fromkeys(order))
    if any(f["properties"]["grade"] == NO_GRADE for f in features) and NO_GRADE not in domain:
        domain.append(NO_GRADE)
    chart = (
        alt.Chart(alt.InlineData(values=features))
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .encode(
            color=alt.Color(
                "properties.grade:N",
                scale=alt.Scale(
                    domain=domain,
                    range=[colours.get(g, GRADE_COLOURS[NO_GRADE]) for g in domain]
                    if colours
                    else _colours(domain),
                ),
                sort=domain,
                legend=alt.Legend(title=legend, orient="top-left", titleLimit=0),
            ),
            stroke=alt.condition(
                alt.datum["properties"]["force_code"] == (highlight or ""),
                alt.value("#0b0c0c"),
                alt.value("white"),
            ),
            strokeWidth=alt.condition(
                alt.datum["properties"]["force_code"] == (highlight or ""),
                alt.value(2.5),
                alt.value(0.5),
            ),
            # each area's aria-label, read aloud: "Cumbria Constabulary: good"
            description="properties.label:N",
            tooltip=[
                alt.Tooltip("properties.name:N", title="Force"),
                alt.Tooltip("properties.grade:N", title=legend),
            ],
        )
        .project(type="mercator")
        .properties(
            title=alt.TitleParams(title, anchor="start"),
            description=description,
            width=WIDTH,
            height=HEIGHT,
        )
        .configure_view(stroke=None)
    )
    return cast(alt.Chart, chart)
