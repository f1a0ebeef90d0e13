"""Compare every force with England and Wales and its peers, per indicator, period and breakdown.

Input: the numerators and denominators of one indicator (``aggregate.indicator_frame``).
Output: one row per territorial force, period and breakdown value with the value and its 95%
interval, the England and Wales and peer-group values, the rank, the funnel-plot flags, the
change since the previous period and the trend. Everything here runs on small frames in Python,
whatever engine produced the sums.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from openpeel.indicators.catalogue import Indicator
from openpeel.indicators.funnel import funnel_flags
from openpeel.indicators.periods import ordinal, previous, sort_key
from openpeel.indicators.stats import (
    poisson_rate_interval,
    proportion_change_test,
    rate_change_test,
    rate_ratio_interval,
    wilson_interval,
)
from openpeel.indicators.trends import trend_many

#: the ONS code of England and Wales: a measure row with it is the published national value
NATIONAL = "K04000001"
#: significance level of the change and trend tests
ALPHA = 0.05
#: the trend is judged over at most this many periods, ending with the period itself
TREND_WINDOW = 6

OUT_COLUMNS = (
    "indicator_id",
    "definition_version",
    "period_type",
    "period",
    "breakdown",
    "breakdown_value",
    "force_code",
    "numerator",
    "denominator",
    "value",
    "lower",
    "upper",
    "is_suppressed",
    "ew_value",
    "peer_value",
    "rank",
    "forces_ranked",
    "is_highest",
    "is_lowest",
    "funnel_95",
    "funnel_998",
    "is_overdispersed",
    "previous_period",
    "change_p",
    "change",
    "trend",
    "trend_p",
    "trend_periods",
    "denominator_note",
)

PeersFn = Callable[[str], list[str]]


def _values(ind: Indicator, f: pd.DataFrame) -> pd.DataFrame:
    """value, lower and upper for each row (before suppression)."""
    num, den = f.numerator.to_numpy(float), f.denominator.to_numpy(float)
    f = f.copy()
    if ind.unit == "share":
        with np.errstate(divide="ignore", invalid="ignore"):
            f["value"] = num / den
        f["lower"], f["upper"] = wilson_interval(np.clip(num, 0, None), den)
    elif ind.unit == "per_1000":
        with np.errstate(divide="ignore", invalid="ignore"):
            f["value"] = 1000.0 * num / den
        f["lower"], f["upper"] = poisson_rate_interval(num, den, per=1000.0)
    elif ind.unit == "rate_ratio":
        ratio, lower, upper = rate_ratio_interval(
            num, f.exposure_numerator.to_numpy(float), den, f.exposure_denominator.to_numpy(float)
        )
        f["value"], f["lower"], f["upper"] = ratio, lower, upper
    else:  # score: the value is published as it is, with no interval
        f["value"], f["lower"], f["upper"] = num, np.nan, np.nan
    return f


def _suppressed(ind: Indicator, f: pd.DataFrame) -> np.ndarray:
    if ind.unit == "score":
        return np.asarray(f.numerator.isna().to_numpy(), dtype=bool)
    if ind.unit == "rate_ratio":
        small = (f.numerator.fillna(0) < ind.minimum_denominator) | (
            f.denominator.fillna(0) < ind.minimum_denominator
        )
        return np.asarray(small.to_numpy() | f.value.isna().to_numpy(), dtype=bool)
    den = f.denominator.to_numpy(float)
    return np.asarray(~(den >= ind.minimum_denominator) | f.value.isna().to_numpy(), dtype=bool)


def _national(ind: Indicator, group: pd.DataFrame, national: pd.DataFrame | None) -> float:
    """The England and Wales value: the 43 forces pooled, or the published national value."""
    if national is not None and len(national):
        return float(national.numerator.iloc[0])
    shown = group[~group.is_suppressed]
    if not len(shown):
        return float("nan")
    if ind.unit == "share":
        return float(shown.numerator.sum() / shown.denominator.sum())
    if ind.unit == "per_1000":
        return float(1000.0 * shown.numerator.sum() / shown.denominator.sum())
    if ind.unit == "rate_ratio":
        return float(
            (float(shown.numerator.sum()) / float(shown.exposure_numerator.sum()))
            / (float(shown.denominator.sum()) / float(shown.exposure_denominator.sum()))
        )
    return float(shown.value.mean())


def _funnel(ind: Indicator, group: pd.DataFrame, target: float) -> pd.DataFrame:
    group = group.copy()
    group["funnel_95"] = pd.array([pd.NA] * len(group), dtype="Int8")
    group["funnel_998"] = pd.array([pd.NA] * len(group), dtype="Int8")
    group["is_overdispersed"] = pd.array([pd.NA] * len(group), dtype="boolean")
    shown = group[~group.is_suppressed]
    if ind.unit not in ("share", "per_1000") or len(shown) < 3 or not np.isfinite(target):
        return group
    kind: Literal["proportion", "rate"] = "proportion" if ind.unit == "share" else "rate"
    values = shown.numerator.to_numpy(float) / shown.denominator.to_numpy(float)
    scale = 1.0 if ind.unit == "share" else 1000.0
    result = funnel_flags(values, shown.denominator.to_numpy(float), target / scale, kind)
    group.loc[shown.index, "funnel_95"] = result.outside95
    group.loc[shown.index, "funnel_998"] = result.outside998
    group.loc[shown.index, "is_overdispersed"] = result.overdispersion.is_overdispersed
    return group


def _rank(group: pd.DataFrame) -> pd.DataFrame:
    group = group.copy()
    shown = ~group.is_suppressed & group.value.notna()
    ranks = group.loc[shown, "value"].rank(ascending=False, method="min")
    group["rank"] = pd.array([pd.NA] * len(group), dtype="Int64")
    group.loc[shown, "rank"] = ranks.astype("int64")
    n = int(shown.sum())
    group["forces_ranked"] = n
    group["is_highest"] = (group["rank"] == 1).fillna(False).astype(bool)
    group["is_lowest"] = (group["rank"] == n).fillna(False).astype(bool) & (n > 1)
    return group


def compare(
    ind: Indicator, frame: pd.DataFrame, territorial: set[str], peers: PeersFn
) -> pd.DataFrame:
    """Every comparison for one indicator; one row per territorial force, period, breakdown."""
    frame = _values(ind, frame)
    national_rows = frame[frame.force_code == NATIONAL]
    frame = frame[frame.force_code.isin(territorial)].copy()
    frame["is_suppressed"] = _suppressed(ind, frame)
    for col in ("value", "lower", "upper"):
        frame.loc[frame.is_suppressed, col] = np.nan
    keys = ["period_type", "period", "breakdown", "breakdown_value"]
    parts = []
    for key, group in frame.groupby(keys, dropna=False, sort=False):
        ptype, period, breakdown, _bvalue = key
        national = national_rows[
            (national_rows.period_type == ptype)
            & (national_rows.period == period)
            & (national_rows.breakdown == breakdown)
        ]
        target = _national(ind, group, national)
        group = _funnel(ind, _rank(group), target)
        group["ew_value"] = target
        by_force = dict(zip(group.force_code, group.value, strict=True))
        group["peer_value"] = [_peer_mean(code, by_force, peers) for code in group.force_code]
        parts.append(group)
    if not parts:
        return pd.DataFrame(columns=list(OUT_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out = _changes(ind, out)
    out["indicator_id"] = ind.id
    out["definition_version"] = ind.version
    return out.loc[:, list(OUT_COLUMNS)]


def _peer_mean(code: str, by_force: dict[str, float], peers: PeersFn) -> float:
    """The simple mean of the peer group's values, the force itself included."""
    values = [by_force.get(m) for m in peers(code)]
    shown = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(shown)) if shown else float("nan")


