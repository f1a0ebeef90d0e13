"""Statistical process control of monthly indicators: an XmR chart per force (docs/markers.md).

As NHS "Making Data Count" and its R package NHSRplotthedots do it:

* the centre line is the mean of the segment's values; the moving range is the absolute
  difference between consecutive months; the limits are ``mean +- 2.66 x mean moving range``
  (three sigma), and "near the limits" is beyond two sigma (``mean +- 2 x 2.66 / 3 x mean
  moving range``). Moving ranges of 3.267 times the mean moving range or more are left out of
  the mean moving range, which is then taken again (the package's ``screen_outliers``, on by
  default);
* a point is special cause when it is outside the limits; or part of a run of 7 consecutive
  points on one side of the mean (a point on the mean breaks the run); or part of 7 consecutive
  points each higher (or each lower) than the one before, 6 rises or falls; or one of at least
  two points of three consecutive points that lie beyond two sigma but inside the limits, with
  all three on the same side of the mean (points outside the limits count under the first rule);
* a special-cause point is improving or concerning by the indicator's polarity and its side of
  the mean (higher or lower where there is no polarity); other points are common cause;
* the mean and limits are recalculated only at a break stated in ``markers.toml`` with its
  reason. A month missing from the data is a gap: no moving range spans it, and no run, trend
  or two-of-three spans it either (the package assumes a series with no gaps).

Only the indicators' monthly values for each force, with no breakdown, are charted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.markers import markers
from openpeel.indicators.periods import month_index
from openpeel.reference.places import resolve
from openpeel.warehouse.catalog import load_schema
from openpeel.warehouse.db import Warehouse

FloatArray = npt.NDArray[np.float64]

#: 3 / d2 for moving ranges of two points (d2 = 1.128)
LIMIT = 2.66
#: two sigma
NEAR = 2 * LIMIT / 3
#: a moving range this many times the mean moving range is screened out (D4 for n = 2)
SCREEN = 3.267
RUN = 7
TREND = 7
#: a segment with fewer points gives limits NHSRplotthedots warns about
MIN_POINTS = 12

COMMON = "common cause"
IMPROVING, CONCERNING = "special cause improving", "special cause concerning"
HIGHER, LOWER = "special cause higher", "special cause lower"
VARIATIONS = (COMMON, IMPROVING, CONCERNING, HIGHER, LOWER)

#: the columns of out_indicator_spc, as declared in warehouse/schema/60_out.toml
SPC_COLUMNS = load_schema()["out_indicator_spc"].column_names


# -- the rules, on one stretch of consecutive months (plain sequences, as the package) -------


def run_one_side(side: npt.ArrayLike) -> np.ndarray:
    """True for every point of a run of ``RUN`` or more consecutive points on the same side of
    the mean (``side``: +1 above, -1 below, 0 on the mean, which breaks a run)."""
    s = np.asarray(side, dtype=float)
    ends = np.zeros(len(s), dtype=bool)
    for i in range(RUN - 1, len(s)):
        window = s[i - RUN + 1 : i + 1]
        ends[i] = window[0] != 0 and bool((window == window[0]).all())
    return _spread_back(ends, RUN)


def trend_points(values: npt.ArrayLike) -> np.ndarray:
    """True for every point of ``TREND`` or more consecutive points each higher than the one
    before (or each lower): six rises or falls in a row. An equal value breaks a trend."""
    y = np.asarray(values, dtype=float)
    ends = np.zeros(len(y), dtype=bool)
    for i in range(TREND - 1, len(y)):
        steps = np.sign(np.diff(y[i - TREND + 1 : i + 1]))
        ends[i] = bool((steps == 1).all() or (steps == -1).all())
    return _spread_back(ends, TREND)


def _spread_back(ends: np.ndarray, length: int) -> np.ndarray:
    """Mark the ``length`` points ending at each marked end."""
    part = np.zeros(len(ends), dtype=bool)
    for i in np.flatnonzero(ends):
        part[i - length + 1 : i + 1] = True
    return part


def two_in_three(near: npt.ArrayLike, side: npt.ArrayLike) -> np.ndarray:
    """True for the near points of any three consecutive points of which at least two are near
    the limits (beyond two sigma, inside the limits), all three on the same side of the mean."""
    close = np.asarray(near, dtype=bool)
    s = np.asarray(side, dtype=float)
    flagged = np.zeros(len(close), dtype=bool)
    for start in range(len(close) - 2):
        window = slice(start, start + 3)
        if close[window].sum() >= 2 and abs(s[window].sum()) == 3:
            flagged[window] |= close[window]
    return flagged


def variation(special: bool, side: float, polarity: str) -> str:
    """The variation icon of a point (``side``: +1 above the mean, -1 below, 0 on it). As
    NHSRplotthedots: improving only on the side of improvement; with no polarity, higher above
    the mean and lower otherwise."""
    if not special:
        return COMMON
    if polarity == "neither":
        return HIGHER if side > 0 else LOWER
    better = 1.0 if polarity == "higher_is_better" else -1.0
    return IMPROVING if side == better else CONCERNING


def variations(special: np.ndarray, side: np.ndarray, polarity: str) -> np.ndarray:
    """``variation`` of every point at once."""
    out = np.full(len(special), COMMON, dtype=object)
    for sign in (1.0, 0.0, -1.0):
        out[special & (side == sign)] = variation(True, sign, polarity)
    return out


# -- one series -------------------------------------------------------------------------------


def _stretches(months: np.ndarray, segment: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the stretches of consecutive months within one segment."""
    cut = np.ones(len(months), dtype=bool)
    cut[1:] = (np.diff(months) != 1) | (segment[1:] != segment[:-1])
    starts = np.flatnonzero(cut)
    return [np.arange(a, b) for a, b in zip(starts, [*starts[1:], len(months)], strict=True)]


