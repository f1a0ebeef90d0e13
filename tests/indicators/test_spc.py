"""SPC (XmR): the rules against the examples published with NHSRplotthedots (its unit tests),
limits against hand-worked series, and the declared breaks (synthetic values, chosen by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.markers import MarkersError, load, markers
from openpeel.indicators.spc import (
    COMMON,
    CONCERNING,
    HIGHER,
    IMPROVING,
    LOWER,
    latest_variation,
    run_one_side,
    spc_frame,
    trend_points,
    two_in_three,
    variation,
    xmr,
)


def _months(n: int, start: str = "2016-01") -> list[str]:
    first = pd.Period(start, "M")
    return [str(first + i) for i in range(n)]


# -- NHSRplotthedots' examples (tests/testthat/test-ptd_calculate_point_type.R) ---------------


@pytest.mark.parametrize(
    ("side", "flagged"),
    [
        ([1] * 6, [0] * 6),
        ([1] * 6 + [-1], [0] * 7),
        ([1] * 8 + [-1], [1] * 8 + [0]),
        ([-1] * 8 + [1], [1] * 8 + [0]),
        ([-1] + [1] * 8 + [-1], [0] + [1] * 8 + [0]),
        ([1, 1, 1, 0, 1, 1, 1, 1], [0] * 8),  # a point on the mean breaks the run
    ],
)
def test_run_of_seven_on_one_side(side: list[int], flagged: list[int]) -> None:
    assert run_one_side(side).astype(int).tolist() == flagged


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        (list(range(1, 7)), [0] * 6),
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7),  # an equal value breaks the trend
        (list(range(1, 8)), [1] * 7),
        ([2, *range(1, 8), 3], [0, 1, 1, 1, 1, 1, 1, 1, 0]),
        (list(range(7, 0, -1)), [1] * 7),
        ([2, *range(7, 0, -1), 3], [0, 1, 1, 1, 1, 1, 1, 1, 0]),
    ],
)
def test_trend_of_six_rises_or_falls(values: list[int], flagged: list[int]) -> None:
    assert trend_points(values).astype(int).tolist() == flagged


@pytest.mark.parametrize(
    ("near", "flagged"),
    [
        ([1, 0, 1], [1, 0, 1]),
        ([0, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0]),
        ([1, 0, 0, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
    ],
)
def test_two_in_three_near_the_limits(near: list[int], flagged: list[int]) -> None:
    side = [1] * len(near)
    assert two_in_three(np.array(near, bool), side).astype(int).tolist() == flagged


def test_two_near_points_on_opposite_sides_are_common_cause() -> None:
    """NHSRplotthedots' test-ptd_spc_standard.R: 1, -1 alternating, then 5.5 and -5.5."""
    values = [1.0, -1.0] * 7 + [5.5, -5.5]
    chart = xmr(_months(16), values)
    assert list(chart.variation.tail(2)) == [COMMON, COMMON]
    # by hand: mean 0; moving ranges 2 (13 times), 6.5 and 11; mean 43.5 / 15 = 2.9; 11 is
    # at least 3.267 x 2.9 and is screened out: (26 + 6.5) / 14
    amr = 32.5 / 14
    assert chart["mean"].iloc[0] == pytest.approx(0.0)
    assert chart.mean_moving_range.iloc[0] == pytest.approx(amr)
    assert chart.upper_limit.iloc[0] == pytest.approx(2.66 * amr)
    assert chart.near_upper.iloc[0] == pytest.approx(2 * 2.66 / 3 * amr)
    assert not chart.is_two_in_three.any()


def test_limits_without_screening() -> None:
    values = [1.0, -1.0] * 7 + [5.5, -5.5]
    chart = xmr(_months(16), values, screen_outliers=False)
    assert chart.mean_moving_range.iloc[0] == pytest.approx(43.5 / 15)


def test_hand_worked_series_with_a_point_outside_and_a_run() -> None:
    # 20 months around 10 with moving range 1, then one far point
    values = [10.0, 11.0] * 10 + [30.0]
    chart = xmr(_months(21), values)
    mean = sum(values) / 21
    # moving ranges: 1 (19 times) and 19; mean 38 / 20 = 1.9; 19 >= 3.267 x 1.9 is screened
    assert chart.mean_moving_range.iloc[0] == pytest.approx(1.0)
    assert chart.upper_limit.iloc[0] == pytest.approx(mean + 2.66)
    assert chart.is_outside_limits.tolist() == [False] * 20 + [True]
    # every value but the last is below the mean (10.95): a run of 20
    assert chart.is_run.tolist() == [True] * 20 + [False]
    assert chart.variation.iloc[-1] == HIGHER
    assert chart.variation.iloc[0] == LOWER


