"""What an indicator row says about a force, in words, and whether it points to a problem.

A row of ``out_indicator_values`` carries the rank, the funnel flags, the change since the
previous period and the trend. Each becomes a signal with two wordings: ``plain`` states the
comparison ("above the 99.8% funnel limit"; the flags column of ``openpeel indicators show``),
``text`` judges it by the indicator's polarity ("significantly worse than England and Wales
(above the 99.8% funnel limit)"; the evidence of an assessment and the risk screen).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: strength of a signal, for ranking the risk screen: larger is stronger
STRENGTH = {"funnel_998": 4, "funnel_95": 3, "extreme": 2, "change": 2, "trend": 1}


@dataclass(frozen=True)
class Signal:
    kind: str
    #: the comparison, judged by the indicator's polarity
    text: str
    #: the comparison alone, with no judgement
    plain: str
    #: True when the signal points to worse performance, False to better, None when the
    #: indicator has no polarity
    worse: bool | None
    strength: int


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _direction(higher: bool, polarity: str) -> bool | None:
    """Whether a higher (or lower) value is worse, given the polarity."""
    if polarity == "higher_is_worse":
        return higher
    if polarity == "higher_is_better":
        return not higher
    return None


def signals(row: dict[str, Any], polarity: str) -> list[Signal]:
    """Every signal in a row (rank, funnel, change, trend); none for a suppressed row."""
    if row.get("is_suppressed"):
        return []
    out: list[Signal] = []
    for column, higher in (("is_highest", True), ("is_lowest", False)):
        if row.get(column):
            out.append(
                Signal(
                    "extreme",
                    f"{'higher' if higher else 'lower'} than any other force in England and Wales",
                    f"{'highest' if higher else 'lowest'} in England and Wales",
                    _direction(higher, polarity),
                    STRENGTH["extreme"],
                )
            )
    for kind, level in (("funnel_998", "99.8%"), ("funnel_95", "95%")):
        position = _number(row.get(kind))
        if position:
            higher = position > 0
            worse = _direction(higher, polarity)
            judged = (
                f"significantly {'worse' if worse else 'better'} than England and Wales"
                if worse is not None
                else f"significantly {'higher' if higher else 'lower'} than England and Wales"
            )
            plain = f"{'above' if higher else 'below'} the {level} funnel limit"
            out.append(Signal(kind, f"{judged} ({plain})", plain, worse, STRENGTH[kind]))
            break
    if row.get("change") in ("up", "down"):
        higher = row["change"] == "up"
        words = f"significant {'rise' if higher else 'fall'} since {row.get('previous_period')}"
        out.append(Signal("change", words, words, _direction(higher, polarity), STRENGTH["change"]))
    if row.get("trend") in ("rising", "falling"):
        higher = row["trend"] == "rising"
        words = f"{row['trend']} over {row.get('trend_periods')} periods"
        out.append(Signal("trend", words, words, _direction(higher, polarity), STRENGTH["trend"]))
    return out


def concerns(row: dict[str, Any], polarity: str) -> list[Signal]:
    """The signals that point to worse performance: worse than England and Wales, or worsening."""
    return [s for s in signals(row, polarity) if s.worse]
