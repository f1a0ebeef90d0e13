"""The forecasting models: seasonal naive (the baseline every other model must beat), ETS,
Theta, and an ensemble, the mean of ETS and Theta (published comparisons find that a mean of
simple methods is hard to beat). statsforecast fits them; the ensemble is derived here. For a
series without a season (season length 1: yearly series, and rolling-year totals at each
quarter's end) the seasonal naive forecast is the naive one, the last value, and ETS has no
seasonal term."""

from __future__ import annotations

import logging
import os

import pandas as pd

BASELINE = "seasonal_naive"
MODELS = (BASELINE, "ets", "theta", "ensemble")
ENSEMBLE_OF = ("ets", "theta")
LEVELS = (80, 95)


def statsforecast(season_length: int, freq: str, only: tuple[str, ...] = ()) -> object:
    """A StatsForecast with the fitted models (or ``only`` those), on every core."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta, SeasonalNaive

    logging.getLogger("statsforecast").setLevel(logging.WARNING)
    fitted = [
        SeasonalNaive(season_length=season_length, alias=BASELINE),
        # ETS chosen by AICc among additive-or-multiplicative error and trend with additive
        # season, without damping: 3x faster than the full search on the sample's 600
        # series, and as accurate there (docs/benchmarks.md). A series without a season
        # (season length 1) gets no seasonal term: statsforecast refuses one there, and the
        # fallback would quietly make "ets" the naive forecast
        AutoETS(
            season_length=season_length,
            model="ZZA" if season_length > 1 else "ZZN",
            damped=False,
            alias="ets",
        ),
        AutoTheta(season_length=season_length, alias="theta"),
    ]
    return StatsForecast(
        models=[m for m in fitted if not only or getattr(m, "alias", "") in only],
        freq=freq,
        n_jobs=max(1, os.cpu_count() or 1),
        # a model that cannot be fitted to a series (too short for it) gives way to the
        # baseline for that series, and the backtest scores it as such
        fallback_model=SeasonalNaive(season_length=season_length),
    )


def columns(model: str) -> list[str]:
    return [model] + [f"{model}-{side}-{level}" for level in LEVELS for side in ("lo", "hi")]


def at_least_zero(frame: pd.DataFrame) -> pd.DataFrame:
    """Every model's forecast and interval bounds no lower than zero. Every series forecast is
    a count or a sum of counts (crimes, offences, arrests, searches, officers, severity points:
    series.toml), which cannot be negative, while an interval around a small count reaches
    below zero. Backtests are scored on the same bounds, and their coverage is unchanged by
    this (no value observed is negative)."""
    found = [c for m in MODELS for c in columns(m) if c in frame.columns]
    frame = frame.copy()
    frame[found] = frame[found].clip(lower=0.0)
    return frame


def add_ensemble(frame: pd.DataFrame) -> pd.DataFrame:
    """The ensemble's point forecast and interval bounds: the means of its members' (bounds
    averaged are an approximation: they are not the quantiles of the mean forecast)."""
    frame = frame.copy()
    for target, parts in zip(
        columns("ensemble"), zip(*(columns(m) for m in ENSEMBLE_OF), strict=True), strict=True
    ):
        frame[target] = frame[list(parts)].mean(axis=1)
    return frame
