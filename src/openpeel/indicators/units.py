"""Numbers as a reader would write them, from each unit's declaration in the indicator catalogue
(``indicators/definitions/00_units.toml``): 17.6%, 45.2 per 1,000, 1.85."""

from __future__ import annotations

import math

from openpeel.indicators.catalogue import load_catalogue

NO_VALUE = "no value"


def format_value(unit: str, value: float | None) -> str:
    """A value of ``unit`` as a reader would write it: 17.6%, 45.2 per 1,000, 1.85."""
    if value is None or not math.isfinite(value):
        return NO_VALUE
    declared = load_catalogue().unit(unit)
    return f"{value * declared.multiplier:,.{declared.decimals}f}{declared.suffix}"


def format_interval(unit: str, lower: float | None, upper: float | None) -> str | None:
    """'16.7% to 17.1%', '11.7 to 12.0 per 1,000' (a worded unit said once, at the end), or
    None when either end is missing."""
    if lower is None or upper is None or not (math.isfinite(lower) and math.isfinite(upper)):
        return None
    declared = load_catalogue().unit(unit)
    if declared.suffix.startswith(" "):
        bare = f"{lower * declared.multiplier:,.{declared.decimals}f}"
        return f"{bare} to {format_value(unit, upper)}"
    return f"{format_value(unit, lower)} to {format_value(unit, upper)}"


def format_cell(unit: str, value: float | None) -> str:
    """A value in a table column headed by ``column(unit, ...)``: 17.6%, 45.2 (per 1,000)."""
    if value is None or not math.isfinite(value):
        return NO_VALUE
    declared = load_catalogue().unit(unit)
    return f"{value * declared.multiplier:,.{declared.decimals}f}{declared.table_suffix}"


def format_cell_interval(unit: str, lower: float | None, upper: float | None) -> str:
    """An interval in a table column: '16.7% to 17.1%', '60.1 to 61.0' (no-break spaces: a
    narrow column wraps the words around it, not the interval); '' when unknown."""
    if lower is None or upper is None or not (math.isfinite(lower) and math.isfinite(upper)):
        return ""
    return f"{format_cell(unit, lower)}\u00a0to\u00a0{format_cell(unit, upper)}"


def column(unit: str, heading: str) -> str:
    """A table column's heading with the unit its cells leave out: 'Value (per 1,000)'."""
    named = load_catalogue().unit(unit).table_heading
    return f"{heading} ({named})" if named else heading


def axis_format(unit: str) -> str:
    """The d3-format of a chart axis of ``unit`` (applied to the value as stored)."""
    return load_catalogue().unit(unit).axis_format


def compact(value: float) -> str:
    """A count in few characters, for tick labels and tables: 950, 12k, 1.2M."""
    size = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


#: the d3-format of a count on an axis (SI prefixes, no trailing zeros: 20k, 1.5M)
COUNT_AXIS_FORMAT = "~s"
#: the d3-format of a plain number on an axis, such as an index (decimal notation to the
#: precision of the ticks' step, never an exponent: 110, 2.5, 15,000)
NUMBER_AXIS_FORMAT = ",~r"
