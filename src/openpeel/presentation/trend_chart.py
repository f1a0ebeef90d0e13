"""One force's value of an indicator over the periods of one type, with its 95% interval,
England and Wales and its peer group (and a comparator's series, when given). Rolling years are
placed in time by their last month; where the interval is too narrow to see, the caption says
so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import altair as alt

from openpeel.errors import OpenPeelError
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
    FORCE_COLOUR,
    PEER_COLOUR,
    PEERS,
    PERIOD_TYPE_WORDS,
    WIDTH,
    _axis,
    _domain,
    _force_code,
    _headline,
    _legend,
    _num,
    _period_axis,
    _series_lines,
    _short,
    _table,
    _title,
)
from openpeel.warehouse.db import Warehouse

__all__ = ["trend_chart"]

#: a band narrower than this share of its axis cannot be seen; the caption says so
VISIBLE_BAND = 0.015


def trend_chart(
    wh: Warehouse,
    indicator_id: str,
    force: str,
    period_type: str,
    breakdown: str = "all",
    *,
    breakdown_value: str | None = None,
    until: str | None = None,
    comparator: tuple[str, Mapping[str, float]] | None = None,
) -> alt.LayerChart:
    """One force's value over the periods of one type with its 95% interval, E&W and its peers
    (to the period ``until``, when given), and a ``comparator``'s series (its name and its
    value by period, ``comparators.series``) when one is given.
    The interval is drawn as a band and as a bar at each
    period; where it is too narrow to see at the axis's scale the caption says so."""
    ind = load_catalogue().indicator(indicator_id)
    code = _force_code(force)
    frame = wh.execute(
        "SELECT v.period, v.value, v.lower, v.upper, v.ew_value, v.peer_value, v.is_suppressed, "
        "f.name AS force_name FROM out_indicator_values v JOIN ref_force f USING (force_code) "
        "WHERE v.indicator_id = ? AND v.force_code = ? AND v.period_type = ? AND v.breakdown = ? "
        "AND (? IS NULL OR v.breakdown_value = ?)",
        [indicator_id, code, period_type, breakdown, breakdown_value, breakdown_value],
    ).df()
    if frame.empty:
        raise OpenPeelError(
            f"no {period_type} values of {indicator_id} for {force}",
            hint=f"`openpeel indicators periods {indicator_id}` lists them",
        )
    if until is not None:
        until_key = sort_key(period_type, until)
        frame = frame[frame.period.map(lambda p: sort_key(period_type, str(p)) <= until_key)]
        if frame.empty:
            raise OpenPeelError(f"no {period_type} values of {indicator_id} to {until}")
    if frame.period.duplicated().any():
        raise OpenPeelError(f"choose a value of the breakdown {breakdown}")
    frame = frame.sort_values("period", key=lambda s: s.map(lambda p: sort_key(period_type, p)))
    order = list(frame.period)
    name = _short(code)
    named, values_of = comparator or ("", {})
    frame = frame.assign(comparator_value=frame.period.map(lambda p: values_of.get(str(p))))
    lines = _series_lines(
        frame,
        [(name, "value"), (EW, "ew_value"), (PEERS, "peer_value")]
        + ([(named, "comparator_value")] if comparator else []),
    )
    series = [name, EW, PEERS] + ([named] if comparator else [])
    colours = [FORCE_COLOUR, EW_COLOUR, PEER_COLOUR, COMPARATOR_COLOUR][: len(series)]
    fmt = axis_format(ind.unit)
    x, ends = _period_axis(order, period_type)
    if ends:
        frame = frame.assign(end=frame.period.map(ends))
        lines = lines.assign(end=lines.period.map(ends))
    band = frame.dropna(subset=["lower", "upper"])
    y_domain = _domain(lines.value, band.lower, band.upper, low=0.0)
    y = alt.Y(
        "value:Q", scale=alt.Scale(domain=y_domain, nice=False, zero=False), axis=_axis(fmt)
    ).title(ind.title)
    layers = [
        alt.Chart(band)
        .mark_area(opacity=0.25, color=FORCE_COLOUR)
        .encode(x=x, y=alt.Y("lower:Q", scale=alt.Scale(domain=y_domain)), y2="upper:Q"),
        alt.Chart(band)
        .mark_rule(color=FORCE_COLOUR, strokeWidth=2)
        .encode(x=x, y="lower:Q", y2="upper:Q"),
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=series, range=colours),
                legend=_legend(),
            ),
            tooltip=["series:N", "period:N", alt.Tooltip("value:Q", format=fmt)],
        ),
    ]
    last = frame.iloc[-1]
    first = frame.iloc[0]
    widest = float((band.upper - band.lower).max()) if len(band) else 0.0
    if not len(band):
        band_words = "no period has a 95% interval."
    elif widest < VISIBLE_BAND * (y_domain[1] - y_domain[0]):
        band_words = (
            "the 95% intervals are too narrow to see at this scale (the widest spans "
            f"{format_value(ind.unit, widest)})."
        )
    else:
        band_words = "the shaded band and the bars are the 95% interval."
    description = (
        f"{_headline(ind, last, str(last.period))}; "
        f"{PEERS.lower()} {format_value(ind.unit, _num(last.peer_value))}"
        + (f"; {named} {format_value(ind.unit, _num(last.comparator_value))}" if comparator else "")
        + f". {len(frame)} periods from {first.period} "
        f"({format_value(ind.unit, _num(first.value))}) to {last.period}; {band_words}"
    )
    table_rows = [
        [
            str(r["period"]),
            format_cell(ind.unit, None if r["is_suppressed"] else _num(r["value"])),
            format_cell_interval(ind.unit, _num(r["lower"]), _num(r["upper"])),
            format_cell(ind.unit, _num(r["ew_value"])),
            format_cell(ind.unit, _num(r["peer_value"])),
        ]
        + ([format_cell(ind.unit, _num(r["comparator_value"]))] if comparator else [])
        for r in frame.to_dict("records")
    ]
    chart = alt.layer(*layers).properties(
        title=_title(
            ind.title, f"{last.force_name}, {PERIOD_TYPE_WORDS.get(period_type, period_type)}"
        ),
        description=description,
        width=WIDTH,
        height=240,
        usermeta={
            "table": _table(
                f"{ind.title}: {last.force_name} by period",
                ["Period", column(ind.unit, name), "95% interval", EW, PEERS]
                + ([named] if comparator else []),
                table_rows,
            )
        },
    )
    return cast(alt.LayerChart, chart)
