"""The charts an indicator page shows on arrival, before any force is picked: every force
ranked with its 95% interval and coloured by its comparison with a benchmark (England and Wales
unless another comparator is chosen), and the benchmark's trend over the periods.

A chosen force is outlined on the ranked bars. The colours are those of the rug and the spine
(``COMPARISON_COLOURS``), so a colour means one thing on every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import altair as alt
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.indicators import profile
from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.periods import sort_key
from openpeel.indicators.units import (
    axis_format,
    column,
    format_cell,
    format_cell_interval,
    format_value,
)
from openpeel.presentation.chart_parts import (
    COMPARATOR_COLOUR,
    EW,
    EW_COLOUR,
    LABEL_LIMIT,
    PERIOD_TYPE_WORDS,
    WIDTH,
    _axis,
    _comparison_colour,
    _domain,
    _legend,
    _num,
    _period_axis,
    _ranked,
    _series_lines,
    _short,
    _table,
    _title,
)
from openpeel.warehouse.db import Warehouse

#: the outline of the chosen force's bar
CHOSEN_OUTLINE = "#0b0c0c"


def ranked_comparison_chart(
    indicator_id: str,
    period: str,
    rows: list[dict[str, Any]],
    benchmark: float | None,
    benchmark_label: str = EW,
    chosen: str | None = None,
) -> alt.LayerChart:
    """Every force with a value, highest first, with its 95% interval, its bar coloured by its
    comparison with the benchmark, and the benchmark as a dashed line.

    ``rows`` are the page's rows: ``code``, ``name``, ``value``, ``lower``, ``upper`` and
    ``comparison`` (a class of ``profile.CLASSES``); ``chosen`` is a force code to outline."""
    catalogue = load_catalogue()
    ind = catalogue.indicator(indicator_id)
    left_out = catalogue.left_out(ind)
    notes = sorted({left_out[r["code"]].footnote for r in rows if r["code"] in left_out})
    shown = pd.DataFrame([r for r in rows if r["value"] is not None and r["code"] not in left_out])
    if shown.empty:
        raise OpenPeelError(f"no force to rank for {indicator_id} in {period}")
    shown["label"] = shown.code.map(_short)
    shown["chosen"] = shown.code == chosen
    fmt = axis_format(ind.unit)
    order = list(shown.sort_values("value", ascending=False).label)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    colour = _comparison_colour(shown.comparison, benchmark_label)
    top = _domain(shown.upper.dropna(), shown.value, [benchmark or 0.0])[1]
    x_scale = alt.Scale(domain=[0.0, top], nice=False)
    base = alt.Chart(shown)
    layers: list[alt.Chart] = [
        base.mark_bar().encode(
            x=alt.X("value:Q", scale=x_scale, axis=_axis(fmt, ind.title)),
            y=y,
            color=colour,
            stroke=alt.condition(
                "datum.chosen", alt.value(CHOSEN_OUTLINE), alt.value("transparent")
            ),
            strokeWidth=alt.condition("datum.chosen", alt.value(2.5), alt.value(0)),
            tooltip=[
                alt.Tooltip("name:N", title="Force"),
                alt.Tooltip("value:Q", format=fmt),
                alt.Tooltip("lower:Q", format=fmt, title="95% interval from"),
                alt.Tooltip("upper:Q", format=fmt, title="95% interval to"),
                alt.Tooltip("comparison:N", title=f"Compared with {benchmark_label}"),
            ],
        ),
        base.mark_rule(color="black").encode(x="lower:Q", x2="upper:Q", y=y),
    ]
    if benchmark is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"value": [benchmark]}))
            .mark_rule(color=EW_COLOUR, strokeDash=[4, 3], strokeWidth=1.5)
            .encode(x="value:Q")
        )
    counts = shown.comparison.value_counts()
    tally = "; ".join(f"{counts[c]} {c}" for c in profile.CLASSES if c in counts)
    description = (
        f"{ind.title} in {period}: {len(shown)} forces in order of value with 95% intervals, "
        f"coloured by comparison with {benchmark_label} "
        f"({format_value(ind.unit, benchmark)}, the dashed line): {tally}."
    )
    if chosen is not None and chosen in set(shown.code):
        mine = shown[shown.chosen].iloc[0]
        description += f" {mine['name']} is outlined: {mine['comparison']}."
    if notes:
        description += " " + " ".join(notes)
    table_rows = [
        [
            str(r["name"]),
            format_cell(ind.unit, r["value"]),
            format_cell_interval(ind.unit, r["lower"], r["upper"]),
            str(r["comparison"]),
        ]
        for r in sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0.0)))
    ]
    return _ranked(
        layers,
        _title(ind.title, f"{period}: every force, compared with {benchmark_label}"),
        description,
        _table(
            f"{ind.title}, {period}: every force, highest first",
            ["Force", column(ind.unit, "Value"), "95% interval", "Comparison"],
            table_rows,
            notes,
        ),
    )


def england_and_wales_trend_chart(
    wh: Warehouse,
    indicator_id: str,
    period_type: str,
    comparator: tuple[str, Mapping[str, float]] | None = None,
) -> alt.Chart:
    """England and Wales's value over every period of one type (no breakdown), and beside it
    a ``comparator``'s (its name and its value by period, ``comparators.series``) when one is
    given."""
    ind = load_catalogue().indicator(indicator_id)
    frame = wh.execute(
        "SELECT period, any_value(ew_value) AS value FROM out_indicator_values "
        "WHERE indicator_id = ? AND period_type = ? AND breakdown = 'all' "
        "AND ew_value IS NOT NULL GROUP BY period",
        [indicator_id, period_type],
    ).df()
    if len(frame) < 2:
        raise OpenPeelError(f"fewer than two {period_type} values of {indicator_id} to draw")
    frame = frame.sort_values("period", key=lambda s: s.map(lambda p: sort_key(period_type, p)))
    named, values_of = comparator or ("", {})
    frame["comparator_value"] = frame.period.map(lambda p: values_of.get(str(p)))
    order = list(frame.period)
    lines = _series_lines(
        frame, [(EW, "value")] + ([(named, "comparator_value")] if comparator else [])
    )
    x, ends = _period_axis(order, period_type)
    if ends:
        lines = lines.assign(end=lines.period.map(ends))
    series = [EW] + ([named] if comparator else [])
    fmt = axis_format(ind.unit)
    y_domain = _domain(lines.value, low=0.0)
    words = PERIOD_TYPE_WORDS.get(period_type, period_type)
    first, last = frame.iloc[0], frame.iloc[-1]
    description = (
        f"{EW}'s {ind.title.lower()} over {len(frame)} {words}: "
        f"{format_value(ind.unit, float(first.value))} in {first.period}, "
        f"{format_value(ind.unit, float(last.value))} in {last.period}."
    )
    if comparator:
        description += (
            f" {named[:1].upper() + named[1:]}: "
            f"{format_value(ind.unit, _num(first.comparator_value))} in {first.period}, "
            f"{format_value(ind.unit, _num(last.comparator_value))} in {last.period}."
        )
    columns = ["Period", column(ind.unit, EW)] + ([named] if comparator else [])
    rows = [
        [str(r["period"]), format_cell(ind.unit, float(r["value"]))]
        + ([format_cell(ind.unit, _num(r["comparator_value"]))] if comparator else [])
        for r in frame.to_dict("records")
    ]
    chart = (
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "value:Q",
                scale=alt.Scale(domain=y_domain, nice=False, zero=False),
                axis=_axis(fmt),
            ).title(ind.title),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=series, range=[EW_COLOUR, COMPARATOR_COLOUR][: len(series)]),
                legend=_legend() if comparator else None,
            ),
            tooltip=["series:N", "period:N", alt.Tooltip("value:Q", format=fmt)],
        )
        .properties(
            title=_title(
                ind.title,
                (f"{named[:1].upper() + named[1:]} beside {EW}" if comparator else EW)
                + f", {words}",
            ),
            description=description,
            width=WIDTH,
            height=240,
            usermeta={
                "table": _table(
                    f"{ind.title}: {EW}" + (f" and {named}" if comparator else "") + " by period",
                    columns,
                    rows,
                )
            },
        )
    )
    return cast(alt.Chart, chart)
