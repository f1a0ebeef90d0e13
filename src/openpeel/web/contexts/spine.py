"""A force's spine chart (issue 18), a section of the force page: each indicator against the
spread of the forces, with its recent trend and SPC markers.

The numbers and classes come from ``openpeel.indicators.profile``; this module adds the words,
the colours' class names and the geometry of the server-drawn chart (inline SVG: no script is
needed to see it, and each row's numbers are in the table that follows it).
"""

from __future__ import annotations

import math
from typing import Any

from openpeel.indicators import profile, recent_trend, spc
from openpeel.indicators.units import format_value
from openpeel.warehouse.db import Warehouse
from openpeel.web.contexts.rug import css_class

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


def spine_section(wh: Warehouse, force_code: str) -> list[dict[str, Any]]:
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
