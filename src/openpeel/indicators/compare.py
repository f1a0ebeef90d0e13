"""Compare every force with England and Wales and its peers, per indicator, period and breakdown.

Input: the numerators and denominators of one indicator (``aggregate.indicator_frame``).
Output: one row per territorial force, period and breakdown value with the value and its 95%
interval, the England and Wales and peer-group values, the rank, the funnel-plot flags, the
change since the previous period and the trend. Everything here runs on small frames in Python,
whatever engine produced the sums.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, cast

import numpy as np
import pandas as pd

from openpeel.indicators.catalogue import Indicator
from openpeel.indicators.funnel import LEVELS, applied_tau2, funnel_limits, outside, overdispersion
from openpeel.indicators.periods import ordinal, per_period, previous
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
#: the funnel (and change-test) kind of each unit that has one
FUNNEL_KIND: dict[str, Literal["proportion", "rate"]] = {"share": "proportion", "per_1000": "rate"}
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


def _national(
    ind: Indicator,
    num: np.ndarray,
    den: np.ndarray,
    exp_num: np.ndarray,
    exp_den: np.ndarray,
    value: np.ndarray,
    national: float | None,
) -> float:
    """The England and Wales value: the shown forces pooled, or the published national value."""
    if national is not None:
        return national
    if not len(num):
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        if ind.unit == "share":
            return float(num.sum() / den.sum())
        if ind.unit == "per_1000":
            return float(1000.0 * num.sum() / den.sum())
        if ind.unit == "rate_ratio":
            return float((num.sum() / exp_num.sum()) / (den.sum() / exp_den.sum()))
    return float(np.mean(value))


def compare(
    ind: Indicator, frame: pd.DataFrame, territorial: set[str], peers: PeersFn
) -> pd.DataFrame:
    """Every comparison for one indicator; one row per territorial force, period, breakdown."""
    frame = _values(ind, frame)
    national_rows = frame[frame.force_code == NATIONAL]
    national = {
        (t, p, b): float(v)
        for t, p, b, v in zip(
            national_rows.period_type,
            national_rows.period,
            national_rows.breakdown,
            national_rows.numerator,
            strict=True,
        )
    }
    frame = frame[frame.force_code.isin(territorial)].reset_index(drop=True)
    if not len(frame):
        return pd.DataFrame(columns=list(OUT_COLUMNS))
    suppressed = _suppressed(ind, frame)
    frame["is_suppressed"] = suppressed
    for col in ("value", "lower", "upper"):
        frame.loc[suppressed, col] = np.nan
    n = len(frame)
    num, den = frame.numerator.to_numpy(float), frame.denominator.to_numpy(float)
    exp_num = frame.exposure_numerator.to_numpy(float)
    exp_den = frame.exposure_denominator.to_numpy(float)
    value = frame.value.to_numpy(float)
    codes = frame.force_code.to_numpy(str)
    force_index, membership = _peer_matrix(codes, peers)
    ew, peer, rank = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    ranked = np.zeros(n, dtype=np.int64)
    f95, f998, overdispersed = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    keys = ["period_type", "period", "breakdown", "breakdown_value"]
    kind = FUNNEL_KIND.get(ind.unit)
    scale = 1000.0 if ind.unit == "per_1000" else 1.0
    funnels: list[tuple[np.ndarray, float, float]] = []
    for key, positions in frame.groupby(keys, dropna=False, sort=False).indices.items():
        pos = np.asarray(positions)
        shown = pos[~suppressed[pos] & np.isfinite(value[pos])]
        labels = [str(k) for k in cast(tuple[object, ...], key)]
        ptype, period, breakdown = labels[0], labels[1], labels[2]
        target = _national(
            ind,
            num[shown],
            den[shown],
            exp_num[shown],
            exp_den[shown],
            value[shown],
            national.get((ptype, period, breakdown)),
        )
        ew[pos] = target
        if len(shown):
            rank[shown] = _rank_highest_first(value[shown])
        ranked[pos] = len(shown)
        peer[pos] = _peer_means(membership, force_index[pos], force_index[shown], value[shown])
        if kind is not None and len(shown) >= 3 and np.isfinite(target):
            od = overdispersion(num[shown] / den[shown], den[shown], target / scale, kind)
            overdispersed[shown] = float(od.is_overdispersed)
            funnels.append((shown, target / scale, applied_tau2(od)))
    if kind is not None and funnels:
        # every comparison's funnel limits in one call: far fewer scipy calls than one each
        units = np.concatenate([shown for shown, _, _ in funnels])
        targets = np.concatenate([np.full(len(s), t) for s, t, _ in funnels])
        tau2 = np.concatenate([np.full(len(s), t2) for s, _, t2 in funnels])
        limits = funnel_limits(targets, den[units], kind, LEVELS, tau2)
        share = num[units] / den[units]
        f95[units] = outside(share, *limits[LEVELS[0]])
        f998[units] = outside(share, *limits[LEVELS[1]])
    frame["ew_value"], frame["peer_value"] = ew, peer
    frame["rank"] = pd.Series(rank).astype("Int64")
    frame["forces_ranked"] = ranked
    frame["is_highest"] = rank == 1
    frame["is_lowest"] = (rank == ranked) & (ranked > 1)
    frame["funnel_95"] = pd.Series(f95).astype("Int8")
    frame["funnel_998"] = pd.Series(f998).astype("Int8")
    frame["is_overdispersed"] = pd.Series(overdispersed).astype("boolean")
    out = _changes(ind, frame)
    out["indicator_id"] = ind.id
    out["definition_version"] = ind.version
    return out.loc[:, list(OUT_COLUMNS)]


def _rank_highest_first(values: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest value; ties share the best rank ("min", as in competitions)."""
    descending = np.sort(-values)
    return np.searchsorted(descending, -values, side="left") + 1


