"""The recent-trend rule (Fingertips): the test against published and independently derived
values, and every eligibility rule on hand-made series (synthetic counts, chosen by hand)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps  # type: ignore[import-untyped, unused-ignore]
from statsmodels.stats.contingency_tables import Table  # type: ignore[import-untyped]

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.recent_trend import (
    CANNOT,
    DECREASING,
    INCREASING,
    NO_CHANGE,
    chi2_trend,
    judge,
    recent_trends,
)

CATALOGUE = load_catalogue()
SHARE = CATALOGUE.indicator("charge_summons_share")  # higher is better
WORSE_SHARE = CATALOGUE.indicator("victim_does_not_support_share")  # higher is worse
RATE = CATALOGUE.indicator("arrests_per_1000")  # no polarity
ROLLING = CATALOGUE.indicator("recorded_crime_rolling_per_1000")


def test_r_prop_trend_test_example() -> None:
    """R's documented example of prop.trend.test: X-squared = 8.2249, p-value = 0.004132."""
    smokers, patients = [83, 90, 129, 70], [86, 93, 136, 82]
    statistic, slope = chi2_trend(smokers, patients, "proportion")
    assert statistic[0] == pytest.approx(8.2249, abs=5e-5)
    assert sps.chi2.sf(statistic[0], 1) == pytest.approx(0.004132, abs=5e-7)
    assert slope[0] < 0  # the proportion falls with the score


def test_proportions_agree_with_the_linear_by_linear_test() -> None:
    """Cochran-Armitage is the linear-by-linear association test times N / (N - 1)."""
    x, n = np.array([40, 52, 61, 60, 75]), np.array([400, 410, 395, 405, 420])
    table = Table(np.column_stack([x, n - x]))
    lbl = table.test_ordinal_association(row_scores=np.arange(1, 6), col_scores=np.array([1, 0]))
    expected = lbl.zscore**2 * n.sum() / (n.sum() - 1)
    statistic, _ = chi2_trend(x, n, "proportion")
    assert statistic[0] == pytest.approx(expected, rel=1e-10)


def test_rates_agree_with_the_conditional_multinomial_test() -> None:
    """Counts over a population: given the total, the counts are multinomial with shares
    n_i / N; the score statistic is (T - E(T))^2 / Var(T) with T = sum of count x score."""
    y, n = np.array([120.0, 131, 150, 149, 170]), np.array([1e5, 1.01e5, 1.02e5, 1.02e5, 1.03e5])
    t = np.arange(1, 6)
    share = n / n.sum()
    total = y.sum()
    mean_t = (share * t).sum()
    expected = ((y * t).sum() - total * mean_t) ** 2 / (total * ((share * t * t).sum() - mean_t**2))
    statistic, slope = chi2_trend(y, n, "rate")
    assert statistic[0] == pytest.approx(expected, rel=1e-10)
    assert slope[0] > 0


def _series(
    counts: Sequence[float],
    denominators: Sequence[float],
    periods: list[str] | None = None,
    period_type: str = "financial_year",
    suppressed: list[bool] | None = None,
) -> pd.DataFrame:
    periods = periods or ["2013/14", "2014/15", "2015/16", "2016/17", "2017/18"][-len(counts) :]
    return pd.DataFrame(
        {
            "force_code": "E23000030",
            "period_type": period_type,
            "period": periods,
            "breakdown": "all",
            "breakdown_value": None,
            "numerator": counts,
            "denominator": denominators,
            "is_suppressed": suppressed or [False] * len(counts),
        }
    )


def _last(frame: pd.DataFrame) -> pd.Series:
    return frame.iloc[-1]


def test_a_rising_share_is_increasing_and_better_when_higher_is_better() -> None:
    counts, dens = [40, 52, 61, 60, 75], [400, 410, 395, 405, 420]
    row = _last(recent_trends(SHARE, _series(counts, dens)))
    expected, _ = chi2_trend(counts, dens, "proportion")
    assert row.trend == INCREASING
    assert row.judgement == "better"
    assert row.p_value == pytest.approx(sps.chi2.sf(expected[0], 1))
    assert row.p_value < 0.05
    assert (row.first_period, row.points, row.reason) == ("2013/14", 5, None)
    # the same series where higher is worse
    assert _last(recent_trends(WORSE_SHARE, _series(counts, dens))).judgement == "worse"


def test_a_flat_share_is_no_significant_change() -> None:
    row = _last(recent_trends(SHARE, _series([50, 49, 51, 50, 50], [500] * 5)))
    assert row.trend == NO_CHANGE
    assert row.p_value > 0.05
    assert row.judgement is None


