"""Charts of one indicator, declared with Altair (Vega-Lite) and rendered offline by vl-convert.

* `funnel_chart`: every force's value against its denominator, with the England and Wales value
  and the 95% and 99.8% funnel limits (the same over-dispersion adjustment as the stored flags);
* `ranked_bar_chart`: the forces in order of value with their 95% intervals, one force and its
  peer group marked;
* `trend_chart`: one force over the periods with its interval, England and Wales and its peers.

Every chart has a title and a description (the text alternative) that says in words what it
shows. `save_chart` writes SVG, PNG or self-contained HTML (the JavaScript inlined) with no
network access.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, cast

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc

from openpeel.errors import OpenPeelError
from openpeel.indicators.api import values
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.funnel import funnel_flags, funnel_limits
from openpeel.indicators.peers import peer_group
from openpeel.indicators.periods import ROLLING_PREFIX, sort_key
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.charts")

EW = "England and Wales"
PEERS = "Peer group mean"
#: marks: the chosen force, its peers, the other forces
FORCE_COLOUR, PEER_COLOUR, OTHER_COLOUR, EW_COLOUR = "#d95f02", "#1b9e77", "#b0b0b0", "#333333"
GRID_POINTS = 200
WIDTH = 560


def format_value(unit: str, value: float | None) -> str:
    """A value as a reader would write it: 17.6%, 45.2 per 1,000, 1.85."""
    if value is None or not math.isfinite(value):
        return "no value"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "per_1000":
        return f"{value:,.1f} per 1,000"
    return f"{value:,.2f}"


def _axis_format(unit: str) -> str:
    return ".0%" if unit == "share" else ",.1f" if unit == "per_1000" else ",.2f"


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


def _num(x: object) -> float | None:
    if x is None or x is pd.NA:
        return None
    f = float(x)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame.is_suppressed.astype(bool) & frame.value.notna()].copy()


def _title(ind: Indicator, subtitle: str) -> alt.TitleParams:
    return alt.TitleParams(ind.title, subtitle=subtitle, anchor="start")


def _headline(ind: Indicator, row: pd.Series, period: str) -> str:
    """'Hampshire Constabulary: 9.6% in 2017/18, England and Wales 10.0%'."""
    value = format_value(ind.unit, _num(row.value))
    if bool(row.is_suppressed):
        value = "suppressed (too few cases)"
    return (
        f"{row.force_name}: {value} in {period}, {EW} {format_value(ind.unit, _num(row.ew_value))}"
    )


def funnel_chart(
    wh: Warehouse,
    indicator_id: str,
    period: str | None = None,
    force: str | None = None,
    breakdown: str = "all",
    *,
    breakdown_value: str | None = None,
) -> alt.LayerChart:
    """Each force's value against its denominator, with the E&W value and the funnel limits.

    The limits are `funnel_limits` around the E&W value over a grid of denominators, with the
    tau2 that `funnel_flags` applied to the stored flags (non-zero only when over-dispersed).
    Shares use the proportion scale; rates per 1,000 the rate scale per person.
    """
    ind = load_catalogue().indicator(indicator_id)
    if ind.unit not in ("share", "per_1000"):
        raise OpenPeelError(
            f"{indicator_id} is a {ind.unit}: funnel plots need a share or a rate per 1,000"
        )
    frame = _frame(wh, indicator_id, period, breakdown, breakdown_value)
    period = str(frame.period.iloc[0])
    shown = _shown(frame)
    if len(shown) < 3:
        raise OpenPeelError(f"too few forces with a value of {indicator_id} in {period}")
    scale = 1.0 if ind.unit == "share" else 1000.0
    kind: Literal["proportion", "rate"] = "proportion" if ind.unit == "share" else "rate"
    ew = float(shown.ew_value.iloc[0])
    num, den = shown.numerator.to_numpy(float), shown.denominator.to_numpy(float)
    result = funnel_flags(num / den, den, ew / scale, kind)
    grid = np.geomspace(max(1.0, den.min() * 0.8), den.max() * 1.2, GRID_POINTS)
    limits = funnel_limits(ew / scale, grid, kind, tau2=result.tau2_applied)
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
    code = _force_code(force) if force else None
    shown["group"] = np.where(shown.force_code == code, "force", "other")
    fmt = _axis_format(ind.unit)
    x = alt.X("denominator:Q", scale=alt.Scale(type="log"), title=ind.denominator_words)
    y = alt.Y("value:Q", axis=alt.Axis(format=fmt), title=ind.title)
    tooltip = [
        alt.Tooltip("force_name:N", title="Force"),
        alt.Tooltip("value:Q", format=fmt),
        alt.Tooltip("denominator:Q", format=",.0f"),
    ]
    layers: list[alt.Chart] = [
        alt.Chart(lines)
        .mark_line(strokeWidth=1)
        .encode(
            x=x,
            y=y,
            detail="side:N",
            strokeDash=alt.StrokeDash(
                "limit:N", scale=alt.Scale(range=[[4, 3], [1, 0]]), title="Funnel limits"
            ),
            color=alt.value("#666666"),
        ),
        alt.Chart(pd.DataFrame({"value": [ew], "label": [EW]}))
        .mark_rule(color=EW_COLOUR, strokeWidth=1.5)
        .encode(y="value:Q"),
        alt.Chart(shown[shown.group == "other"])
        .mark_circle(size=40, color=OTHER_COLOUR, opacity=0.9)
        .encode(x=x, y=y, tooltip=tooltip),
    ]
    od = result.overdispersion
    adjusted = " (limits widened for over-dispersion)" if result.tau2_applied > 0 else ""
    description = (
        f"Funnel plot of {ind.title.lower()} in {period} for {len(shown)} forces against "
        f"{ind.denominator_words}; {EW} {format_value(ind.unit, ew)}{adjusted}."
    )
    if code is not None:
        row = _force_row(frame, code)
        mine = shown[shown.group == "force"]
        layers += [
            alt.Chart(mine)
            .mark_circle(size=110, color=FORCE_COLOUR)
            .encode(x=x, y=y, tooltip=tooltip),
            alt.Chart(mine)
            .mark_text(align="left", dx=8, dy=-8, fontWeight="bold", color=FORCE_COLOUR)
            .encode(x=x, y=y, text="force_name:N"),
        ]
        where = _funnel_words(_num(row.funnel_95), _num(row.funnel_998))
        description = f"{_headline(ind, row, period)}; {where}. " + description
    subtitle = f"{period}; dispersion ratio {od.phi:.1f}{adjusted}"
    chart = (
        alt.layer(*layers)
        .properties(title=_title(ind, subtitle), description=description, width=WIDTH, height=360)
        .configure_legend(orient="bottom")
    )
    return cast(alt.LayerChart, chart)


def _funnel_words(f95: float | None, f998: float | None) -> str:
    for level, flag in (("99.8%", f998), ("95%", f95)):
        if flag:
            return f"{'above' if flag > 0 else 'below'} the {level} limit"
    return "within the 95% limits" if f95 is not None else "not placed on the funnel"


def ranked_bar_chart(
    wh: Warehouse,
    indicator_id: str,
    period: str | None,
    force: str,
    breakdown: str = "all",
    *,
    breakdown_value: str | None = None,
) -> alt.LayerChart:
    """The forces in order of value with 95% intervals; the force and its peers coloured."""
    ind = load_catalogue().indicator(indicator_id)
    frame = _frame(wh, indicator_id, period, breakdown, breakdown_value)
    period = str(frame.period.iloc[0])
    code = _force_code(force)
    row = _force_row(frame, code)
    peers = set(peer_group(code))
    shown = _shown(frame)
    shown["group"] = np.select(
        [shown.force_code == code, shown.force_code.isin(peers)],
        [str(row.force_name), "Peer group"],
        "Other forces",
    )
    fmt = _axis_format(ind.unit)
    order = list(shown.sort_values("value", ascending=False).force_name)
    y = alt.Y("force_name:N", sort=order, title=None)
    colour = alt.Color(
        "group:N",
        scale=alt.Scale(
            domain=[str(row.force_name), "Peer group", "Other forces"],
            range=[FORCE_COLOUR, PEER_COLOUR, OTHER_COLOUR],
        ),
        title=None,
    )
    base = alt.Chart(shown)
    layers = [
        base.mark_bar().encode(
            x=alt.X("value:Q", axis=alt.Axis(format=fmt), title=ind.title),
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
        alt.Chart(pd.DataFrame({"value": [_num(row.ew_value)]}))
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
    chart = alt.layer(*layers).properties(
        title=_title(ind, f"{period}: {row.force_name} and its peer group"),
        description=description,
        width=WIDTH,
        height=alt.Step(14),
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
) -> alt.LayerChart:
    """One force's value over the periods of one type with its interval, E&W and its peers
    (to the period ``until``, when given)."""
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
    name = str(frame.force_name.iloc[0])
    lines = pd.concat(
        [
            frame.assign(series=name)[["period", "series", "value"]],
            frame.assign(series=EW, value=frame.ew_value)[["period", "series", "value"]],
            frame.assign(series=PEERS, value=frame.peer_value)[["period", "series", "value"]],
        ]
    ).dropna(subset=["value"])
    fmt = _axis_format(ind.unit)
    x = alt.X("period:O", sort=order, title=None, axis=alt.Axis(labelAngle=-45))
    if period_type == "rolling_12_months":
        # placed in time by their last month: published rolling years can be a year apart at
        # first and a quarter apart later, which equal steps would hide
        ends = {p: _rolling_end(p) for p in order}
        frame = frame.assign(end=frame.period.map(ends))
        lines = lines.assign(end=lines.period.map(ends))
        x = alt.X("end:T", title=None, axis=alt.Axis(format="%Y"))
    layers = [
        alt.Chart(frame.dropna(subset=["lower", "upper"]))
        .mark_area(opacity=0.2, color=FORCE_COLOUR)
        .encode(x=x, y="lower:Q", y2="upper:Q"),
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", axis=alt.Axis(format=fmt), title=ind.title),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(
                    domain=[name, EW, PEERS], range=[FORCE_COLOUR, EW_COLOUR, PEER_COLOUR]
                ),
                title=None,
            ),
            tooltip=["series:N", "period:N", alt.Tooltip("value:Q", format=fmt)],
        ),
    ]
    last = frame.iloc[-1]
    first = frame.iloc[0]
    description = (
        f"{_headline(ind, last, str(last.period))}; "
        f"{PEERS.lower()} {format_value(ind.unit, _num(last.peer_value))}. "
        f"{len(frame)} periods from {first.period} "
        f"({format_value(ind.unit, _num(first.value))}) to {last.period}; the band is the "
        "95% interval."
    )
    chart = (
        alt.layer(*layers)
        .properties(
            title=_title(ind, f"{name}, {PERIOD_TYPE_WORDS.get(period_type, period_type)}"),
            description=description,
            width=WIDTH,
            height=320,
        )
        .configure_legend(orient="bottom")
    )
    return cast(alt.LayerChart, chart)


#: the periods of each type, in a chart's subtitle
PERIOD_TYPE_WORDS = {
    "month": "months",
    "quarter": "quarters",
    "financial_year": "financial years",
    "year": "years",
    "rolling_12_months": "rolling 12 months",
}


def _rolling_end(label: str) -> pd.Timestamp:
    """The last day of a rolling 12 months ('12 months to 2016-06' -> 2016-06-30)."""
    return pd.Timestamp(label.removeprefix(ROLLING_PREFIX) + "-01") + pd.offsets.MonthEnd(0)


def _vl_version() -> str | None:
    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


def _with_text_alternative(svg: str, spec: dict[str, Any]) -> str:
    """The SVG with the chart's title and description as its <title> and <desc> (read aloud)."""
    title = spec.get("title", "")
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    alt_text = (
        f"<title>{html.escape(str(text))}</title>"
        f"<desc>{html.escape(str(spec.get('description', '')))}</desc>"
    )
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[:start] + alt_text + svg[start:]


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """``chart`` rendered offline as SVG text, its title and description as <title> and <desc>."""
    return spec_svg(chart.to_dict())


