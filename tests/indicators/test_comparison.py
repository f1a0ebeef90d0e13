"""Comparisons in words follow the data: against England and Wales by the 95% interval, among
forces by the funnel, by rank only for the first and last, and never 'in line' or 'similar'
where the interval excludes England and Wales."""

from __future__ import annotations

from typing import Any

import pytest

from openpeel.indicators import comparison
from openpeel.indicators.comparison import classify, indicator_sentence
from openpeel.indicators.signals import concerns, signals

BASE: dict[str, Any] = {
    "period": "2016/17",
    "unit": "per_1000",
    "value": 8.0,
    "lower": 7.8,
    "upper": 8.2,
    "ew_value": 13.4,
    "is_highest": False,
    "is_lowest": False,
    "funnel_95": 0,
    "funnel_998": 0,
    "change": None,
    "previous_period": "2015/16",
    "is_suppressed": False,
}


def _words(previous: float | None = 11.9, **changes: Any) -> str:
    return indicator_sentence({**BASE, **changes}, "Arrests per 1,000 residents", previous)


def test_against_england_and_wales_by_the_interval() -> None:
    # the interval 7.8 to 8.2 excludes 13.4: lower, even though within the funnel's range
    said = _words()
    assert said == (
        "The force's figure for arrests per 1,000 residents was 8.0 per 1,000 "
        "(95% interval 7.8 to 8.2 per 1,000) in 2016/17: lower than England and Wales "
        "(13.4 per 1,000); within the range expected across forces."
    )
    assert "higher than England and Wales" in _words(value=15.0, lower=14.0, upper=16.0)
    similar = _words(value=13.0, lower=12.5, upper=13.5)
    assert "similar to England and Wales (13.4 per 1,000)" in similar
    assert "in line" not in similar


def test_better_or_worse_only_with_a_polarity() -> None:
    assert "which is" not in _words()
    assert "lower than England and Wales (13.4 per 1,000), which is better" in _words(
        polarity="higher_is_worse"
    )
    assert "which is worse" in _words(polarity="higher_is_better")
    # a similar value is neither
    assert "which is" not in _words(value=13.0, lower=12.5, upper=13.5, polarity="higher_is_worse")


def test_among_forces_by_the_funnel() -> None:
    assert "far above the range expected across forces" in _words(funnel_95=1, funnel_998=1)
    above_95 = _words(funnel_95=1, funnel_998=0)
    assert "far above" not in above_95
    assert "above the range expected across forces" in above_95
    assert "far below the range expected across forces" in _words(funnel_95=-1, funnel_998=-1)


def test_highest_only_for_the_force_ranked_first() -> None:
    assert "higher than any other force in England and Wales" in _words(is_highest=True)
    assert "higher than any other force" not in _words(funnel_95=1, funnel_998=1)
    assert "lower than any other force in England and Wales" in _words(is_lowest=True)


def test_falling_only_for_a_significant_fall() -> None:
    assert "falling, from 11.9 per 1,000 in 2015/16" in _words(change="down")
    assert "falling" not in _words(change="no significant change")
    assert "falling" not in _words(change=None)
    assert "rising, from 11.9 per 1,000" in _words(change="up")


def test_plain_without_statistics_and_suppressed() -> None:
    plain = _words(funnel_95=None, funnel_998=None, lower=None, upper=None)
    assert plain.endswith("with England and Wales at 13.4 per 1,000.")
    assert "too few cases" in _words(is_suppressed=True)


def test_a_force_left_out_by_a_rule_is_compared_with_england_and_wales_only() -> None:
    # City of London's arrests per resident: never ranked or placed among forces
    row = {
        **BASE,
        "indicator_id": "arrests_per_1000",
        "force_code": "E23000034",
        "value": 150.0,
        "lower": 140.0,
        "upper": 160.0,
        "is_highest": True,
        "funnel_95": 1,
        "funnel_998": 1,
    }
    classes = classify(row)
    assert classes.left_out
    assert classes.rank is None
    assert classes.across_forces is None
    assert classes.england_and_wales == "higher"
    said = indicator_sentence(row, "Arrests per 1,000 residents")
    assert "than any other force" not in said
    assert "range expected" not in said
    assert "not compared with other forces" in said


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [
        (14.0, 16.0, "higher"),
        (12.0, 13.0, "lower"),
        (13.0, 14.0, "similar"),
        (13.4, 14.0, "similar"),
    ],
)
def test_the_class_is_the_interval_against_england_and_wales(
    lower: float, upper: float, expected: str
) -> None:
    assert comparison.england_and_wales(lower, upper, 13.4) == expected


def test_signals_judge_by_polarity_and_a_difference_alone_is_no_concern() -> None:
    row = {**BASE, "indicator_id": "arrests_per_1000", "force_code": "E23000030"}
    found = {s.kind: s for s in signals(row, "higher_is_worse")}
    assert found["england_and_wales"].text.endswith("which is better")
    assert found["england_and_wales"].plain == "lower than England and Wales (13.4 per 1,000)"
    assert not concerns(row, "higher_is_better")  # worse than E&W but within the range
    far = {**row, "funnel_95": -1, "funnel_998": -1}
    worse = concerns(far, "higher_is_better")
    assert [s.kind for s in worse] == ["funnel_998"]
    assert worse[0].text == "far below the range expected across forces, which is worse"
