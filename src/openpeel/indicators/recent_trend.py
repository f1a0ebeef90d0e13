"""The recent trend of a force's indicator, by Fingertips' rule (docs/markers.md).

Public health profiles (Fingertips) mark each area's recent trend as increasing, decreasing,
no significant change or cannot be calculated. The rule, as OpenPEEL applies it:

* the trend is judged on the last ``POINTS`` (5) values of a series, ending with the period
  shown; they must be five consecutive periods of one type (a rolling 12 months: the same month
  in five consecutive years, so that the periods do not overlap);
* a share is tested with the chi-squared test for trend in proportions (Cochran-Armitage, as
  R's ``prop.trend.test``); a rate per 1,000 with the same test for counts over a population
  (the Poisson form: the conditional test of the counts' share of the total against time);
  scores 1 to 5, one degree of freedom, significant at 5%;
* it cannot be calculated for a score or a rate ratio (no counts behind the value), for an
  indicator whose numerator is not a count of events (declared in ``markers.toml``), when a
  point is missing or suppressed, or when a count in the five points is below ``MIN_COUNT``
  (for a share, also the count of the other outcome) - the test's approximation needs counts;
* better or worse follows the indicator's polarity; with none, only the direction is given.

Every row of ``out_indicator_values`` gets its trend, so that a table of any period has one.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.stats as sps  # type: ignore[import-untyped, unused-ignore]

from openpeel.errors import OpenPeelError
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.markers import markers
from openpeel.indicators.periods import ordinal, per_period, phase
from openpeel.reference.places import resolve
from openpeel.warehouse.catalog import load_schema
from openpeel.warehouse.db import Warehouse

FloatArray = npt.NDArray[np.float64]

#: how many of the latest points the trend is judged on
POINTS = 5
#: the smallest count (numerator, and for a share its complement) each point must have
MIN_COUNT = 5
#: significance level
ALPHA = 0.05

INCREASING, DECREASING = "increasing", "decreasing"
NO_CHANGE, CANNOT = "no significant change", "cannot be calculated"
TRENDS = (INCREASING, DECREASING, NO_CHANGE, CANNOT)

METHOD = {
    "share": "chi-squared test for trend in proportions",
    "per_1000": "chi-squared test for trend in counts over a population (Poisson)",
}

#: the columns of out_indicator_recent_trends, as declared in warehouse/schema/60_out.toml
TREND_COLUMNS = load_schema()["out_indicator_recent_trends"].column_names


def chi2_trend(
    counts: npt.ArrayLike,
    denominators: npt.ArrayLike,
    kind: Literal["proportion", "rate"],
    scores: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(statistic, slope) of the chi-squared test for trend of each row of (series x points).

    Proportions: Cochran-Armitage, ``X2 = (sum x_i (t_i - tbar))^2 / (p (1 - p) sum n_i (t_i -
    tbar)^2)`` with ``tbar`` weighted by ``n_i`` and ``p`` the pooled proportion (no continuity
    correction; R's ``prop.trend.test``). Rates: the same with ``p (1 - p)`` replaced by ``p``
    (counts over a population; the limit for small proportions). The slope's sign is the
    direction; X2 is referred to chi-squared on one degree of freedom.
    """
    x = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    n = np.atleast_2d(np.asarray(denominators, dtype=np.float64))
    t = np.broadcast_to(
        np.arange(1, x.shape[1] + 1, dtype=np.float64)
        if scores is None
        else np.asarray(scores, dtype=np.float64),
        x.shape,
    )
    total_n = n.sum(axis=1, keepdims=True)
    p = x.sum(axis=1, keepdims=True) / total_n
    tbar = (n * t).sum(axis=1, keepdims=True) / total_n
    slope = (x * (t - tbar)).sum(axis=1)
    spread = (n * (t - tbar) ** 2).sum(axis=1)
    variance = (p * (1.0 - p) if kind == "proportion" else p)[:, 0] * spread
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(variance > 0, slope**2 / variance, np.nan)
    return np.asarray(statistic, dtype=np.float64), np.asarray(slope, dtype=np.float64)


def judge(trend: str, polarity: str) -> str | None:
    """better / worse for a significant trend where the indicator has a polarity."""
    if trend not in (INCREASING, DECREASING) or polarity == "neither":
        return None
    return "better" if (trend == INCREASING) == (polarity == "higher_is_better") else "worse"


def judgements(trends: np.ndarray, polarity: str) -> np.ndarray:
    """``judge`` of every trend at once."""
    out = np.full(len(trends), None, dtype=object)
    for word in (INCREASING, DECREASING):
        out[trends == word] = judge(word, polarity)
    return out


def _lags(values: npt.ArrayLike, series: np.ndarray) -> FloatArray:
    """(rows x POINTS): column j holds the value POINTS - 1 - j rows back in the same series."""
    v = np.asarray(values, dtype=np.float64)
    count = len(v)
    out = np.full((count, POINTS), np.nan)
    for j in range(POINTS):
        lag = POINTS - 1 - j
        if lag >= count:  # fewer rows than the lag: no row has a value that far back
            continue
        shifted = np.full(count, np.nan)
        shifted[lag:] = v[: count - lag]
        same = np.zeros(count, dtype=bool)
        same[lag:] = series[lag:] == series[: count - lag]
        out[:, j] = np.where(same, shifted, np.nan)
    return out


