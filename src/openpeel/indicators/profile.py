"""Numbers behind the profile views: every force on every indicator (the "tartan rug") and one
force's spine chart. Classes and numbers only; the words are the presentation layer's.

* **Comparison with England and Wales**, as Fingertips compares an area with England: the
  force's 95% interval (stored in ``out_indicator_values``) against the England and Wales value.
  Entirely above it is higher, entirely below lower, otherwise similar; higher or lower is better
  or worse where the indicator has a polarity. A value that is suppressed, missing, a score (no
  interval) or has no England and Wales value is not compared, with the reason.
* **The period shown** for each indicator (``headline_periods``): of its first declared period
  type, the latest period in which at least ``MIN_FORCES`` forces have a value; failing that, the
  period with the most forces (the latest of those).
* **Spine**: the lowest, 25th and 75th percentiles (linear interpolation) and highest of the
  forces' values (without the forces a comparison rule leaves out, with its footnote), England
  and Wales, the force's value, its comparison, its recent trend, its latest SPC variation
  (monthly indicators), the period and its most similar group's value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.framework.model import load_framework
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.comparison import wording
from openpeel.indicators.periods import sort_key
from openpeel.reference import forces
from openpeel.reference.places import resolve
from openpeel.warehouse.db import Warehouse

#: a period is shown when at least this many forces have a value in it (more than half)
MIN_FORCES = 22

BETTER, WORSE, HIGHER, LOWER = "better", "worse", "higher", "lower"
SIMILAR, NOT_COMPARED = "similar", "not compared"
CLASSES = (BETTER, SIMILAR, WORSE, HIGHER, LOWER, NOT_COMPARED)


@dataclass(frozen=True)
class Shown:
    """The period an indicator is shown for."""

    period_type: str
    period: str
    forces: int


def compare_with_ew(
    value: float | None,
    lower: float | None,
    upper: float | None,
    ew_value: float | None,
    is_suppressed: bool,
    polarity: str,
) -> tuple[str, str | None]:
    """(class, reason it is not compared) of one value against England and Wales; the reasons'
    words are in ``wording.toml`` [not_compared]."""
    why = wording()["not_compared"]
    if is_suppressed:
        return NOT_COMPARED, str(why["suppressed"])
    if _finite(value) is None:
        return NOT_COMPARED, str(why["no_value"])
    ew, low, high = _finite(ew_value), _finite(lower), _finite(upper)
    if ew is None:
        return NOT_COMPARED, str(why["no_england_and_wales"])
    if low is None or high is None:
        return NOT_COMPARED, str(why["no_interval"])
    if low > ew:
        side = HIGHER
    elif high < ew:
        side = LOWER
    else:
        return SIMILAR, None
    if polarity == "neither":
        return side, None
    return (BETTER if (side == HIGHER) == (polarity == "higher_is_better") else WORSE), None


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def headline_periods(wh: Warehouse) -> dict[str, Shown]:
    """The period each computed indicator is shown for (module docstring)."""
    counts = wh.rows(
        "SELECT indicator_id, period_type, period, "
        "count(*) FILTER (WHERE NOT is_suppressed AND value IS NOT NULL) "
        "FROM out_indicator_values WHERE breakdown = 'all' GROUP BY ALL"
    )
    by: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for iid, ptype, period, shown in counts:
        by.setdefault((iid, ptype), []).append((period, int(shown)))
    out: dict[str, Shown] = {}
    for ind in load_catalogue().indicators.values():
        for ptype in ind.periods:
            periods = sorted(by.get((ind.id, ptype), []), key=lambda p: sort_key(ptype, p[0]))
            if not periods:
                continue
            full = [p for p in periods if p[1] >= MIN_FORCES]
            period, shown = full[-1] if full else max(reversed(periods), key=lambda p: p[1])
            out[ind.id] = Shown(ptype, period, shown)
            break
    return out


def _number(x: Any) -> float | None:
    if x is None or x is pd.NA:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _rows(wh: Warehouse, shown: dict[str, Shown], force_code: str | None = None) -> pd.DataFrame:
    """Each indicator's rows (no breakdown) in its shown period, with the recent trend."""
    keys = pd.DataFrame(
        [(iid, s.period_type, s.period) for iid, s in shown.items()],
        columns=["indicator_id", "period_type", "period"],
    )
    wh.con.register("_shown_periods", keys)
    try:
        return wh.execute(
            "SELECT v.indicator_id, v.period_type, v.period, v.force_code, v.value, v.lower, "
            "v.upper, v.is_suppressed, v.ew_value, v.peer_value, v.rank, v.forces_ranked, "
            "t.trend, t.judgement AS trend_judgement, t.reason AS trend_reason "
            "FROM out_indicator_values v JOIN _shown_periods k USING (indicator_id, "
            "period_type, period) LEFT JOIN out_indicator_recent_trends t ON "
            "t.indicator_id = v.indicator_id AND t.period_type = v.period_type AND "
            "t.period = v.period AND t.breakdown = v.breakdown AND t.force_code = v.force_code "
            "WHERE v.breakdown = 'all' AND (? IS NULL OR v.force_code = ?) "
            "ORDER BY v.indicator_id, v.force_code",
            [force_code, force_code],
        ).df()
    finally:
        wh.con.unregister("_shown_periods")


