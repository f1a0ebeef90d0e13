"""Statistics for comparing police forces: intervals, change, trend and rate ratios.

Pure and vectorised: numpy arrays (or anything array-like) in, numpy arrays out, broadcast
against each other; no database access. Invalid inputs (a denominator or exposure <= 0, a count
outside its range, nan) give nan rather than an error. Funnel plots live in
`openpeel.indicators.funnel` and are re-exported here.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special as sps_special  # type: ignore[import-untyped, unused-ignore]
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]

from openpeel.indicators.funnel import (
    FunnelResult,
    Overdispersion,
    funnel_flags,
    funnel_limits,
    overdispersion,
    z_scores,
)

__all__ = [
    "FunnelResult",
    "Overdispersion",
    "funnel_flags",
    "funnel_limits",
    "overdispersion",
    "poisson_rate_interval",
    "proportion_change_test",
    "rate_change_test",
    "rate_ratio_interval",
    "suppress",
    "trend_direction",
    "wilson_interval",
    "z_scores",
]

FloatArray = npt.NDArray[np.float64]
Direction = Literal["rising", "falling", "no clear trend"]
NO_TREND: Direction = "no clear trend"


def _a(x: object) -> FloatArray:
    """Any numpy/scipy result as a float array (0-d for scalars)."""
    return np.asarray(x, dtype=np.float64)


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, not {level}")
    return float(sps.norm.ppf(0.5 + level / 2.0))


def wilson_interval(
    k: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for the proportion k/n (Wilson 1927, JASA 22:209-212).

    (p + z^2/2n +/- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), with z the two-sided normal
    quantile for ``level``. Recommended over the Wald interval by Brown, Cai and DasGupta
    (2001, Stat Sci 16:101). n <= 0 or k outside [0, n] gives nan.
    """
    kk, nn = np.broadcast_arrays(_a(k), _a(n))
    z = _z(level)
    bad = ~(np.isfinite(kk) & np.isfinite(nn) & (nn > 0) & (kk >= 0) & (kk <= nn))
    nn = np.where(bad, 1.0, nn)
    p = np.where(bad, 0.0, kk) / nn
    denom = 1.0 + z * z / nn
    centre = (p + z * z / (2.0 * nn)) / denom
    half = z * np.sqrt(p * (1.0 - p) / nn + z * z / (4.0 * nn * nn)) / denom
    # the interval contains p exactly; min/max only absorb rounding at p = 0 or 1
    lower = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
    upper = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    return _a(np.where(bad, np.nan, lower)), _a(np.where(bad, np.nan, upper))


def poisson_rate_interval(
    count: npt.ArrayLike, exposure: npt.ArrayLike, level: float = 0.95, per: float = 1.0
) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood 1936, Biometrika 28:437) interval for the rate count / exposure * per.

    Lower = chi2(alpha/2; 2c) / 2 (0 when c = 0), upper = chi2(1 - alpha/2; 2c + 2) / 2, both
    divided by exposure and multiplied by ``per``. For c = 10 at 95%: 4.795 to 18.390.
    An exposure <= 0 or a negative count gives nan.
    """
    c, e = np.broadcast_arrays(_a(count), _a(exposure))
    _z(level)
    tail = (1.0 - level) / 2.0
    bad = ~(np.isfinite(c) & np.isfinite(e) & (e > 0) & (c >= 0))
    c = np.where(bad, 0.0, c)
    lower_count = np.where(c > 0, _a(sps.chi2.ppf(tail, 2.0 * np.maximum(c, 0.5))) / 2.0, 0.0)
    upper_count = _a(sps.chi2.ppf(1.0 - tail, 2.0 * c + 2.0)) / 2.0
    scale = per / np.where(bad, 1.0, e)
    return (
        _a(np.where(bad, np.nan, lower_count * scale)),
        _a(np.where(bad, np.nan, upper_count * scale)),
    )


def proportion_change_test(
    k1: npt.ArrayLike, n1: npt.ArrayLike, k2: npt.ArrayLike, n2: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Score (pooled) z-test for a change in a proportion from k1/n1 to k2/n2; returns (z, p).

    z = (p2 - p1) / sqrt(pbar (1 - pbar) (1/n1 + 1/n2)), pbar = (k1 + k2) / (n1 + n2), and the
    two-sided p = 2 (1 - Phi(|z|)); z > 0 means the share rose. This is the score test for the
    difference of two binomial proportions, identical to Pearson's chi-square on the 2x2 table
    without continuity correction (Agresti 2013, Categorical Data Analysis, 3rd ed., sec. 3.1
    and 2.4). It is asymptotic: for very small counts prefer Fisher's exact test. When both
    shares are 0 (or both 1) z = 0 and p = 1. Invalid inputs give nan.
    """
    a1, m1, a2, m2 = np.broadcast_arrays(_a(k1), _a(n1), _a(k2), _a(n2))
    bad = ~(
        np.isfinite(a1 + m1 + a2 + m2)
        & (m1 > 0)
        & (m2 > 0)
        & (a1 >= 0)
        & (a2 >= 0)
        & (a1 <= m1)
        & (a2 <= m2)
    )
    m1, m2 = np.where(bad, 1.0, m1), np.where(bad, 1.0, m2)
    a1, a2 = np.where(bad, 0.0, a1), np.where(bad, 0.0, a2)
    pbar = (a1 + a2) / (m1 + m2)
    se = np.sqrt(pbar * (1.0 - pbar) * (1.0 / m1 + 1.0 / m2))
    diff = a2 / m2 - a1 / m1
    z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), 0.0)
    p = 2.0 * _a(sps.norm.sf(np.abs(z)))
    return _a(np.where(bad, np.nan, z)), _a(np.where(bad, np.nan, np.minimum(p, 1.0)))


