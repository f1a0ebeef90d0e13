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
    rows.sort(key=lambda r: (r.force_name, -r.strength, r.theme, r.indicator_id))
    return rows
