"""Indicator figures for publications: a force's value with its benchmarks, in numbers and in
words, the period that stands for a PEEL year, the key figures of a report, and its charts."""

from __future__ import annotations

import re
from typing import Any

from openpeel.framework.model import Edition
from openpeel.indicators import comparison
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.periods import sort_key
from openpeel.indicators.units import format_value
from openpeel.presentation.charts import indicator_charts
from openpeel.presentation.rendering import spec_svg, spec_table, spec_title
from openpeel.publishing import narrative
from openpeel.publishing.asof import AsOf
from openpeel.warehouse.db import Warehouse


def indicator_row(
    wh: Warehouse, ind: Indicator, force_code: str, period: str
) -> dict[str, Any] | None:
    rows = wh.records(
        "SELECT * FROM out_indicator_values WHERE indicator_id = ? AND force_code = ? "
        "AND period = ? AND breakdown = 'all'",
        [ind.id, force_code, period],
    )
    if not rows:
        return None
    row = rows[0]
    row["unit"] = ind.unit
    return row


def _previous_value(wh: Warehouse, ind: Indicator, row: dict[str, Any]) -> float | None:
    if not row.get("previous_period"):
        return None
    before = indicator_row(wh, ind, str(row["force_code"]), str(row["previous_period"]))
    value = before.get("value") if before else None
    return float(value) if value is not None else None


def year_period(wh: Warehouse, ind: Indicator, year: int) -> tuple[str, str] | None:
    """The period that stands for a PEEL year: the latest year-long period starting in or before
    it; else the earliest after it. (period type, period) or None if the indicator has none."""
    for period_type in narrative.report_settings()["period_types"]:
        if period_type not in ind.periods:
            continue
        periods = [
            str(p)
            for (p,) in wh.rows(
                "SELECT DISTINCT period FROM out_indicator_values WHERE indicator_id = ? "
                "AND period_type = ? AND breakdown = 'all' ORDER BY period",
                [ind.id, period_type],
            )
        ]
        if not periods:
            continue
        before = [p for p in periods if start_year(p) <= year]
        return period_type, (before[-1] if before else periods[0])
    return None


def start_year(period: str) -> int:
    """2016 for '2016/17', '2016', '2016-05', '2016/17 Q2' and '12 months to 2016-12'."""
    found = re.search(r"(?<!\d)(\d{4})(?!\d)", period)
    return int(found.group(1)) if found else 0


def figure(wh: Warehouse, ind: Indicator, row: dict[str, Any]) -> dict[str, Any]:
    """An indicator value with its benchmarks, in numbers and in words."""
    value = row.get("value")
    previous = _previous_value(wh, ind, row)
    return {
        "indicator_id": ind.id,
        "title": ind.title,
        "unit": ind.unit,
        "polarity": ind.polarity,
        "period": row["period"],
        "period_type": row["period_type"],
        "definition_version": row["definition_version"],
        "value": None if row.get("is_suppressed") else value,
        "value_text": "suppressed" if row.get("is_suppressed") else format_value(ind.unit, value),
        "ew_text": format_value(ind.unit, row.get("ew_value")),
        "peer_text": format_value(ind.unit, row.get("peer_value")),
        "rank_text": (
            f"{row['rank']} of {row['forces_ranked']}" if row.get("rank") is not None else "-"
        ),
        "comparisons": comparison.comparisons(row, previous),
        "sentence": comparison.indicator_sentence(row, ind.title, previous),
        "source": f"indicator:{ind.id}:{row['period']}:{row['force_code']}",
    }


def charts(
    wh: Warehouse,
    ind: Indicator,
    force_code: str,
    row: dict[str, Any],
    *,
    until: str | None = None,
) -> list[Any]:
    """The indicator's charts a report shows (``report.toml``: ``report_charts``), the trend to
    ``until`` when given (a frozen report draws no period after its as-of date), each as SVG
    with its title, description and data table."""
    kinds = tuple(narrative.report_settings()["report_charts"])
    return [
        chart_dict(spec)
        for _, spec in indicator_charts(
            wh, ind.id, str(row["period"]), force_code, str(row["period_type"]), kinds, until=until
        )
    ]


def chart_dict(spec: dict[str, Any]) -> dict[str, Any]:
    """A chart as a publication holds it: title, description, SVG and data table."""
    return {
        "title": spec_title(spec),
        "description": str(spec.get("description", "")),
        "svg": spec_svg(spec),
        "table": spec_table(spec),
    }


def _periods(wh: Warehouse, ind: Indicator, period_type: str) -> list[str]:
    found = [
        str(p)
        for (p,) in wh.rows(
            "SELECT DISTINCT period FROM out_indicator_values WHERE indicator_id = ? "
            "AND period_type = ? AND breakdown = 'all'",
            [ind.id, period_type],
        )
    ]
    return sorted(found, key=lambda p: sort_key(period_type, p))


def last_knowable(wh: Warehouse, ind: Indicator, period_type: str, asof: AsOf) -> str | None:
    """The latest period of a type whose figures were published by the as-of date."""
    knowable = [p for p in _periods(wh, ind, period_type) if asof.knowable(ind, period_type, p)]
    return knowable[-1] if knowable else None


def knowable_period(wh: Warehouse, ind: Indicator, asof: AsOf) -> tuple[str, str] | None:
    """The latest year-long period published by the as-of date, by the declared order of
    period types; None when none was."""
    for period_type in narrative.report_settings()["period_types"]:
        if period_type not in ind.periods:
            continue
        last = last_knowable(wh, ind, period_type, asof)
        if last is not None:
            return period_type, last
    return None


def key_figures(wh: Warehouse, force_code: str, year: int) -> list[dict[str, Any]]:
    """The key figures for a PEEL year on the live force page (the latest data, not frozen)."""
    catalogue = load_catalogue()
    out = []
    for iid in narrative.report_settings()["key_indicators"]:
        ind = catalogue.indicator(iid)
        chosen = year_period(wh, ind, year)
        row = indicator_row(wh, ind, force_code, chosen[1]) if chosen else None
        if row is None:
            continue
        shown = figure(wh, ind, row)
        shown["after_assessment"] = start_year(str(row["period"])) > year
        out.append(shown)
    return out


def report_figures(
    wh: Warehouse, force_code: str, ed: Edition, asof: AsOf
) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[dict[str, Any]]]:
    """The force in numbers, as of the as-of date: the figures knowable then, the key
    indicators with none (each with why), and, for a retrospective edition, the figures for the
    PEEL year published afterwards."""
    catalogue = load_catalogue()
    words = narrative.wording()["asof"]
    shown, missing, afterwards = [], [], []
    day = f"{asof.on.day} {asof.on:%B %Y}"
    for iid in narrative.report_settings()["key_indicators"]:
        ind = catalogue.indicator(iid)
        chosen = knowable_period(wh, ind, asof)
        row = indicator_row(wh, ind, force_code, chosen[1]) if chosen else None
        if row is not None:
            shown.append(figure(wh, ind, row))
        else:
            missing.append(
                {
                    "indicator_id": iid,
                    "title": ind.title,
                    "text": str(words["missing_none"]).format(title=ind.title, as_of=day),
                }
            )
        if asof.retrospective:
            later = year_period(wh, ind, ed.peel_years[0])
            if later and (chosen is None or later[1] != chosen[1]):
                later_row = indicator_row(wh, ind, force_code, later[1])
                if later_row is not None:
                    afterwards.append(figure(wh, ind, later_row))
    return shown, missing, afterwards
