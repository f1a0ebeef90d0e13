"""Forecasts as they could have been made on a date: from only the data published by then.

A frozen publication (the 2016 report, as of 2 March 2017) cannot show the forecasts held in
the warehouse, which were made from everything loaded since. Here each of a force's series is
cut to the periods whose figures were published by the date (the caller says when each was:
``openpeel.publishing.asof.forecast_published_by``, from the declared release lags), then
backtested and forecast exactly as ``openpeel forecast`` does. Nothing is stored: the result
goes into the publication's frozen context. A series too short once cut is not forecast, and
says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from openpeel.forecast.flags import ABOVE
from openpeel.forecast.run import Result, forecast
from openpeel.forecast.series import Series, load_series
from openpeel.forecast.stored import StoredSeries
from openpeel.warehouse.db import Warehouse

#: when a source's figure for a period was published: (series source id, period) -> date
PublishedBy = Callable[[str, date], date]


@dataclass(frozen=True)
class NotMade:
    """A series that could not be forecast from the data published by the date, and why."""

    source_title: str
    category: str
    #: the periods published by the date (after the last gap), and how many a forecast needs
    points: int
    needed: int
    frequency: str


@dataclass
class AsOfForecasts:
    on: date
    #: the forecasts made, emerging demand first, then the largest
    series: list[StoredSeries]
    not_made: list[NotMade]
    seconds: float


def series_as_of(
    wh: Warehouse,
    force_code: str,
    on: date,
    published_by: PublishedBy,
    sources: list[str] | None = None,
) -> list[Series]:
    """The force's series (of ``sources``) with only the periods published by ``on``."""
    return load_series(
        wh, sources, force_code, keep=lambda sid, period: published_by(sid, period) <= on
    )


def forecasts_as_of(
    wh: Warehouse,
    force_code: str,
    on: date,
    published_by: PublishedBy,
    sources: list[str] | None = None,
) -> AsOfForecasts:
    """Backtest and forecast the force's series (of ``sources``) from the data published by
    ``on``."""
    series = series_as_of(wh, force_code, on, published_by, sources)
    not_made = [
        NotMade(
            s.source.title,
            s.category,
            len(s.values),
            s.source.frequency.min_points,
            s.source.frequency.name,
        )
        for s in series
        if s.skipped is not None
    ]
    if len(not_made) == len(series):
        return AsOfForecasts(on, [], not_made, 0.0)
    result = forecast(series)
    return AsOfForecasts(on, _stored(series, result), not_made, result.seconds)


def _stored(series: list[Series], result: Result) -> list[StoredSeries]:
    """The forecasts in the form the report draws (``StoredSeries``), as if stored."""
    chosen = result.backtests[result.backtests["is_chosen"]].set_index("key")
    baseline = result.backtests[result.backtests["is_baseline"]].set_index("key")["mase"]
    out = []
    for s in series:
        if s.skipped is not None or s.key not in chosen.index:
            continue
        row = chosen.loc[s.key]
        raised = result.flags[result.flags["key"] == s.key] if not result.flags.empty else None
        fc = result.forecasts[result.forecasts["key"] == s.key]
        stored = StoredSeries(
            source=s.source,
            category=s.category,
            model=str(row["model"]),
            mase=_number(row["mase"]),
            baseline_mase=_number(baseline.get(s.key)),
            smape=_number(row["smape"]),
            coverage_95=_number(row["coverage_95"]),
            # the forecast's origin: the last value it was made from
            last_period=s.values.index[-1].date(),
            # periods as timestamps, as the stored forecasts read back from the warehouse
            history=pd.DataFrame({"period": s.values.index, "y": s.values.to_numpy()}),
            forecast=fc[["period", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]]
            .assign(period=lambda f: pd.to_datetime(f["period"]))
            .reset_index(drop=True),
        )
        if raised is not None and not raised.empty:
            kept = [
                (str(k), str(d))
                for k, d in zip(raised["flag"], raised["detail"], strict=True)
                if not (k == ABOVE and stored.doubts)
            ]
            stored.flag_kinds = [k for k, _ in kept]
            stored.flags = [d for _, d in kept]
        out.append(stored)
    volume = {s.category + s.source.id: float(s.forecast["mean"].sum()) for s in out}
    out.sort(key=lambda s: (not s.flags, -volume[s.category + s.source.id]))
    return out


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if pd.isna(number) else number