def rate_change_test(
    c1: npt.ArrayLike,
    e1: npt.ArrayLike,
    c2: npt.ArrayLike,
    e2: npt.ArrayLike,
    *,
    two_sided: Literal["central", "minlike"] = "central",
) -> FloatArray:
    """Exact conditional test that two Poisson rates c1/e1 and c2/e2 are equal; two-sided p.

    Given N = c1 + c2 events, C2 ~ Binomial(N, e2 / (e1 + e2)) under the null (Przyborowski and
    Wilenski 1940, Biometrika 31:313; Lehmann and Romano, Testing Statistical Hypotheses,
    sec. 4.6). ``two_sided="central"`` (default, vectorised) doubles the smaller tail, capped at
    1, which agrees with the exact interval of `rate_ratio_interval`; ``"minlike"`` sums the
    outcomes no more likely than the one observed, as scipy.stats.binomtest and R's poisson.test
    do (element by element, slower). The two agree when e1 = e2. Counts are whole numbers;
    exposures <= 0 or negative counts give nan, and N = 0 gives p = 1.
    """
    a1, x1, a2, x2 = np.broadcast_arrays(_a(c1), _a(e1), _a(c2), _a(e2))
    bad = ~(np.isfinite(a1 + x1 + a2 + x2) & (x1 > 0) & (x2 > 0) & (a1 >= 0) & (a2 >= 0))
    a1, a2 = np.where(bad, 0.0, np.rint(a1)), np.where(bad, 0.0, np.rint(a2))
    x1, x2 = np.where(bad, 1.0, x1), np.where(bad, 1.0, x2)
    total = a1 + a2
    prob = x2 / (x1 + x2)
    if two_sided == "central":
        low = _a(sps.binom.cdf(a2, total, prob))
        high = _a(sps.binom.sf(a2 - 1.0, total, prob))
        p = np.minimum(1.0, 2.0 * np.minimum(low, high))
    elif two_sided == "minlike":
        flat = [
            float(sps.binomtest(int(k), int(n), float(q)).pvalue) if n > 0 else 1.0
            for k, n, q in zip(a2.ravel(), total.ravel(), prob.ravel(), strict=True)
        ]
        p = np.asarray(flat, dtype=np.float64).reshape(a2.shape)
    else:
        raise ValueError(f"two_sided must be 'central' or 'minlike', not {two_sided!r}")
    return _a(np.where(bad, np.nan, p))


