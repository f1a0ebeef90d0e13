"""The indicators list and an indicator's page: their contexts, rendered as HTML and as JSON.

The list groups the indicators by PEEL pillar, each with its latest period shown, its unit and
its plain one-line definition. The page says the definition in plain words first, then the
technical one and the caveats; its charts are drawn on arrival (every force ranked with 95%
intervals, the funnel, a map of the force areas, the England and Wales trend), the chosen force
highlighted in each once one is picked; its table gives every force's value, 95% interval and
comparison with England and Wales. A comparator chosen (``?compare=``) is followed by every
chart: the colours, the funnel's centre and limits, and its own series on the trend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import altair as alt
from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess.models import Assessment
from openpeel.errors import OpenPeelError
from openpeel.framework.model import load_framework
from openpeel.indicators import comparators, profile
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.docs import POLARITY_WORDS
from openpeel.indicators.units import column, format_cell_interval, format_value
from openpeel.reference import forces
from openpeel.reference.forces import Force
from openpeel.warehouse.db import Warehouse
from openpeel.web.comparing import choosable
from openpeel.web.contexts.forces import find_force, number_or_none
from openpeel.web.errors import NotFound

log = logging.getLogger("openpeel.web.contexts.indicators")

#: the comparison classes in the map's legend, in this order
MAP_ORDER = tuple(profile.CLASSES)


def _pillar(question: str) -> str:
    return question.split("/", 1)[0]


def indicator_list(wh: Warehouse) -> dict[str, Any]:
    """Every indicator of the catalogue, with its latest period shown (None where not computed),
    its unit and its plain definition; and the same rows grouped by pillar, in the framework's
    order (an indicator informing two pillars is listed under both)."""
    catalogue = load_catalogue()
    shown = profile.headline_periods(wh) if _computed_any(wh) else {}
    rows: list[dict[str, Any]] = [
        {
            "id": i.id,
            "title": i.title,
            "unit": i.unit,
            "unit_words": catalogue.unit(i.unit).words,
            "plain": i.plain,
            "computed": i.id in shown,
            "latest_period": shown[i.id].period if i.id in shown else None,
            "pillars": list(dict.fromkeys(_pillar(q) for q in i.questions)),
        }
        for i in catalogue.indicators.values()
    ]
    order = list(dict.fromkeys(_pillar(t) for t in load_framework().themes))
    order += sorted({p for r in rows for p in r["pillars"]} - set(order))
    groups = [
        {"pillar": p, "indicators": [r for r in rows if p in r["pillars"]]}
        for p in order
        if any(p in r["pillars"] for r in rows)
    ]
    return {"title": "Indicators", "indicators": rows, "pillars": groups}


def _computed_any(wh: Warehouse) -> bool:
    return bool(wh.rows("SELECT 1 FROM out_indicator_values LIMIT 1"))


def _row(
    ind: Indicator, r: dict[Any, Any], benchmark: float | None, benchmark_label: str
) -> dict[str, Any]:
    suppressed = bool(r["is_suppressed"])
    value = None if suppressed else number_or_none(r["value"])
    lower, upper = number_or_none(r["lower"]), number_or_none(r["upper"])
    comparison, reason = comparators.classify(
        value, lower, upper, benchmark, suppressed, ind.polarity, benchmark_label
    )
    rank = number_or_none(r["rank"])
    return {
        "code": r["force_code"],
        "name": r["force_name"],
        "value": value,
        "value_text": format_value(ind.unit, value),
        "lower": lower,
        "upper": upper,
        "interval_text": format_cell_interval(ind.unit, lower, upper) if value is not None else "",
        "rank": None if rank is None else int(rank),
        "flags": r["flags"],
        "comparison": comparison,
        "not_compared_reason": reason,
    }


def indicator_page(
    wh: Warehouse,
    indicator_id: str,
    period: str | None = None,
    force: str | None = None,
    compare: str | None = None,
    compare_forces: str | None = None,
) -> dict[str, Any]:
    """An indicator for every force in a period: its definitions, every force's value with its
    95% interval, rank, funnel flags and comparison with the comparator chosen (England and
    Wales unless ``compare`` says otherwise; ``comparators.parse``), its periods, and its
    charts (the chosen force, when given, highlighted)."""
    from openpeel.indicators.api import periods, values

    catalogue = load_catalogue()
    try:
        ind = catalogue.indicator(indicator_id)
    except OpenPeelError as exc:
        raise NotFound(f"no indicator {indicator_id!r}", hint="see /indicators") from exc
    choice = comparators.parse(compare, compare_forces)
    chosen = find_force(force) if force else None
    code = chosen.code if chosen else None
    frame = values(wh, ind.id, period=period)
    period = str(frame.period.iloc[0])
    period_type = str(frame.period_type.iloc[0])
    records = frame.to_dict("records")
    benchmark = comparators.value(choice, ind.unit, comparators.stored_rows(records), code)
    benchmark_label = comparators.label(choice, code)
    rows = [_row(ind, r, benchmark, benchmark_label) for r in records]
    ew = number_or_none(frame.iloc[0]["ew_value"])
    query = choice.query()
    series = comparators.series(wh, choice, ind.id, ind.unit, period_type, code)
    members = _members(choice, code)
    return {
        "title": ind.title,
        "indicator": {
            "id": ind.id,
            "title": ind.title,
            "unit": ind.unit,
            "unit_words": catalogue.unit(ind.unit).words,
            "plain": ind.plain,
            "description": ind.description,
            "polarity": POLARITY_WORDS[ind.polarity],
            "numerator": ind.numerator_words,
            "denominator": ind.denominator_words,
            "caveats": list(ind.caveats),
            "interval_heading": column(ind.unit, "95% interval"),
        },
        "period": period,
        "period_type": period_type,
        "periods": [p["period"] for p in periods(wh, ind.id)],
        "force": chosen.policeuk_slug if chosen else None,
        "force_code": chosen.code if chosen else None,
        "ew_value": ew,
        "ew_text": format_value(ind.unit, ew),
        "comparator": {
            "id": choice.comparator.id,
            "label": benchmark_label,
            "description": choice.comparator.description,
            "value": benchmark,
            "value_text": format_value(ind.unit, benchmark),
            "members": [forces().get(c).policeuk_slug for c in members],
            "forces": [forces().get(c).policeuk_slug for c in choice.forces],
            "query": urlencode(query),
            "series": [
                {"period": p, "value": v, "value_text": format_value(ind.unit, v)}
                for p, v in series
            ],
            "choices": [
                {"id": c.id, "label": c.label, "needs_force": c.needs_force}
                for c in comparators.comparators().values()
            ],
        },
        "all_forces": choosable(),
        "forces": rows,
        "charts": _charts(
            wh,
            ind,
            period,
            period_type,
            rows,
            Benchmark(benchmark, benchmark_label, frozenset(members), dict(series)),
            chosen,
        ),
    }


@dataclass(frozen=True)
class Benchmark:
    """The comparator chosen, as the charts need it: its value in the page's period, its name,
    its forces (none for England and Wales) and its value by period."""

    value: float | None
    label: str
    members: frozenset[str]
    series: dict[str, float]


def _members(choice: comparators.Choice, code: str | None) -> tuple[str, ...]:
    return () if choice.comparator.members == "all" else comparators.members(choice, code)


def _charts(
    wh: Warehouse,
    ind: Indicator,
    period: str,
    period_type: str,
    rows: list[dict[str, Any]],
    benchmark: Benchmark,
    chosen: Force | None,
) -> list[dict[str, Any]]:
    """The page's charts as (heading, Vega-Lite spec); one the data cannot draw is left out,
    with a note in the log. Each follows the comparator: the bars and the map are coloured by
    the comparison with it, the funnel is drawn around it, and the trend draws its series
    beside England and Wales's (or the force's)."""
    from openpeel.presentation.chart_parts import EW
    from openpeel.presentation.funnel_centre import Centre
    from openpeel.presentation.funnel_chart import funnel_chart
    from openpeel.presentation.indicator_charts import (
        england_and_wales_trend_chart,
        ranked_comparison_chart,
    )
    from openpeel.presentation.rendering import spec_table, spec_title
    from openpeel.presentation.trend_chart import trend_chart

    code = chosen.code if chosen else None
    label = benchmark.label
    # England and Wales is drawn on every trend already: another comparator is drawn beside it
    series = None if label == EW else (label, benchmark.series)

    def funnel() -> alt.LayerChart:
        if benchmark.value is None:
            raise OpenPeelError(f"{label} has no value of {ind.id} in {period}")
        classes = {str(r["code"]): str(r["comparison"]) for r in rows}
        centre = Centre(benchmark.value, label, classes, benchmark.members)
        return funnel_chart(wh, ind.id, period, code, centre=centre)

    makers: list[tuple[str, Callable[[], alt.TopLevelMixin | dict[str, Any]]]] = [
        (
            "Every force in order",
            lambda: ranked_comparison_chart(
                ind.id, period, rows, benchmark.value, label, chosen=code
            ),
        ),
        (f"Funnel plot around {label}", funnel),
        ("Map of the force areas", lambda: _map(wh, ind, period, rows, code, label)),
        (
            "Trend" if series is None else f"Trend, with {label}",
            lambda: (
                trend_chart(wh, ind.id, code, period_type, until=None, comparator=series)
                if code
                else england_and_wales_trend_chart(wh, ind.id, period_type, series)
            ),
        ),
    ]
    drawn = []
    for heading, make in makers:
        try:
            made = make()
        except OpenPeelError as exc:
            log.info("%s of %s left out: %s", heading.lower(), ind.id, exc)
            continue
        spec = made if isinstance(made, dict) else made.to_dict()
        drawn.append(
            {
                "heading": heading,
                "title": spec_title(spec),
                "description": str(spec.get("description", "")),
                "spec": spec,
                "table": spec_table(spec),
            }
        )
    return drawn


def _map(
    wh: Warehouse,
    ind: Indicator,
    period: str,
    rows: list[dict[str, Any]],
    chosen: str | None,
    benchmark_label: str,
) -> dict[str, Any]:
    """The force areas coloured by their comparison with the comparator."""
    from openpeel.presentation.chart_parts import COMPARISON_COLOURS
    from openpeel.publishing.maps import grade_map

    classes = {str(r["code"]): str(r["comparison"]) for r in rows}
    counts = {c: sum(1 for v in classes.values() if v == c) for c in MAP_ORDER}
    named = next((r["name"] for r in rows if r["code"] == chosen), None)
    description = (
        f"Map of the police force areas of England and Wales coloured by how their "
        f"{ind.title.lower()} in {period} compares with {benchmark_label}: "
        + "; ".join(f"{n} {c}" for c, n in counts.items() if n)
        + "."
        + (f" {named}: {classes[str(chosen)]} (outlined)." if named else "")
        + " The table below gives every force's value and comparison."
    )
    chart = grade_map(
        wh,
        classes,
        [c for c in MAP_ORDER if counts[c]],
        f"{ind.title}, {period}",
        description,
        colours=COMPARISON_COLOURS,
        legend=f"Compared with {benchmark_label}",
        highlight=chosen,
    )
    return chart.to_dict()


def attachable(session: Session, force_code: str) -> list[dict[str, Any]]:
    """A force's assessments and their questions, to attach evidence to (inspectors only)."""
    out = []
    for a in session.scalars(
        select(Assessment)
        .where(Assessment.force_code == force_code)
        .order_by(Assessment.edition_id.desc())
    ):
        ed = load_framework().edition(a.edition_id)
        out.append(
            {
                "edition": a.edition_id,
                "force": forces().get(force_code).policeuk_slug,
                "questions": [{"id": q.id, "title": q.title} for q in ed.questions],
            }
        )
    return out