def _peer_matrix(codes: np.ndarray, peers: PeersFn) -> tuple[np.ndarray, np.ndarray]:
    """Each row's force as an index, and the forces' peer membership as a 0/1 matrix."""
    forces, force_index = np.unique(codes, return_inverse=True)
    position = {str(code): i for i, code in enumerate(forces)}
    membership = np.zeros((len(forces), len(forces)))
    for row, code in enumerate(forces):
        for member in peers(str(code)):
            if member in position:
                membership[row, position[member]] = 1.0
    return force_index, membership


def _peer_means(
    membership: np.ndarray, rows: np.ndarray, shown: np.ndarray, shown_values: np.ndarray
) -> np.ndarray:
    """Each force's peer value: the simple mean of its group's values, the force included."""
    member = membership[np.ix_(rows, shown)]
    counts = member.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, member @ shown_values / counts, np.nan)


def _changes(ind: Indicator, out: pd.DataFrame) -> pd.DataFrame:
    """Change since the previous period (exact or score test) and the trend, per series.

    Vectorised: the previous period is joined by label; the trends of every window are fitted
    together (``trends.trend_many``).
    """
    out = out.reset_index(drop=True)
    out["previous_period"] = per_period(out, previous, object)
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
    """Fill trend, trend_p and trend_periods for every row with a value.

    Each row's window is the last ``TREND_WINDOW`` shown periods of its series, ending with it;
    times are the periods' positions relative to the window's first period (gaps count).
    """
    shown = out[~out.is_suppressed]
    if not len(shown):
        return
    position = per_period(shown, ordinal, np.float64)
    frame = pd.DataFrame(
        {
            "row": shown.index.to_numpy(),
            "pos": position,
            "num": shown.numerator.to_numpy(float),
            "den": shown.denominator.to_numpy(float),
        }
    )
    frame["series"] = shown.groupby(series, dropna=False, sort=False).ngroup().to_numpy()
    frame = frame.sort_values(["series", "pos"], kind="stable")
    # every row's window, built at once: column j holds the row (TREND_WINDOW - 1 - j) places
    # back in the sorted order, blanked where that crosses into another series
    ser = frame.series.to_numpy()
    count = len(frame)
    columns = {c: frame[c].to_numpy(float) for c in ("num", "den", "pos")}
    windows = {c: np.full((count, TREND_WINDOW), np.nan) for c in columns}
    for j in range(TREND_WINDOW):
        lag = TREND_WINDOW - 1 - j
        same = np.zeros(count, dtype=bool)
        same[lag:] = ser[lag:] == ser[: count - lag]
        for c, values in columns.items():
            shifted = np.full(count, np.nan)
            shifted[lag:] = values[: count - lag]
            windows[c][:, j] = np.where(same, shifted, np.nan)
    num, den = windows["num"], windows["den"]
    tim = windows["pos"] - np.nanmin(windows["pos"], axis=1, keepdims=True)
    index = frame.row.to_numpy()
    direction, _, p = trend_many(num, den, tim, kind, ALPHA)
    periods = np.isfinite(num).sum(axis=1)
    enough = periods >= 3
    out.loc[index[enough], "trend"] = direction[enough]
    out.loc[index[enough], "trend_p"] = p[enough]
    out.loc[index[enough], "trend_periods"] = periods[enough]
