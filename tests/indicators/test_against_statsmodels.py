"""The shipped statistics checked against statsmodels and scipy, which compute the same
quantities by their own code: ``trends.trend_many`` (what production calls for recent trends)
against statsmodels' GLM on many generated series; the intervals, change tests and the
over-dispersion estimate against statsmodels' or scipy's implementations of the same method.

Hypothesis runs derandomized, so a failure names the same series on every run."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.stats as sps  # type: ignore[import-untyped, unused-ignore]
import statsmodels.api as sm  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.meta_analysis import combine_effects  # type: ignore[import-untyped]
from statsmodels.stats.proportion import (  # type: ignore[import-untyped]
    proportion_confint,
    proportions_ztest,
)
from statsmodels.stats.rates import confint_poisson  # type: ignore[import-untyped]
from statsmodels.stats.rates import (
    test_poisson_2indep as poisson_2indep,  # renamed so pytest does not collect it
)
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning  # type: ignore[import-untyped]

from openpeel.indicators.funnel import overdispersion
from openpeel.indicators.stats import (
    poisson_rate_interval,
    proportion_change_test,
    rate_change_test,
    rate_ratio_interval,
    wilson_interval,
)
from openpeel.indicators.trends import trend_many

#: periods a generated batch spans; each series uses 3 or more of them, the rest are missing
WIDTH = 8
SETTINGS = settings(derandomize=True, max_examples=150, deadline=None)


@contextmanager
def quiet_reference() -> Iterator[None]:
    """The references warn where the shipped code takes a defined branch (a series the model
    fits exactly, a zero count, a negative tau2 before truncation): not a failure here."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@dataclass(frozen=True)
class Series:
    """One short series: the periods it has (column numbers), its counts and denominators."""

    columns: list[int]
    counts: list[int]
    denominators: list[int]