def test_a_falling_rate_with_no_polarity_has_a_direction_only() -> None:
    row = _last(recent_trends(RATE, _series([900, 850, 780, 700, 640], [1e6] * 5)))
    assert row.trend == DECREASING
    assert row.judgement is None
    assert row.method.startswith("chi-squared test for trend in counts")


@pytest.mark.parametrize(
    ("counts", "dens", "periods", "suppressed", "reason"),
    [
        (
            [40, 52, 61, 60],
            [400] * 4,
            ["2014/15", "2015/16", "2016/17", "2017/18"],
            None,
            "fewer than 5 periods",
        ),
        (
            [40, 52, 61, 60, 75],
            [400] * 5,
            ["2012/13", "2014/15", "2015/16", "2016/17", "2017/18"],
            None,
            "not consecutive",
        ),
        ([40, 52, 61, 60, 75], [400] * 5, None, [False, True, False, False, False], "suppressed"),
        ([4, 52, 61, 60, 75], [400] * 5, None, None, "below 5"),
        # for a share the other outcome must be counted at least 5 times too
        ([40, 52, 61, 60, 397], [400] * 5, None, None, "below 5"),
    ],
)
def test_cannot_be_calculated_with_its_reason(
    counts: list[float],
    dens: list[float],
    periods: list[str] | None,
    suppressed: list[bool] | None,
    reason: str,
) -> None:
    row = _last(recent_trends(SHARE, _series(counts, dens, periods, suppressed=suppressed)))
    assert row.trend == CANNOT
    assert reason in row.reason
    assert np.isnan(row.p_value)
    assert row.points == 0


def test_every_earlier_period_gets_its_own_window() -> None:
    periods = ["2011/12", "2012/13", "2013/14", "2014/15", "2015/16", "2016/17"]
    counts, dens = [40, 52, 61, 60, 75, 50], [400] * 6
    out = recent_trends(SHARE, _series(counts, dens, periods))
    assert list(out.trend[:4]) == [CANNOT] * 4
    expected, _ = chi2_trend(counts[1:], dens[1:], "proportion")
    assert out.iloc[5].statistic == pytest.approx(expected[0])
    assert out.iloc[5].first_period == "2012/13"


def test_scores_ratios_and_declared_non_counts_cannot_be_calculated() -> None:
    frame = _series([40, 52, 61, 60, 75], [400] * 5)
    for iid, words in (
        ("crime_severity_score", "a score"),
        ("stop_search_disproportionality_black_white", "a ratio of two rates"),
        ("officers_per_1000", "full-time equivalent"),
    ):
        row = _last(recent_trends(CATALOGUE.indicator(iid), frame))
        assert row.trend == CANNOT
        assert words in row.reason
        assert row.method is None


def test_rolling_years_are_judged_a_year_apart() -> None:
    """Rolling 12 months ending each quarter overlap; the trend takes those ending in the same
    month of five consecutive years."""
    ends = [f"{year}-{month:02d}" for year in range(2013, 2018) for month in (3, 6, 9, 12)]
    frame = _series(
        [1000.0 + 10 * i for i in range(len(ends))],
        [1e6] * len(ends),
        [f"12 months to {e}" for e in ends],
        "rolling_12_months",
    )
    out = recent_trends(ROLLING, frame).set_index("period")
    last = out.loc["12 months to 2017-12"]
    assert last.first_period == "12 months to 2013-12"
    decembers = [1000.0 + 10 * i for i in range(3, 20, 4)]
    expected, _ = chi2_trend(decembers, [1e6] * 5, "rate")
    assert last.statistic == pytest.approx(expected[0])
    assert out.loc["12 months to 2016-12"].trend == CANNOT


def test_judge() -> None:
    assert judge(INCREASING, "higher_is_better") == "better"
    assert judge(DECREASING, "higher_is_better") == "worse"
    assert judge(INCREASING, "higher_is_worse") == "worse"
    assert judge(DECREASING, "higher_is_worse") == "better"
    assert judge(INCREASING, "neither") is None
    assert judge(NO_CHANGE, "higher_is_better") is None


def test_lags_of_fewer_rows_than_the_points_are_missing_not_an_error() -> None:
    """Three rows (fewer than five points) once made numpy refuse to broadcast: every row of
    so short a table has no value four rows back."""
    import numpy as np

    from openpeel.indicators.recent_trend import POINTS, _lags

    for count in range(1, POINTS + 1):
        series = np.zeros(count, dtype=np.int64)
        lags = _lags(np.arange(count, dtype=float), series)
        assert lags.shape == (count, POINTS)
        # the last column is the row itself; a column j back from it is known from row j on
        for back in range(POINTS):
            column = lags[:, POINTS - 1 - back]
            assert np.isnan(column[:back]).all()
            assert (column[back:] == np.arange(count - back)).all()