def spec_svg(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec (``chart.to_dict()``) rendered offline as SVG with its text alternative."""
    return _with_text_alternative(vlc.vegalite_to_svg(spec, vl_version=_vl_version()), spec)


def save_chart(chart: alt.TopLevelMixin, path: Path) -> Path:
    """Write ``chart`` as .svg, .png or self-contained .html (JavaScript inlined), offline."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(chart_svg(chart), encoding="utf-8")
        return path
    spec = chart.to_dict()
    version = _vl_version()
    if suffix == ".png":
        path.write_bytes(vlc.vegalite_to_png(spec, vl_version=version, scale=2))
    elif suffix == ".html":
        html = vlc.vegalite_to_html(spec, vl_version=version, bundle=True)
        path.write_text(html, encoding="utf-8")
    else:
        raise OpenPeelError(f"cannot write a chart to {path.name}", hint="use .svg, .png or .html")
    return path


def key_indicators_chart(force_name: str, rows: list[dict[str, Any]]) -> alt.LayerChart:
    """A force's key indicators and its peer group's, each as an index of England and Wales
    (= 100), so that figures in different units share one axis. ``rows`` hold ``title``,
    ``period``, ``unit``, ``value``, ``ew_value`` and ``peer_value``."""
    points = []
    for r in rows:
        ew = _num(r.get("ew_value"))
        if not ew:
            continue
        for series, key in ((force_name, "value"), (PEERS, "peer_value")):
            value = _num(r.get(key))
            if value is None:
                continue
            points.append(
                {
                    "indicator": str(r["title"]),
                    "series": series,
                    "index": round(100 * value / ew, 1),
                    "value": format_value(str(r["unit"]), value),
                    "ew": format_value(str(r["unit"]), ew),
                    "period": str(r["period"]),
                }
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
        title=None,
        legend=alt.Legend(orient="top"),
    )
    dots = (
        alt.Chart(frame)
        .mark_point(filled=True, size=110)
        .encode(
            x=alt.X("index:Q", title=f"{EW} = 100", scale=alt.Scale(zero=False)),
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
        title=alt.TitleParams(f"{force_name} against {EW} and its peer group", anchor="start"),
        description=description,
        width=WIDTH,
        height=alt.Step(26),
    )
    return cast(alt.LayerChart, chart)


def fan_chart(
    history: pd.DataFrame, forecast: pd.DataFrame, title: str, unit: str
) -> alt.LayerChart:
    """A series and its forecast as a fan: the 95% and 80% intervals shaded, the point forecast
    dashed. ``history`` has ``period`` and ``y``; ``forecast`` has ``period``, ``mean``,
    ``lo_80``, ``hi_80``, ``lo_95`` and ``hi_95``."""
    if history.empty or forecast.empty:
        raise OpenPeelError(f"nothing to draw for {title}")
    x = alt.X("period:T", title=None)
    y_title = unit.capitalize()
    base = alt.Chart(forecast)
    layers = [
        base.mark_area(opacity=0.18, color=FORCE_COLOUR).encode(
            x=x, y=alt.Y("lo_95:Q", title=y_title), y2="hi_95:Q"
        ),
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
    chart = alt.layer(*layers).properties(
        title=alt.TitleParams(title, anchor="start"),
        description=description,
        width=WIDTH,
        height=220,
    )
    return cast(alt.LayerChart, chart)


def indicator_charts(
    wh: Warehouse,
    indicator_id: str,
    period: str,
    force_code: str,
    period_type: str,
    *,
    until: str | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """An indicator's funnel, its forces ranked with the force's peers marked, and the force's
    trend (to the period ``until``, when given), as (heading, Vega-Lite spec); a chart the data
    cannot draw is left out, with a note in the log."""
    makers: list[tuple[str, Callable[[], alt.TopLevelMixin]]] = [
        ("Funnel plot", lambda: funnel_chart(wh, indicator_id, period, force_code)),
        ("Every force in order", lambda: ranked_bar_chart(wh, indicator_id, period, force_code)),
        ("Trend", lambda: trend_chart(wh, indicator_id, force_code, period_type, until=until)),
    ]
    drawn = []
    for heading, make in makers:
        try:
            drawn.append((heading, make().to_dict()))
        except OpenPeelError as exc:
            log.info("%s of %s left out: %s", heading.lower(), indicator_id, exc)
    return drawn


def spec_title(spec: dict[str, Any]) -> str:
    title = spec.get("title", "")
    return str(title.get("text", "")) if isinstance(title, dict) else str(title)