@st.composite
def series(draw: st.DrawFn, kind: str) -> Series:
    periods = draw(st.integers(3, WIDTH))
    columns = sorted(draw(st.permutations(range(WIDTH)))[:periods])
    denominators = draw(st.lists(st.integers(5, 20_000), min_size=periods, max_size=periods))
    if kind == "proportion":
        # 0 < count < n at every period, so the logistic fit never separates
        counts = [draw(st.integers(1, n - 1)) for n in denominators]
    else:
        # at least one event a period, so the Poisson fit has a finite slope
        counts = [draw(st.integers(1, max(1, n // 3))) for n in denominators]
    return Series(columns, counts, denominators)


def _statsmodels_trend(s: Series, times: list[float], kind: str) -> tuple[float, float]:
    """(slope, p) by statsmodels: the GLM with and without the time term, the deviance drop
    scaled by the Pearson dispersion (at least 1) and referred to F(1, T - 2)."""
    t = np.array([times[c] for c in s.columns])
    y, n = np.array(s.counts, dtype=float), np.array(s.denominators, dtype=float)
    full_x, null_x = sm.add_constant(t), np.ones((len(t), 1))
    with quiet_reference():
        return _fit(y, n, full_x, null_x, kind)


def _fit(
    y: np.ndarray, n: np.ndarray, full_x: np.ndarray, null_x: np.ndarray, kind: str
) -> tuple[float, float]:
    if kind == "rate":
        full = sm.GLM(y, full_x, family=sm.families.Poisson(), exposure=n).fit()
        null = sm.GLM(y, null_x, family=sm.families.Poisson(), exposure=n).fit()
    else:
        pairs = np.column_stack([y, n - y])
        full = sm.GLM(pairs, full_x, family=sm.families.Binomial()).fit()
        null = sm.GLM(pairs, null_x, family=sm.families.Binomial()).fit()
    df = len(y) - 2
    dispersion = max(1.0, full.pearson_chi2 / df)
    p = sps.f.sf(max(null.deviance - full.deviance, 0.0) / dispersion, 1, df)
    return float(full.params[1]), float(p)


@pytest.mark.parametrize("kind", ["proportion", "rate"])
def test_trend_many_agrees_with_statsmodels_glm(kind: str) -> None:
    @SETTINGS
    @given(
        batch=st.lists(series(kind), min_size=1, max_size=6),
        start=st.sampled_from([0.0, 2010.0]),
        step=st.sampled_from([1.0, 0.25]),
    )
    def check(batch: list[Series], start: float, step: float) -> None:
        times = [start + step * c for c in range(WIDTH)]
        counts = np.full((len(batch), WIDTH), np.nan)
        denominators = np.full((len(batch), WIDTH), np.nan)
        for row, s in enumerate(batch):
            counts[row, s.columns] = s.counts
            denominators[row, s.columns] = s.denominators
        grid = np.tile(np.array(times), (len(batch), 1))
        direction, slope, p = trend_many(counts, denominators, grid, kind)  # type: ignore[arg-type]
        for row, s in enumerate(batch):
            want_slope, want_p = _statsmodels_trend(s, times, kind)
            assert slope[row] == pytest.approx(want_slope, rel=1e-5, abs=1e-9)
            assert p[row] == pytest.approx(want_p, rel=1e-5, abs=1e-9)
            if want_p < 0.05 - 1e-6:
                assert direction[row] == ("rising" if want_slope > 0 else "falling")
            elif want_p > 0.05 + 1e-6:
                assert direction[row] == "no clear trend"

    check()


@SETTINGS
@given(n=st.integers(1, 10_000), data=st.data(), level=st.sampled_from([0.9, 0.95, 0.998]))
def test_wilson_interval_is_statsmodels_wilson(n: int, data: st.DataObject, level: float) -> None:
    k = data.draw(st.integers(0, n))
    lower, upper = wilson_interval(k, n, level)
    want = proportion_confint(k, n, alpha=1 - level, method="wilson")
    assert (float(lower), float(upper)) == pytest.approx(want, rel=1e-9, abs=1e-12)


@SETTINGS
@given(
    count=st.integers(0, 5_000),
    exposure=st.floats(0.5, 1e6),
    level=st.sampled_from([0.9, 0.95, 0.998]),
)
def test_poisson_interval_is_the_central_exact_interval(
    count: int, exposure: float, level: float
) -> None:
    lower, upper = poisson_rate_interval(count, exposure, level)
    want = confint_poisson(count, exposure, method="exact-c", alpha=1 - level)
    assert (float(lower), float(upper)) == pytest.approx(want, rel=1e-9, abs=1e-12)


@SETTINGS
@given(
    n1=st.integers(1, 5_000),
    n2=st.integers(1, 5_000),
    data=st.data(),
)
def test_proportion_change_is_the_pooled_z_test(n1: int, n2: int, data: st.DataObject) -> None:
    k1, k2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    z, p = proportion_change_test(k1, n1, k2, n2)
    if k1 + k2 in (0, n1 + n2):
        # no variation: statsmodels divides by zero; the shipped test says no change
        assert (float(z), float(p)) == (0.0, 1.0)
        return
    want_z, want_p = proportions_ztest([k2, k1], [n2, n1])
    assert (float(z), float(p)) == pytest.approx((want_z, want_p), rel=1e-9, abs=1e-12)


@SETTINGS
@given(
    c1=st.integers(0, 300),
    c2=st.integers(0, 300),
    e1=st.floats(1.0, 1e5),
    e2=st.floats(1.0, 1e5),
)
def test_rate_change_minlike_is_statsmodels_exact_conditional(
    c1: int, c2: int, e1: float, e2: float
) -> None:
    p = rate_change_test(c2, e2, c1, e1, two_sided="minlike")
    if c1 + c2 == 0:
        assert float(p) == 1.0
        return
    with quiet_reference():
        want = poisson_2indep(c2, e2, c1, e1, method="exact-cond").pvalue
    assert float(p) == pytest.approx(want, rel=1e-9, abs=1e-12)


@SETTINGS
@given(
    c1=st.integers(0, 500),
    c2=st.integers(0, 500),
    e1=st.floats(1.0, 1e5),
    e2=st.floats(1.0, 1e5),
    level=st.sampled_from([0.9, 0.95]),
)
def test_rate_ratio_interval_is_scipys_clopper_pearson_mapped(
    c1: int, c2: int, e1: float, e2: float, level: float
) -> None:
    ratio, lower, upper = rate_ratio_interval(c1, e1, c2, e2, level)
    if c1 + c2 == 0:
        assert np.isnan(ratio)
        return
    # C1 given C1 + C2 is Binomial(N, pi) with pi = R e1 / (R e1 + e2): R = pi / (1 - pi) e2 / e1
    ci = sps.binomtest(c1, c1 + c2).proportion_ci(confidence_level=level, method="exact")
    with np.errstate(divide="ignore"):
        want = [np.float64(pi) / (1.0 - np.float64(pi)) * e2 / e1 for pi in (ci.low, ci.high)]
    assert float(lower) == pytest.approx(want[0], rel=1e-7, abs=1e-12)
    assert float(upper) == pytest.approx(want[1], rel=1e-7)


@st.composite
def units(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    size = draw(st.integers(3, 43))
    precision = draw(st.lists(st.integers(20, 100_000), min_size=size, max_size=size))
    counts = [draw(st.integers(1, n - 1)) for n in precision]
    return counts, precision


@SETTINGS
@given(data=units())
def test_overdispersion_is_dersimonian_laird_in_statsmodels(
    data: tuple[list[int], list[int]],
) -> None:
    """Without Winsorising, and with the target the inverse-variance weighted mean (the pooled
    share; for rates the square of the weighted mean root rate), phi * I is Cochran's Q and tau2
    is statsmodels' DerSimonian-Laird estimate (truncated at 0), Q tested on I - 1 df."""
    counts, precision = (np.array(x, dtype=float) for x in data)
    for kind in ("proportion", "rate"):
        if kind == "proportion":
            target = counts.sum() / precision.sum()
            effect, variance = counts / precision, target * (1 - target) / precision
        else:
            # s^2 = 1 / (4 exposure), so the weights are the exposures
            target = float(np.sum(precision * np.sqrt(counts / precision)) / precision.sum()) ** 2
            effect, variance = np.sqrt(counts / precision), 1.0 / (4.0 * precision)
        od = overdispersion(counts / precision, precision, target, kind, winsorise=0.0)
        with quiet_reference():
            reference = combine_effects(effect, variance, method_re="dl")
        assert od.n_units == len(counts)
        assert od.phi * od.n_units == pytest.approx(reference.q, rel=1e-9)
        assert od.tau2 == pytest.approx(max(reference.tau2, 0.0), rel=1e-7, abs=1e-15)
        want_p = sps.chi2.sf(reference.q, reference.df)
        assert od.p_value == pytest.approx(want_p, rel=1e-7, abs=1e-15)
