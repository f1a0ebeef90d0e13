"""A funnel drawn around a comparator other than England and Wales (issue 18 point 4): the
centre (`Centre`), the note that says how its limits are made (`CENTRE_NOTE`), each force
placed against them (`placed`) and the words that say how the forces compare (`centre_words`).
`presentation.funnel_chart.funnel_chart` draws it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from openpeel.indicators import profile
from openpeel.indicators.funnel import LEVELS, funnel_limits, outside


@dataclass(frozen=True)
class Centre:
    """What a funnel is drawn around and coloured by: a comparator's value and its name
    (``indicators/comparators.py``), each force's comparison with it by its 95% interval (a
    class of ``profile.CLASSES``, as the page's table says it) and the forces that make it
    (none: every force, as for England and Wales)."""

    value: float
    label: str
    classes: Mapping[str, str]
    members: frozenset[str] = frozenset()


#: the funnel's note when it is drawn around a comparator (the web's indicator page)
CENTRE_NOTE = (
    "The centre line is {label}'s value and the limits are drawn around it: the range "
    "expected of a force of each size whose underlying value is {label}'s, widened by the "
    "variation between forces estimated among all the forces around {ew} (as the stored "
    "flags are). {label}'s own uncertainty is not in the limits. Every force is drawn, each "
    "point coloured by its force's 95% interval compared with {label}, as in the table."
)


def placed(
    frame: pd.DataFrame,
    centre: Centre,
    tau2: float,
    kind: Literal["proportion", "rate"],
    per: float,
) -> pd.DataFrame:
    """``frame`` with each force's funnel flags (``funnel_95``, ``funnel_998``) placed
    against limits around the centre at its own denominator (suppressed rows: no flag)."""
    den = frame.denominator.to_numpy(float)
    value = frame.value.to_numpy(float)
    limits = funnel_limits(centre.value / per, den, kind, LEVELS, tau2)
    out = frame.copy()
    shown = ~frame.is_suppressed.astype(bool).to_numpy() & np.isfinite(value)
    for level, name in zip(LEVELS, ("funnel_95", "funnel_998"), strict=True):
        lower, upper = limits[level]
        flags = outside(value, lower * per, upper * per).astype(float)
        out[name] = np.where(shown & np.isfinite(lower), flags, np.nan)
    return out


def centre_words(shown: pd.DataFrame, centre: Centre) -> str:
    """How the forces drawn compare with the centre, in words: 'Coloured by comparison with
    Kent and Surrey: 3 higher, 30 similar; its 2 forces are diamonds.'"""
    counts = shown.force_code.map(
        lambda c: centre.classes.get(c, profile.NOT_COMPARED)
    ).value_counts()
    tally = "; ".join(f"{counts[c]} {c}" for c in profile.CLASSES if c in counts)
    drawn = int(shown.force_code.isin(list(centre.members)).sum())
    shapes = f"; its {drawn} forces drawn are diamonds" if centre.members else ""
    return f"Coloured by comparison with {centre.label}: {tally}{shapes}."
