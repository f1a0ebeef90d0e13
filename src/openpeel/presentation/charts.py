"""The charts of an indicator and a force, for the report and the web alike, declared with
Altair (Vega-Lite): `indicator_charts` draws those of `CHART_KINDS` as Vega-Lite specs.

Each has a module of its own: ``funnel_chart`` (every force's value against its denominator,
with the funnel limits), ``ranked_bar_chart`` (the forces in order of value, the force and its
peer group marked) and ``trend_chart`` (the force over the periods). Every chart has a title, a
description (the text alternative) that says in words what it shows, and its data table
(``usermeta.table``: caption, columns, rows as text, and a note), which the report and the web
print after it. Numbers are written by ``indicators.units`` from each unit's declaration; axis
ranges come from the data drawn. The parts every chart shares are in ``chart_parts``;
``rendering`` draws a chart as SVG, PNG or HTML, offline. The other charts have a module each:
``fan_chart``, ``key_indicators_chart``, ``indicator_charts``, ``spc_chart``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import altair as alt

from openpeel.errors import OpenPeelError
from openpeel.presentation.funnel_chart import funnel_chart
from openpeel.presentation.ranked_bar_chart import ranked_bar_chart
from openpeel.presentation.trend_chart import trend_chart
from openpeel.warehouse.db import Warehouse

__all__ = ["CHART_KINDS", "indicator_charts"]

log = logging.getLogger("openpeel.charts")

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
