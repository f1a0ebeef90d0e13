"""The charts of an indicator across the forces, for the report and the web alike, declared with
Altair (Vega-Lite):

* `funnel_chart`: every force's value against its denominator, with the England and Wales value
  (or a comparator's, a `Centre`) and the 95% and 99.8% funnel limits around it (the same
  over-dispersion adjustment as the stored flags);
* `ranked_bar_chart`: the forces in order of value with their 95% intervals, one force and its
  peer group marked;
* `trend_chart`: one force over the periods with its interval, England and Wales and its peers
  (and a comparator's series, when given);
* `indicator_charts`: those three of one indicator and force, as Vega-Lite specs.

Every chart has a title, a description (the text alternative) that says in words what it
shows, and its data table (``usermeta.table``: caption, columns, rows as text, and a note),
which the report and the web print after it. Numbers are written by ``indicators.units``
from each unit's declaration; axis ranges come from the data drawn; a force that a comparison
rule of the catalogue leaves out (City of London for rates per resident) is not drawn on the
funnel or the ranked bars, and the rule's footnote says why. The parts every chart shares are in
``chart_parts``; ``rendering`` draws a chart as SVG, PNG or HTML, offline. The other charts have
a module each: ``fan_chart``, ``key_indicators_chart``, ``indicator_charts``, ``spc_chart``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

import altair as alt
import numpy as np
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.indicators import comparison, profile
from openpeel.indicators.api import values
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.funnel import funnel_flags, funnel_limits
from openpeel.indicators.peers import peer_group
from openpeel.indicators.periods import ROLLING_PREFIX, sort_key
from openpeel.indicators.units import (
    COUNT_AXIS_FORMAT,
    axis_format,
    column,
    format_cell,
    format_cell_interval,
    format_value,
)
from openpeel.presentation.chart_parts import (
    COMPARATOR_COLOUR,
    COMPARISON_COLOURS,
    EW,
    EW_COLOUR,
    FORCE_COLOUR,
    LABEL_LIMIT,
    OTHER_COLOUR,
    PEER_COLOUR,
    PEERS,
    PERIOD_TYPE_WORDS,
    TICKS,
    WIDTH,
    _axis,
    _domain,
    _legend,
    _num,
    _short,
    _table,
    _title,
)
from openpeel.presentation.funnel_centre import CENTRE_NOTE, Centre, centre_words, placed
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

__all__ = ["funnel_chart", "indicator_charts", "ranked_bar_chart", "trend_chart"]

log = logging.getLogger("openpeel.charts")

GRID_POINTS = 200
#: a band narrower than this share of its axis cannot be seen; the caption says so
VISIBLE_BAND = 0.015


def _frame(
    wh: Warehouse,
    indicator_id: str,
    period: str | None,
    breakdown: str,
    breakdown_value: str | None,
) -> pd.DataFrame:
    frame = values(wh, indicator_id, period=period, breakdown=breakdown)
    if breakdown != "all":
        choices = sorted(str(v) for v in frame.breakdown_value.dropna().unique())
        if breakdown_value not in choices:
            raise OpenPeelError(
                f"choose a value of the breakdown {breakdown}",
                hint="one of " + ", ".join(choices),
            )
        frame = frame[frame.breakdown_value == breakdown_value]
    return frame.reset_index(drop=True)


def _force_code(force: str) -> str:
    return forces().resolve(force).code


def _force_row(frame: pd.DataFrame, code: str) -> pd.Series:
    rows = frame[frame.force_code == code]
    if rows.empty:
        raise OpenPeelError(f"no value for force {code} in this period")
    return rows.iloc[0]


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame.is_suppressed.astype(bool) & frame.value.notna()].copy()


def _compared(ind: Indicator, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The forces shown and compared, and the footnotes of the rules that leave some out."""
    left_out = load_catalogue().left_out(ind)
    shown = _shown(frame)
    out = shown[~shown.force_code.isin(list(left_out))].copy()
    notes = sorted(
        {rule.footnote for code, rule in left_out.items() if code in set(frame.force_code)}
    )
    return out, notes


def _headline(ind: Indicator, row: pd.Series, period: str) -> str:
    """'Hampshire Constabulary: 9.6% in 2017/18, England and Wales 10.0%'."""
    value = format_value(ind.unit, _num(row.value))
    if bool(row.is_suppressed):
        value = "suppressed (too few cases)"
    return (
        f"{row.force_name}: {value} in {period}, {EW} {format_value(ind.unit, _num(row.ew_value))}"
    )


