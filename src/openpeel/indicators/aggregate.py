"""Numerators and denominators for every force, period and breakdown of an indicator.

Each measure is computed once per run on the engine, summed over its dimensions, and kept as a
temporary table; each indicator then filters and sums it per breakdown. Denominators that come
from elsewhere (population, census groups) are joined here, in Python, on small tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openpeel.indicators.catalogue import Catalogue, Indicator, Measure
from openpeel.indicators.engine import Engine, compile_sql, require
from openpeel.indicators.periods import (
    ROLLING_PREFIX,
    month_index,
    month_label,
    per_period,
    population_year,
)

#: the columns of an indicator's aggregate frame
COLUMNS = (
    "force_code",
    "period_type",
    "period",
    "breakdown",
    "breakdown_value",
    "numerator",
    "denominator",
    "exposure_numerator",
    "exposure_denominator",
    "denominator_note",
)


def measure_table(measure: Measure) -> str:
    return f"_measure_{measure.id}"


SUM_DECIMALS = 6


def materialise(engine: Engine, measure: Measure) -> None:
    """Compute a measure once, summed over its dimensions (refused by name, before anything
    runs, where the engine lacks a feature the measure declares)."""
    for feature in measure.features:
        require(engine, feature)
    keys = ", ".join(("force_code", "period_type", "period", *measure.dimensions))
    sql = f"SELECT {keys}, sum(value) AS value FROM ({measure.sql.strip()}) m GROUP BY {keys}"
    engine.materialise(measure_table(measure), compile_sql(sql, engine.dialect))


def _count_sum(condition: str) -> str:
    """SQL: the sum of the values of the rows that meet ``condition``, in a group the measure
    has rows for. No such row is a count of 0 (published tables and their tidy copies leave
    zero rows out); rows whose values are all missing (published "not available") are null."""
    return (
        f"CASE WHEN count(CASE WHEN {condition} THEN 1 END) = 0 THEN 0 "
        f"ELSE sum(CASE WHEN {condition} THEN value END) END"
    )


def _sums(
    engine: Engine,
    measure: Measure,
    numerator: str,
    denominator: str | None,
    breakdown: str | None,
    period_types: list[str],
) -> pd.DataFrame:
    value = f"{breakdown}" if breakdown else "NULL"
    den = _count_sum(denominator) if denominator else "NULL"
    periods = ", ".join(f"'{p}'" for p in period_types)
    sql = (
        f"SELECT force_code, period_type, period, "
        f"CAST({value} AS VARCHAR) AS breakdown_value, "
        f"{_count_sum(numerator)} AS numerator, {den} AS denominator "
        f"FROM {measure_table(measure)} WHERE period_type IN ({periods}) "
        f"GROUP BY force_code, period_type, period" + (f", {breakdown}" if breakdown else "")
    )
    frame: pd.DataFrame = engine.table(compile_sql(sql, engine.dialect)).to_pandas()
    # engines add floating-point values in different orders; rounded to a millionth (counts
    # and FTE have at most two decimals) the sums are the same on every engine, and so are the
    # discrete tests computed from them
    for column in ("numerator", "denominator"):
        frame[column] = frame[column].astype(float).round(SUM_DECIMALS)
    frame.insert(3, "breakdown", breakdown or "all")
    if breakdown:
        frame = frame[frame["breakdown_value"].notna()]
    return frame


def indicator_frame(engine: Engine, catalogue: Catalogue, indicator: Indicator) -> pd.DataFrame:
    """One row per force, period and breakdown value ("all" first)."""
    measure = catalogue.measures[indicator.measure]
    native = [p for p in indicator.periods if p in measure.period_types]
    # rolling 12 months are summed from months, unless the measure has them as published
    derive_rolling = (
        "rolling_12_months" in indicator.periods and "rolling_12_months" not in measure.period_types
    )
    if derive_rolling and "month" not in native:
        native.append("month")
    parts = [
        _sums(engine, measure, indicator.numerator, indicator.denominator, b, native)
        for b in (None, *indicator.breakdowns)
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["exposure_numerator"] = float("nan")
    frame["exposure_denominator"] = float("nan")
    frame["denominator_note"] = None
    if derive_rolling:
        frame = pd.concat(
            [frame, rolling_12_months(frame[frame.period_type == "month"])], ignore_index=True
        )
        if "month" not in indicator.periods:
            frame = frame[frame.period_type != "month"]
    if indicator.denominator_measure is not None:
        frame = _join_population(engine, catalogue, indicator, frame)
    if indicator.unit == "rate_ratio":
        frame = _join_exposure(engine, catalogue, indicator, frame)
    frame["numerator"] = frame["numerator"].astype(float)
    frame["denominator"] = frame["denominator"].astype(float)
    return frame.loc[:, list(COLUMNS)].reset_index(drop=True)


def rolling_12_months(months: pd.DataFrame) -> pd.DataFrame:
    """Sums over 12 consecutive months, only where all 12 are present (gaps are never 0).

    Vectorised: rows are sorted by series and month; a window ending at a row is complete when
    the row eleven places back is in the same series and eleven months earlier (months are
    unique within a series), and its sums come from cumulative sums.
    """
    columns = [
        "force_code",
        "period_type",
        "period",
        "breakdown",
        "breakdown_value",
        "numerator",
        "denominator",
    ]
    if months.empty:
        return pd.DataFrame(columns=columns)
    frame = months.copy()
    frame["_month"] = per_period(frame, lambda _, label: month_index(label), np.int64)
    frame["_series"] = frame.groupby(
        ["force_code", "breakdown", "breakdown_value"], dropna=False, sort=False
    ).ngroup()
    frame = frame.sort_values(["_series", "_month"], kind="stable").reset_index(drop=True)
    series, month = frame["_series"].to_numpy(), frame["_month"].to_numpy()
    num = pd.to_numeric(frame.numerator).to_numpy(dtype=float, na_value=np.nan)
    den = pd.to_numeric(frame.denominator).to_numpy(dtype=float, na_value=np.nan)
    n, back = len(frame), 11
    end = np.zeros(n, dtype=bool)
    end[back:] = (series[back:] == series[:-back]) & (month[back:] - month[:-back] == back)

    def window_sum(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        missing = np.concatenate([[0], np.cumsum(np.isnan(values))])
        total = np.concatenate([[0.0], np.cumsum(np.nan_to_num(values))])
        start = np.arange(n) - back
        safe = np.clip(start, 0, None)
        sums = total[np.arange(n) + 1] - total[safe]
        gaps = missing[np.arange(n) + 1] - missing[safe]
        return sums, gaps

    num_sum, num_gaps = window_sum(num)
    den_sum, den_gaps = window_sum(den)
    keep = end & (num_gaps == 0)
    out = frame.loc[keep, ["force_code", "breakdown", "breakdown_value"]].copy()
    out.insert(1, "period_type", "rolling_12_months")
    ends, where = np.unique(month[keep], return_inverse=True)
    labels = np.array([ROLLING_PREFIX + month_label(int(m)) for m in ends], dtype=object)
    out.insert(2, "period", labels[where])
    out["numerator"] = num_sum[keep]
    out["denominator"] = np.where(den_gaps[keep] == 0, den_sum[keep], np.nan)
    result: pd.DataFrame = out.loc[:, columns].reset_index(drop=True)
    return result


def _join_population(
    engine: Engine, catalogue: Catalogue, indicator: Indicator, frame: pd.DataFrame
) -> pd.DataFrame:
    assert indicator.denominator_measure is not None  # noqa: S101  (narrows the type: the catalogue requires it)
    measure = catalogue.measures[indicator.denominator_measure]
    pop = engine.table(
        compile_sql(
            f"SELECT force_code, period, sum(value) AS value FROM {measure_table(measure)} "
            "GROUP BY force_code, period",
            engine.dialect,
        )
    ).to_pandas()
    pop["period"] = pop["period"].astype(int)
    latest = int(pop["period"].max()) if len(pop) else None
    wanted = per_period(frame, population_year, object)
    known = np.array([y is not None for y in wanted])
    years = np.where(known, wanted, -1).astype(int)
    notes = np.full(len(frame), None, dtype=object)
    if latest is not None:
        later = known & (years > latest)
        notes[later] = [
            f"population of mid-{latest} (the latest available) used for mid-{y}"
            for y in years[later]
        ]
        years = np.where(later, latest, years)
    found = pd.DataFrame({"force_code": frame.force_code.to_numpy(), "period": years}).merge(
        pop, on=["force_code", "period"], how="left"
    )
    dens = found["value"].astype(float).to_numpy()
    frame = frame.copy()
    frame["denominator"] = dens
    frame["denominator_note"] = notes
    return frame


def _join_exposure(
    engine: Engine, catalogue: Catalogue, indicator: Indicator, frame: pd.DataFrame
) -> pd.DataFrame:
    """Rate ratios: the two groups' resident populations (the exposure measure's latest)."""
    assert indicator.exposure_measure is not None  # noqa: S101  (narrows the type: the catalogue requires it)
    measure = catalogue.measures[indicator.exposure_measure]
    sql = (
        f"SELECT force_code, max(period) AS period, "
        f"sum(CASE WHEN {indicator.exposure_numerator} THEN value END) AS a, "
        f"sum(CASE WHEN {indicator.exposure_denominator} THEN value END) AS b "
        f"FROM {measure_table(measure)} GROUP BY force_code"
    )
    exposure = engine.table(compile_sql(sql, engine.dialect)).to_pandas()
    by_force = {f: (p, a, b) for f, p, a, b in exposure.itertuples(index=False)}
    frame = frame.copy()
    frame["exposure_numerator"] = [
        by_force.get(f, (None, float("nan"), 0))[1] for f in frame.force_code
    ]
    frame["exposure_denominator"] = [
        by_force.get(f, (None, 0, float("nan")))[2] for f in frame.force_code
    ]
    frame["denominator_note"] = [
        f"{by_force[f][0]} census populations" if f in by_force else None for f in frame.force_code
    ]
    return frame
