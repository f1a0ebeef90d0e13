"""A force's stored forecasts (``openpeel forecast``), read back once for whoever shows them
(the web page, the report): each chosen model with its backtest against the baseline, its
emerging-demand flags, the values it rests on and its forecast (drawn as a fan chart by
``openpeel.presentation.fan_chart``)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from openpeel.forecast.flags import ABOVE, doubts
from openpeel.forecast.series import SeriesSource, load_sources
from openpeel.warehouse.db import Warehouse


@dataclass
class StoredSeries:
    source: SeriesSource
    category: str
    model: str
    mase: float | None
    baseline_mase: float | None
    smape: float | None
    coverage_95: float | None
    last_period: date | None
    history: pd.DataFrame  # period, y: the values, gaps left out
    forecast: pd.DataFrame  # period, mean, lo_80, hi_80, lo_95, hi_95
    flags: list[str] = field(default_factory=list)
    #: the adjusted p-value of a rising trend, where one was flagged
    p_value: float | None = None
    #: the kind of each flag (``flags.ABOVE``, ``flags.RISING``), in the order of ``flags``
    flag_kinds: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        # the source as its publisher writes it ("ONS", "Home Office"), after the category
        category = self.category[:1].upper() + self.category[1:]  # it opens the chart title
        return f"{category}, {self.source.title[:1].lower()}{self.source.title[1:]}"

    @property
    def doubts(self) -> list[str]:
        """Why its backtest does not support its forecast (none: it does)."""
        return doubts(self.model, self.mase, self.baseline_mase, self.coverage_95)


#: the p-value older runs wrote into a flag's words (it is stored beside them now)
OLD_P = re.compile(r" \(adjusted p = [0-9.]+\)$")


def _float(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def stored_series(wh: Warehouse, force_code: str) -> list[StoredSeries]:
    """The force's forecast series with emerging demand first, then the largest by forecast
    volume; none from a warehouse where no forecast has been made."""
    try:
        rows = wh.records(
            """WITH flagged AS (
                   SELECT source, force_code, category, list(flag ORDER BY flag) AS kinds,
                          list(detail ORDER BY flag) AS flags, min(p_value) AS p_value
                   FROM out_forecast_flags GROUP BY ALL),
               volume AS (
                   SELECT source, force_code, category, sum(mean) AS volume
                   FROM out_forecasts GROUP BY ALL)
               SELECT b.source, b.category, b.model, b.mase, b.smape, b.coverage_95,
                      base.mase AS baseline_mase, s.last_period, f.kinds, f.flags, f.p_value
               FROM out_forecast_backtests b
               JOIN out_forecast_backtests base USING (source, force_code, category)
               JOIN out_forecast_series s USING (source, force_code, category)
               LEFT JOIN flagged f USING (source, force_code, category)
               LEFT JOIN volume v USING (source, force_code, category)
               WHERE b.is_chosen AND base.is_baseline AND b.force_code = ?
               ORDER BY f.flags IS NULL, v.volume DESC NULLS LAST, b.category""",
            [force_code],
        )
        forecasts = wh.execute(
            "SELECT source, category, period, mean, lo_80, hi_80, lo_95, hi_95 "
            "FROM out_forecasts WHERE force_code = ? ORDER BY source, category, step",
            [force_code],
        ).df()
    except duckdb.CatalogException:  # a warehouse from before forecasting
        return []
    sources = load_sources()
    histories: dict[str, pd.DataFrame] = {}
    out = []
    for r in rows:
        source = sources.get(str(r["source"]))
        if source is None:
            continue
        if source.id not in histories:  # each source's query once for the force
            histories[source.id] = wh.execute(
                f"SELECT category, period, y FROM ({source.sql}) WHERE force_code = ? "
                "AND y IS NOT NULL AND gap IS NULL ORDER BY category, period",
                [force_code],
            ).df()
        every = histories[source.id]
        mine = (forecasts["source"] == source.id) & (forecasts["category"] == r["category"])
        said = list(zip(r["kinds"] or [], r["flags"] or [], strict=True))
        stored = StoredSeries(
            source=source,
            category=str(r["category"]),
            model=str(r["model"]),
            mase=_float(r["mase"]),
            baseline_mase=_float(r["baseline_mase"]),
            smape=_float(r["smape"]),
            coverage_95=_float(r["coverage_95"]),
            last_period=r["last_period"],
            history=every.loc[every["category"] == r["category"], ["period", "y"]],
            forecast=forecasts.loc[mine].drop(columns=["source", "category"]),
            p_value=_float(r["p_value"]),
        )
        # a break above a forecast its backtest does not support is no evidence of demand
        # (warehouses forecast before that rule flagged it)
        kept = [
            (str(k), OLD_P.sub("", str(d))) for k, d in said if not (k == ABOVE and stored.doubts)
        ]
        stored.flag_kinds = [k for k, _ in kept]
        stored.flags = [d for _, d in kept]
        out.append(stored)
    out.sort(key=lambda s: not s.flags)  # emerging demand first, as it still is
    return out