def _force_rows(ind: Indicator, frame: pd.DataFrame) -> list[list[str]]:
    """Every force in order of value, those a rule leaves out last: name, rank, value, 95%
    interval, denominator, comparison among forces (a force left out by a rule says so)."""
    rows = []
    left_out = set(load_catalogue().left_out(ind))
    ordered = frame.assign(
        _out=frame.force_code.isin(list(left_out)), _v=frame.value.astype(float)
    ).sort_values(["_out", "_v", "force_name"], ascending=[True, False, True], na_position="last")
    for r in ({str(k): v for k, v in record.items()} for record in ordered.to_dict("records")):
        suppressed = bool(r["is_suppressed"]) or _num(r["value"]) is None
        rank = _num(r.get("rank"))
        rows.append(
            [
                _short(str(r["force_code"])),
                str(int(rank)) if rank else "-",
                "suppressed" if suppressed else format_cell(ind.unit, _num(r["value"])),
                ""
                if suppressed
                else format_cell_interval(ind.unit, _num(r["lower"]), _num(r["upper"])),
                f"{_num(r['denominator']) or 0:,.0f}",
                "" if suppressed else comparison.across_forces_short(r),
            ]
        )
    return rows


def _force_columns(ind: Indicator) -> list[str]:
    return [
        "Force",
        "Rank",
        column(ind.unit, "Value"),
        "95% interval",
        "Denominator",
        "Range expected across forces",
    ]