def test_variation_by_polarity() -> None:
    assert variation(False, 1, "higher_is_better") == COMMON
    assert variation(True, 1, "higher_is_better") == IMPROVING
    assert variation(True, -1, "higher_is_better") == CONCERNING
    assert variation(True, 1, "higher_is_worse") == CONCERNING
    assert variation(True, -1, "higher_is_worse") == IMPROVING
    assert variation(True, -1, "neither") == LOWER
    # a special-cause point on the mean is not on the side of improvement (NHSRplotthedots)
    assert variation(True, 0, "higher_is_worse") == CONCERNING
    assert variation(True, 0, "neither") == LOWER


def test_limits_change_only_at_a_stated_break() -> None:
    values = [10.0, 11.0] * 6 + [20.0, 21.0] * 6
    periods = _months(24)
    one = xmr(periods, values)
    assert one.segment.nunique() == 1
    two = xmr(periods, values, {periods[12]: "a stated reason"})
    assert two.segment.tolist() == [0] * 12 + [1] * 12
    assert two["mean"].iloc[0] == pytest.approx(10.5)
    assert two["mean"].iloc[-1] == pytest.approx(20.5)
    assert two.break_reason.tolist() == [None] * 12 + ["a stated reason"] * 12
    assert two.segment_start.iloc[-1] == periods[12]
    # the moving range does not span the break
    assert np.isnan(two.moving_range.iloc[12])
    assert not two.is_special_cause.any()


def test_a_missing_month_is_spanned_by_no_moving_range_or_run() -> None:
    periods = [*_months(4, "2016-01"), *_months(4, "2016-06")]
    values = [1.0, 1.2, 1.1, 1.3, 1.2, 1.1, 1.3, 1.2]
    chart = xmr(periods, values)
    assert np.isnan(chart.moving_range.iloc[4])
    assert chart.moving_range.notna().sum() == 6
    # a rise of 1, 2, 3 then 4, 5, 6, 7 across the gap is not a trend of 7
    rising = xmr(periods, [1.0, 2, 3, 4, 5, 6, 7, 8])
    assert not rising.is_trend.any()
    assert xmr(_months(8), [1.0, 2, 3, 4, 5, 6, 7, 8]).is_trend.all()


def test_latest_variation_needs_twelve_months() -> None:
    chart = xmr(_months(12), [10.0, 11.0] * 6).assign(force_name="F")
    assert latest_variation(chart)["variation"] == COMMON
    short = xmr(_months(11), [10.0, 11.0] * 5 + [10.0])
    latest = latest_variation(short)
    assert latest["variation"] is None
    assert "fewer than 12" in latest["note"]


def test_spc_frame_uses_monthly_rows_and_the_declared_breaks() -> None:
    ind = load_catalogue().indicator("policeuk_crimes_per_1000")
    periods = [*_months(6, "2023-07"), *_months(6, "2024-01")]
    frame = pd.DataFrame(
        {
            "force_code": "E23000030",
            "period_type": "month",
            "period": periods,
            "breakdown": "all",
            "breakdown_value": None,
            "value": [5.0, 5.2] * 6,
            "is_suppressed": False,
        }
    )
    yearly = frame.assign(period_type="year", period=[str(2000 + i) for i in range(12)])
    out = spc_frame(ind, pd.concat([frame, yearly]))
    assert len(out) == 12
    declared = markers().breaks_for(ind.id, "E23000030")
    assert "2024-01" in declared
    assert out.segment.tolist() == [0] * 6 + [1] * 6
    assert out.break_reason.iloc[-1] == declared["2024-01"]


def test_markers_errors_name_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "markers.toml"
    path.write_text(
        '[[break]]\nperiod = "2024-13"\nindicators = ["policeuk_crimes_per_1000"]\n'
        'reason = "r"\nsource = "s"\n'
    )
    with pytest.raises(MarkersError, match=r"markers.toml \[\[break\]\] number 1, field period"):
        load(path)
    path.write_text(
        '[[break]]\nperiod = "2024-01"\nindicators = ["arrests_per_1000"]\n'
        'reason = "r"\nsource = "s"\n'
    )
    with pytest.raises(MarkersError, match="no monthly values"):
        load(path)
    path.write_text('[[break]]\nperiod = "2024-01"\nindicators = ["arrests_per_1000"]\n')
    with pytest.raises(MarkersError, match="missing reason, source"):
        load(path)
