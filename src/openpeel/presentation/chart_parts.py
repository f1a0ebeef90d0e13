"""The parts every chart of ``presentation`` shares: the words and colours of the marks, the
chart's width, its title, quantitative axes and their ranges, legends, and its data table; and
those the charts of an indicator across the forces share (`funnel_chart`, `ranked_bar_chart`,
`trend_chart`): its values in one period with the forces a comparison rule leaves out, the
headline that says a force's value in words, and the table of every force.

The chart modules (`funnel_chart`, `ranked_bar_chart`, `trend_chart`, `fan_chart`,
`key_indicators_chart`, `indicator_charts`, `spc_chart`) draw with these, so that a chart looks
and reads the same wherever it is drawn. The names that start with ``_`` are for those modules
only, not for the layers above.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.indicators import comparison, profile
from openpeel.indicators.api import values
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.periods import ROLLING_PREFIX
from openpeel.indicators.units import column, format_cell, format_cell_interval, format_value
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

EW = "England and Wales"
PEERS = "Peer group mean"
#: marks: the chosen force, its peers, the other forces
FORCE_COLOUR, PEER_COLOUR, OTHER_COLOUR, EW_COLOUR = "#d95f02", "#1b9e77", "#b0b0b0", "#333333"
#: a comparator other than England and Wales (its line on a trend)
COMPARATOR_COLOUR = "#4c2c92"
#: each comparison class's colour, as on the rug and the spine (web/static/openpeel.css)
COMPARISON_COLOURS: dict[str, str] = {
    profile.BETTER: "#00703c",
    profile.SIMILAR: "#ffdd00",
    profile.WORSE: "#d4351c",
    profile.HIGHER: "#003078",
    profile.LOWER: "#5694ca",
    profile.NOT_COMPARED: "#b1b4b6",
}
WIDTH = 520
#: at most this many ticks on a quantitative axis, so that their labels never meet
TICKS = 5
#: the share of an axis's span left empty beyond the data, each side
PAD = 0.06
#: legends and axis labels are never cut (0: no limit)
LABEL_LIMIT = 0

#: the periods of each type, in a chart's subtitle
PERIOD_TYPE_WORDS = {
    "month": "months",
    "quarter": "quarters",
    "financial_year": "financial years",
    "year": "years",
    "rolling_12_months": "rolling 12 months",
}


def _short(code: str) -> str:
    """A force's short name ('Hampshire'), for legends and axis labels that must fit."""
    try:
        return forces().resolve(code).short_name
    except OpenPeelError:
        return code


def _num(x: object) -> float | None:
    if x is None or x is pd.NA:
        return None
    f = float(x)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


#: a title or subtitle longer than this many characters is wrapped onto more lines
TITLE_CHARACTERS = 48


def _lines(text: str) -> str | list[str]:
    """A title as lines that fit the chart's width (Vega-Lite draws a list as lines)."""
    lines = textwrap.wrap(text, TITLE_CHARACTERS)
    return lines if len(lines) > 1 else text


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    if subtitle is None:
        return alt.TitleParams(_lines(text), anchor="start", limit=0)
    return alt.TitleParams(_lines(text), subtitle=_lines(subtitle), anchor="start", limit=0)


def _domain(*arrays: Any, low: float | None = None, high: float | None = None) -> list[float]:
    """The range of the values drawn, padded each side, kept within [low, high]."""
    found = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    found = found[np.isfinite(found)]
    if not len(found):
        return [0.0, 1.0]
    lo, hi = float(found.min()), float(found.max())
    pad = (hi - lo) * PAD or abs(hi) * PAD or 1.0
    lo, hi = lo - pad, hi + pad
    if low is not None:
        lo = max(lo, low)
    if high is not None:
        hi = min(hi, high)
    return [lo, hi]


def _axis(fmt: str, title: str | None = None) -> alt.Axis:
    """A quantitative axis with few ticks whose labels never overlap."""
    return alt.Axis(
        format=fmt, tickCount=TICKS, labelOverlap="greedy", labelLimit=LABEL_LIMIT, title=title
    )


def _legend(title: str | None = None) -> alt.Legend:
    return alt.Legend(orient="bottom", direction="horizontal", labelLimit=LABEL_LIMIT, title=title)


def _comparison_colour(classes: Iterable[str], label: str) -> alt.Color:
    """Marks coloured by their ``comparison`` field, a class of ``profile.CLASSES`` (those of
    ``classes`` in the legend, in that order), compared with the comparator ``label``."""
    present = set(classes)
    domain = [c for c in profile.CLASSES if c in present]
    return alt.Color(
        "comparison:N",
        scale=alt.Scale(domain=domain, range=[COMPARISON_COLOURS[c] for c in domain]),
        legend=alt.Legend(
            orient="bottom",
            direction="horizontal",
            labelLimit=LABEL_LIMIT,
            titleLimit=LABEL_LIMIT,
            title=f"Compared with {label}",
        ),
    )


def _series_lines(frame: pd.DataFrame, columns: list[tuple[str, str]]) -> pd.DataFrame:
    """A trend's lines, long: ``period``, ``series`` and ``value``, one row a period of each
    (series name, column of ``frame``) of ``columns``; a period with no value is left out."""
    pieces = [
        frame.assign(series=name, value=frame[col])[["period", "series", "value"]].dropna(
            subset=["value"]
        )
        for name, col in columns
    ]
    # an empty piece takes no part in the columns' types (pandas warns that it will)
    return pd.concat([p for p in pieces if len(p)] or pieces[:1])


def _table(
    caption: str, columns: list[str], rows: list[list[str]], notes: list[str] | None = None
) -> dict[str, Any]:
    """A chart's data table, as text: printed after the chart by the report and the web."""
    return {"caption": caption, "columns": columns, "rows": rows, "notes": notes or []}


def _period_axis(order: list[str], period_type: str) -> tuple[alt.X, dict[str, pd.Timestamp]]:
    """A trend's x axis: its periods in order at equal steps; or, for rolling 12 months, in time
    by their last month (the ``end`` column, from the mapping returned), since published rolling
    years can be a year apart at first and a quarter apart later, which equal steps would hide."""
    if period_type == "rolling_12_months":
        ends = {p: _rolling_end(p) for p in order}
        return alt.X("end:T", title=None, axis=alt.Axis(format="%Y", tickCount=TICKS)), ends
    axis = alt.Axis(labelAngle=-45, labelOverlap="greedy", labelLimit=LABEL_LIMIT)
    return alt.X("period:O", sort=order, title=None, axis=axis), {}


def _rolling_end(label: str) -> pd.Timestamp:
    """The last day of a rolling 12 months ('12 months to 2016-06' -> 2016-06-30)."""
    return pd.Timestamp(label.removeprefix(ROLLING_PREFIX) + "-01") + pd.offsets.MonthEnd(0)


def _ranked(
    layers: list[Any], title: alt.TitleParams, description: str, table: dict[str, Any]
) -> alt.LayerChart:
    """Ranked bars' layers as one chart, a row of 11 pixels a force, with its data table."""
    chart = alt.layer(*layers).properties(
        title=title,
        description=description,
        width=WIDTH,
        height=alt.Step(11),
        usermeta={"table": table},
    )
    return cast(alt.LayerChart, chart)


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
        value = str(comparison.wording()["sentence"]["suppressed_value"])
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
