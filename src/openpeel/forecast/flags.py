"""Emerging demand: series whose latest values lie above what was forecast for them, or whose
trend rises significantly. The flags feed the risk screen (``openpeel screen``) under the
efficiency theme of understanding demand.

- **above forecast**: at the last backtest origin, the chosen model forecast the latest months
  from the data before them; the flag is raised when at least 2 of the last 3 of those months
  lie above its 95% interval;
  It is not raised for a series whose forecast its backtest does not support (``doubts``):
  a model that did worse than the seasonal naive baseline at the last origin, or 95%
  intervals that held less than half of what happened there;
- **rising**: over the last 24 months (or every year, for a yearly series, and the last six
  rolling years that do not overlap, for rolling-year totals), a regression of
  log(1 + count) on time (with month-of-year terms for a monthly series) has a positive slope
  whose p-value, adjusted across all the series tested (Benjamini-Hochberg), is below 0.05.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from openpeel.forecast.series import Series
from openpeel.indicators.compare import TREND_WINDOW

ABOVE = "above forecast"
RISING = "rising"
TREND_MONTHS = 24
ALPHA = 0.05
#: 95% intervals failed their backtest when they held less than this share of the outcomes
MIN_COVERAGE_95 = 0.5
#: why a forecast is not to be relied on, in plain words
LOST_TO_BASELINE = "its model did worse than the simple seasonal baseline in the latest backtest"
INTERVALS_FAILED = "its 95% intervals held less than half of what happened in the backtest"


def doubts(
    model: str, mase: float | None, baseline_mase: float | None, coverage_95: float | None
) -> list[str]:
    """Why the backtest does not support a series' forecast: its model lost to the seasonal
    naive baseline at the last origin, or its 95% intervals failed. None: it is supported."""
    from openpeel.forecast.models import BASELINE

    out = []
    lost = mase is not None and baseline_mase is not None and mase > baseline_mase
    if model != BASELINE and lost:
        out.append(LOST_TO_BASELINE)
    if coverage_95 is not None and coverage_95 < MIN_COVERAGE_95:
        out.append(INTERVALS_FAILED)
    return out


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def above_forecast(cv: pd.DataFrame, chosen: pd.DataFrame) -> list[dict[str, object]]:
    """Series whose latest actual values broke the chosen model's 95% interval upwards."""
    if cv.empty:
        return []
    picked = chosen[chosen["is_chosen"]].set_index("key")
    baseline = chosen[chosen["is_baseline"]].set_index("key")["mase"].to_dict()
    last = cv[cv["cutoff"] == cv.groupby("unique_id")["cutoff"].transform("max")]
    flags = []
    for key, window in last.groupby("unique_id", sort=True):
        if str(key) not in picked.index:
            continue
        row = picked.loc[str(key)]
        model = str(row["model"])
        if doubts(
            model,
            _number(row["mase"]),
            _number(baseline.get(str(key))),
            _number(row["coverage_95"]),
        ):
            continue  # a forecast its backtest does not support flags nothing
        latest = window.sort_values("ds").tail(3)
        above = latest[latest["y"] > latest[f"{model}-hi-95"]]
        if len(above) >= 2:
            months = ", ".join(pd.Timestamp(d).strftime("%Y-%m") for d in above["ds"])
            flags.append(
                {
                    "key": str(key),
                    "flag": ABOVE,
                    "period": pd.Timestamp(latest["ds"].max()).date(),
                    "p_value": None,
                    "detail": f"above the 95% interval of its {model} forecast in {months}",
                }
            )
    return flags


def _trend(s: Series) -> tuple[float, float] | None:
    """Slope of log(1 + y) per period and its one-sided p-value, or None when too short.

    Rolling totals overlap (a rolling year at each quarter's end shares nine months with the
    one before), so their residuals are not independent: only every ``rolling_periods``-th
    value, counting back from the last, is used (rolling years that do not overlap), and of
    those the last ``TREND_WINDOW`` (the indicators' trend window), as a yearly series.
    """
    monthly = s.source.frequency.name == "month" and s.source.rolling_periods == 1
    if s.source.rolling_periods > 1:
        apart = s.values.iloc[::-1].iloc[:: s.source.rolling_periods].iloc[::-1]
        values = apart.tail(TREND_WINDOW)
    else:
        values = s.values.tail(TREND_MONTHS) if monthly else s.values
    n = len(values)
    if n < (TREND_MONTHS if monthly else 4):
        return None
    t = np.arange(n, dtype=float)
    columns = [np.ones(n), t]
    if monthly:
        month = pd.DatetimeIndex(values.index).month.to_numpy()
        columns += [(month == m).astype(float) for m in range(2, 13)]
    x = np.column_stack(columns)
    y = np.log1p(values.to_numpy(dtype=float))
    coef, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    dof = n - rank
    if dof <= 0:
        return None
    residual = y - x @ coef
    sigma2 = float(residual @ residual) / dof
    if sigma2 == 0:
        return None
    covariance = sigma2 * np.linalg.pinv(x.T @ x)
    se = float(np.sqrt(covariance[1, 1]))
    slope = float(coef[1])
    p = float(stats.t.sf(slope / se, dof))  # one-sided: rising
    return slope, p


def rising(series: list[Series]) -> list[dict[str, object]]:
    """Series with a significant upward trend, the p-values adjusted for testing them all."""
    tested = [(s, r) for s in series if s.skipped is None and (r := _trend(s)) is not None]
    if not tested:
        return []
    adjusted = stats.false_discovery_control([p for _, (_, p) in tested], method="bh")
    flags = []
    for (s, (slope, _)), q in zip(tested, adjusted, strict=True):
        if slope > 0 and q < ALPHA:
            monthly = s.source.frequency.name == "month" and s.source.rolling_periods == 1
            per_year = np.expm1(slope * (12 if monthly else 1))
            span = (
                f"the last {TREND_MONTHS} months"
                if monthly
                else (
                    f"its last {TREND_WINDOW} years"
                    if s.source.rolling_periods > 1
                    else "its years"
                )
            )
            flags.append(
                {
                    "key": s.key,
                    "flag": RISING,
                    "period": s.values.index.max().date(),
                    "p_value": float(q),
                    # the adjusted p-value is stored beside it (p_value), for who asks
                    "detail": f"rising about {per_year:.0%} a year over {span}",
                }
            )
    return flags
