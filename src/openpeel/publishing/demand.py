"""The report's section on demand: the force's forecasts as they stood when the report was
drafted (``openpeel forecast``), emerging demand first, each with a sentence in plain words and
a fan chart. A frozen report shows only forecasts made from data published by its as-of date:
where the forecasts held were made from later data, they are made again from the data
published by then (``openpeel.forecast.asof``), and the series too short to forecast are
named with why. A retrospective edition shows the later ones as what the data showed
afterwards."""

from __future__ import annotations

from typing import Any

from openpeel.forecast.asof import NotMade, forecasts_as_of
from openpeel.forecast.models import BASELINE
from openpeel.forecast.stored import StoredSeries
from openpeel.numbers import for_people
from openpeel.publishing import narrative
from openpeel.publishing.asof import AsOf, forecast_published_by
from openpeel.warehouse.db import Warehouse

#: how many series a report shows: those with emerging demand, then the largest
MAX_SERIES = 4


def demand_section(wh: Warehouse, force_code: str, asof: AsOf) -> dict[str, Any]:
    from openpeel.forecast.stored import stored_series
    from openpeel.presentation.fan_chart import charted
    from openpeel.publishing.figures import chart_dict

    words = narrative.wording()["demand"]
    series: list[dict[str, Any]] = []
    later: list[str] = []
    held = stored_series(wh, force_code)
    remade = None
    if not asof.retrospective and any(not _knowable(s, asof) for s in held):
        # the forecasts held were made from later data: made again from what was published
        sources = sorted({s.source.id for s in held})
        remade = forecasts_as_of(wh, force_code, asof.on, forecast_published_by, sources)
        held = remade.series
    for s, chart in charted(held):
        knowable = _knowable(s, asof)
        if not knowable and s.last_period is not None:
            later.append(f"{s.last_period:%B %Y}")
        if (not knowable and not asof.retrospective) or len(series) >= MAX_SERIES:
            continue
        last = s.forecast.iloc[-1]
        spec = chart.to_dict()
        monthly = s.source.frequency.name == "month"
        sentence = words["sentence"].format(
            category=s.category[:1].upper() + s.category[1:],
            mean=for_people(float(last["mean"])),
            unit=s.source.unit,
            period=f"{last['period']:%B %Y}" if monthly else f"the year to {last['period']:%B %Y}",
            # counts and scores are never below 0, nor is their interval
            lo=for_people(max(0.0, float(last["lo_95"]))),
            hi=for_people(max(0.0, float(last["hi_95"]))),
            accuracy=_accuracy(s.model, s.mase, s.baseline_mase),
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
                "afterwards": not knowable,
                # the backtest, for the JSON's provenance only
                "mase": s.mase,
                "baseline_mase": s.baseline_mase,
                "model": s.model,
                "charts": [chart_dict(spec)],
            }
        )
    day = f"{asof.on.day} {asof.on:%B %Y}"
    none = None
    if not series:
        none = words["none"]
        if later:
            none = words["none_as_of"].format(as_of=day)
        if remade is not None:
            none = words["none_remade"].format(as_of=day)
    return {
        "series": series,
        "none": none,
        # forecasts made for this publication from the data published by its date
        "made_as_of": asof.on.isoformat() if remade is not None else None,
        "made_note": words["remade"].format(as_of=day) if remade and series else None,
        "not_made": _not_made(remade.not_made, day) if remade is not None else [],
    }


def _knowable(s: StoredSeries, asof: AsOf) -> bool:
    return s.last_period is not None and (
        forecast_published_by(s.source.id, s.last_period) <= asof.on
    )


def _not_made(not_made: list[NotMade], day: str) -> list[str]:
    """One sentence per source and shortfall: which series could not be forecast, and why."""
    words = narrative.wording()["demand"]
    # one sentence for all the categories of a source that fell short alike
    grouped = dict.fromkeys((n.source_title, n.points, n.needed, n.frequency) for n in not_made)
    out = []
    for title, points, needed, frequency in grouped:
        out.append(
            str(words["not_made"]).format(
                title=title,
                points=points,
                needed=needed,
                unit=frequency if points == 1 else f"{frequency}s",
                as_of=day,
            )
        )
    return out


def _accuracy(model: str, mase: float | None, baseline: float | None) -> str:
    words = narrative.wording()["demand"]
    if model == BASELINE:
        return str(words["baseline"])
    if mase is None or baseline is None:
        return str(words["unknown"])
    return str(words["better"] if mase < baseline else words["worse"])