def recent_trends(ind: Indicator, frame: pd.DataFrame) -> pd.DataFrame:
    """The recent trend of every row of one indicator's comparison frame (``compare``)."""
    if not len(frame):
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    f = frame.reset_index(drop=True)
    keys = ["force_code", "period_type", "breakdown", "breakdown_value"]
    f = f.assign(
        _phase=per_period(f, phase, np.int64),
        _pos=per_period(f, ordinal, np.int64),
    )
    f["_series"] = f.groupby([*keys, "_phase"], dropna=False, sort=False).ngroup()
    f = f.sort_values(["_series", "_pos"], kind="stable").reset_index(drop=True)
    series = f["_series"].to_numpy()
    step = np.where(f.period_type.to_numpy() == "rolling_12_months", 12, 1)
    pos = _lags(f["_pos"], series)
    num = _lags(f.numerator, series)
    den = _lags(f.denominator, series)
    shown = _lags(~f.is_suppressed.to_numpy(bool), series)
    labels = f.period.to_numpy(object)
    first_row = np.arange(len(f)) - (POINTS - 1)
    have = np.isfinite(pos).all(axis=1)
    consecutive = have & (pos[:, -1] - pos[:, 0] == step * (POINTS - 1))
    all_shown = consecutive & (shown == 1).all(axis=1)
    small = num < MIN_COUNT
    if ind.unit == "share":
        small |= (den - num) < MIN_COUNT
    big_enough = all_shown & ~(small | ~np.isfinite(num) | ~np.isfinite(den)).any(axis=1)
    declared = markers().not_counts.get(ind.id)
    reason = np.full(len(f), None, dtype=object)
    if ind.unit not in METHOD:
        what = "a score" if ind.unit == "score" else "a ratio of two rates"
        reason[:] = f"the value is {what}, with no counts behind it to test"
    elif declared:
        reason[:] = declared
    else:
        points_before = f.groupby("_series", sort=False).cumcount().to_numpy() + 1
        # the first reason that holds, in this order
        checks = (
            (~big_enough, f"a count in the last {POINTS} periods is below {MIN_COUNT}"),
            (
                ~all_shown,
                f"a value in the last {POINTS} periods is suppressed (denominator too small)",
            ),
            (~consecutive, f"the last {POINTS} periods are not consecutive (a period is missing)"),
            (points_before < POINTS, f"fewer than {POINTS} periods of this series up to this one"),
        )
        for holds, words in checks:
            reason[holds] = words
    testable = np.array([r is None for r in reason])
    statistic = np.full(len(f), np.nan)
    slope = np.full(len(f), np.nan)
    if testable.any():
        kind: Literal["proportion", "rate"] = "proportion" if ind.unit == "share" else "rate"
        statistic[testable], slope[testable] = chi2_trend(num[testable], den[testable], kind)
    p = np.where(np.isfinite(statistic), sps.chi2.sf(statistic, 1), np.nan)
    significant = p < ALPHA
    trend = np.where(
        ~testable,
        CANNOT,
        np.where(significant, np.where(slope > 0, INCREASING, DECREASING), NO_CHANGE),
    )
    out = pd.DataFrame(
        {
            "indicator_id": ind.id,
            "definition_version": ind.version,
            "period_type": f.period_type,
            "period": f.period,
            "breakdown": f.breakdown,
            "breakdown_value": f.breakdown_value,
            "force_code": f.force_code,
            "first_period": [
                labels[row] if ok else None for row, ok in zip(first_row, testable, strict=True)
            ],
            "points": np.where(testable, POINTS, 0),
            "trend": trend,
            "judgement": judgements(trend, ind.polarity),
            "statistic": statistic,
            "p_value": p,
            "method": METHOD.get(ind.unit) if ind.unit in METHOD and not declared else None,
            "reason": reason,
        }
    )
    return out.loc[:, list(TREND_COLUMNS)]


def read_trends(
    wh: Warehouse,
    indicator_id: str,
    *,
    period: str | None = None,
    force: str | None = None,
    breakdown: str = "all",
) -> pd.DataFrame:
    """The stored recent trends of one indicator and period (the latest by default, as
    ``api.values``), one row per force (and breakdown value), with the force's name and value."""
    load_catalogue().indicator(indicator_id)
    if not wh.scalar(
        "SELECT count(*) FROM out_indicator_recent_trends WHERE indicator_id = ?", [indicator_id]
    ):
        raise OpenPeelError(
            f"no recent trends of {indicator_id} in {wh.home}",
            hint="run `openpeel indicators compute` (it computes the trends too)",
        )
    if period is None:
        period = wh.scalar(
            "SELECT period FROM out_indicator_recent_trends WHERE indicator_id = ? "
            "AND breakdown = ? ORDER BY period_type = 'month', period DESC LIMIT 1",
            [indicator_id, breakdown],
        )
    where = ["t.indicator_id = ?", "t.breakdown = ?", "t.period = ?"]
    params: list[Any] = [indicator_id, breakdown, period]
    if force is not None:
        where.append("t.force_code = ?")
        params.append(resolve(force).code)
    frame = wh.execute(
        "SELECT t.*, f.name AS force_name, v.value FROM out_indicator_recent_trends t "
        "JOIN ref_force f USING (force_code) "
        "LEFT JOIN out_indicator_values v ON v.indicator_id = t.indicator_id "
        "AND v.period_type = t.period_type AND v.period = t.period "
        "AND v.breakdown = t.breakdown AND v.force_code = t.force_code "
        "AND v.breakdown_value IS NOT DISTINCT FROM t.breakdown_value WHERE "
        + " AND ".join(where)
        + " ORDER BY t.breakdown_value NULLS FIRST, f.name",
        params,
    ).df()
    if frame.empty:
        raise OpenPeelError(
            f"no recent trends of {indicator_id} for period {period!r}",
            hint=f"`openpeel indicators periods {indicator_id}` lists the periods",
        )
    return frame
