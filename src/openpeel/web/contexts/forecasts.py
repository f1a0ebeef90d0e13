"""A force's demand forecasts page."""

from __future__ import annotations

from typing import Any

from openpeel.warehouse.db import Warehouse
from openpeel.web.contexts.forces import find_force


def forecast_page(wh: Warehouse, spelling: str) -> dict[str, Any]:
    """A force's demand forecasts for people: a summary of every series first (which way it
    goes, how sure, whether it beat the simple baseline, emerging demand), then each series
    with a sentence, what its backtest leaves in doubt, its fan chart, and the technical
    measures (model, MASE against the seasonal naive baseline, sMAPE, interval coverage)."""
    from openpeel.forecast.plain import summary
    from openpeel.forecast.stored import stored_series
    from openpeel.presentation.fan_chart import charted
    from openpeel.presentation.rendering import spec_table

    force = find_force(spelling)
    series: list[dict[str, Any]] = []
    for n, (s, chart) in enumerate(charted(stored_series(wh, force.code)), start=1):
        spec = chart.to_dict()
        series.append(
            {
                "id": f"series-{n}",
                "source": s.source.id,
                "source_title": s.source.title,
                "category": s.category,
                "title": s.title,
                "model": s.model,
                "mase": s.mase,
                "baseline_mase": s.baseline_mase,
                "smape": s.smape,
                "coverage_95": s.coverage_95,
                "p_value": s.p_value,
                "flags": s.flags,
                "plain": summary(s),
                "chart": {
                    "description": str(spec.get("description", "")),
                    "spec": spec,
                    "table": spec_table(spec),
                },
            }
        )
    sources = list(dict.fromkeys((x["source"], x["source_title"]) for x in series))
    return {
        "title": f"{force.name}: demand forecasts",
        "force": {"code": force.code, "name": force.name, "slug": force.policeuk_slug},
        "series": series,
        "groups": [
            {"source": sid, "title": title, "series": [x for x in series if x["source"] == sid]}
            for sid, title in sources
        ],
        "counts": {
            "series": len(series),
            "emerging": sum(1 for x in series if x["flags"]),
            "beat_baseline": sum(1 for x in series if x["plain"]["beat_baseline"] == "yes"),
            "in_doubt": sum(1 for x in series if x["plain"]["doubts"]),
        },
    }
