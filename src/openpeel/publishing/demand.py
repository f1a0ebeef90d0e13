"""The report's section on demand: the force's forecasts as they stood when the report was
drafted (``openpeel forecast``), emerging demand first, each with a sentence and a fan chart."""

from __future__ import annotations

from typing import Any

from openpeel.numbers import for_people
from openpeel.publishing import narrative
from openpeel.warehouse.db import Warehouse

#: how many series a report shows: those with emerging demand, then the largest
MAX_SERIES = 4


def demand_section(wh: Warehouse, force_code: str, year: int) -> dict[str, Any]:
    from openpeel.forecast.stored import charted, stored_series
    from openpeel.publishing.figures import chart_dict

    words = narrative.wording()["demand"]
    series = []
    for s, chart in charted(stored_series(wh, force_code))[:MAX_SERIES]:
        last = s.forecast.iloc[-1]
        spec = chart.to_dict()
        monthly = s.source.frequency.name == "month"
        sentence = words["sentence"].format(
            category=s.category,
            mean=for_people(float(last["mean"])),
            unit=s.source.unit,
            period=f"{last['period']:%B %Y}" if monthly else f"the year to {last['period']:%B %Y}",
            # counts and scores are never below 0, nor is their interval
            lo=for_people(max(0.0, float(last["lo_95"]))),
            hi=for_people(max(0.0, float(last["hi_95"]))),
            model=s.model.replace("_", " "),
            mase=_two(s.mase),
            baseline=_two(s.baseline_mase),
            flags=words["flags"].format(details="; ".join(s.flags)) if s.flags else "",
        )
        series.append(
            {
                "category": s.category,
                "source_id": s.source.id,
                "sentence": sentence,
                "source": f"forecast:{s.source.id}:{force_code}:{s.category}",
                "emerging": bool(s.flags),
                "data_to": str(s.last_period),
                "after_assessment": s.last_period is not None and s.last_period.year > year + 1,
                "charts": [chart_dict(spec)],
            }
        )
    return {"series": series, "none": words["none"] if not series else None}


def _two(value: float | None) -> str:
    return "not known" if value is None else f"{value:.2f}"
