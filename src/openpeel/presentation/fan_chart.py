"""The fan chart of a series and its forecast: the recorded values, the point forecast dashed and
its 80% and 95% intervals shaded; and the fan charts of a force's stored forecasts
(`openpeel.forecast.stored`), for the web page and the report."""

from __future__ import annotations

from typing import cast

import altair as alt
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.forecast.stored import StoredSeries
from openpeel.indicators.units import COUNT_AXIS_FORMAT
from openpeel.presentation.chart_parts import (
    EW_COLOUR,
    FORCE_COLOUR,
    TICKS,
    WIDTH,
    _axis,
    _domain,
    _table,
    _title,
)

__all__ = ["charted", "fan_chart", "series_fan_chart"]


def fan_chart(
    history: pd.DataFrame, forecast: pd.DataFrame, title: str, unit: str
) -> alt.LayerChart:
    """A series and its forecast as a fan: the 95% and 80% intervals shaded, the point forecast
    dashed. ``history`` has ``period`` and ``y``; ``forecast`` has ``period``, ``mean``,
    ``lo_80``, ``hi_80``, ``lo_95`` and ``hi_95``. ``unit`` names what is counted ("crimes")."""
    if history.empty or forecast.empty:
        raise OpenPeelError(f"nothing to draw for {title}")
    x = alt.X("period:T", title=None, axis=alt.Axis(tickCount=TICKS, labelOverlap="greedy"))
    y_domain = _domain(history.y, forecast.lo_95, forecast.hi_95, low=0.0)
    y = alt.Y(
        "lo_95:Q",
        scale=alt.Scale(domain=y_domain, nice=False),
        axis=_axis(COUNT_AXIS_FORMAT, unit.capitalize()),
    )
    base = alt.Chart(forecast)
    layers = [
        base.mark_area(opacity=0.18, color=FORCE_COLOUR).encode(x=x, y=y, y2="hi_95:Q"),
        base.mark_area(opacity=0.3, color=FORCE_COLOUR).encode(x=x, y="lo_80:Q", y2="hi_80:Q"),
        base.mark_line(color=FORCE_COLOUR, strokeDash=[5, 3]).encode(
            x=x,
            y="mean:Q",
            tooltip=[
                alt.Tooltip("period:T", title="Period", format="%b %Y"),
                alt.Tooltip("mean:Q", title="Forecast", format=",.0f"),
                alt.Tooltip("lo_95:Q", title="95% from", format=",.0f"),
                alt.Tooltip("hi_95:Q", title="95% to", format=",.0f"),
            ],
        ),
        alt.Chart(history)
        .mark_line(color=EW_COLOUR)
        .encode(
            x=x,
            y="y:Q",
            tooltip=[
                alt.Tooltip("period:T", title="Period", format="%b %Y"),
                alt.Tooltip("y:Q", title="Recorded", format=",.0f"),
            ],
        ),
    ]
    last = forecast.iloc[-1]
    description = (
        f"{title}: {len(history)} periods recorded, then forecast {len(forecast)} ahead; by "
        f"{pd.Timestamp(last['period']):%B %Y} about {last['mean']:,.0f} {unit} "
        f"(95% interval {last['lo_95']:,.0f} to {last['hi_95']:,.0f})."
    )
    rows = [
        [f"{pd.Timestamp(p):%b %Y}", f"{v:,.0f}", "", ""]
        for p, v in zip(history.period.iloc[-4:], history.y.iloc[-4:], strict=True)
    ] + [
        [
            f"{pd.Timestamp(r['period']):%b %Y}",
            f"{r['mean']:,.0f} (forecast)",
            f"{r['lo_80']:,.0f} to {r['hi_80']:,.0f}",
            f"{r['lo_95']:,.0f} to {r['hi_95']:,.0f}",
        ]
        for r in forecast.to_dict("records")
    ]
    chart = alt.layer(*layers).properties(
        title=_title(title),
        description=description,
        width=WIDTH,
        height=200,
        usermeta={
            "table": _table(
                f"{title}: the last periods recorded and the forecast",
                ["Period", unit.capitalize(), "80% interval", "95% interval"],
                rows,
            )
        },
    )
    return cast(alt.LayerChart, chart)


def series_fan_chart(series: StoredSeries) -> alt.LayerChart:
    """A stored forecast's fan chart: its values recorded, then its forecast."""
    return fan_chart(series.history, series.forecast, series.title, series.source.unit)


def charted(series: list[StoredSeries]) -> list[tuple[StoredSeries, alt.LayerChart]]:
    """The series that can be drawn, each with its fan chart."""
    out = []
    for s in series:
        try:
            out.append((s, series_fan_chart(s)))
        except OpenPeelError:  # nothing recorded or forecast to draw
            continue
    return out