def _changes(ind: Indicator, out: pd.DataFrame) -> pd.DataFrame:
    """Change since the previous period (exact or score test) and the trend, per series.

    Vectorised: the previous period is joined by label; the trends of every window are fitted
    together (``trends.trend_many``).
    """
    out = out.reset_index(drop=True)
    out["previous_period"] = [
        previous(t, p) for t, p in zip(out.period_type, out.period, strict=True)
    ]
    out["change_p"], out["trend_p"] = np.nan, np.nan
    out["change"], out["trend"] = None, None
    out["trend_periods"] = 0
    if ind.unit not in ("share", "per_1000") or not len(out):
        return out
    kind: Literal["proportion", "rate"] = "proportion" if ind.unit == "share" else "rate"
    series = ["force_code", "period_type", "breakdown", "breakdown_value"]
    shown = out[~out.is_suppressed]
    before = out[[*series, "period", "previous_period"]].merge(
        shown[[*series, "period", "numerator", "denominator", "value"]].rename(
            columns={"period": "previous_period"}
        ),
        left_on=[*series, "previous_period"],
        right_on=[*series, "previous_period"],
        how="left",
        suffixes=("", "_before"),
    )
    has = (~out.is_suppressed & before.numerator.notna()).to_numpy()
    if has.any():
        b, now = before[has], out[has]
        if kind == "proportion":
            _, p = proportion_change_test(
                b.numerator, b.denominator, now.numerator, now.denominator
            )
        else:
            p = rate_change_test(b.numerator, b.denominator, now.numerator, now.denominator)
        p = np.asarray(p, dtype=float)
        up = now.value.to_numpy(float) > b.value.to_numpy(float)
        out.loc[has, "change_p"] = p
        out.loc[has, "change"] = np.where(
            ~(p < ALPHA), "no significant change", np.where(up, "up", "down")
        )
    _trends(out, series, kind)
    return out


def _trends(out: pd.DataFrame, series: list[str], kind: Literal["proportion", "rate"]) -> None:
    """Fill trend, trend_p and trend_periods for every row with a value."""
    rows, nums, dens, times = [], [], [], []
    shown = out[~out.is_suppressed]
    for _, group in shown.groupby(series, dropna=False, sort=False):
        labels = {
            i: (str(t), str(p))
            for i, t, p in zip(group.index, group.period_type, group.period, strict=True)
        }
        order = sorted(group.index, key=lambda i: sort_key(*labels[i]))
        num = out.loc[order, "numerator"].to_numpy(float)
        den = out.loc[order, "denominator"].to_numpy(float)
        pos = np.asarray([ordinal(*labels[i]) for i in order], dtype=np.float64)
        for k, idx in enumerate(order):
            lo = max(0, k - TREND_WINDOW + 1)
            pad = TREND_WINDOW - (k + 1 - lo)
            rows.append(idx)
            nums.append(np.concatenate([num[lo : k + 1], np.full(pad, np.nan)]))
            dens.append(np.concatenate([den[lo : k + 1], np.full(pad, np.nan)]))
            times.append(np.concatenate([pos[lo : k + 1] - pos[lo], np.full(pad, np.nan)]))
    if not rows:
        return
    direction, _, p = trend_many(np.array(nums), np.array(dens), np.array(times), kind, ALPHA)
    periods = np.isfinite(np.array(nums)).sum(axis=1)
    enough = periods >= 3
    index = np.array(rows)
    out.loc[index[enough], "trend"] = direction[enough]
    out.loc[index[enough], "trend_p"] = p[enough]
    out.loc[index[enough], "trend_periods"] = periods[enough]
