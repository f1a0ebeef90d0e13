"""Rolling-origin backtests: each series is cut at several origins, every model forecasts the
next periods from the data before the cut, and the forecasts are scored against what came.

- MASE: mean absolute error over the mean absolute in-sample error of the seasonal naive
  forecast (one season back) on the data before the cut; below 1 beats that baseline.
- sMAPE: mean of 200 |y - f| / (|y| + |f|), in percent (0 where both are 0).
- Coverage: the share of actual values inside the 80% and 95% intervals.

The model of a series is chosen on every origin but the last (lowest MASE); its scores are
reported on the last origin, which took no part in choosing it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from openpeel.forecast.models import (
    BASELINE,
    LEVELS,
    MODELS,
    add_ensemble,
    at_least_zero,
    statsforecast,
)
from openpeel.forecast.series import Series


@dataclass(frozen=True)
class Scores:
    mase: float
    smape: float
    coverage_80: float
    coverage_95: float


def _scale(history: np.ndarray, season: int) -> float:
    m = season if len(history) > season else 1
    diffs = np.abs(history[m:] - history[:-m])
    return float(diffs.mean()) if len(diffs) else float("nan")


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    denominator = np.abs(actual) + np.abs(forecast)
    terms = np.divide(
        200 * np.abs(actual - forecast),
        denominator,
        out=np.zeros_like(denominator, dtype=float),
        where=denominator != 0,
    )
    return float(terms.mean())


def cross_validate(series: list[Series]) -> pd.DataFrame:
    """Every model's forecasts at every origin: unique_id, ds, cutoff, y and each model's
    point forecast and interval bounds (the ensemble's derived)."""
    from openpeel.forecast.series import as_frame

    ready = [s for s in series if s.skipped is None]
    if not ready:
        return pd.DataFrame()
    source = ready[0].source
    frequency = source.frequency
    sf = statsforecast(source.season_length, frequency.pandas)
    cv = sf.cross_validation(  # type: ignore[attr-defined]
        df=as_frame(ready),
        h=frequency.backtest_horizon,
        n_windows=frequency.backtest_windows,
        step_size=frequency.backtest_horizon,
        level=list(LEVELS),
    )
    return at_least_zero(add_ensemble(cv.reset_index(drop="unique_id" in cv.columns)))


def score(cv: pd.DataFrame, series: list[Series]) -> pd.DataFrame:
    """One row per series, model and origin with its scores; then per series and model the
    choice (lowest MASE on every origin but the last) and the last origin's scores."""
    values = {s.key: s.values for s in series}
    seasons = {s.key: s.source.season_length for s in series}
    rows = []
    for (uid, cutoff), window in cv.groupby(["unique_id", "cutoff"], sort=True):
        key = str(uid)
        known = values[key]
        history = known.loc[known.index <= pd.Timestamp(str(cutoff))].to_numpy()
        scale = _scale(history, seasons[key])
        actual = window["y"].to_numpy()
        for model in MODELS:
            forecast = window[model].to_numpy()
            inside = {
                level: float(
                    np.mean(
                        (actual >= window[f"{model}-lo-{level}"].to_numpy())
                        & (actual <= window[f"{model}-hi-{level}"].to_numpy())
                    )
                )
                for level in LEVELS
            }
            mae = float(np.mean(np.abs(actual - forecast)))
            rows.append(
                {
                    "key": key,
                    "cutoff": cutoff,
                    "model": model,
                    "mase": mae / scale if scale and scale == scale else float("nan"),
                    "smape": smape(actual, forecast),
                    "coverage_80": inside[80],
                    "coverage_95": inside[95],
                }
            )
    return pd.DataFrame(rows)


def choose(scored: pd.DataFrame) -> pd.DataFrame:
    """Per series and model: the MASE it was chosen on (all origins but the last), its scores
    at the last origin, and whether it is the series' model."""
    if scored.empty:
        return scored
    last = scored.groupby("key")["cutoff"].transform("max")
    selecting = scored[scored["cutoff"] < last]
    judged = scored[scored["cutoff"] == last].set_index(["key", "model"])
    selection = selecting.groupby(["key", "model"])["mase"].mean().rename("selection_mase")
    out = judged.join(selection).reset_index()
    # with a single origin, the choice is made on it
    out["selection_mase"] = out["selection_mase"].fillna(out["mase"])
    best = (
        out.sort_values(["key", "selection_mase", "model"], na_position="last")
        .groupby("key")["model"]
        .first()
    )
    out["is_chosen"] = out["model"] == out["key"].map(best)
    out["is_baseline"] = out["model"] == BASELINE
    return out.drop(columns=["cutoff"])