def funnel_chart(
    wh: Warehouse,
    indicator_id: str,
    period: str | None = None,
    force: str | None = None,
    breakdown: str = "all",
    *,
    breakdown_value: str | None = None,
    centre: Centre | None = None,
) -> alt.LayerChart:
    """Each force's value against its denominator, with the E&W value and the funnel limits.

    The limits are `funnel_limits` around the E&W value over a grid of denominators, with the
    tau2 that `funnel_flags` applied to the stored flags (non-zero only when over-dispersed),
    both over the forces compared (a force a comparison rule leaves out is not drawn). The
    axes span the forces drawn; the limits are clipped to them.

    With a ``centre``, the centre line and the limits are around its value instead (the same
    tau2: the variation between all forces, estimated around E&W), every force is still drawn,
    coloured by its class, the centre's members marked by their shape, and the data table
    places each force against these limits (``CENTRE_NOTE`` says so under the table).
    """
    catalogue = load_catalogue()
    ind = catalogue.indicator(indicator_id)
    declared = catalogue.unit(ind.unit)
    if not declared.funnel:
        raise OpenPeelError(
            f"{indicator_id} is a {ind.unit}: funnel plots need a unit with a funnel "
            "(indicators/definitions/00_units.toml)"
        )
    frame = _frame(wh, indicator_id, period, breakdown, breakdown_value)
    period = str(frame.period.iloc[0])
    shown, notes = _compared(ind, frame)
    if len(shown) < 3:
        raise OpenPeelError(f"too few forces with a value of {indicator_id} in {period}")
    scale = declared.per
    kind = cast(Literal["proportion", "rate"], declared.funnel)
    ew = float(shown.ew_value.iloc[0])
    target, label = (ew, EW) if centre is None else (centre.value, centre.label)
    num, den = shown.numerator.to_numpy(float), shown.denominator.to_numpy(float)
    result = funnel_flags(num / den, den, ew / scale, kind)
    x_domain = [float(den.min()) / 1.25, float(den.max()) * 1.25]
    grid = np.geomspace(max(1.0, x_domain[0]), x_domain[1], GRID_POINTS)
    limits = funnel_limits(target / scale, grid, kind, tau2=result.tau2_applied)
    lines = pd.concat(
        pd.DataFrame(
            {
                "denominator": grid,
                "value": bound * scale,
                "limit": f"{level:.1%}".replace(".0%", "%") + " limits",
                "side": side,
            }
        )
        for level, pair in limits.items()
        for side, bound in zip(("lower", "upper"), pair, strict=True)
    )
    share_bounds = {"low": 0.0, "high": 1.0} if declared.funnel == "proportion" else {"low": 0.0}
    # the values drawn and the 99.8% limits where the forces are, not where the grid starts
    inner = lines[lines.denominator >= den.min()]
    y_domain = _domain(shown.value, [target], inner.value, **share_bounds)
    code = _force_code(force) if force else None
    shown["group"] = np.where(shown.force_code == code, "force", "other")
    shown["label"] = shown.force_code.map(_short)
    fmt = axis_format(ind.unit)
    x = alt.X(
        "denominator:Q",
        scale=alt.Scale(type="log", domain=x_domain, nice=False),
        axis=_axis(COUNT_AXIS_FORMAT, ind.denominator_words),
    )
    y = alt.Y("value:Q", scale=alt.Scale(domain=y_domain, nice=False, zero=False), axis=_axis(fmt))
    y = y.title(ind.title)
    tooltip = [
        alt.Tooltip("force_name:N", title="Force"),
        alt.Tooltip("value:Q", format=fmt),
        alt.Tooltip("denominator:Q", format=",.0f"),
    ]
    layers: list[alt.Chart] = [
        alt.Chart(lines)
        .mark_line(strokeWidth=1, clip=True)
        .encode(
            x=x,
            y=y,
            detail="side:N",
            strokeDash=alt.StrokeDash(
                "limit:N", scale=alt.Scale(range=[[4, 3], [1, 0]]), legend=_legend("Funnel limits")
            ),
            color=alt.value("#666666"),
        ),
        alt.Chart(pd.DataFrame({"value": [target], "label": [label]}))
        .mark_rule(color=EW_COLOUR, strokeWidth=1.5)
        .encode(y="value:Q"),
    ]
    if centre is None:
        layers.append(
            alt.Chart(shown[shown.group == "other"])
            .mark_circle(size=40, color=OTHER_COLOUR, opacity=0.9)
            .encode(x=x, y=y, tooltip=tooltip)
        )
    else:
        shown = placed(shown, centre, result.tau2_applied, kind, scale)
        frame = placed(frame, centre, result.tau2_applied, kind, scale)
        layers.append(_classed_points(shown, centre, x, y, tooltip))
        notes = [*notes, CENTRE_NOTE.format(label=centre.label, ew=EW)]
    od = result.overdispersion
    adjusted = " (limits widened for over-dispersion)" if result.tau2_applied > 0 else ""
    description = (
        f"Funnel plot of {ind.title.lower()} in {period} for {len(shown)} forces against "
        f"{ind.denominator_words}; {label} {format_value(ind.unit, target)}{adjusted}."
    )
    if centre is not None:
        description += f" {centre_words(shown, centre)}"
    if code is not None and code in set(shown.force_code):
        row = _force_row(frame, code)
        mine = shown[shown.group == "force"]
        # the label on the side with room: left of a point in the right third of the axis
        right = math.log(float(mine.denominator.iloc[0])) > (
            math.log(x_domain[0]) + 2 * (math.log(x_domain[1]) - math.log(x_domain[0])) / 3
        )
        colour = FORCE_COLOUR if centre is None else "#0b0c0c"
        if centre is None:
            layers.append(
                alt.Chart(mine)
                .mark_circle(size=110, color=FORCE_COLOUR)
                .encode(x=x, y=y, tooltip=tooltip)
            )
        layers.append(
            alt.Chart(mine)
            .mark_text(
                align="right" if right else "left",
                dx=-8 if right else 8,
                dy=-8,
                fontWeight="bold",
                color=colour,
            )
            .encode(x=x, y=y, text="label:N")
        )
        where = (
            comparison.across_forces_words({str(k): v for k, v in row.items()})
            or "not placed on the funnel"
        )
        if centre is not None:
            where += f" around {centre.label}"
        description = f"{_headline(ind, row, period)}; {where}. " + description
    elif code is not None:
        description = f"{_headline(ind, _force_row(frame, code), period)}. " + description
    if notes:
        description += " " + " ".join(notes)
    subtitle = f"{period}; dispersion ratio {od.phi:.1f}{adjusted}"
    if centre is not None:
        subtitle = f"{period}; around {centre.label}; dispersion ratio {od.phi:.1f}{adjusted}"
    chart = alt.layer(*layers).properties(
        title=_title(ind.title, subtitle),
        description=description,
        width=WIDTH,
        height=300,
        usermeta={
            "table": _table(
                f"{ind.title}, {period}: every force, highest first"
                + ("" if centre is None else f", placed around {centre.label}"),
                _force_columns(ind),
                _force_rows(ind, frame),
                notes,
            )
        },
    )
    return cast(alt.LayerChart, chart)