def xmr(
    periods: Sequence[str],
    values: Sequence[float],
    breaks: Mapping[str, str] | None = None,
    polarity: str = "neither",
    *,
    screen_outliers: bool = True,
) -> pd.DataFrame:
    """The XmR chart of one monthly series: one row per month with a value, in time order.

    ``breaks`` maps the first month of each new segment to its reason.
    """
    return pd.DataFrame(
        _xmr_columns(periods, values, breaks, polarity, screen_outliers=screen_outliers)
    )


def _xmr_columns(
    periods: Sequence[str],
    values: Sequence[float],
    breaks: Mapping[str, str] | None,
    polarity: str,
    *,
    screen_outliers: bool = True,
) -> dict[str, Any]:
    """``xmr``'s columns as arrays."""
    order = np.argsort([month_index(p) for p in periods], kind="stable")
    labels = [periods[i] for i in order]
    y = np.asarray(values, dtype=float)[order]
    months = np.array([month_index(p) for p in labels], dtype=np.int64)
    starts = sorted((month_index(p), p, r) for p, r in (breaks or {}).items())
    segment = np.searchsorted([m for m, _, _ in starts], months, side="right")
    n = len(y)
    columns: dict[str, Any] = {
        name: np.full(n, np.nan)
        for name in (
            "mean",
            "moving_range",
            "mean_moving_range",
            "lower_limit",
            "upper_limit",
            "near_lower",
            "near_upper",
        )
    }
    segment_start = np.empty(n, dtype=object)
    break_reason = np.full(n, None, dtype=object)
    segment_points = np.zeros(n, dtype=np.int64)
    for number in np.unique(segment):
        rows = np.flatnonzero(segment == number)
        seg = y[rows]
        mean = float(seg.mean())
        mr = np.full(len(rows), np.nan)
        linked = np.diff(months[rows]) == 1
        mr[1:] = np.where(linked, np.abs(np.diff(seg)), np.nan)
        amr = float(np.nanmean(mr)) if np.isfinite(mr).any() else math.nan
        kept = mr
        if screen_outliers and math.isfinite(amr):
            kept = np.where(mr < SCREEN * amr, mr, np.nan)
            amr = float(np.nanmean(kept)) if np.isfinite(kept).any() else math.nan
        columns["mean"][rows] = mean
        columns["moving_range"][rows] = mr
        columns["mean_moving_range"][rows] = amr
        columns["lower_limit"][rows] = mean - LIMIT * amr
        columns["upper_limit"][rows] = mean + LIMIT * amr
        columns["near_lower"][rows] = mean - NEAR * amr
        columns["near_upper"][rows] = mean + NEAR * amr
        segment_start[rows] = labels[rows[0]]
        segment_points[rows] = len(rows)
        if number > 0:
            break_reason[rows] = starts[number - 1][2]
    upper, lower = columns["upper_limit"], columns["lower_limit"]
    outside = (y > upper) | (y < lower)
    side = np.sign(y - columns["mean"])
    near = ~outside & ((y > columns["near_upper"]) | (y < columns["near_lower"]))
    run = np.zeros(n, dtype=bool)
    trend = np.zeros(n, dtype=bool)
    two = np.zeros(n, dtype=bool)
    for rows in _stretches(months, segment):
        run[rows] = run_one_side(side[rows])
        trend[rows] = trend_points(y[rows])
        two[rows] = two_in_three(near[rows], side[rows])
    special = outside | run | trend | two
    return {
        "period": labels,
        "value": y,
        "segment": segment,
        "segment_start": segment_start,
        "segment_points": segment_points,
        "break_reason": break_reason,
        **columns,
        "is_outside_limits": outside,
        "is_run": run,
        "is_trend": trend,
        "is_two_in_three": two,
        "is_special_cause": special,
        "variation": variations(special, side, polarity),
    }


