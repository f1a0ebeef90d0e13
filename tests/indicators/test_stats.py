"""Statistics for comparing forces (``openpeel/indicators/stats.py`` and ``funnel.py``).

Worked examples are computed by hand in the tests (closed formulas, exact sums with
``math.comb``, published table values); hypothesis checks the properties every interval and test
must have; the 2016 "Unable to prosecute suspect" shares of data.police.uk (PROVENANCE section 10,
not comparable across forces) must come out over-dispersed.
"""

from __future__ import annotations

import csv
import gzip
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps  # type: ignore[import-untyped, unused-ignore]

from openpeel.indicators.funnel import overdispersion_many, z_scores
from openpeel.indicators.stats import (
    funnel_flags,
    funnel_limits,
    overdispersion,
    poisson_rate_interval,
    proportion_change_test,
    rate_change_test,
    rate_ratio_interval,
    suppress,
    trend_direction,
    wilson_interval,
)
from openpeel.sample import sample_path
from tests.conftest import SHARED_DATA

Z95 = 1.959963984540054
Z998 = 3.090232306167813

counts = st.integers(min_value=0, max_value=5_000)
sizes = st.integers(min_value=1, max_value=5_000)
exposures = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


def binom_cdf(r: int, n: int, p: float) -> float:
    """P(R <= r) for R ~ Binomial(n, p), summed term by term."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(r + 1))


# --- Wilson -------------------------------------------------------------------------------


def test_wilson_28_of_97_by_the_closed_formula() -> None:
    k, n, z = 28, 97, Z95
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lower, upper = wilson_interval(k, n)
    assert float(lower) == pytest.approx(centre - half, rel=1e-12)
    assert float(upper) == pytest.approx(centre + half, rel=1e-12)
    assert (round(float(lower), 4), round(float(upper), 4)) == (0.2079, 0.3855)


def test_wilson_edges_and_invalid_inputs() -> None:
    lower, upper = wilson_interval([0, 10, 3, 4, -1], [10, 10, 0, 3, 5])
    assert lower[0] == 0.0
    assert upper[1] == 1.0
    # 0 of 10: upper = z^2 / (n + z^2)
    assert upper[0] == pytest.approx(Z95**2 / (10 + Z95**2))
    assert np.isnan(lower[2:]).all()
    assert np.isnan(upper[2:]).all()


@given(sizes.flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_share_and_widens(kn: tuple[int, int]) -> None:
    k, n = kn
    lo95, hi95 = wilson_interval(k, n, 0.95)
    lo998, hi998 = wilson_interval(k, n, 0.998)
    assert 0.0 <= lo998 <= lo95 <= k / n <= hi95 <= hi998 <= 1.0
    assert hi998 - lo998 > hi95 - lo95


# --- Poisson rate interval ----------------------------------------------------------------


def test_poisson_interval_for_10_events_matches_the_published_table() -> None:
    lower, upper = poisson_rate_interval(10, 1.0)
    assert (round(float(lower), 3), round(float(upper), 3)) == (4.795, 18.390)


def test_poisson_interval_zero_events_scaling_and_invalid() -> None:
    lower, upper = poisson_rate_interval([0, 10, 5, -1], [2.0, 1000.0, 0.0, 1.0], per=1000.0)
    # 0 events: lower 0, upper -ln(0.025) events, here per 2 units of exposure * 1000
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-math.log(0.025) / 2.0 * 1000.0)
    assert lower[1] == pytest.approx(4.795389, abs=1e-5)
    assert np.isnan(lower[2:]).all()
    assert np.isnan(upper[2:]).all()


@given(counts, exposures)
def test_poisson_interval_contains_the_rate_and_widens(c: int, e: float) -> None:
    lo95, hi95 = poisson_rate_interval(c, e, 0.95, per=100.0)
    lo998, hi998 = poisson_rate_interval(c, e, 0.998, per=100.0)
    rate = c / e * 100.0
    assert 0.0 <= lo998 <= lo95 <= rate * (1 + 1e-12)
    assert rate <= hi95 <= hi998
    assert hi998 - lo998 > hi95 - lo95


# --- funnel limits ------------------------------------------------------------------------


def test_funnel_normal_limits_for_p_02_n_100() -> None:
    limits = funnel_limits(0.2, [100], "proportion", method="normal")
    se = math.sqrt(0.2 * 0.8 / 100)  # 0.04
    assert limits[0.95][0][0] == pytest.approx(0.2 - Z95 * se)  # 0.1216
    assert limits[0.95][1][0] == pytest.approx(0.2 + Z95 * se)  # 0.2784
    assert limits[0.998][0][0] == pytest.approx(0.2 - Z998 * se)  # 0.0764
    assert limits[0.998][1][0] == pytest.approx(0.2 + Z998 * se)  # 0.3236


def test_funnel_exact_limits_by_spiegelhalters_interpolation() -> None:
    # Binomial(10, 0.5), 95%: F(1) = 11/1024 < 0.025 <= F(2) = 56/1024, so r = 2 and
    # a = (F(2) - 0.025) / P(2); lower = (2 - a) / 10; the upper limit is its mirror image.
    f1, f2 = binom_cdf(1, 10, 0.5), binom_cdf(2, 10, 0.5)
    lower = (2 - (f2 - 0.025) / (f2 - f1)) / 10
    limits = funnel_limits(0.5, [10], "proportion", levels=(0.95,))
    assert limits[0.95][0][0] == pytest.approx(lower)  # 0.13244
    assert limits[0.95][1][0] == pytest.approx(1 - lower)
    # Poisson with expected count 4 (target 0.4 per 10 units of exposure) at 99.8%
    cdf = [sum(math.exp(-4) * 4**i / math.factorial(i) for i in range(r + 1)) for r in range(20)]
    r_hi = next(r for r in range(20) if cdf[r] >= 0.999)  # 11
    upper = r_hi + 1 - (cdf[r_hi] - 0.999) / (cdf[r_hi] - cdf[r_hi - 1])
    rate_limits = funnel_limits(0.4, [10.0], "rate", levels=(0.998,))
    assert rate_limits[0.998][1][0] == pytest.approx(upper / 10.0)
    assert rate_limits[0.998][0][0] == 0.0  # P(0 events) = e^-4 > 0.001


def test_exact_limits_flag_exactly_the_counts_with_a_small_tail() -> None:
    n, target = 50, 0.3
    lower, upper = funnel_limits(target, [n], "proportion", levels=(0.95,))[0.95]
    for r in range(n + 1):
        assert (r / n > upper[0]) == (sps.binom.sf(r - 1, n, target) < 0.025)
        assert (r / n < lower[0]) == (sps.binom.cdf(r, n, target) < 0.025)


def test_random_effects_limits_on_each_scale() -> None:
    tau2 = 0.001
    lim = funnel_limits(0.2, [100, 400], "proportion", tau2=tau2)
    sd = np.sqrt(0.2 * 0.8 / np.array([100, 400]) + tau2)
    np.testing.assert_allclose(lim[0.95][1], 0.2 + Z95 * sd)
    # rates: square-root scale, s^2 = per / (4 exposure)
    lim = funnel_limits(5.0, [10.0], "rate", tau2=tau2, per=1.0)
    sd_root = math.sqrt(1 / 40 + tau2)
    assert lim[0.95][0][0] == pytest.approx((math.sqrt(5) - Z95 * sd_root) ** 2)
    assert lim[0.95][1][0] == pytest.approx((math.sqrt(5) + Z95 * sd_root) ** 2)
    # a lower root below zero is clipped to 0 before squaring
    assert funnel_limits(0.01, [1.0], "rate", tau2=1.0)[0.95][0][0] == 0.0


def test_funnel_limits_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="kind"):
        funnel_limits(0.2, [10], "share")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target"):
        funnel_limits(1.2, [10], "proportion")
    with pytest.raises(ValueError, match="level"):
        funnel_limits(0.2, [10], "proportion", levels=(95,))
    lower, upper = funnel_limits(0.2, [0, np.nan], "proportion")[0.95]
    assert np.isnan(lower).all()
    assert np.isnan(upper).all()


@given(
    st.sampled_from(["proportion", "rate"]),
    st.floats(min_value=0.001, max_value=0.999),
    st.sampled_from(["exact", "normal"]),
    st.sampled_from([0.0, 1e-4, 0.01]),
    st.lists(st.integers(1, 100_000), min_size=2, max_size=20, unique=True),
)
def test_funnel_limits_narrow_and_nest(
    kind: str, target: float, method: str, tau2: float, ns: list[int]
) -> None:
    precision = np.sort(np.array(ns, dtype=float))
    lim = funnel_limits(target, precision, kind, tau2=tau2, method=method)  # type: ignore[arg-type]
    (lo95, hi95), (lo998, hi998) = lim[0.95], lim[0.998]
    top = 1.0 if kind == "proportion" else np.inf
    assert np.all((lo998 >= 0) & (lo998 <= lo95) & (lo95 <= target))
    assert np.all((target <= hi95) & (hi95 <= hi998) & (hi998 <= top))
    assert np.all(np.diff(lo95) >= -1e-12)
    assert np.all(np.diff(lo998) >= -1e-12)
    assert np.all(np.diff(hi95) <= 1e-12)
    assert np.all(np.diff(hi998) <= 1e-12)


# --- over-dispersion ----------------------------------------------------------------------


def test_dersimonian_laird_tau2_step_by_step() -> None:
    n = np.array([100.0, 200.0, 400.0, 800.0, 1600.0])
    k = np.array([10.0, 40.0, 60.0, 200.0, 320.0])
    target = float(k.sum() / n.sum())  # 630 / 3100
    p = k / n
    s = np.sqrt(target * (1 - target) / n)
    z = (p - target) / s
    # Winsorise at 10%: R's type-7 quantile of 5 values at 0.1 sits 0.4 of the way from the
    # smallest to the second smallest z-score (and at 0.9, 0.6 of the way from the 4th to 5th)
    zs = np.sort(z)
    low = zs[0] + 0.4 * (zs[1] - zs[0])
    high = zs[3] + 0.6 * (zs[4] - zs[3])
    zw = np.minimum(np.maximum(z, low), high)
    phi = float(np.sum(zw**2) / 5)
    w = 1 / s**2
    tau2 = (5 * phi - 4) / (w.sum() - (w**2).sum() / w.sum())
    od = overdispersion(p, n, target, "proportion")
    assert od.n_units == 5
    assert od.phi == pytest.approx(phi)
    assert od.tau2 == pytest.approx(tau2)
    assert od.p_value == pytest.approx(sps.chi2.sf(5 * phi, 4))
    assert od.is_overdispersed == (od.p_value < 0.05)
    np.testing.assert_allclose(z_scores(p, n, target, "proportion"), z)


def test_rates_use_the_square_root_scale() -> None:
    # z = 2 (sqrt(count) - sqrt(expected)) on the square-root scale
    z = z_scores([0.25, 0.1], [100.0, 400.0], 0.2, "rate")
    np.testing.assert_allclose(z, [2 * (5 - math.sqrt(20)), 2 * (math.sqrt(40) - math.sqrt(80))])


def test_no_overdispersion_gives_zero_tau2() -> None:
    n = np.full(6, 1000.0)
    p = np.array([0.200, 0.201, 0.199, 0.200, 0.202, 0.198])
    od = overdispersion(p, n, 0.2, "proportion")
    assert od.phi < 1
    assert od.tau2 == 0.0
    assert not od.is_overdispersed
    flags = funnel_flags(p, n, 0.2, "proportion")
    assert flags.tau2_applied == 0.0
    assert not flags.outside95.any()


def test_invalid_units_are_left_out() -> None:
    od = overdispersion([0.2, np.nan, 0.3, 0.1], [100, 100, 0, 100], 0.2, "proportion")
    assert od.n_units == 2
    empty = overdispersion([np.nan], [100], 0.2, "proportion")
    assert empty.n_units == 0
    assert math.isnan(empty.phi)
    assert empty.tau2 == 0.0


@given(
    st.lists(
        sizes.flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), min_size=2, max_size=40
    ),
    st.floats(min_value=0.01, max_value=0.99),
)
def test_tau2_is_never_negative(units: list[tuple[int, int]], target: float) -> None:
    k = np.array([u[0] for u in units], dtype=float)
    n = np.array([u[1] for u in units], dtype=float)
    od = overdispersion(k / n, n, target, "proportion")
    assert od.tau2 >= 0.0
    assert od.phi >= 0.0
    assert 0.0 <= od.p_value <= 1.0
    assert (od.tau2 > 0) == (od.n_units * od.phi > od.n_units - 1)
    od_rate = overdispersion(k / n, n, target, "rate", per=1.0)
    assert od_rate.tau2 >= 0.0


def _reference_overdispersion(k: np.ndarray, n: np.ndarray, target: float) -> tuple[float, ...]:
    """phi, tau2 and p of one group, step by step with numpy's own quantile and mean."""
    s = np.sqrt(target * (1 - target) / n)
    z = (k / n - target) / s
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    w = 1 / s**2
    excess = len(z) * phi - (len(z) - 1)
    tau2 = excess / (w.sum() - (w**2).sum() / w.sum()) if excess > 0 else 0.0
    return phi, tau2, float(sps.chi2.sf(len(z) * phi, len(z) - 1))


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.01, max_value=0.99),
            st.lists(
                sizes.flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
                min_size=2,
                max_size=43,
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_many_groups_at_once_equal_each_group_alone(
    groups: list[tuple[float, list[tuple[int, int]]]],
) -> None:
    # the groups' units interleaved, as the rows of many periods come in a frame
    rows = [(g, t, k, n) for g, (t, units) in enumerate(groups) for k, n in units]
    rows = rows[::2] + rows[1::2]
    group = np.array([r[0] for r in rows], dtype=np.int64)
    target = np.array([r[1] for r in rows])
    k = np.array([r[2] for r in rows], dtype=float)
    n = np.array([r[3] for r in rows], dtype=float)
    many = overdispersion_many(k / n, n, target, group, len(groups), "proportion")
    for g, (t, units) in enumerate(groups):
        kk = np.array([u[0] for u in units], dtype=float)
        nn = np.array([u[1] for u in units], dtype=float)
        phi, tau2, p = _reference_overdispersion(kk, nn, t)
        assert many.n_units[g] == len(units)
        assert many.phi[g] == pytest.approx(phi, rel=1e-9, abs=1e-12)
        assert many.tau2[g] == pytest.approx(tau2, rel=1e-9, abs=1e-15)
        assert many.p_value[g] == pytest.approx(p, rel=1e-9, abs=1e-15)


def test_a_group_with_a_target_of_zero_has_no_units() -> None:
    many = overdispersion_many(
        np.array([0.0, 0.0, 0.1, 0.2]),
        np.array([10.0, 10.0, 10.0, 10.0]),
        np.array([0.0, 0.0, 0.15, 0.15]),
        np.array([0, 0, 1, 1]),
        2,
        "proportion",
    )
    assert list(many.n_units) == [0, 2]
    assert math.isnan(many.phi[0])
    assert many.tau2[0] == 0.0
    assert not many.is_overdispersed[0]


def test_funnel_flags_with_and_without_adjustment() -> None:
    n = np.array([5000.0, 8000.0, 10000.0, 12000.0, 20000.0, 30000.0, 50000.0, 60000.0])
    p = np.array([0.10, 0.30, 0.18, 0.22, 0.15, 0.25, 0.20, 0.21])
    target = float(np.sum(p * n) / n.sum())
    plain = funnel_flags(p, n, target, "proportion", adjust=False)
    adjusted = funnel_flags(p, n, target, "proportion", adjust=True)
    assert plain.overdispersion.is_overdispersed
    assert plain.tau2_applied == 0.0
    assert adjusted.tau2_applied == pytest.approx(plain.overdispersion.tau2)
    # huge denominators: nearly everyone is outside the plain limits, almost no one after
    assert np.count_nonzero(plain.outside998) >= 6
    assert np.count_nonzero(adjusted.outside998) < np.count_nonzero(plain.outside998)
    assert plain.outside95[0] == -1
    assert plain.outside95[1] == 1
    assert np.all((adjusted.lower95 >= adjusted.lower998) & (adjusted.upper95 <= adjusted.upper998))
    expected = np.where(p > plain.upper95, 1, np.where(p < plain.lower95, -1, 0))
    np.testing.assert_array_equal(plain.outside95, expected)


# --- change between two periods -----------------------------------------------------------


def test_proportion_change_score_test_by_hand() -> None:
    # 30/100 then 45/100: pooled 0.375, se = sqrt(0.375 * 0.625 * (2/100))
    z, p = proportion_change_test(30, 100, 45, 100)
    z_hand = 0.15 / math.sqrt(0.375 * 0.625 * 0.02)  # 2.1909
    assert float(z) == pytest.approx(z_hand)
    assert float(p) == pytest.approx(math.erfc(z_hand / math.sqrt(2)))  # 0.02846
    # the score test equals Pearson's chi-square without continuity correction
    table = [[30, 70], [45, 55]]
    assert float(p) == pytest.approx(sps.chi2_contingency(table, correction=False)[1])
    z0, p0 = proportion_change_test([0, 5, 1], [10, 10, 0], [0, 5, 1], [20, 10, 5])
    assert z0[0] == 0.0
    assert p0[0] == 1.0
    assert p0[1] == 1.0
    assert np.isnan(z0[2])
    assert np.isnan(p0[2])


def test_rate_change_conditional_binomial_30_vs_50() -> None:
    # equal exposure: C2 | C1 + C2 = 80 ~ Binomial(80, 1/2); p = 2 P(C2 >= 50)
    p_hand = 2 * (1 - binom_cdf(49, 80, 0.5))
    p = rate_change_test(30, 1.0, 50, 1.0)
    assert float(p) == pytest.approx(p_hand)
    assert float(p) == pytest.approx(sps.binomtest(50, 80, 0.5).pvalue)
    assert float(rate_change_test(30, 1.0, 50, 1.0, two_sided="minlike")) == pytest.approx(p_hand)
    # unequal exposures: "minlike" reproduces binomtest exactly
    minlike = rate_change_test([10, 7], [2.0, 1.0], [40, 0], [3.0, 5.0], two_sided="minlike")
    assert minlike[0] == pytest.approx(sps.binomtest(40, 50, 0.6).pvalue)
    assert minlike[1] == pytest.approx(sps.binomtest(0, 7, 5 / 6).pvalue)
    edge = rate_change_test([0, 3], [1.0, 0.0], [0, 4], [1.0, 1.0])
    assert edge[0] == 1.0
    assert np.isnan(edge[1])


@given(
    sizes.flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    sizes.flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_proportion_change_is_symmetric(a: tuple[int, int], b: tuple[int, int]) -> None:
    z, p = proportion_change_test(a[0], a[1], b[0], b[1])
    z_swap, p_swap = proportion_change_test(b[0], b[1], a[0], a[1])
    assert 0.0 <= p <= 1.0
    assert z == -z_swap
    assert p == p_swap


@given(counts, exposures, counts, exposures)
def test_rate_change_is_symmetric(c1: int, e1: float, c2: int, e2: float) -> None:
    p = float(rate_change_test(c1, e1, c2, e2))
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(float(rate_change_test(c2, e2, c1, e1)), rel=1e-6, abs=1e-300)


# --- trend --------------------------------------------------------------------------------


def test_poisson_trend_by_hand() -> None:
    # 100, 120, 144 lie exactly on a log-linear curve: slope log(1.2), saturated fit, so the
    # LR statistic is the null deviance 2 sum y log(y / mean)
    y = np.array([100.0, 120.0, 144.0])
    stat = 2 * np.sum(y * np.log(y / y.mean()))
    direction, slope, p = trend_direction(y, [1.0, 1.0, 1.0], "rate")
    assert slope == pytest.approx(math.log(1.2), rel=1e-9)
    assert p == pytest.approx(sps.chi2.sf(stat, 1))
    assert direction == "rising"
    # the same counts over doubling exposure are a falling rate
    direction, slope, _ = trend_direction(y, [1.0, 2.0, 4.0], "rate")
    assert direction == "falling"
    assert slope == pytest.approx(math.log(0.6))


def test_binomial_trend_by_hand() -> None:
    # 10%, 25%, 50% have odds 1/9, 1/3, 1: logit slope log(3), saturated fit
    k, n = np.array([10.0, 25.0, 50.0]), np.array([100.0, 100.0, 100.0])
    pi, pbar = k / n, k.sum() / n.sum()
    stat = 2 * np.sum(k * np.log(pi / pbar) + (n - k) * np.log((1 - pi) / (1 - pbar)))
    direction, slope, p = trend_direction(k, n, "proportion")
    assert slope == pytest.approx(math.log(3), rel=1e-9)
    assert p == pytest.approx(sps.chi2.sf(stat, 1))
    assert direction == "rising"


def test_trend_edge_cases() -> None:
    assert trend_direction([1, 2], [1, 1], "rate")[0] == "no clear trend"
    assert math.isnan(trend_direction([1, 2], [1, 1], "rate")[2])
    assert math.isnan(trend_direction([1, 2, 3], [1, 0, 1], "rate")[2])  # 2 usable periods
    no_events = trend_direction([0, 0, 0], [5, 5, 5], "rate")
    assert no_events[0] == "no clear trend"
    assert math.isnan(no_events[1])
    assert no_events[2] == 1.0
    # all events in the last period: the slope estimate is infinite, the LR test still works
    direction, slope, p = trend_direction([0, 0, 5], [1, 1, 1], "rate")
    assert slope == math.inf
    assert direction == "rising"
    assert 0 < p < 0.01
    assert trend_direction([5, 0, 0], [10, 10, 10], "proportion")[1] == -math.inf
    assert trend_direction([100, 101, 99], [1, 1, 1], "rate")[0] == "no clear trend"
    # large, over-dispersed counts: significant as Poisson, not once scaled by the dispersion
    counts_ = [120_000, 118_000, 125_000, 131_000]
    assert trend_direction(counts_, [1, 1, 1, 1], "rate")[0] == "rising"
    assert trend_direction(counts_, [1, 1, 1, 1], "rate", quasi=True)[0] == "no clear trend"
    with pytest.raises(ValueError, match="kind"):
        trend_direction([1, 2, 3], [1, 1, 1], "share")  # type: ignore[arg-type]


@given(
    st.lists(
        sizes.flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), min_size=3, max_size=8
    ),
    st.sampled_from(["proportion", "rate"]),
)
def test_trend_reverses_with_time(series: list[tuple[int, int]], kind: str) -> None:
    k = [s[0] for s in series]
    n = [s[1] for s in series]
    direction, slope, p = trend_direction(k, n, kind)  # type: ignore[arg-type]
    back_direction, back_slope, back_p = trend_direction(k[::-1], n[::-1], kind)  # type: ignore[arg-type]
    flip = {"rising": "falling", "falling": "rising", "no clear trend": "no clear trend"}
    if math.isnan(slope):
        assert math.isnan(back_slope)
        assert p == back_p == 1.0
        return
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(back_p, rel=1e-6, abs=1e-12)
    assert slope == pytest.approx(-back_slope, rel=1e-6, abs=1e-9)
    if min(p, back_p) < 0.049 or max(p, back_p) >= 0.051:
        assert back_direction == flip[direction]


# --- rate ratio ---------------------------------------------------------------------------


def test_rate_ratio_exact_interval_by_hand() -> None:
    # 30 events per 1000 against 15 per 1000: ratio 2; pi = c1 / N has the Clopper-Pearson
    # interval from binomtest, and R = pi / (1 - pi) * e2 / e1
    ratio, lower, upper = rate_ratio_interval(30, 1000.0, 15, 1000.0)
    ci = sps.binomtest(30, 45).proportion_ci(0.95, method="exact")
    assert float(ratio) == 2.0
    assert float(lower) == pytest.approx(ci.low / (1 - ci.low))
    assert float(upper) == pytest.approx(ci.high / (1 - ci.high))
    # Clopper-Pearson bounds from the beta quantiles directly, with unequal exposures
    _, lower2, upper2 = rate_ratio_interval(12, 500.0, 40, 4000.0, level=0.9)
    lo_pi, hi_pi = sps.beta.ppf(0.05, 12, 41), sps.beta.ppf(0.95, 13, 40)
    assert float(lower2) == pytest.approx(lo_pi / (1 - lo_pi) * 8)
    assert float(upper2) == pytest.approx(hi_pi / (1 - hi_pi) * 8)


def test_rate_ratio_edges() -> None:
    ratio, lower, upper = rate_ratio_interval(
        [0, 5, 0, 5], [1, 1, 1, 0], [5, 0, 0, 5], [1, 1, 1, 1]
    )
    assert ratio[0] == 0.0
    assert lower[0] == 0.0
    assert np.isfinite(upper[0])
    assert ratio[1] == np.inf
    assert upper[1] == np.inf
    assert lower[1] > 0
    assert np.isnan(ratio[2])
    assert lower[2] == 0.0
    assert upper[2] == np.inf
    assert np.isnan(ratio[3])
    assert np.isnan(lower[3])


@given(counts, exposures, counts, exposures)
def test_rate_ratio_interval_contains_the_ratio(c1: int, e1: float, c2: int, e2: float) -> None:
    ratio, lower, upper = rate_ratio_interval(c1, e1, c2, e2)
    _, lower998, upper998 = rate_ratio_interval(c1, e1, c2, e2, level=0.998)
    assert 0.0 <= lower998 <= lower <= upper <= upper998
    if not np.isnan(ratio):
        assert lower <= ratio <= upper


# --- suppression --------------------------------------------------------------------------


def test_suppress() -> None:
    mask = suppress([5, 10, np.nan, 100, 0], 10)
    np.testing.assert_array_equal(mask, [True, False, True, False, True])
    assert mask.dtype == np.bool_


# --- real data ----------------------------------------------------------------------------

BBC = "police_uk_aggregates/bbc_policeuk_outcomes_by_force_crime_type_year_2012_2016.csv.gz"


def bbc_file() -> Path:
    for root in (SHARED_DATA, sample_path()):
        if (root / BBC).is_file():
            return root / BBC
    pytest.skip(f"{BBC} is in neither {SHARED_DATA} nor the bundled sample")


def test_unable_to_prosecute_shares_are_overdispersed() -> None:
    """PROVENANCE section 10: the 2016 share ranges from ~0% to ~30% across forces."""
    unable: Counter[str] = Counter()
    crimes: Counter[str] = Counter()
    with gzip.open(bbc_file(), "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Year"] != "2016" or row["crime_type"] == "Anti-social behaviour":
                continue
            crimes[row["reported_by"]] += int(row["f0_"])
            if row["last_outcome_category"] == "Unable to prosecute suspect":
                unable[row["reported_by"]] += int(row["f0_"])
    assert (unable["Hampshire Constabulary"], crimes["Hampshire Constabulary"]) == (28_675, 97_696)
    forces = sorted(crimes)
    k = np.array([unable[f] for f in forces], dtype=float)
    n = np.array([crimes[f] for f in forces], dtype=float)
    target = float(k.sum() / n.sum())
    assert round(target, 3) == 0.158
    od = overdispersion(k / n, n, target, "proportion")
    assert od.is_overdispersed
    assert od.phi > 100
    assert od.tau2 > 0
    plain = funnel_flags(k / n, n, target, "proportion", adjust=False)
    adjusted = funnel_flags(k / n, n, target, "proportion", adjust=True)
    # on binomial limits almost every force is an outlier; the random-effects limits keep few
    assert np.count_nonzero(plain.outside998) > 0.8 * len(forces)
    assert np.count_nonzero(adjusted.outside998) < 0.1 * len(forces)
