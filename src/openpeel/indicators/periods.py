"""Period labels and their arithmetic: what comes before a period, which mid-year population
goes with it, and the months a rolling 12 months covers.

Labels: month ``2019-01``; quarter ``2017/18 Q1`` (financial quarters, Q1 = April to June);
financial year ``2017/18``; calendar year ``2016``; rolling 12 months ``12 months to 2019-01``
(the 12 months ending with that month; built from months, or published as such, e.g. at each
quarter's end).

Rolling 12 months overlap: the 12 months to June 2016 share nine months with the 12 months to
March 2016. So the period before a rolling 12 months, for the change test, is the 12 months
just before it (to June 2015), and a trend is judged on rolling years that do not overlap:
those ending in the same month of the year (:func:`phase`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pandas as pd

ROLLING_PREFIX = "12 months to "

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def _fy(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_index(label: str) -> int:
    """Months since year 0 for a YYYY-MM label (for consecutive-month arithmetic)."""
    m = _MONTH.match(label)
    if m is None:
        raise ValueError(f"not a month label: {label!r}")
    return int(m[1]) * 12 + int(m[2]) - 1


def month_label(index: int) -> str:
    return _month(index // 12, index % 12 + 1)


def previous(period_type: str, label: str) -> str | None:
    """The period before ``label`` of the same type (None if the label is not recognised)."""
    if period_type == "month" and _MONTH.match(label):
        return month_label(month_index(label) - 1)
    if period_type == "rolling_12_months" and label.startswith(ROLLING_PREFIX):
        end = label.removeprefix(ROLLING_PREFIX)
        return ROLLING_PREFIX + month_label(month_index(end) - 12)
    if period_type == "quarter" and (q := _QUARTER.match(label)):
        start, quarter = int(q[1]), int(q[3])
        return f"{_fy(start - 1)} Q4" if quarter == 1 else f"{_fy(start)} Q{quarter - 1}"
    if period_type == "financial_year" and (f := _FY.match(label)):
        return _fy(int(f[1]) - 1)
    if period_type == "year" and (y := _YEAR.match(label)):
        return str(int(y[1]) - 1)
    return None


def sort_key(period_type: str, label: str) -> tuple[int, int]:
    """Chronological order of labels of one type."""
    if period_type == "rolling_12_months":
        return (month_index(label.removeprefix(ROLLING_PREFIX)), 0)
    if period_type == "month":
        return (month_index(label), 0)
    if q := _QUARTER.match(label):
        return (int(q[1]), int(q[3]))
    if m := re.match(r"^(\d{4})", label):
        return (int(m[1]), 0)
    return (0, 0)


def population_year(period_type: str, label: str) -> int | None:
    """The mid-year (30 June) population estimate that goes with a period: the one inside it.

    A financial year or its quarters use the mid-year of the year it starts in (30 June 2017 is
    in 2017/18); a month or calendar year uses its own year; a rolling 12 months the 30 June it
    holds: of its last month's year when that month is June or later (the 12 months to June,
    September or December 2016 hold 30 June 2016), else of the year before (the 12 months to
    March 2016 hold 30 June 2015).
    """
    if period_type == "rolling_12_months":
        end = _MONTH.match(label.removeprefix(ROLLING_PREFIX))
        if end is None:
            return None
        return int(end[1]) if int(end[2]) >= 6 else int(end[1]) - 1
    if (m := _MONTH.match(label)) or (m := _YEAR.match(label)):
        return int(m[1])
    if (q := _QUARTER.match(label)) or (q := _FY.match(label)):
        return int(q[1])
    return None


def ordinal(period_type: str, label: str) -> int:
    """Position in time in the period type's own unit (months, quarters or years)."""
    year, part = sort_key(period_type, label)
    if period_type in ("month", "rolling_12_months"):
        return year
    if period_type == "quarter":
        return year * 4 + part
    return year


def phase(period_type: str, label: str) -> int:
    """The month of the year a rolling 12 months ends in (1-12), 0 for other periods: rolling
    years of one phase do not overlap, so a trend is judged on each phase apart."""
    if period_type == "rolling_12_months" and label.startswith(ROLLING_PREFIX):
        end = _MONTH.match(label.removeprefix(ROLLING_PREFIX))
        return int(end[2]) if end else 0
    return 0


def per_period(frame: pd.DataFrame, fn: Callable[[str, str], Any], dtype: Any) -> np.ndarray:
    """``fn(period_type, period)`` for every row of a frame, computed once per distinct period."""
    result = np.empty(len(frame), dtype=dtype)
    # missing labels are kept (as "nan"/"None"), so that fn judges them rather than leaving
    # their rows unset
    groups = frame.groupby(["period_type", "period"], sort=False, dropna=False).indices
    for key, positions in groups.items():
        period_type, period = cast(tuple[object, object], key)
        result[positions] = fn(str(period_type), str(period))
    return result
