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

from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.funnel import LEVELS, funnel_limits, outside, overdispersion_many
from openpeel.indicators.periods import ordinal, per_period, phase, previous
from openpeel.indicators.stats import (
    poisson_rate_interval,
    proportion_change_test,
    rate_change_test,
    rate_ratio_interval,
    wilson_interval,
)
from openpeel.indicators.trends import trend_many
from openpeel.warehouse.catalog import load_schema

#: the ONS code of England and Wales: a measure row with it is the published national value
NATIONAL = "K04000001"
#: significance level of the change and trend tests
ALPHA = 0.05
#: the trend is judged over at most this many periods, ending with the period itself
TREND_WINDOW = 6

#: the columns of out_indicator_values, as declared in warehouse/schema/60_out.toml
OUT_COLUMNS = load_schema()["out_indicator_values"].column_names

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
    group: np.ndarray,
    groups: int,
    shown: np.ndarray,
    columns: dict[str, np.ndarray],
) -> np.ndarray:
    """Each group's England and Wales value pooled from its shown forces (nan if none)."""
    g = group[shown]

    def total(name: str) -> np.ndarray:
        return np.bincount(g, columns[name][shown], minlength=groups)

    with np.errstate(divide="ignore", invalid="ignore"):
        if ind.unit == "share":
            return np.asarray(total("num") / total("den"))
        if ind.unit == "per_1000":
            return np.asarray(1000.0 * total("num") / total("den"))
        if ind.unit == "rate_ratio":
            return np.asarray((total("num") / total("exp_num")) / (total("den") / total("exp_den")))
        return np.asarray(total("value") / np.bincount(g, minlength=groups))


def compare(
    ind: Indicator, frame: pd.DataFrame, territorial: set[str], peers: PeersFn
) -> pd.DataFrame:
    """Every comparison for one indicator; one row per territorial force, period, breakdown.

    A comparison is a group of rows with the same period and breakdown value; every group is
    computed at once, with numpy over group numbers.
    """
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
    columns = {
        "num": frame.numerator.to_numpy(float),
        "den": frame.denominator.to_numpy(float),
        "exp_num": frame.exposure_numerator.to_numpy(float),
        "exp_den": frame.exposure_denominator.to_numpy(float),
        "value": frame.value.to_numpy(float),
    }
    num, den, value = columns["num"], columns["den"], columns["value"]
    keys = ["period_type", "period", "breakdown", "breakdown_value"]
    group = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    groups = int(group.max()) + 1
    shown = ~suppressed & np.isfinite(value)
    # a force a comparison rule leaves out keeps its value but is not ranked or placed on the
    # funnel (indicators/definitions/30_comparison_rules.toml); E&W and peer values keep it
    left_out = frame.force_code.isin(list(load_catalogue().left_out(ind))).to_numpy()
    compared = shown & ~left_out
    # the England and Wales value: the published one where there is one, else the pooled one
    target = _national(ind, group, groups, shown, columns)
    if national:
        _, first = np.unique(group, return_index=True)
        for number, row in enumerate(first):
            labels = tuple(str(frame.at[row, k]) for k in keys[:3])
            if labels in national:
                target[number] = national[labels]
    ranked = np.bincount(group[compared], minlength=groups)
    rank = np.full(len(frame), np.nan)
    rank[compared] = _rank_highest_first(group[compared], value[compared])
    force_index, membership = _peer_matrix(frame.force_code.to_numpy(str), peers)
    peer = _peer_means(membership, group, groups, force_index, shown, value)
    f95, f998 = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    overdispersed = np.full(len(frame), np.nan)
    declared = load_catalogue().unit(ind.unit)
    if declared.funnel:
        kind = cast(Literal["proportion", "rate"], declared.funnel)
        scale = declared.per
        eligible = (ranked >= 3) & np.isfinite(target)
        units = np.flatnonzero(compared & eligible[group])
        g = group[units]
        od = overdispersion_many(
            num[units] / den[units], den[units], target[g] / scale, g, groups, kind
        )
        # unknown where no unit has a z-score (a pooled share of 0 or 1 has no spread)
        overdispersed[units] = np.where(od.n_units[g] > 0, od.is_overdispersed[g], np.nan)
        tau2 = np.where(od.is_overdispersed, od.tau2, 0.0)[g]  # as `applied_tau2`
        # every comparison's funnel limits in one call
        limits = funnel_limits(target[g] / scale, den[units], kind, LEVELS, tau2)
        share = num[units] / den[units]
        f95[units] = outside(share, *limits[LEVELS[0]])
        f998[units] = outside(share, *limits[LEVELS[1]])
    frame["ew_value"], frame["peer_value"] = target[group], peer
    frame["rank"] = pd.Series(rank).astype("Int64")
    frame["forces_ranked"] = ranked[group]
    frame["is_highest"] = rank == 1
    frame["is_lowest"] = compared & (rank == ranked[group]) & (ranked[group] > 1)
    frame["funnel_95"] = pd.Series(f95).astype("Int8")
    frame["funnel_998"] = pd.Series(f998).astype("Int8")
    frame["is_overdispersed"] = pd.Series(overdispersed).astype("boolean")
    out = _changes(ind, frame)
    out["indicator_id"] = ind.id
    out["definition_version"] = ind.version
    return out.loc[:, list(OUT_COLUMNS)]


def _rank_highest_first(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rank within each group, 1 for the highest value; ties share the best rank ("min", as in
    competitions)."""
    order = np.lexsort((-values, group))
    g, v = group[order], values[order]
    place = np.arange(len(order))
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_value = new_group.copy()
    new_value[1:] |= v[1:] != v[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, place, 0))
    tie_start = np.maximum.accumulate(np.where(new_value, place, 0))
    rank = np.empty(len(order), dtype=np.float64)
    rank[order] = tie_start - group_start + 1
    return rank


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
    membership: np.ndarray,
    group: np.ndarray,
    groups: int,
    force_index: np.ndarray,
    shown: np.ndarray,
    value: np.ndarray,
) -> np.ndarray:
    """Each row's peer value: the simple mean of its force's group's shown values in the same
    comparison, the force included (nan when none is shown)."""
    forces = membership.shape[0]
    cell = group[shown] * forces + force_index[shown]
    sums = np.bincount(cell, value[shown], minlength=groups * forces).reshape(groups, forces)
    counts = np.bincount(cell, minlength=groups * forces).reshape(groups, forces)
    peer_sums = (sums @ membership.T)[group, force_index]
    peer_counts = (counts @ membership.T)[group, force_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(peer_counts > 0, peer_sums / peer_counts, np.nan))


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
    times are the periods' positions relative to the window's first period (gaps count). The
    rolling 12 months of a series are judged by phase (``periods.phase``): the window of the 12
    months to June 2016 is the 12 months to each June, which do not overlap.
    """
    shown = out[~out.is_suppressed]
    if not len(shown):
        return
    shown = shown.assign(_phase=per_period(shown, phase, np.int64))
    series = [*series, "_phase"]
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
