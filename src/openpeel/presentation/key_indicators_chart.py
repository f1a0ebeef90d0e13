"""A force's key indicators and its peer group's on one chart, each as an index of England and
Wales (= 100), so that figures in different units share one axis (the force's page)."""

from __future__ import annotations

from typing import Any, cast

import altair as alt
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.indicators.units import NUMBER_AXIS_FORMAT, format_value
from openpeel.presentation.chart_parts import (
    EW,
    EW_COLOUR,
    FORCE_COLOUR,
    LABEL_LIMIT,
    PEER_COLOUR,
    PEERS,
    WIDTH,
    _axis,
    _domain,
    _num,
    _table,
    _title,
)

__all__ = ["key_indicators_chart"]


def key_indicators_chart(force_name: str, rows: list[dict[str, Any]]) -> alt.LayerChart:
    """A force's key indicators and its peer group's, each as an index of England and Wales
    (= 100), so that figures in different units share one axis. ``rows`` hold ``title``,
    ``period``, ``unit``, ``value``, ``ew_value`` and ``peer_value``."""
    points = []
    table_rows = []
    for r in rows:
        ew = _num(r.get("ew_value"))
        if not ew:
            continue
        unit = str(r["unit"])
        for series, key in ((force_name, "value"), (PEERS, "peer_value")):
            value = _num(r.get(key))
            if value is None:
                continue
            points.append(
                {
                    "indicator": str(r["title"]),
                    "series": series,
                    "index": round(100 * value / ew, 1),
                    "value": format_value(unit, value),
                    "ew": format_value(unit, ew),
                    "period": str(r["period"]),
                }
            )
        table_rows.append(
            [
                str(r["title"]),
                str(r["period"]),
                format_value(unit, _num(r.get("value"))),
                format_value(unit, _num(r.get("peer_value"))),
                format_value(unit, ew),
            ]
        )
    if not points:
        raise OpenPeelError(f"no key indicator of {force_name} has an England and Wales value")
    frame = pd.DataFrame(points)
    y = alt.Y(
        "indicator:N",
        title=None,
        sort=[str(r["title"]) for r in rows],
        axis=alt.Axis(labelLimit=320),
    )
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=[force_name, PEERS], range=[FORCE_COLOUR, PEER_COLOUR]),
        legend=alt.Legend(orient="top", labelLimit=LABEL_LIMIT, title=None),
    )
    dots = (
        alt.Chart(frame)
        .mark_point(filled=True, size=110)
        .encode(
            x=alt.X(
                "index:Q",
                scale=alt.Scale(domain=_domain(frame["index"], [100.0], low=0.0), nice=False),
                axis=_axis(NUMBER_AXIS_FORMAT, f"{EW} = 100"),
            ),
            y=y,
            color=colour,
            shape=alt.Shape("series:N", legend=None),
            tooltip=[
                alt.Tooltip("indicator:N", title="Indicator"),
                alt.Tooltip("series:N", title="Who"),
                alt.Tooltip("value:N", title="Value"),
                alt.Tooltip("ew:N", title=EW),
                alt.Tooltip("period:N", title="Period"),
            ],
        )
    )
    line = (
        alt.Chart(pd.DataFrame({"index": [100]}))
        .mark_rule(color=EW_COLOUR, strokeDash=[4, 3])
        .encode(x="index:Q")
    )
    force_points = [p for p in points if p["series"] == force_name]
    description = (
        f"{force_name}'s key indicators and its peer group's, as an index of {EW} (100): "
        + "; ".join(f"{p['indicator']} {p['index']:g}" for p in force_points)
        + "."
    )
    chart = alt.layer(line, dots).properties(
        title=_title(f"{force_name} against {EW} and its peer group"),
        description=description,
        width=WIDTH,
        height=alt.Step(26),
        usermeta={
            "table": _table(
                f"{force_name}'s key indicators",
                ["Indicator", "Period", force_name, PEERS, EW],
                table_rows,
            )
        },
    )
    return cast(alt.LayerChart, chart)