def _classed_points(
    shown: pd.DataFrame, centre: Centre, x: alt.X, y: alt.Y, tooltip: list[alt.Tooltip]
) -> alt.Chart:
    """Every force's point coloured by its class, the centre's members a different shape, the
    chosen force (``group`` "force") larger and outlined."""
    points = shown.assign(
        comparison=shown.force_code.map(lambda c: centre.classes.get(c, profile.NOT_COMPARED)),
        member=np.where(shown.force_code.isin(list(centre.members)), centre.label, "Other forces"),
    )
    # the chosen force largest; a diamond looks smaller than a circle of the same area
    points["size"] = np.select(
        [points.group == "force", points.member == centre.label], [150, 90], 50
    )
    domain = [c for c in profile.CLASSES if c in set(points.comparison)]
    encoding: dict[str, Any] = {
        "x": x,
        "y": y,
        "color": alt.Color(
            "comparison:N",
            scale=alt.Scale(domain=domain, range=[COMPARISON_COLOURS[c] for c in domain]),
            legend=alt.Legend(
                orient="bottom",
                direction="horizontal",
                labelLimit=LABEL_LIMIT,
                titleLimit=LABEL_LIMIT,
                title=f"Compared with {centre.label}",
            ),
        ),
        "size": alt.Size("size:Q", scale=None, legend=None),
        "strokeWidth": alt.condition("datum.group == 'force'", alt.value(2.5), alt.value(0.5)),
        "tooltip": [*tooltip, alt.Tooltip("comparison:N", title=f"Compared with {centre.label}")],
    }
    if centre.members:
        encoding["shape"] = alt.Shape(
            "member:N",
            scale=alt.Scale(domain=[centre.label, "Other forces"], range=["diamond", "circle"]),
            legend=_legend("Forces"),
        )
    chart = alt.Chart(points).mark_point(filled=True, opacity=0.95, stroke="#0b0c0c")
    return cast(alt.Chart, chart.encode(**encoding))


