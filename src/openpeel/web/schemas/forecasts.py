"""A force's demand forecasts: each series with its backtest, flags and fan chart."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from openpeel.web.schemas.base import Chart, ForceRef, Model


class ForecastSeries(Model):
    source: str
    category: str
    title: str
    model: str
    mase: float | None = Field(description="Mean absolute scaled error in the backtest.")
    baseline_mase: float | None = Field(description="The seasonal naive baseline's MASE.")
    smape: float | None = Field(description="Symmetric mean absolute percentage error, %.")
    coverage_95: float | None = Field(description="Share of outcomes inside the 95% intervals.")
    flags: list[str] = Field(description="Emerging demand, in words.")
    chart: Chart
    id: str = Field(description="The series' anchor on the page.")
    source_title: str = Field(description="The publisher's dataset, as it names it.")
    p_value: float | None = Field(description="Adjusted p-value of a break, where one was tested.")
    plain: dict[str, Any] = Field(description="The forecast in plain words (direction, how sure).")


class ForecastGroup(Model):
    source: str
    title: str
    series: list[ForecastSeries]


class ForecastCounts(Model):
    series: int
    emerging: int
    beat_baseline: int
    in_doubt: int


class ForecastPage(Model):
    title: str
    force: ForceRef
    series: list[ForecastSeries]
    groups: list[ForecastGroup]
    counts: ForecastCounts
