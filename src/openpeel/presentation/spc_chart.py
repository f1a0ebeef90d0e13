"""The XmR chart of one force and monthly indicator, declared with Altair (Vega-Lite).

The values as a line with points coloured by their variation (as Making Data Count colours
them: grey common cause, blue improving, orange concerning, purple higher or lower where the
indicator has no polarity), the mean as a solid line and the process limits as dashed lines,
each segment apart (a stated break starts a new one). The description, read aloud, says how many
months show special cause, the latest month's variation and every break with its reason.
"""

from __future__ import annotations

from typing import cast

import altair as alt
import pandas as pd

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.spc import (
    COMMON,
    CONCERNING,
    HIGHER,
    IMPROVING,
    LOWER,
    latest_variation,
    read_spc,
)
from openpeel.indicators.units import axis_format, format_value
from openpeel.presentation.chart_parts import WIDTH
from openpeel.warehouse.db import Warehouse

#: Making Data Count's colours
VARIATION_COLOURS = {
    COMMON: "#a6a6a6",
    IMPROVING: "#00b0f0",
    CONCERNING: "#e46c0a",
    HIGHER: "#7030a0",
    LOWER: "#7030a0",
}


def spc_description(ind_title: str, unit: str, chart: pd.DataFrame) -> str:
    """The chart in words."""
    name = str(chart.force_name.iloc[0])
    special = int(chart.is_special_cause.sum())
    latest = latest_variation(chart)
    words = [
        f"{name}: {ind_title}, {len(chart)} months from {chart.period.iloc[0]} to "
        f"{chart.period.iloc[-1]}; {special} of them show special cause variation.",
        f"Latest month {latest['period']}: "
        + format_value(unit, float(chart.value.iloc[-1]))
        + (f", {latest['variation']}." if latest["variation"] else f"; {latest['note']}."),
    ]
    for start, segment in chart.groupby("segment_start", sort=False):
        first = segment.iloc[0]
        words.append(
            f"From {start}: mean {format_value(unit, float(first['mean']))}, limits "
            f"{format_value(unit, float(first.lower_limit))} to "
            f"{format_value(unit, float(first.upper_limit))}"
            + (f" (limits recalculated: {first.break_reason})" if first.break_reason else "")
            + "."
        )
    return " ".join(words)


def spc_chart(wh: Warehouse, indicator_id: str, force: str) -> alt.LayerChart:
    """The stored XmR chart of one force and monthly indicator."""
    ind = load_catalogue().indicator(indicator_id)
    chart = read_spc(wh, indicator_id, force)
    frame = chart.assign(month=pd.to_datetime(chart.period + "-01"))
    # a line never spans a missing month or a break
    months = frame.month.dt.year * 12 + frame.month.dt.month
    frame["stretch"] = ((months.diff() != 1) | (frame.segment.diff() != 0)).cumsum()
    fmt = axis_format(ind.unit)
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m"))
    y = alt.Y("value:Q", title=ind.title, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False))
    lines = []
    for column, dash in (("mean", []), ("lower_limit", [6, 4]), ("upper_limit", [6, 4])):
        lines.append(
            alt.Chart(frame.dropna(subset=[column]))
            .mark_line(color="#333333", strokeDash=dash, strokeWidth=1)
            .encode(
                x=x,
                y=alt.Y(f"{column}:Q"),
                detail="segment:N",
                tooltip=[alt.Tooltip(f"{column}:Q", format=fmt, title=column.replace("_", " "))],
            )
        )
    values = alt.Chart(frame).mark_line(color="#a6a6a6").encode(x=x, y=y, detail="stretch:N")
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=45)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "variation:N",
                scale=alt.Scale(
                    domain=list(VARIATION_COLOURS), range=list(VARIATION_COLOURS.values())
                ),
                title=None,
            ),
            tooltip=[
                "period:N",
                alt.Tooltip("value:Q", format=fmt),
                "variation:N",
                alt.Tooltip("mean:Q", format=fmt),
            ],
        )
    )
    name = str(chart.force_name.iloc[0])
    layered = (
        alt.layer(values, *lines, points)
        .properties(
            title=alt.TitleParams(
                ind.title,
                subtitle=f"{name}, months: XmR chart (mean and process limits)",
                anchor="start",
            ),
            description=spc_description(ind.title, ind.unit, chart),
            width=WIDTH,
            height=320,
        )
        .configure_legend(orient="bottom")
    )
    return cast(alt.LayerChart, layered)