def _classify(frame: pd.DataFrame, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    classes = [
        compare_with_ew(
            _number(value),
            _number(lower),
            _number(upper),
            _number(ew),
            bool(suppressed),
            catalogue[str(iid)].polarity,
        )
        for iid, value, lower, upper, ew, suppressed in zip(
            frame.indicator_id,
            frame.value,
            frame.lower,
            frame.upper,
            frame.ew_value,
            frame.is_suppressed,
            strict=True,
        )
    ]
    out = frame.copy()
    out["comparison"] = [c for c, _ in classes]
    out["not_compared_reason"] = pd.Series([r for _, r in classes], index=frame.index, dtype=object)
    return out


def _pillar(theme: str) -> str:
    return theme.split("/", 1)[0]


def _computed(wh: Warehouse) -> dict[str, Shown]:
    shown = headline_periods(wh)
    if not shown:
        raise OpenPeelError(
            f"no indicators computed in {wh.home}", hint="run `openpeel indicators compute`"
        )
    return shown


def matrix(
    wh: Warehouse,
    *,
    pillar: str | None = None,
    question: str | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """Every territorial force on every indicator (in its shown period): one row per force and
    indicator, with the value, interval, England and Wales, the comparison class (or why not
    compared) and the recent trend. Filters: a pillar ("effectiveness"), a question theme
    ("effectiveness/investigating-crime"), a region ("South East"). A force with no row for an
    indicator gets a row that is not compared ("no value for this period")."""
    catalogue = load_catalogue().indicators
    shown = _computed(wh)
    chosen = {
        iid: s
        for iid, s in shown.items()
        if (pillar is None or any(_pillar(q) == pillar for q in catalogue[iid].questions))
        and (question is None or question in catalogue[iid].questions)
    }
    territorial = [f for f in forces().territorial() if region is None or f.region == region]
    grid = pd.DataFrame(
        [(iid, f.code) for iid in chosen for f in territorial],
        columns=["indicator_id", "force_code"],
    )
    rows = _rows(wh, chosen) if chosen else pd.DataFrame(columns=["indicator_id", "force_code"])
    frame = grid.merge(rows, on=["indicator_id", "force_code"], how="left")
    frame["period_type"] = [chosen[i].period_type for i in frame.indicator_id]
    frame["period"] = [chosen[i].period for i in frame.indicator_id]
    frame["is_suppressed"] = frame.is_suppressed.astype("boolean").fillna(False).astype(bool)
    frame = _classify(frame, catalogue)
    names = {f.code: f for f in territorial}
    frame["force_name"] = [names[c].name for c in frame.force_code]
    frame["region"] = [names[c].region for c in frame.force_code]
    frame["title"] = [catalogue[i].title for i in frame.indicator_id]
    frame["unit"] = [catalogue[i].unit for i in frame.indicator_id]
    frame["polarity"] = [catalogue[i].polarity for i in frame.indicator_id]
    frame["questions"] = [list(catalogue[i].questions) for i in frame.indicator_id]
    return frame


def _latest_variation(wh: Warehouse, force_code: str) -> dict[str, dict[str, Any]]:
    from openpeel.indicators.spc import latest_variation

    chart = wh.execute(
        "SELECT * FROM out_indicator_spc WHERE force_code = ? ORDER BY indicator_id, period",
        [force_code],
    ).df()
    return {str(iid): latest_variation(c) for iid, c in chart.groupby("indicator_id")}


def spine(wh: Warehouse, force: str) -> pd.DataFrame:
    """One force's spine chart: per indicator (in its shown period) the spread of the forces'
    values, England and Wales, the force's value and class, trend, SPC variation and most
    similar group value. One row per indicator, in catalogue order."""
    code = resolve(force).code
    declared = load_catalogue()
    catalogue = declared.indicators
    shown = _computed(wh)
    every = _rows(wh, shown)
    every = every[~every.is_suppressed.astype(bool) & every.value.notna()]
    mine = _classify(_rows(wh, shown, code), catalogue).set_index("indicator_id")
    variations = _latest_variation(wh, code)
    out = []
    for iid, s in shown.items():
        ind = catalogue[iid]
        # the spread leaves out the forces a comparison rule leaves out (City of London per
        # resident: definitions/30_comparison_rules.toml), as the funnel and ranks do
        rules = declared.left_out(ind)
        spread_rows = every[(every.indicator_id == iid) & ~every.force_code.isin(list(rules))]
        values = spread_rows.value.to_numpy(float)
        spread = np.quantile(values, [0.0, 0.25, 0.75, 1.0]) if len(values) else [np.nan] * 4
        row = mine.loc[iid] if iid in mine.index else None
        comparison, reason = (
            (row.comparison, row.not_compared_reason)
            if row is not None
            else (NOT_COMPARED, str(wording()["not_compared"]["no_value"]))
        )
        variation = variations.get(iid, {})
        out.append(
            {
                "indicator_id": iid,
                "title": ind.title,
                "unit": ind.unit,
                "polarity": ind.polarity,
                "questions": list(ind.questions),
                "period_type": s.period_type,
                "period": s.period,
                "forces_shown": len(values),
                "minimum": spread[0],
                "q1": spread[1],
                "q3": spread[2],
                "maximum": spread[3],
                "ew_value": _number(row.ew_value) if row is not None else None,
                "value": _number(row.value) if row is not None else None,
                "lower": _number(row.lower) if row is not None else None,
                "upper": _number(row.upper) if row is not None else None,
                "rank": _number(row["rank"]) if row is not None else None,
                "comparison": comparison,
                "not_compared_reason": reason,
                "trend": row.trend if row is not None else None,
                "trend_judgement": row.trend_judgement if row is not None else None,
                "trend_reason": row.trend_reason if row is not None else None,
                "peer_value": _number(row.peer_value) if row is not None else None,
                "variation": variation.get("variation"),
                "variation_period": variation.get("period"),
                "variation_note": variation.get("note"),
                "spread_footnote": " ".join(dict.fromkeys(r.footnote for r in rules.values()))
                or None,
            }
        )
    return pd.DataFrame(out)


def spine_groups(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A spine's rows grouped by PEEL question theme (an indicator under each it informs), in
    the order of the framework's themes: [{theme, pillar, description, rows}]."""
    themes = load_framework().themes
    groups = []
    for theme, description in themes.items():
        rows = [r for r in frame.to_dict("records") if theme in r["questions"]]
        if rows:
            groups.append(
                {"theme": theme, "pillar": _pillar(theme), "description": description, "rows": rows}
            )
    return groups


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts: NaN and NA become None, numpy numbers Python ones."""
    out = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, np.generic):
                value = value.item()
            if value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out


def matrix_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The matrix as shown: one row per force, and for each indicator its value and class
    (``<indicator_id>`` and ``<indicator_id>:comparison``), in catalogue order; for a CSV or
    XLSX download of the table."""
    order = list(dict.fromkeys(frame.indicator_id))
    values = frame.pivot(index=["force_code", "force_name", "region"], columns="indicator_id")
    columns: dict[str, pd.Series] = {}
    for iid in order:
        columns[iid] = values["value"][iid]
        columns[f"{iid}:comparison"] = values["comparison"][iid]
    return pd.DataFrame(columns).reset_index().sort_values("force_name", ignore_index=True)
