"""Axis labels as people read them: every unit's declared axis format (and the plain-number
format of an index) writes the ticks of ordinary ranges in decimal notation, never with an
exponent (110, not 1.1e+2), and no two ticks of an axis read the same. The ticks are read from
the SVG that Vega draws, since Vega sets a format's precision from the ticks' step."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.units import NUMBER_AXIS_FORMAT
from openpeel.presentation.chart_parts import _axis
from openpeel.presentation.rendering import chart_svg

#: ranges as a reader writes the values (17.6 for 17.6%), from a few hundredths to hundreds of
#: thousands: a rate per 1,000 of 40 to 140 drew 1e+2 and 1.2e+2
RANGES = [(0.0, 5.0), (2.5, 3.5), (8.5, 11.5), (16.7, 17.1), (40.0, 140.0), (95.0, 145.0)]
RANGES += [(1_000.0, 200_000.0), (15_000.0, 15_500.0)]
UNITS = load_catalogue().units


def tick_labels(fmt: str, low: float, high: float) -> list[str]:
    """The labels of a y axis from ``low`` to ``high`` drawn as the charts draw one."""
    frame = pd.DataFrame({"value": [low, high]})
    y = alt.Y(
        "value:Q",
        scale=alt.Scale(domain=[low, high], nice=False, zero=False),
        axis=_axis(fmt, "the title"),
    )
    svg = chart_svg(alt.Chart(frame).mark_point().encode(y=y))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return [t for t in texts if t != "the title"]


@pytest.mark.parametrize("unit", sorted(UNITS))
@pytest.mark.parametrize(("low", "high"), RANGES)
def test_a_unit_s_axis_writes_plain_distinct_numbers(unit: str, low: float, high: float) -> None:
    declared = UNITS[unit]
    labels = tick_labels(
        declared.axis_format, low / declared.multiplier, high / declared.multiplier
    )
    assert len(labels) >= 2, labels
    assert not [t for t in labels if re.search(r"\de[+-]?\d", t)], labels
    assert len(set(labels)) == len(labels), labels


def test_an_index_axis_writes_plain_numbers() -> None:
    assert tick_labels(NUMBER_AXIS_FORMAT, 95.0, 145.0) == ["100", "110", "120", "130", "140"]
    assert tick_labels(NUMBER_AXIS_FORMAT, 0.0, 1_200_000.0)[-1] == "1,200,000"
