"""Funnel plots for comparing forces: control limits, over-dispersion and outlier flags.

Methods follow Spiegelhalter (2005a), "Funnel plots for comparing institutional performance",
Stat Med 24:1185-1202 (doi:10.1002/sim.1970), and Spiegelhalter (2005b), "Handling
over-dispersion of performance indicators", Qual Saf Health Care 14:347-351
(doi:10.1136/qshc.2005.013755), as implemented for the CQC in FunnelPlotR
(https://nhs-r-community.github.io/FunnelPlotR/): z-scores Winsorised at 10% at each end, a
dispersion ratio phi, and the DerSimonian-Laird additive random-effects variance tau2.

Scales (tau2 is only meaningful on the scale it was estimated on, and the same scale is used by
`overdispersion` and `funnel_limits`):

* ``"proportion"``: the natural scale, y = k/n with s^2 = target(1-target)/n (Spiegelhalter 2005b,
  Table 1, "proportion"); random-effects limits target +/- z sqrt(s^2 + tau2).
* ``"rate"``: the square-root scale, y = sqrt(rate) with s^2 = per/(4 exposure), the Poisson
  variance-stabilising transform (Spiegelhalter 2005b, Table 1; FunnelPlotR's "CQC" method);
  random-effects limits (sqrt(target) +/- z sqrt(s^2 + tau2))^2, the lower root clipped at 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped, unused-ignore]
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]

Kind = Literal["proportion", "rate"]
LimitMethod = Literal["exact", "normal"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int8]

#: the conventional funnel levels: about 2 and 3 standard deviations
LEVELS = (0.95, 0.998)
#: Spiegelhalter (2005b) and the CQC Winsorise 10% of z-scores at each end
WINSORISE = 0.10
#: significance level of the chi-square test for over-dispersion
OVERDISPERSION_ALPHA = 0.05


@dataclass(frozen=True)
class Overdispersion:
    """The dispersion of units around a target (Spiegelhalter 2005b).

    ``phi`` is the mean of squared Winsorised z-scores; ``tau2`` the DerSimonian-Laird additive
    between-unit variance on the kind's scale (see the module docstring), 0 when
    ``n_units * phi <= n_units - 1``; ``p_value`` is the chi-square test of ``n_units * phi``
    on ``n_units - 1`` degrees of freedom and ``is_overdispersed`` is ``p_value < 0.05``.
    """

    phi: float
    tau2: float
    n_units: int
    is_overdispersed: bool
    p_value: float


@dataclass(frozen=True)
class FunnelResult:
    """Per-unit funnel limits and flags (-1 below the lower limit, +1 above the upper, else 0)."""

    lower95: FloatArray
    upper95: FloatArray
    lower998: FloatArray
    upper998: FloatArray
    outside95: IntArray
    outside998: IntArray
    overdispersion: Overdispersion
    #: the tau2 actually added to the limits (0 unless adjusting and over-dispersed)
    tau2_applied: float


def _check_kind(kind: str) -> None:
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind must be 'proportion' or 'rate', not {kind!r}")


@cache
def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, not {level}")
    return float(sps.norm.ppf(0.5 + level / 2.0))


def _interpolated_limit(
    dist: Any, args: tuple[FloatArray, ...], tail: float, upper: bool
) -> FloatArray:
    """Spiegelhalter's interpolated limit (in counts) of a discrete distribution with cdf F.

    Lower (Spiegelhalter 2005a, appendix A.1.1): r = the smallest count with F(r) >= tail and
    a = (F(r) - tail) / P(r); the limit is r - a. Upper, its mirror image (as in the Spiegelhalter
    group's R funnel code, ``qbinom.interp``): r = the smallest count with F(r) >= 1 - tail, the
    same a with 1 - tail, and the limit r + 1 - a. This smooths the steps of the discrete
    quantiles, and a count is outside a limit exactly when its one-sided exact tail
    probability is below ``tail``. ``dist`` is a scipy discrete distribution and ``args`` its
    shape parameters (not frozen: freezing one per call costs more than the quantiles).
    """
    prob = 1.0 - tail if upper else tail
    r = np.asarray(dist.ppf(prob, *args), dtype=np.float64)
    f_r = np.asarray(dist.cdf(r, *args), dtype=np.float64)
    pmf = np.asarray(dist.pmf(r, *args), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(pmf > 0, (f_r - prob) / pmf, 0.0)
    return np.asarray(r + (1.0 if upper else 0.0) - a, dtype=np.float64)


def _scale_sd(
    target: float | FloatArray, precision: FloatArray, kind: Kind, per: float
) -> FloatArray:
    """The within-unit standard error s on the kind's scale (module docstring)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "proportion":
            return np.asarray(np.sqrt(target * (1.0 - target) / precision), dtype=np.float64)
        return np.asarray(np.sqrt(per / (4.0 * precision)), dtype=np.float64)


def _check_target(target: float | FloatArray, kind: Kind) -> None:
    t = np.asarray(target, dtype=np.float64)
    if kind == "proportion" and not np.all((t >= 0.0) & (t <= 1.0)):
        raise ValueError(f"a proportion target must lie in [0, 1], not {target}")
    if kind == "rate" and not np.all(t >= 0.0):
        raise ValueError(f"a rate target must be >= 0, not {target}")


def funnel_limits(
    target: float | npt.ArrayLike,
    precision: npt.ArrayLike,
    kind: Kind,
    levels: Sequence[float] = LEVELS,
    tau2: float | npt.ArrayLike = 0.0,
    *,
    method: LimitMethod = "exact",
    per: float = 1.0,
) -> dict[float, tuple[FloatArray, FloatArray]]:
    """Funnel control limits around ``target`` for each precision (Spiegelhalter 2005a, 2005b).

    ``precision`` is the denominator n for proportions and the exposure for rates (the rate is
    count / exposure * ``per``). Returns ``{level: (lower, upper)}``. ``target`` and ``tau2``
    may be arrays matching ``precision`` (one per unit), so that the funnels of many
    comparisons are computed in one call.

    With ``tau2 == 0`` and ``method="exact"`` the limits are Spiegelhalter's (2005a, appendix)
    interpolated quantiles (`_interpolated_limit`) of Binomial(n, target) / n (n rounded to a
    whole number) or of Poisson(target * exposure / per) * per / exposure. With
    ``method="normal"`` or ``tau2 > 0`` they are the normal (random-effects) limits on the
    kind's scale: target +/- z sqrt(target (1 - target) / n + tau2) for proportions and
    (sqrt(target) +/- z sqrt(per / (4 exposure) + tau2))^2 for rates (Spiegelhalter 2005b;
    FunnelPlotR "CQC"). Limits are clipped to [0, 1] for proportions and to >= 0 for rates; a
    precision <= 0 or nan gives nan limits.
    """
    _check_kind(kind)
    _check_target(np.asarray(target, dtype=np.float64), kind)
    if not np.all(np.asarray(tau2, dtype=np.float64) >= 0.0):
        raise ValueError(f"tau2 must be >= 0, not {tau2!r}")
    if method not in ("exact", "normal"):
        raise ValueError(f"method must be 'exact' or 'normal', not {method!r}")
    n, t, extra = np.broadcast_arrays(
        np.asarray(precision, dtype=np.float64),
        np.asarray(target, dtype=np.float64),
        np.asarray(tau2, dtype=np.float64),
    )
    bad = ~(np.isfinite(n) & (n > 0))
    safe_n = np.where(bad, 1.0, n)
    normal = (extra > 0.0) | (method == "normal")
    exact = ~normal
    out: dict[float, tuple[FloatArray, FloatArray]] = {}
    for level in levels:
        z = _z(level)
        lower, upper = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
        if normal.any():
            tn, nn = t[normal], safe_n[normal]
            sd = np.sqrt(_scale_sd(tn, nn, kind, per) ** 2 + extra[normal])
            if kind == "proportion":
                lower[normal], upper[normal] = tn - z * sd, tn + z * sd
            else:
                root = np.sqrt(tn)
                lower[normal] = np.maximum(root - z * sd, 0.0) ** 2
                upper[normal] = (root + z * sd) ** 2
        if exact.any():
            tail = (1.0 - level) / 2.0
            te, ne = t[exact], safe_n[exact]
            dist: Any
            args: tuple[FloatArray, ...]
            if kind == "proportion":
                dist, args = sps.binom, (np.rint(ne), np.asarray(te, dtype=np.float64))
                scale = 1.0 / np.rint(ne)
            else:
                dist, args = sps.poisson, (te * ne / per,)
                scale = per / ne
            lower[exact] = _interpolated_limit(dist, args, tail, upper=False) * scale
            upper[exact] = _interpolated_limit(dist, args, tail, upper=True) * scale
        top = 1.0 if kind == "proportion" else np.inf
        lo = np.where(bad, np.nan, np.clip(lower, 0.0, top))
        hi = np.where(bad, np.nan, np.clip(upper, 0.0, top))
        out[level] = (np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64))
    return out


