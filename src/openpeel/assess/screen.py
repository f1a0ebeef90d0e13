"""The risk screen ("where to look"): for every force and PEEL theme, the indicator evidence that
is significantly worse than England and Wales or deteriorating, strongest first.

It reads the latest period of each indicator and period type (months left out: too noisy for a
screen) from ``out_indicator_values``, whole-force rows only, and keeps the rows with a signal
that points to worse performance (``signals.concerns``), by the indicator's polarity.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.signals import concerns
from openpeel.warehouse.db import Warehouse


@dataclass
class ScreenRow:
    force_code: str
    force_name: str
    theme: str
    indicator_id: str
    period: str
    value: float
    ew_value: float | None
    signal: str
    strength: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def screen(wh: Warehouse, force_code: str | None = None) -> list[ScreenRow]:
    catalogue = load_catalogue()
    sql = """
        WITH latest AS (
            SELECT indicator_id, period_type, max(period) AS period
            FROM out_indicator_values
            WHERE breakdown = 'all' AND period_type <> 'month' AND NOT is_suppressed
            GROUP BY ALL)
        SELECT v.*, f.name AS force_name
        FROM out_indicator_values v JOIN latest USING (indicator_id, period_type, period)
        JOIN ref_force f USING (force_code)
        WHERE v.breakdown = 'all'""" + (" AND v.force_code = ?" if force_code else "")
    rows: list[ScreenRow] = []
    for record in wh.records(sql, [force_code] if force_code else []):
        indicator = catalogue.indicators.get(str(record["indicator_id"]))
        if indicator is None:
            continue
        for signal in concerns(record, indicator.polarity):
            for theme in indicator.questions:
                rows.append(
                    ScreenRow(
                        force_code=str(record["force_code"]),
                        force_name=str(record["force_name"]),
                        theme=theme,
                        indicator_id=indicator.id,
                        period=str(record["period"]),
                        value=float(record["value"]),
                        ew_value=record["ew_value"],
                        signal=signal.text,
                        strength=signal.strength,
                    )
                )
    rows += _demand_flags(wh, force_code)
    rows.sort(key=lambda r: (r.force_name, -r.strength, r.theme, r.indicator_id))
    return rows


#: the theme emerging demand speaks to, and how strongly each flag counts
DEMAND_THEME = "efficiency/understanding-demand"
DEMAND_STRENGTH = {"above forecast": 2, "rising": 1}


def _demand_flags(wh: Warehouse, force_code: str | None) -> list[ScreenRow]:
    """Emerging demand from the forecasts (``openpeel forecast``), where they have been made."""
    sql = """
        SELECT g.*, f.name AS force_name,
               (SELECT y.mean FROM out_forecasts y WHERE y.source = g.source
                AND y.force_code = g.force_code AND y.category = g.category AND y.step = 1)
               AS next_forecast
        FROM out_forecast_flags g JOIN ref_force f USING (force_code)""" + (
        " WHERE g.force_code = ?" if force_code else ""
    )
    return [
        ScreenRow(
            force_code=str(r["force_code"]),
            force_name=str(r["force_name"]),
            theme=DEMAND_THEME,
            indicator_id=f"forecast:{r['source']}:{r['category']}",
            period=str(r["period"]),
            value=float(r["next_forecast"] or 0.0),
            ew_value=None,
            signal=f"emerging demand, {r['category']}: {r['detail']}",
            strength=DEMAND_STRENGTH.get(str(r["flag"]), 1),
        )
        for r in wh.records(sql, [force_code] if force_code else [])
    ]
