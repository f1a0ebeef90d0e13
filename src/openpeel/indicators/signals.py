"""What an indicator row says about a force, in words, and whether it points to a problem.

A row of ``out_indicator_values`` carries the rank, the 95% interval, the funnel flags, the
change since the previous period and the trend. Each becomes a signal with two wordings, both
from ``wording.toml`` (``openpeel.indicators.comparison``): ``plain``
states the comparison ("above the range expected across forces"; the flags column of
``openpeel indicators show``), ``text`` adds the indicator's polarity ("..., which is worse"; the
evidence of an assessment and the risk screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpeel.indicators import comparison
from openpeel.indicators.comparison import judgement

#: strength of a signal, for ranking the risk screen: larger is stronger
STRENGTH = {
    "funnel_998": 4,
    "funnel_95": 3,
    "extreme": 2,
    "change": 2,
    "trend": 1,
    "england_and_wales": 0,
}
#: kinds that are concerns when they point to worse performance: a difference from England and
#: Wales alone is not one (with a large denominator almost every difference is significant),
#: a value beyond the range expected across forces is
CONCERN_KINDS = ("funnel_998", "funnel_95", "extreme", "change", "trend")


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


def _signal(kind: str, plain: str, higher: bool, polarity: str) -> Signal:
    judged = judgement(higher, polarity)
    words = comparison.wording()["judgement"]
    text = str(words[judged]).format(comparison=plain) if judged else plain
    return Signal(kind, text, plain, None if judged is None else judged == "worse", STRENGTH[kind])


def signals(row: dict[str, Any], polarity: str) -> list[Signal]:
    """Every signal in a row (rank, funnel, England and Wales, change, trend); none for a
    suppressed row."""
    if row.get("is_suppressed"):
        return []
    words = comparison.wording()
    classes = comparison.classify(row)
    out: list[Signal] = []
    if classes.rank:
        plain = str(words["rank"][classes.rank])
        out.append(_signal("extreme", plain, classes.rank == "highest", polarity))
    if classes.across_forces and classes.across_forces != "within":
        kind = "funnel_998" if classes.across_forces.startswith("far_") else "funnel_95"
        plain = str(words["across_forces"][classes.across_forces])
        out.append(_signal(kind, plain, classes.across_forces.endswith("above"), polarity))
    if classes.england_and_wales in ("higher", "lower"):
        plain = comparison.england_and_wales_words(row, judged=False) or ""
        out.append(
            _signal("england_and_wales", plain, classes.england_and_wales == "higher", polarity)
        )
    if row.get("change") in ("up", "down"):
        plain = str(words["change"][f"{row['change']}_signal"]).format(
            previous_period=row.get("previous_period")
        )
        out.append(_signal("change", plain, row["change"] == "up", polarity))
    if row.get("trend") in ("rising", "falling"):
        plain = str(words["trend"][row["trend"]]).format(periods=row.get("trend_periods"))
        out.append(_signal("trend", plain, row["trend"] == "rising", polarity))
    return out


def concerns(row: dict[str, Any], polarity: str) -> list[Signal]:
    """The signals that point to worse performance: beyond the range expected across forces,
    the worst of every force, or worsening."""
    return [s for s in signals(row, polarity) if s.worse and s.kind in CONCERN_KINDS]
