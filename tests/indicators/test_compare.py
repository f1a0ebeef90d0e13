"""The comparison step on a small hand-made frame (synthetic numbers, chosen for hand checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.compare import OUT_COLUMNS, compare
from openpeel.indicators.funnel import funnel_flags
from openpeel.indicators.stats import trend_direction

SHARE = load_catalogue().indicator("victim_does_not_support_share")  # minimum denominator 50
FORCES = ["A1", "A2", "A3", "A4", "A5"]
PEERS = {
    "A1": ["A1", "A2", "A3"],
    "A2": ["A2", "A1"],
    "A3": ["A3"],
    "A4": ["A4", "A5"],
    "A5": ["A5", "A4"],
}


def _frame(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force_code": [r[0] for r in rows],
            "period_type": "financial_year",
            "period": [r[1] for r in rows],
            "breakdown": "all",
            "breakdown_value": None,
            "numerator": [r[2] for r in rows],
            "denominator": [r[3] for r in rows],
            "exposure_numerator": np.nan,
            "exposure_denominator": np.nan,
            "denominator_note": None,
        }
    )


@pytest.fixture
def result() -> pd.DataFrame:
    rows = [
        ("A1", "2017/18", 30, 100),
        ("A2", "2017/18", 20, 100),
        ("A3", "2017/18", 50, 400),
        ("A4", "2017/18", 5, 40),  # below the minimum denominator: suppressed
        ("A5", "2017/18", 90, 300),
        ("A1", "2016/17", 10, 100),
        ("A1", "2015/16", 5, 100),
    ]
    return compare(SHARE, _frame(rows), set(FORCES), lambda code: PEERS[code])


def _row(result: pd.DataFrame, force: str, period: str = "2017/18") -> pd.Series:
    return result[(result.force_code == force) & (result.period == period)].iloc[0]


def test_columns_and_values(result: pd.DataFrame) -> None:
    assert list(result.columns) == list(OUT_COLUMNS)
    assert _row(result, "A1").value == pytest.approx(0.30)
    assert _row(result, "A4").is_suppressed
    assert np.isnan(_row(result, "A4").value)


def test_england_and_wales_pools_the_shown_forces(result: pd.DataFrame) -> None:
    # (30 + 20 + 50 + 90) / (100 + 100 + 400 + 300): A4 is suppressed and left out
    assert _row(result, "A1").ew_value == pytest.approx(190 / 900)


def test_peer_value_is_the_simple_mean_including_the_force(result: pd.DataFrame) -> None:
    assert _row(result, "A1").peer_value == pytest.approx((0.30 + 0.20 + 0.125) / 3)
    assert _row(result, "A4").peer_value == pytest.approx(0.30)  # A4 itself has no value


def test_rank_and_extremes(result: pd.DataFrame) -> None:
    ranks = {f: _row(result, f)["rank"] for f in ("A1", "A5", "A2", "A3")}
    assert ranks == {"A1": 1, "A5": 1, "A2": 3, "A3": 4}  # 0.30, 0.30, 0.20, 0.125: ties share
    assert _row(result, "A1").is_highest
    assert _row(result, "A5").is_highest
    assert _row(result, "A3").is_lowest
    assert pd.isna(_row(result, "A4")["rank"])
    assert _row(result, "A1").forces_ranked == 4


def test_funnel_flags_agree_with_the_funnel_module(result: pd.DataFrame) -> None:
    shown = ["A1", "A2", "A3", "A5"]
    num = np.array([30, 20, 50, 90.0])
    den = np.array([100, 100, 400, 300.0])
    expected = funnel_flags(num / den, den, 190 / 900, "proportion")
    got = [int(_row(result, f).funnel_95) for f in shown]
    assert got == [int(x) for x in expected.outside95]


def test_change_and_trend(result: pd.DataFrame) -> None:
    now = _row(result, "A1")
    assert now.previous_period == "2016/17"
    assert now.change == "up"  # 10/100 -> 30/100: z = 3.54, p < 0.001
    assert now.change_p == pytest.approx(0.000405, rel=0.01)
    # the trend over 5%, 10%, 30% is the reference function's verdict (quasi-binomial, 1 df)
    direction, _, p = trend_direction([5, 10, 30], [100, 100, 100], "proportion", quasi=True)
    assert (now.trend, now.trend_periods) == (direction, 3)
    assert now.trend_p == pytest.approx(p)
    assert _row(result, "A1", "2015/16").change is None  # no earlier period
    assert _row(result, "A2").trend is None  # one period only


def test_many_comparisons_at_once_equal_each_alone() -> None:
    # every comparison (period and breakdown value) is computed in one pass by group number;
    # none may leak into another: each must come out as it does when computed on its own
    rng = np.random.default_rng(7)
    rows = []
    for period in ("2015/16", "2016/17", "2017/18"):
        for force in FORCES:
            den = int(rng.integers(30, 2000))  # some below the minimum denominator of 50
            rows.append((force, period, int(rng.binomial(den, rng.uniform(0.05, 0.5))), den))
    rows.append(("A3", "2017/18", 0, 0))  # a duplicate force row with nothing to show
    whole = _frame(rows)
    # and by a breakdown with two values: each value its own comparison
    parts = [whole]
    for value in ("violence", "theft"):
        part = whole.assign(breakdown="offence_group", breakdown_value=value)
        part["numerator"] = (part.numerator * rng.uniform(0.2, 0.9, len(part))).round()
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    together = compare(SHARE, frame, set(FORCES), lambda code: PEERS[code])
    columns = [
        "ew_value",
        "peer_value",
        "rank",
        "forces_ranked",
        "is_highest",
        "is_lowest",
        "funnel_95",
        "funnel_998",
        "is_overdispersed",
    ]
    for period in ("2015/16", "2016/17", "2017/18"):
        for kept in (None, "violence", "theft"):
            chosen = frame[(frame.period == period) & (frame.breakdown_value.isin([kept]))]
            alone = compare(SHARE, chosen, set(FORCES), lambda code: PEERS[code])
            got = together[
                (together.period == period) & together.breakdown_value.isin([kept])
            ].reset_index(drop=True)
            assert len(got) == len(chosen) >= len(FORCES)
            pd.testing.assert_frame_equal(
                got[columns], alone[columns].reset_index(drop=True), check_exact=False, rtol=1e-12
            )


def test_no_spread_when_every_force_has_none() -> None:
    # a pooled share of 0: no z-scores, so over-dispersion is unknown, and no force is outside
    rows = [(force, "2017/18", 0, 100 + 10 * i) for i, force in enumerate(FORCES)]
    result = compare(SHARE, _frame(rows), set(FORCES), lambda code: PEERS[code])
    assert (result.ew_value == 0).all()
    assert result.is_overdispersed.isna().all()
    assert (result.funnel_95 == 0).all()
    assert (result["rank"] == 1).all()  # all tied
