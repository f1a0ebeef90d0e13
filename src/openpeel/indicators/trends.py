"""Trends for many short series at once: the same model and test as ``stats.trend_direction``
(Poisson with the denominator as exposure, or binomial; likelihood-ratio test of the slope,
quasi-likelihood scaled by the Pearson dispersion and referred to F(1, T - 2)), fitted by
Newton-Raphson with step halving on all series together. Tests check it against statsmodels'
GLM on many generated series (tests/indicators/test_against_statsmodels.py) and against
``stats.trend_direction``."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.stats as sps  # type: ignore[import-untyped, unused-ignore]

FloatArray = npt.NDArray[np.float64]
ITERATIONS = 50
#: the longest step (in a or b) a Newton iteration takes
MAX_STEP = 5.0
#: how many times a Newton step may be halved before it is taken anyway
HALVINGS = 30


def _xlogy(x: FloatArray, y: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(y > 0, y, 1.0)), 0.0)


def _deviance(
    y: FloatArray, mu: FloatArray, n: FloatArray, kind: str, mask: FloatArray
) -> FloatArray:
    if kind == "rate":
        dev = 2.0 * (_xlogy(y, y) - _xlogy(y, mu) - (y - mu))
    else:
        dev = 2.0 * (_xlogy(y, y) - _xlogy(y, mu) + _xlogy(n - y, n - y) - _xlogy(n - y, n - mu))
    return np.asarray(np.sum(np.where(mask > 0, dev, 0.0), axis=1), dtype=np.float64)


def _means(a: FloatArray, b: FloatArray, n: FloatArray, tc: FloatArray, kind: str) -> FloatArray:
    """Fitted counts n exp(a + b t) (rate) or n / (1 + exp(-(a + b t))) (proportion)."""
    eta = np.clip(a[:, None] + b[:, None] * tc, -700, 700)
    if kind == "rate":
        return np.asarray(n * np.exp(eta), dtype=np.float64)
    return np.asarray(n / (1.0 + np.exp(-eta)), dtype=np.float64)


def trend_many(
    counts: npt.ArrayLike,
    denominators: npt.ArrayLike,
    times: npt.ArrayLike,
    kind: Literal["proportion", "rate"],
    alpha: float = 0.05,
) -> tuple[npt.NDArray[np.str_], FloatArray, FloatArray]:
    """(direction, slope, p) for each row of (series x periods) arrays; NaN marks no period.

    Rows with fewer than three periods get "no clear trend" and NaN.
    """
    y = np.asarray(counts, dtype=np.float64)
    n = np.asarray(denominators, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    mask = (np.isfinite(y) & np.isfinite(n) & np.isfinite(t) & (n > 0)).astype(np.float64)
    y, n, t = np.where(mask > 0, y, 0.0), np.where(mask > 0, n, 1.0), np.where(mask > 0, t, 0.0)
    periods = mask.sum(axis=1)
    # centre time for a stable fit
    tbar = np.sum(t * mask, axis=1, keepdims=True) / np.maximum(periods, 1)[:, None]
    tc = (t - tbar) * mask
    total_y, total_n = np.sum(y * mask, axis=1), np.sum(n * mask, axis=1)
    p0 = np.clip(total_y / total_n, 1e-12, None)
    if kind == "rate":
        a = np.log(p0)
    else:
        p0 = np.clip(p0, 1e-12, 1 - 1e-12)
        a = np.log(p0 / (1 - p0))
    b = np.zeros_like(a)
    # Newton steps on the rows still moving, each step halved until the deviance does not rise
    # (plain Newton can overshoot and cycle on a logistic fit); a row stops once both its Newton
    # steps are below 1e-10
    active = np.arange(len(a))
    for _ in range(ITERATIONS):
        ya, na, ma, ta = y[active], n[active], mask[active], tc[active]
        mu = _means(a[active], b[active], na, ta, kind)
        w = mu if kind == "rate" else mu * (1 - mu / na)
        r, w = (ya - mu) * ma, w * ma
        g0, g1 = r.sum(axis=1), (r * ta).sum(axis=1)
        h00, h01, h11 = w.sum(axis=1), (w * ta).sum(axis=1), (w * ta * ta).sum(axis=1)
        det = h00 * h11 - h01 * h01
        ok = det > 1e-300
        da = np.where(ok, (h11 * g0 - h01 * g1) / np.where(ok, det, 1.0), 0.0)
        db = np.where(ok, (h00 * g1 - h01 * g0) / np.where(ok, det, 1.0), 0.0)
        before = _deviance(ya, mu, na, kind, ma)
        # a step longer than MAX_STEP is shortened along its own direction, still downhill
        step = np.minimum(1.0, MAX_STEP / np.maximum(np.maximum(np.abs(da), np.abs(db)), 1e-300))
        for _ in range(HALVINGS):
            trial = _means(a[active] + step * da, b[active] + step * db, na, ta, kind)
            worse = _deviance(ya, trial, na, kind, ma) > before + 1e-9 * (1.0 + before)
            if not worse.any():
                break
            step = np.where(worse, step / 2.0, step)
        a[active] += step * da
        b[active] += step * db
        active = active[~((np.abs(db) < 1e-10) & (np.abs(da) < 1e-10))]
        if not active.size:
            break
    eta = np.clip(a[:, None] + b[:, None] * tc, -700, 700)
    if kind == "rate":
        mu1, mu0 = n * np.exp(eta), n * p0[:, None]
        var = mu1
    else:
        prob = 1.0 / (1.0 + np.exp(-eta))
        mu1, mu0, var = n * prob, n * p0[:, None], n * prob * (1 - prob)
    lr = np.maximum(_deviance(y, mu0, n, kind, mask) - _deviance(y, mu1, n, kind, mask), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.sum(np.where((mask > 0) & (var > 0), (y - mu1) ** 2 / var, 0.0), axis=1)
        dispersion = np.maximum(1.0, pearson / np.maximum(periods - 2, 1))
        p = np.asarray(sps.f.sf(lr / dispersion, 1, np.maximum(periods - 2, 1)), dtype=float)
    enough = periods >= 3
    p = np.where(enough, p, np.nan)
    slope = np.where(enough, b, np.nan)
    direction = np.where(
        ~enough | ~(p < alpha), "no clear trend", np.where(b > 0, "rising", "falling")
    )
    return direction.astype(np.str_), slope, p
