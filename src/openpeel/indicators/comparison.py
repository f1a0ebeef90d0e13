"""What an indicator value says against England and Wales and among forces, in words.

Three comparisons, each said only when the data hold it, with words from ``wording.toml``:

(a) **against England and Wales**, by the force's 95% interval: "higher" or "lower" when the
    interval excludes the England and Wales value, "similar" when it includes it; "which is
    better" or "which is worse" only where the catalogue gives the indicator a polarity;
(b) **among forces**, by the funnel plot (limits widened for over-dispersion): within, above
    or below the range expected across forces, far above or below beyond the 99.8% limit;
(c) **by rank**: "higher than any other force" only for the force ranked first of every force
    ranked (and "lower" only for the last).

A force that a comparison rule of the catalogue leaves out (City of London for rates per
resident) gets (a) but neither (b) nor (c).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.units import format_interval, format_value

EnglandAndWales = Literal["higher", "lower", "similar"]
AcrossForces = Literal["within", "above", "below", "far_above", "far_below"]
Rank = Literal["highest", "lowest"]
Judgement = Literal["better", "worse"]


@cache
def wording() -> dict[str, Any]:
    text = resources.files("openpeel.indicators").joinpath("wording.toml").read_text("utf-8")
    return tomllib.loads(text)


def number(value: Any) -> float | None:
    """A finite float, or None (for None, NA, NaN and text)."""
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


@dataclass(frozen=True)
class Classes:
    """The comparisons a row allows; None where the data allow none."""

    england_and_wales: EnglandAndWales | None
    across_forces: AcrossForces | None
    rank: Rank | None
    #: left out of the comparison among forces by a rule of the catalogue
    left_out: bool = False


def judgement(higher: bool, polarity: str | None) -> Judgement | None:
    """Whether a higher (or lower) value is better or worse, by the polarity; None for none."""
    if polarity == "higher_is_worse":
        return "worse" if higher else "better"
    if polarity == "higher_is_better":
        return "better" if higher else "worse"
    return None


def england_and_wales(
    lower: float | None, upper: float | None, ew: float | None
) -> EnglandAndWales | None:
    """(a): higher or lower when the 95% interval excludes the England and Wales value."""
    if lower is None or upper is None or ew is None:
        return None
    if ew < lower:
        return "higher"
    if ew > upper:
        return "lower"
    return "similar"


def is_left_out(row: dict[str, Any]) -> bool:
    """Whether a rule of the catalogue leaves the row's force out of the comparison among
    forces for the row's indicator."""
    catalogue = load_catalogue()
    iid = row.get("indicator_id")
    if iid is None or iid not in catalogue.indicators:
        return False
    return str(row.get("force_code")) in catalogue.left_out(catalogue.indicator(str(iid)))


def classify(row: dict[str, Any]) -> Classes:
    """The comparisons an ``out_indicator_values`` row allows (none for a suppressed row)."""
    if row.get("is_suppressed") or number(row.get("value")) is None:
        return Classes(None, None, None)
    left_out = is_left_out(row)
    ew = england_and_wales(
        number(row.get("lower")), number(row.get("upper")), number(row.get("ew_value"))
    )
    if left_out:
        return Classes(ew, None, None, left_out=True)
    across: AcrossForces | None = None
    far, outside = number(row.get("funnel_998")), number(row.get("funnel_95"))
    if far:
        across = "far_above" if far > 0 else "far_below"
    elif outside:
        across = "above" if outside > 0 else "below"
    elif outside == 0:
        across = "within"
    rank: Rank | None = None
    if row.get("is_highest"):
        rank = "highest"
    elif row.get("is_lowest"):
        rank = "lowest"
    return Classes(ew, across, rank)


def _judged(phrase: str, higher: bool, polarity: str | None) -> str:
    judged = judgement(higher, polarity)
    return str(wording()["judgement"][judged]).format(comparison=phrase) if judged else phrase


def polarity_of(row: dict[str, Any]) -> str | None:
    """The row's polarity: its own ``polarity``, else its indicator's in the catalogue."""
    if row.get("polarity"):
        return str(row["polarity"])
    catalogue = load_catalogue()
    iid = row.get("indicator_id")
    return catalogue.indicator(str(iid)).polarity if iid in catalogue.indicators else None


def unit_of(row: dict[str, Any]) -> str:
    if row.get("unit"):
        return str(row["unit"])
    return load_catalogue().indicator(str(row["indicator_id"])).unit


def england_and_wales_words(row: dict[str, Any], *, judged: bool = True) -> str | None:
    """(a) in words: 'lower than England and Wales (23.7%), which is better'."""
    found = classify(row).england_and_wales
    if found is None:
        return None
    phrase = str(wording()["england_and_wales"][found]).format(
        ew_value=format_value(unit_of(row), number(row.get("ew_value")))
    )
    if found == "similar" or not judged:
        return phrase
    return _judged(phrase, found == "higher", polarity_of(row))


def across_forces_words(row: dict[str, Any]) -> str | None:
    """(b) in words: 'within the range expected across forces'."""
    classes = classify(row)
    if classes.left_out:
        return str(wording()["left_out"]["among_forces"])
    return str(wording()["across_forces"][classes.across_forces]) if classes.across_forces else None


def across_forces_short(row: dict[str, Any]) -> str:
    """(b) in a table's few words: 'within range', 'far above range', 'not compared'."""
    classes = classify(row)
    words = wording()["across_forces_short"]
    if classes.left_out:
        return str(words["left_out"])
    return str(words[classes.across_forces]) if classes.across_forces else ""


def rank_words(row: dict[str, Any]) -> str | None:
    """(c) in words, only for the force ranked first or last."""
    found = classify(row).rank
    return str(wording()["rank"][found]) if found else None


def change_words(row: dict[str, Any], previous_value: float | None) -> str | None:
    """A significant change since the previous period, with the earlier value."""
    change = row.get("change")
    if change not in ("up", "down") or previous_value is None:
        return None
    return str(wording()["change"][change]).format(
        previous_value=format_value(unit_of(row), previous_value),
        previous_period=row.get("previous_period"),
    )


def comparisons(
    row: dict[str, Any], previous_value: float | None = None, *, judged: bool = True
) -> list[str]:
    """Every comparison the row's statistics allow: rank, England and Wales (judged by the
    polarity unless ``judged`` is False), among forces, change."""
    found = [
        rank_words(row),
        england_and_wales_words(row, judged=judged),
        across_forces_words(row),
        change_words(row, previous_value),
    ]
    return [f for f in found if f]


def indicator_sentence(row: dict[str, Any], title: str, previous_value: float | None = None) -> str:
    """One sentence about a force's value, with the comparisons its statistics allow."""
    words = wording()["sentence"]
    unit = unit_of(row)
    title = title if title[:2].isupper() else title[0].lower() + title[1:]
    if row.get("is_suppressed") or number(row.get("value")) is None:
        return str(words["suppressed"]).format(period=row.get("period"), title=title)
    found = comparisons(row, previous_value)
    interval = format_interval(unit, number(row.get("lower")), number(row.get("upper")))
    fields = {
        "period": row.get("period"),
        "title": title,
        "value": format_value(unit, number(row.get("value"))),
        "ew_value": format_value(unit, number(row.get("ew_value"))),
        "interval": interval,
    }
    if not found:
        return str(words["no_comparison"]).format(**fields)
    template = words["with_interval"] if interval else words["without_interval"]
    return str(template).format(comparisons="; ".join(found), **fields)
