"""Backtest every series, forecast each with its chosen model, and store it all in the
warehouse (``out_forecast_series``, ``out_forecast_backtests``, ``out_forecasts``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from openpeel.forecast import backtest, flags
from openpeel.forecast.models import (
    BASELINE,
    ENSEMBLE_OF,
    LEVELS,
    MODELS,
    add_ensemble,
    at_least_zero,
    statsforecast,
)
from openpeel.forecast.series import SEP, Series, as_frame, load_series
from openpeel.warehouse.db import Warehouse

MAX_HORIZON = 48


@dataclass
class Result:
    series: list[Series]
    backtests: pd.DataFrame  # per series and model (backtest.choose)
    forecasts: pd.DataFrame  # per series and period: the chosen model's forecast
    flags: pd.DataFrame  # emerging demand (openpeel.forecast.flags)
    seconds: float


def run(
    wh: Warehouse,
    *,
    sources: list[str] | None = None,
    force_code: str | None = None,
    horizon: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Backtest and forecast every series (of ``sources``, of one force)."""
    from openpeel.forecast.series import ForecastError

    if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
        raise ForecastError(
            f"a horizon of {horizon} is out of range", hint=f"from 1 to {MAX_HORIZON}"
        )
    series = load_series(wh, sources, force_code)
    if not series:
        raise ForecastError("no series to forecast", hint="load data first: `openpeel ingest`")
    return forecast(series, horizon=horizon, progress=progress)


def forecast(
    series: list[Series],
    *,
    horizon: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Backtest and forecast the series given (those not skipped), each source's together."""
    import time

    start = time.perf_counter()
    # statsforecast warns of short series' residuals; the backtest judges those forecasts
    warnings.filterwarnings("ignore", category=UserWarning, module="statsforecast")
    backtests, forecasts, raised = [], [], []
    by_source: dict[str, list[Series]] = {}
    for s in series:
        by_source.setdefault(s.source.id, []).append(s)
    for sid, group in by_source.items():
        ready = [s for s in group if s.skipped is None]
        if progress:
            progress(f"{sid}: backtesting {len(ready)} series ({len(group) - len(ready)} skipped)")
        if not ready:
            continue
        cv = backtest.cross_validate(ready)
        chosen = backtest.choose(backtest.score(cv, ready))
        backtests.append(chosen)
        raised += flags.above_forecast(cv, chosen) + flags.rising(ready)
        h = horizon or ready[0].source.frequency.default_horizon
        forecasts.append(_forecast(ready, chosen, h))
    return Result(
        series,
        pd.concat(backtests, ignore_index=True) if backtests else pd.DataFrame(),
        pd.concat(forecasts, ignore_index=True) if forecasts else pd.DataFrame(),
        pd.DataFrame(raised, columns=["key", "flag", "period", "p_value", "detail"]),
        time.perf_counter() - start,
    )


def _forecast(ready: list[Series], chosen: pd.DataFrame, h: int) -> pd.DataFrame:
    """Each series forecast by its chosen model only (the ensemble by its members)."""
    source = ready[0].source
    model_of = chosen[chosen["is_chosen"]].set_index("key")["model"].to_dict()
    rows = []
    for model in MODELS:
        group = [s for s in ready if model_of.get(s.key, BASELINE) == model]
        if not group:
            continue
        fitted = ENSEMBLE_OF if model == "ensemble" else (model,)
        sf = statsforecast(source.season_length, source.frequency.pandas, only=fitted)
        fc = sf.forecast(df=as_frame(group), h=h, level=list(LEVELS))  # type: ignore[attr-defined]
        fc = fc.reset_index(drop="unique_id" in fc.columns)
        if model == "ensemble":
            fc = add_ensemble(fc)
        fc = at_least_zero(fc)
        for key, frame in fc.groupby("unique_id", sort=True):
            for step, d in enumerate(frame.sort_values("ds").to_dict("records"), start=1):
                rows.append(
                    {
                        "key": key,
                        "model": model,
                        "period": pd.Timestamp(d["ds"]).date(),
                        "step": step,
                        "mean": float(d[model]),
                        **{
                            f"{side}_{level}": float(d[f"{model}-{side}-{level}"])
                            for level in LEVELS
                            for side in ("lo", "hi")
                        },
                    }
                )
    return pd.DataFrame(rows).sort_values(["key", "step"], ignore_index=True)


def _split(keys: pd.Series) -> pd.DataFrame:
    parts = keys.str.split(SEP, n=2, expand=True)
    parts.columns = ["source", "force_code", "category"]
    return parts


def store(wh: Warehouse, result: Result) -> None:
    """Replace the stored forecasts of the series in ``result``, in one transaction."""
    now = datetime.now(UTC)
    series = pd.DataFrame(
        [
            {
                "source": s.source.id,
                "force_code": s.force_code,
                "category": s.category,
                "frequency": s.source.frequency.name,
                "first_period": s.first_period,
                "last_period": s.last_period,
                "points_used": len(s.values),
                "gaps": len(s.gaps),
                "last_gap": s.gaps[-1][0] if s.gaps else None,
                "last_gap_reason": s.gaps[-1][1] if s.gaps else None,
                "skipped": s.skipped,
                "computed_at": now,
            }
            for s in result.series
        ]
    )
    backtests = result.backtests
    if not backtests.empty:
        backtests = pd.concat([_split(backtests["key"]), backtests.drop(columns="key")], axis=1)
        backtests = backtests[
            ["source", "force_code", "category", "model", "selection_mase", "mase", "smape",
             "coverage_80", "coverage_95", "is_chosen", "is_baseline"]
        ]  # fmt: skip
    forecasts = result.forecasts
    if not forecasts.empty:
        forecasts = pd.concat([_split(forecasts["key"]), forecasts.drop(columns="key")], axis=1)
    raised = result.flags
    if not raised.empty:
        raised = pd.concat([_split(raised["key"]), raised.drop(columns="key")], axis=1)
    keys = series[["source", "force_code", "category"]]
    with wh.transaction():
        wh.con.register("_keys", keys)
        try:
            for table in (
                "out_forecast_series",
                "out_forecast_backtests",
                "out_forecasts",
                "out_forecast_flags",
            ):
                wh.execute(
                    f"DELETE FROM {table} WHERE (source, force_code, category) IN "
                    "(SELECT (source, force_code, category) FROM _keys)"
                )
        finally:
            wh.con.unregister("_keys")
        for table, frame in (
            ("out_forecast_series", series),
            ("out_forecast_backtests", backtests),
            ("out_forecasts", forecasts),
            ("out_forecast_flags", raised),
        ):
            if not frame.empty:
                wh.insert_rows(table, frame)
