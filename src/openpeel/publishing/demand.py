"""The report's section on demand: the force's forecasts as they stood when the report was
drafted (``openpeel forecast``), emerging demand first, each with a sentence and a fan chart."""

from __future__ import annotations

from typing import Any

import duckdb

from openpeel.errors import OpenPeelError
from openpeel.publishing import narrative
from openpeel.warehouse.db import Warehouse

#: how many series a report shows: those with emerging demand, then the largest
MAX_SERIES = 4


def demand_section(wh: Warehouse, force_code: str, year: int) -> dict[str, Any]:
    from openpeel.forecast.series import load_sources
    from openpeel.indicators.charts import fan_chart, spec_svg

    words = narrative.wording()["demand"]
    try:
        rows = wh.records(
            """WITH flagged AS (
                   SELECT source, force_code, category,
                          string_agg(detail, '; ' ORDER BY flag) AS flags
                   FROM out_forecast_flags GROUP BY ALL),
               volume AS (
                   SELECT source, force_code, category, sum(mean) AS volume
                   FROM out_forecasts GROUP BY ALL)
               SELECT b.source, b.category, b.model, b.mase, base.mase AS baseline_mase,
                      s.last_period, f.flags, v.volume
               FROM out_forecast_backtests b
               JOIN out_forecast_backtests base USING (source, force_code, category)
               JOIN out_forecast_series s USING (source, force_code, category)
               LEFT JOIN flagged f USING (source, force_code, category)
               LEFT JOIN volume v USING (source, force_code, category)
               WHERE b.is_chosen AND base.is_baseline AND b.force_code = ?
               ORDER BY f.flags IS NULL, v.volume DESC NULLS LAST, b.category""",
            [force_code],
        )
    except duckdb.CatalogException:  # a warehouse from before forecasting
        rows = []
    sources = load_sources()
    series = []
    for r in rows[:MAX_SERIES]:
        source = sources.get(str(r["source"]))
        if source is None:
            continue
        fc = wh.execute(
            "SELECT period, mean, lo_80, hi_80, lo_95, hi_95 FROM out_forecasts "
            "WHERE source = ? AND force_code = ? AND category = ? ORDER BY step",
            [r["source"], force_code, r["category"]],
        ).df()
        history = wh.execute(
            f"SELECT period, y FROM ({source.sql}) WHERE force_code = ? AND category = ? "
            "AND y IS NOT NULL AND gap IS NULL ORDER BY period",
            [force_code, r["category"]],
        ).df()
        if fc.empty:
            continue
        last = fc.iloc[-1]
        title = f"{r['category']} ({source.title.lower()})"
        try:
            chart = fan_chart(history, fc, title, source.unit)
        except OpenPeelError:
            continue
        spec = chart.to_dict()
        sentence = words["sentence"].format(
            category=r["category"],
            mean=f"{last['mean']:,.0f}",
            unit=source.unit,
            period=f"{last['period']:%B %Y}" if source.frequency.name == "month"
            else f"the year to {last['period']:%B %Y}",
            lo=f"{last['lo_95']:,.0f}",
            hi=f"{last['hi_95']:,.0f}",
            model=str(r["model"]).replace("_", " "),
            mase=f"{r['mase']:.2f}",
            baseline=f"{r['baseline_mase']:.2f}",
            flags=words["flags"].format(details=r["flags"]) if r["flags"] else "",
        )  # fmt: skip
        series.append(
            {
                "category": r["category"],
                "source_id": r["source"],
                "sentence": sentence,
                "source": f"forecast:{r['source']}:{force_code}:{r['category']}",
                "emerging": bool(r["flags"]),
                "data_to": str(r["last_period"]),
                "after_assessment": r["last_period"] is not None
                and r["last_period"].year > year + 1,
                "charts": [
                    {
                        "title": title,
                        "description": str(spec.get("description", "")),
                        "svg": spec_svg(spec),
                    }
                ],
            }
        )
    return {"series": series, "none": words["none"] if not series else None}
