"""The forces in order of an indicator's value with their 95% intervals, one force and its peer
group marked and England and Wales a dashed line. A force that a comparison rule of the
catalogue leaves out is not drawn, and the rule's footnote says why."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.peers import peer_group
from openpeel.indicators.units import axis_format, format_value
from openpeel.presentation.chart_parts import (
    EW,
    EW_COLOUR,
    FORCE_COLOUR,
    LABEL_LIMIT,
    OTHER_COLOUR,
    PEER_COLOUR,
    PEERS,
    _axis,
    _compared,
    _domain,
    _force_code,
    _force_columns,
    _force_row,
    _force_rows,
    _frame,
    _headline,
    _legend,
    _num,
    _ranked,
    _short,
    _table,
    _title,
)
from openpeel.warehouse.db import Warehouse

__all__ = ["ranked_bar_chart"]


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
    return _ranked(
        layers,
        _title(ind.title, f"{period}: {row.force_name} and its peer group"),
        description,
        _table(
            f"{ind.title}, {period}: every force, highest first",
            _force_columns(ind),
            _force_rows(ind, frame),
            notes,
        ),
    )