# -- every force of one indicator -------------------------------------------------------------


def spc_frame(ind: Indicator, frame: pd.DataFrame) -> pd.DataFrame:
    """The XmR chart of every force's monthly values (no breakdown) of one indicator, from its
    comparison frame (``compare``); no rows for an indicator with no monthly values."""
    monthly = frame[
        (frame.period_type == "month") & (frame.breakdown == "all") & ~frame.is_suppressed
    ]
    monthly = monthly[np.isfinite(monthly.value.to_numpy(float))]
    declared = markers()
    parts = []
    for code, rows in monthly.groupby("force_code", sort=True):
        columns = _xmr_columns(
            list(rows.period),
            list(rows.value.astype(float)),
            declared.breaks_for(ind.id, str(code)),
            ind.polarity,
        )
        columns["force_code"] = np.full(len(rows), code, dtype=object)
        parts.append(columns)
    if not parts:
        return pd.DataFrame(columns=list(SPC_COLUMNS))
    out = pd.DataFrame(
        {name: np.concatenate([np.asarray(p[name]) for p in parts]) for name in parts[0]}
    )
    out["indicator_id"] = ind.id
    out["definition_version"] = ind.version
    return out.loc[:, list(SPC_COLUMNS)]


def latest_variation(chart: pd.DataFrame) -> dict[str, Any]:
    """The icon for a force profile: the latest month's variation, with its segment's size.

    ``variation`` is None when the segment has fewer than ``MIN_POINTS`` months (too few for
    reliable limits), with the reason in ``note``.
    """
    last = chart.sort_values("period").iloc[-1]
    enough = int(last.segment_points) >= MIN_POINTS
    return {
        "period": str(last.period),
        "variation": str(last.variation) if enough else None,
        "segment_start": str(last.segment_start),
        "segment_points": int(last.segment_points),
        "note": None
        if enough
        else f"only {int(last.segment_points)} months since {last.segment_start}: "
        f"fewer than {MIN_POINTS}, too few for reliable limits",
    }


# -- reading the stored charts ----------------------------------------------------------------


def _monthly(indicator_id: str) -> Indicator:
    ind = load_catalogue().indicator(indicator_id)
    if "month" not in ind.periods:
        monthly = [i.id for i in load_catalogue().indicators.values() if "month" in i.periods]
        raise OpenPeelError(
            f"{indicator_id} has no monthly values, so no SPC chart",
            hint="monthly indicators: " + ", ".join(monthly),
        )
    return ind


def read_spc(wh: Warehouse, indicator_id: str, force: str) -> pd.DataFrame:
    """One force's stored XmR chart of a monthly indicator, in time order."""
    _monthly(indicator_id)
    code = resolve(force).code
    frame = wh.execute(
        "SELECT s.*, f.name AS force_name FROM out_indicator_spc s "
        "JOIN ref_force f USING (force_code) WHERE s.indicator_id = ? AND s.force_code = ? "
        "ORDER BY s.period",
        [indicator_id, code],
    ).df()
    if frame.empty:
        raise OpenPeelError(
            f"no SPC chart of {indicator_id} for {force} in {wh.home}",
            hint="run `openpeel indicators compute`; a force with no monthly values has none",
        )
    return frame


def spc_summary(wh: Warehouse, indicator_id: str) -> list[dict[str, Any]]:
    """Every force's latest month of a monthly indicator with its variation icon (None, with a
    note, when the segment is too short for reliable limits)."""
    _monthly(indicator_id)
    frame = wh.execute(
        "SELECT s.*, f.name AS force_name FROM out_indicator_spc s "
        "JOIN ref_force f USING (force_code) WHERE s.indicator_id = ? ORDER BY f.name, s.period",
        [indicator_id],
    ).df()
    rows = []
    for (code, name), chart in frame.groupby(["force_code", "force_name"], sort=False):
        last = chart.iloc[-1]
        rows.append(
            {
                "force_code": code,
                "force_name": name,
                "value": float(last.value),
                "mean": float(last["mean"]),
                "lower_limit": _float(last.lower_limit),
                "upper_limit": _float(last.upper_limit),
                "special_cause_months": int(chart.is_special_cause.sum()),
                "months": len(chart),
                **latest_variation(chart),
            }
        )
    return rows


def _float(x: object) -> float | None:
    f = float(x)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None