def _valid_units(
    values: npt.ArrayLike, precision: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    v, n = np.broadcast_arrays(
        np.asarray(values, dtype=np.float64), np.asarray(precision, dtype=np.float64)
    )
    ok = np.isfinite(v) & np.isfinite(n) & (n > 0) & (v >= 0)
    return v, n, ok


def z_scores(
    values: npt.ArrayLike, precision: npt.ArrayLike, target: float, kind: Kind, *, per: float = 1.0
) -> FloatArray:
    """Unadjusted z-scores on the kind's scale (Spiegelhalter 2005b, Table 1); nan if invalid.

    Proportions: (p - target) / sqrt(target (1 - target) / n); rates: (sqrt(rate) -
    sqrt(target)) / sqrt(per / (4 exposure)), i.e. 2 (sqrt(count) - sqrt(expected count)).
    """
    _check_kind(kind)
    _check_target(target, kind)
    if kind == "proportion" and target in (0.0, 1.0):
        raise ValueError("z-scores need a proportion target strictly between 0 and 1")
    v, n, ok = _valid_units(values, precision)
    z, _ = _standardised(v, np.where(ok, n, 1.0), target, kind, per)
    return np.asarray(np.where(ok, z, np.nan), dtype=np.float64)


def _standardised(
    values: FloatArray, precision: FloatArray, target: float | FloatArray, kind: Kind, per: float
) -> tuple[FloatArray, FloatArray]:
    """z-scores and the standard errors s on the kind's scale (see `z_scores`), unit by unit."""
    s = _scale_sd(target, precision, kind, per)
    if kind == "proportion":
        return np.asarray((values - target) / s, dtype=np.float64), s
    centre = np.sqrt(target)
    return np.asarray((np.sqrt(np.abs(values)) - centre) / s, dtype=np.float64), s


def overdispersion(
    values: npt.ArrayLike,
    precision: npt.ArrayLike,
    target: float,
    kind: Kind,
    winsorise: float = WINSORISE,
    *,
    per: float = 1.0,
) -> Overdispersion:
    """Dispersion phi and DerSimonian-Laird tau2 of the units (Spiegelhalter 2005b).

    1. z-scores on the kind's scale (`z_scores`); units with nan values or precision <= 0 are
       left out, and ``n_units`` (I) counts the rest.
    2. Winsorise: z-scores below the ``winsorise`` quantile or above the ``1 - winsorise``
       quantile (linear interpolation, R's type 7, as in FunnelPlotR) are set to those quantiles.
    3. phi = mean of the squared Winsorised z-scores.
    4. tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2, and 0 when
       I phi <= I - 1 (DerSimonian and Laird 1986, Control Clin Trials 7:177).
    5. Over-dispersed when I phi exceeds the 95th percentile of chi-square on I - 1 degrees of
       freedom (the heterogeneity test behind the DerSimonian-Laird estimator; I - 1 because the
       target is usually the pooled value estimated from the same units).
    """
    _check_kind(kind)
    _check_target(target, kind)
    if kind == "proportion" and target in (0.0, 1.0):
        raise ValueError("z-scores need a proportion target strictly between 0 and 1")
    v, n = np.broadcast_arrays(
        np.asarray(values, dtype=np.float64), np.asarray(precision, dtype=np.float64)
    )
    groups = np.zeros(v.shape, dtype=np.int64)
    many = overdispersion_many(v, n, np.full(v.shape, target), groups, 1, kind, winsorise, per=per)
    return many.at(0)


@dataclass(frozen=True)
class OverdispersionMany:
    """`Overdispersion` of many groups of units at once: one array element per group."""

    phi: FloatArray
    tau2: FloatArray
    n_units: npt.NDArray[np.int64]
    is_overdispersed: npt.NDArray[np.bool_]
    p_value: FloatArray

    def at(self, group: int) -> Overdispersion:
        return Overdispersion(
            float(self.phi[group]),
            float(self.tau2[group]),
            int(self.n_units[group]),
            bool(self.is_overdispersed[group]),
            float(self.p_value[group]),
        )


def overdispersion_many(
    values: FloatArray,
    precision: FloatArray,
    target: FloatArray,
    group: npt.NDArray[np.integer[Any]],
    groups: int,
    kind: Kind,
    winsorise: float = WINSORISE,
    *,
    per: float = 1.0,
) -> OverdispersionMany:
    """`overdispersion` for every group of units in one pass (the steps of its docstring).

    ``group`` numbers each unit's group (0 to ``groups`` - 1) and ``target`` is each unit's
    group target. A group whose proportion target is 0 or 1 has no z-scores: it is treated as
    having no valid units (phi nan, tau2 0, not over-dispersed).
    """
    if not 0.0 <= winsorise < 0.5:
        raise ValueError(f"winsorise must lie in [0, 0.5), not {winsorise}")
    _check_kind(kind)
    v, n, ok = _valid_units(values, precision)
    t = np.asarray(target, dtype=np.float64)
    ok = ok & np.isfinite(t) & (t >= 0.0)
    if kind == "proportion":
        ok &= (t > 0.0) & (t < 1.0)
    g = group[ok]
    z, s = _standardised(v[ok], n[ok], t[ok], kind, per)
    units = np.bincount(g, minlength=groups).astype(np.int64)
    # Winsorise within each group: sort by group then z, take R type 7 quantiles per group
    order = np.lexsort((z, g))
    g, z, s = g[order], z[order], s[order]
    first = np.concatenate([[0], np.cumsum(units)[:-1]])
    lo = _sorted_quantile(z, first, units, winsorise)
    hi = _sorted_quantile(z, first, units, 1.0 - winsorise)
    clipped = np.clip(z, lo[g], hi[g])
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.bincount(g, clipped**2, minlength=groups) / units
        w = 1.0 / s**2
        sum_w = np.bincount(g, w, minlength=groups)
        sum_w2 = np.bincount(g, w**2, minlength=groups)
        excess = units * phi - (units - 1)
        tau2 = np.where(excess > 0, excess / (sum_w - sum_w2 / sum_w), 0.0)
    several = units >= 2
    tau2 = np.where(several, tau2, 0.0)
    p_value = np.full(groups, np.nan)
    p_value[several] = special.chdtrc(units[several] - 1, units[several] * phi[several])
    over = several & (p_value < OVERDISPERSION_ALPHA)
    return OverdispersionMany(phi, tau2, units, over, p_value)


def _sorted_quantile(
    z: FloatArray, first: npt.NDArray[np.int64], units: npt.NDArray[np.int64], q: float
) -> FloatArray:
    """Each group's ``q`` quantile (R type 7, numpy's "linear", computed as numpy does) of
    ``z`` sorted within groups that start at ``first`` and hold ``units`` values; nan when a
    group is empty."""
    if not len(z):
        return np.full(len(units), np.nan)
    has = units > 0
    virtual = np.where(has, (units - 1) * q, 0.0)
    below = np.floor(virtual)
    gamma = virtual - below
    # the value at the virtual index and the next one in the same group (indices of empty
    # groups are only kept in range: their result is nan)
    at = np.minimum(first + below.astype(np.int64), len(z) - 1)
    nxt = np.minimum(at + 1, np.clip(first + units - 1, 0, len(z) - 1))
    a, b = z[at], z[nxt]
    diff = b - a
    value = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return np.asarray(np.where(has, value, np.nan), dtype=np.float64)


def funnel_flags(
    values: npt.ArrayLike,
    precision: npt.ArrayLike,
    target: float,
    kind: Kind,
    adjust: bool = True,
    *,
    method: LimitMethod = "exact",
    per: float = 1.0,
    winsorise: float = WINSORISE,
) -> FunnelResult:
    """Place each unit on the funnel at 95% and 99.8% (Spiegelhalter 2005a, 2005b).

    The over-dispersion of the units is always estimated (`overdispersion`). With ``adjust``
    the DerSimonian-Laird tau2 is added to the limits only when the indicator is over-dispersed
    by the chi-square test (otherwise the plain limits of ``method`` are used), as the CQC and
    FunnelPlotR do. A unit is flagged +1 when its value is strictly above the upper limit and
    -1 when strictly below the lower limit; units with nan values or limits are flagged 0.
    """
    od = overdispersion(values, precision, target, kind, winsorise, per=per)
    tau2 = applied_tau2(od, adjust)
    limits = funnel_limits(target, precision, kind, LEVELS, tau2, method=method, per=per)
    v = np.asarray(values, dtype=np.float64)
    flags = [outside(v, *limits[level]) for level in LEVELS]
    (l95, u95), (l998, u998) = limits[LEVELS[0]], limits[LEVELS[1]]
    return FunnelResult(l95, u95, l998, u998, flags[0], flags[1], od, tau2)


def applied_tau2(od: Overdispersion, adjust: bool = True) -> float:
    """The tau2 to add to the limits: the estimate only when adjusting and over-dispersed."""
    return od.tau2 if adjust and od.is_overdispersed else 0.0


def outside(values: npt.ArrayLike, lower: FloatArray, upper: FloatArray) -> IntArray:
    """+1 strictly above the upper limit, -1 strictly below the lower, else 0 (nan gives 0)."""
    v = np.asarray(values, dtype=np.float64)
    return np.asarray(np.where(v > upper, 1, np.where(v < lower, -1, 0)), dtype=np.int8)