def ranked_bar_chart(
    wh: Warehouse,
    indicator_id: str,
    period: str | None,
    force: str,
    breakdown: str = "all",
    *,
    breakdown_value: str | None = None,
) -> alt.LayerChart:
    """The forces compared, in order of value with 95% intervals; the force and its peers
    coloured (a force a comparison rule leaves out is not drawn, with the rule's footnote)."""
    ind = load_catalogue().indicator(indicator_id)
    frame = _frame(wh, indicator_id, period, breakdown, breakdown_value)
    period = str(frame.period.iloc[0])
    code = _force_code(force)
    row = _force_row(frame, code)
    peers = set(peer_group(code))
    shown, notes = _compared(ind, frame)
    if shown.empty:
        raise OpenPeelError(f"no force to rank for {indicator_id} in {period}")
    name = _short(code)
    shown["label"] = shown.force_code.map(_short)
    shown["group"] = np.select(
        [shown.force_code == code, shown.force_code.isin(peers)],
        [name, "Peer group"],
        "Other forces",
    )
    fmt = axis_format(ind.unit)
    order = list(shown.sort_values("value", ascending=False).label)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    colour = alt.Color(
        "group:N",
        scale=alt.Scale(
            domain=[name, "Peer group", "Other forces"],
            range=[FORCE_COLOUR, PEER_COLOUR, OTHER_COLOUR],
        ),
        legend=_legend(),
    )
    ew = _num(row.ew_value)
    # bars start at zero; the axis ends just past the largest interval drawn
    top = _domain(shown.upper, shown.value, [ew or 0.0])[1]
    x_scale = alt.Scale(domain=[0.0, top], nice=False)
    base = alt.Chart(shown)
    layers = [
        base.mark_bar().encode(
            x=alt.X("value:Q", scale=x_scale, axis=_axis(fmt, ind.title)),
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("force_name:N", title="Force"),
                alt.Tooltip("value:Q", format=fmt),
                alt.Tooltip("lower:Q", format=fmt),
                alt.Tooltip("upper:Q", format=fmt),
                alt.Tooltip("rank:Q"),
            ],
        ),
        base.mark_rule(color="black").encode(x="lower:Q", x2="upper:Q", y=y),
        alt.Chart(pd.DataFrame({"value": [ew]}))
        .mark_rule(color=EW_COLOUR, strokeDash=[4, 3], strokeWidth=1.5)
        .encode(x="value:Q"),
    ]
    rank = _num(row["rank"])
    placed = f"ranked {int(rank)} of {int(row.forces_ranked)}" if rank else "not ranked"
    description = (
        f"{_headline(ind, row, period)}; {placed} (1 = highest); "
        f"{PEERS.lower()} {format_value(ind.unit, _num(row.peer_value))}. "
        f"Bars show {len(shown)} forces in order of value with 95% intervals; the dashed line "
        f"is {EW}."
    )
    if notes:
        description += " " + " ".join(notes)
    chart = alt.layer(*layers).properties(
        title=_title(ind.title, f"{period}: {row.force_name} and its peer group"),
        description=description,
        width=WIDTH,
        height=alt.Step(11),
        usermeta={
            "table": _table(
                f"{ind.title}, {period}: every force, highest first",
                _force_columns(ind),
                _force_rows(ind, frame),
                notes,
            )
        },
    )
    return cast(alt.LayerChart, chart)


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
    lines = pd.concat(
        [
            frame.assign(series=name)[["period", "series", "value"]],
            frame.assign(series=EW, value=frame.ew_value)[["period", "series", "value"]],
            frame.assign(series=PEERS, value=frame.peer_value)[["period", "series", "value"]],
        ]
        + (
            [
                frame.assign(series=named, value=frame.comparator_value)[
                    ["period", "series", "value"]
                ]
            ]
            if comparator
            else []
        )
    ).dropna(subset=["value"])
    series = [name, EW, PEERS] + ([named] if comparator else [])
    colours = [FORCE_COLOUR, EW_COLOUR, PEER_COLOUR, COMPARATOR_COLOUR][: len(series)]
    fmt = axis_format(ind.unit)
    x = alt.X(
        "period:O",
        sort=order,
        title=None,
        axis=alt.Axis(labelAngle=-45, labelOverlap="greedy", labelLimit=LABEL_LIMIT),
    )
    if period_type == "rolling_12_months":
        # placed in time by their last month: published rolling years can be a year apart at
        # first and a quarter apart later, which equal steps would hide
        ends = {p: _rolling_end(p) for p in order}
        frame = frame.assign(end=frame.period.map(ends))
        lines = lines.assign(end=lines.period.map(ends))
        x = alt.X("end:T", title=None, axis=alt.Axis(format="%Y", tickCount=TICKS))
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


def _rolling_end(label: str) -> pd.Timestamp:
    """The last day of a rolling 12 months ('12 months to 2016-06' -> 2016-06-30)."""
    return pd.Timestamp(label.removeprefix(ROLLING_PREFIX) + "-01") + pd.offsets.MonthEnd(0)


#: the charts of an indicator, by name, in the order shown
CHART_KINDS = ("funnel", "bars", "trend")


def indicator_charts(
    wh: Warehouse,
    indicator_id: str,
    period: str,
    force_code: str,
    period_type: str,
    kinds: tuple[str, ...] = CHART_KINDS,
    *,
    until: str | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """An indicator's funnel, its forces ranked with the force's peers marked, and the force's
    trend to the period ``until`` when given (those of ``kinds``), as (heading, Vega-Lite spec);
    a chart the data cannot draw is left out, with a note in the log."""
    makers: dict[str, tuple[str, Callable[[], alt.TopLevelMixin]]] = {
        "funnel": ("Funnel plot", lambda: funnel_chart(wh, indicator_id, period, force_code)),
        "bars": (
            "Every force in order",
            lambda: ranked_bar_chart(wh, indicator_id, period, force_code),
        ),
        "trend": (
            "Trend",
            lambda: trend_chart(wh, indicator_id, force_code, period_type, until=until),
        ),
    }
    drawn = []
    for kind in kinds:
        heading, make = makers[kind]
        try:
            drawn.append((heading, make().to_dict()))
        except OpenPeelError as exc:
            log.info("%s of %s left out: %s", heading.lower(), indicator_id, exc)
    return drawn
