"""The funnel plot of an indicator: every force's value against its denominator, with the
England and Wales value (or a comparator's, a `Centre` of ``funnel_centre``) and the 95% and 99.8%
funnel limits around it (the same over-dispersion adjustment as the stored flags).

Like every chart it has a title, a description (the text alternative) and its data table
(``usermeta.table``); a force that a comparison rule of the catalogue leaves out (City of London
for rates per resident) is not drawn, and the rule's footnote says why.
"""

from __future__ import annotations

import math
from typing import Any, Literal, cast

import altair as alt
import numpy as np
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.indicators import comparison, profile
from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.funnel import funnel_flags, funnel_limits
from openpeel.indicators.units import COUNT_AXIS_FORMAT, axis_format, format_value
from openpeel.presentation.chart_parts import (
    EW,
    EW_COLOUR,
    FORCE_COLOUR,
    OTHER_COLOUR,
    WIDTH,
    _axis,
    _compared,
    _comparison_colour,
    _domain,
    _force_code,
    _force_columns,
    _force_row,
    _force_rows,
    _frame,
    _headline,
    _legend,
    _short,
    _table,
    _title,
)
from openpeel.presentation.funnel_centre import CENTRE_NOTE, Centre, centre_words, placed
from openpeel.warehouse.db import Warehouse

__all__ = ["funnel_chart"]

GRID_POINTS = 200


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
    encoding: dict[str, Any] = {
        "x": x,
        "y": y,
        "color": _comparison_colour(points.comparison, centre.label),
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