def rate_ratio_interval(
    c1: npt.ArrayLike,
    e1: npt.ArrayLike,
    c2: npt.ArrayLike,
    e2: npt.ArrayLike,
    level: float = 0.95,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Ratio (c1/e1) / (c2/e2) of two Poisson rates with an exact conditional interval.

    Given N = c1 + c2, C1 ~ Binomial(N, pi) with pi = R e1 / (R e1 + e2); the Clopper-Pearson
    interval (Clopper and Pearson 1934, Biometrika 26:404) for pi, pi_L = Beta(alpha/2; c1,
    c2 + 1) and pi_U = Beta(1 - alpha/2; c1 + 1, c2), maps to R = pi / (1 - pi) * e2 / e1
    (Ederer and Mantel 1974, Am J Epidemiol 100:165; R's poisson.test). Used for the
    stop-and-search disproportionality ratio (group 1, e.g. Black, against group 2, White).
    Returns (ratio, lower, upper): c1 = 0 gives lower 0, c2 = 0 gives upper inf (ratio inf),
    c1 = c2 = 0 gives ratio nan on (0, inf); invalid inputs give nan.
    """
    a1, x1, a2, x2 = np.broadcast_arrays(_a(c1), _a(e1), _a(c2), _a(e2))
    tail = (1.0 - level) / 2.0
    _z(level)
    bad = ~(np.isfinite(a1 + x1 + a2 + x2) & (x1 > 0) & (x2 > 0) & (a1 >= 0) & (a2 >= 0))
    a1, a2 = np.where(bad, 0.0, a1), np.where(bad, 0.0, a2)
    x1, x2 = np.where(bad, 1.0, x1), np.where(bad, 1.0, x2)
    pi_lo = np.where(a1 > 0, _a(sps.beta.ppf(tail, np.where(a1 > 0, a1, 1.0), a2 + 1.0)), 0.0)
    pi_hi = np.where(a2 > 0, _a(sps.beta.ppf(1.0 - tail, a1 + 1.0, np.where(a2 > 0, a2, 1.0))), 1.0)
    odds = x2 / x1
    lower = pi_lo / (1.0 - pi_lo) * odds
    upper = np.where(pi_hi < 1.0, pi_hi / np.where(pi_hi < 1.0, 1.0 - pi_hi, 1.0) * odds, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (a1 / x1) / (a2 / x2)
    known = np.isfinite(ratio)
    lower = np.where(known, np.minimum(lower, ratio), lower)
    upper = np.where(known, np.maximum(upper, ratio), upper)
    nan = np.nan
    return (
        _a(np.where(bad, nan, ratio)),
        _a(np.where(bad, nan, lower)),
        _a(np.where(bad, nan, upper)),
    )


def _glm_means(beta: FloatArray, m: FloatArray, t: FloatArray, kind: str) -> FloatArray:
    eta = beta[0] + beta[1] * t
    if kind == "rate":
        with np.errstate(over="ignore"):
            return _a(m * np.exp(eta))
    return _a(m * _a(sps_special.expit(eta)))


def _loglik(beta: FloatArray, y: FloatArray, m: FloatArray, t: FloatArray, kind: str) -> float:
    """Log-likelihood up to a constant that does not depend on beta."""
    eta = beta[0] + beta[1] * t
    if kind == "rate":
        with np.errstate(over="ignore"):
            return float(np.sum(y * eta - m * np.exp(eta)))
    return float(-np.sum(y * np.logaddexp(0.0, -eta) + (m - y) * np.logaddexp(0.0, eta)))


def _fit_glm(
    y: FloatArray, m: FloatArray, t: FloatArray, kind: str, max_iter: int = 200
) -> tuple[FloatArray, float, bool]:
    """Newton-Raphson (= IRLS, canonical link) fit of y on [1, t]; (beta, loglik, converged).

    Poisson: log E[y] = log m + b0 + b1 t; binomial: logit(E[y] / m) = b0 + b1 t. Starts from the
    null fit (b1 = 0, the intercept-only MLE) and halves any step that would lower the
    log-likelihood, so the fitted log-likelihood is never below the null one.
    """
    x = np.column_stack([np.ones_like(t), t])
    pooled = y.sum() / m.sum()
    start = math.log(pooled) if kind == "rate" else math.log(pooled / (1.0 - pooled))
    beta = np.array([start, 0.0])
    current = _loglik(beta, y, m, t, kind)
    for _ in range(max_iter):
        mean = _glm_means(beta, m, t, kind)
        weight = mean if kind == "rate" else mean * (1.0 - mean / m)
        step = np.linalg.lstsq(x.T @ (weight[:, None] * x), x.T @ (y - mean), rcond=None)[0]
        for _ in range(50):
            trial = _loglik(beta + step, y, m, t, kind)
            if trial >= current - 1e-12 * (1.0 + abs(current)):
                break
            step = step / 2.0
        else:
            return beta, current, False
        beta, current = beta + step, trial
        if np.max(np.abs(step)) < 1e-12 * (1.0 + np.max(np.abs(beta))):
            return beta, current, True
    return beta, current, max_iter == 0


def _separated(y: FloatArray, m: FloatArray, t: FloatArray, kind: str) -> bool:
    """Whether the slope's maximum-likelihood estimate is infinite (Albert and Anderson 1984).

    Poisson: every positive count sits at one period, the first or the last. Binomial
    (complete or quasi-complete separation): no period with a failure comes after a period
    with a success, or none comes before it.
    """
    if kind == "rate":
        pos = t[y > 0]
        return bool(pos.min() == pos.max() and pos[0] in (t.min(), t.max()))
    succ, fail = t[y > 0], t[y < m]
    return bool(fail.max() <= succ.min() or succ.max() <= fail.min())


def trend_direction(
    counts: npt.ArrayLike,
    denominators: npt.ArrayLike,
    kind: Literal["proportion", "rate"],
    alpha: float = 0.05,
    *,
    periods: npt.ArrayLike | None = None,
    quasi: bool = False,
) -> tuple[Direction, float, float]:
    """Direction of a trend over three or more periods; returns (direction, slope, p).

    A generalised linear model of the count on the period index (0, 1, 2, ... or ``periods``):
    Poisson with log link and log(denominator) as offset for ``kind="rate"`` (slope = log rate
    ratio per period), binomial with logit link and the denominators as trials for
    ``"proportion"`` (slope = log odds ratio per period) (McCullagh and Nelder 1989,
    Generalized Linear Models, 2nd ed.). Fitted by Newton-Raphson/IRLS; the slope is tested by
    the likelihood-ratio test, chi-square on 1 df (valid even when the slope estimate runs
    off to +/-inf, where a Wald test fails; the slope is then reported as +/-inf). With
    ``quasi`` the LR statistic is divided by the Pearson dispersion max(1, X^2 / (T - 2)) and
    referred to F(1, T - 2) (quasi-likelihood; recorded crime counts are often over-dispersed).
    "rising"/"falling" when p < alpha, else "no clear trend". Periods with a denominator <= 0
    or nan are dropped; fewer than 3 left gives ("no clear trend", nan, nan); no events (or,
    for shares, all events) gives ("no clear trend", nan, 1.0).
    """
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind must be 'proportion' or 'rate', not {kind!r}")
    y_all, m_all = np.broadcast_arrays(_a(counts), _a(denominators))
    y_all, m_all = y_all.ravel(), m_all.ravel()
    t_all = np.arange(y_all.size, dtype=np.float64) if periods is None else _a(periods).ravel()
    if t_all.shape != y_all.shape:
        raise ValueError("periods must have one value per count")
    ok = np.isfinite(y_all) & np.isfinite(m_all) & np.isfinite(t_all) & (m_all > 0) & (y_all >= 0)
    if kind == "proportion":
        ok &= y_all <= m_all
    y, m, t = y_all[ok], m_all[ok], t_all[ok]
    if y.size < 3 or np.ptp(t) == 0:
        return NO_TREND, math.nan, math.nan
    if y.sum() == 0 or (kind == "proportion" and np.all(y == m)):
        return NO_TREND, math.nan, 1.0
    span = float(np.ptp(t))
    ts = (t - t.mean()) / span  # centred and scaled for a well-conditioned fit
    null = _fit_glm(y, m, ts, kind, max_iter=0)[1]
    beta, fitted, converged = _fit_glm(y, m, ts, kind)
    slope = float(beta[1]) / span
    if _separated(y, m, ts, kind) or not converged:
        slope = math.copysign(math.inf, slope)
    stat = max(0.0, 2.0 * (fitted - null))
    if quasi:
        dof = y.size - 2
        mean = _glm_means(beta, m, ts, kind)
        var = mean if kind == "rate" else mean * (1.0 - mean / m)
        with np.errstate(divide="ignore", invalid="ignore"):
            pearson = float(np.sum(np.where(var > 0, (y - mean) ** 2 / var, 0.0)))
        p = float(sps.f.sf(stat / max(1.0, pearson / dof), 1, dof))
    else:
        p = float(sps.chi2.sf(stat, 1))
    if p < alpha and slope != 0:
        return ("rising" if slope > 0 else "falling"), slope, p
    return NO_TREND, slope, p


def suppress(denominator: npt.ArrayLike, minimum: float) -> npt.NDArray[np.bool_]:
    """True where a figure must be suppressed: its denominator is below ``minimum`` (or nan)."""
    return np.asarray(~(_a(denominator) >= minimum), dtype=np.bool_)
