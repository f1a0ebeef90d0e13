"""Numbers written for people: a few significant figures with thousands separators, never
"-0", and p-values below what three decimals show as "< 0.001"."""

from __future__ import annotations

import math


def for_people(value: float | None, figures: int = 3) -> str:
    """``value`` to ``figures`` significant figures: 12,300; 678; 4.56; 0.0123; "not known"
    for none. What rounds to zero is "0", never "-0"."""
    if value is None or math.isnan(value):
        return "not known"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, figures - 1 - magnitude)
    text = f"{round(value, figures - 1 - magnitude):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text.lstrip("-") == "0" else text


def p_value(p: float | None) -> str:
    """A p-value as a reader can take it: "< 0.001", or three decimals."""
    if p is None or math.isnan(p):
        return "not known"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def percent(share: float | None) -> str:
    """A share (0 to 1) as a whole percentage, "not known" for none."""
    if share is None or math.isnan(share):
        return "not known"
    return f"{round(100 * share):.0f}%"
