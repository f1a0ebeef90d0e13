"""The series to forecast, from the warehouse, as ``series.toml`` declares them.

A value the warehouse marks as a gap (a partial month, a crime type missing from a month, a
year with quarters missing, a month a force did not publish) is never filled in: a series is
forecast from the run of values after its last gap, and the gap is reported with it. A series
whose run is shorter than its frequency's minimum is not forecast, with the reason.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import pandas as pd

from openpeel.errors import OpenPeelError
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.quality import MISSING_TYPE_MEDIAN

SEP = "|"


class ForecastError(OpenPeelError):
    pass


#: each frequency's periods as pandas dates: the first of the month, the end of a quarter, the
#: end of a year to 31 March
PANDAS_FREQUENCIES = {"month": "MS", "quarter": "QE-DEC", "year": "YE-MAR"}


@dataclass(frozen=True)
class Frequency:
    name: str
    backtest_horizon: int
    backtest_windows: int
    min_points: int
    default_horizon: int

    @property
    def pandas(self) -> str:
        return PANDAS_FREQUENCIES[self.name]


@dataclass(frozen=True)
class SeriesSource:
    """Where a family of forecast series comes from: one ``[sources.*]`` of ``series.toml``, its
    query and its frequency (not a publisher's format: that is ``openpeel.sources.base.Source``).
    """

    id: str
    title: str
    frequency: Frequency
    season_length: int
    unit: str
    sql: str
    #: each value is the total of this many periods up to it (4: a rolling year at each
    #: quarter's end), so that consecutive values overlap; 1 for plain totals
    rolling_periods: int = 1


@dataclass
class Series:
    """One force's series of one category, ready to forecast (or not, with the reason)."""

    source: SeriesSource
    force_code: str
    category: str
    values: pd.Series  # by period, after the last gap
    first_period: date | None
    last_period: date | None
    gaps: list[tuple[date, str]] = field(default_factory=list)
    skipped: str | None = None

    @property
    def key(self) -> str:
        return SEP.join((self.source.id, self.force_code, self.category))


def load_sources() -> dict[str, SeriesSource]:
    text = (resources.files("openpeel.forecast") / "series.toml").read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    unknown = set(doc["frequency"]) - set(PANDAS_FREQUENCIES)
    if unknown:
        raise ForecastError(
            f"series.toml declares the frequencies {sorted(unknown)}",
            hint=f"use {', '.join(PANDAS_FREQUENCIES)}",
        )
    frequencies = {
        name: Frequency(name=name, **{k: int(v) for k, v in spec.items()})
        for name, spec in doc["frequency"].items()
    }
    return {
        sid: SeriesSource(
            id=sid,
            title=str(spec["title"]),
            frequency=frequencies[str(spec["frequency"])],
            season_length=int(spec["season_length"]),
            unit=str(spec["unit"]),
            sql=str(spec["sql"]).format(missing_type_median=MISSING_TYPE_MEDIAN),
            rolling_periods=int(spec.get("rolling_periods", 1)),
        )
        for sid, spec in doc["sources"].items()
    }


def _expected(first: date, last: date, frequency: Frequency) -> list[date]:
    if frequency.name in ("month", "quarter"):
        return [d.date() for d in pd.date_range(first, last, freq=frequency.pandas)]
    return [date(y, last.month, last.day) for y in range(first.year, last.year + 1)]


def _before(period: date, frequency: Frequency) -> date:
    if frequency.name == "month":
        return (pd.Timestamp(period) - pd.DateOffset(months=1)).date()
    if frequency.name == "quarter":
        return (pd.Timestamp(period) - pd.offsets.QuarterEnd(1)).date()
    return date(period.year - 1, period.month, period.day)


def build(source: SeriesSource, force_code: str, category: str, rows: pd.DataFrame) -> Series:
    """A series from its rows (period, y, gap): gaps found, the run after the last one kept."""
    rows = rows.sort_values("period")
    periods = [pd.Timestamp(p).date() for p in rows["period"]]
    if not periods:
        return Series(
            source, force_code, category, pd.Series(dtype=float), None, None, [], "no data"
        )
    by_period = dict(zip(periods, zip(rows["y"], rows["gap"], strict=True), strict=True))
    gaps: list[tuple[date, str]] = []
    trailing: list[tuple[date, str]] = []
    for p in _expected(periods[0], periods[-1], source.frequency):
        y, gap = by_period.get(p, (None, "not published"))
        if gap is None and (y is None or pd.isna(y)):
            gap = "no value"
        if gap is not None:
            gaps.append((p, str(gap)))
    # gaps at the end shorten the series; the run after the last gap before them is used
    end = periods[-1]
    while gaps and gaps[-1][0] == end:
        gaps_at_end = gaps.pop()
        trailing.append(gaps_at_end)
        end = _before(end, source.frequency)
    start = gaps[-1][0] if gaps else None
    kept = [
        (p, float(y))
        for p, (y, g) in by_period.items()
        if (start is None or p > start) and p <= end and g is None
    ]
    gaps.extend(reversed(trailing))
    values = pd.Series(
        [y for _, y in kept],
        index=pd.DatetimeIndex([pd.Timestamp(p) for p, _ in kept]),
        dtype=float,
    )
    skipped = None
    if len(values) < source.frequency.min_points:
        skipped = (
            f"only {len(values)} {source.frequency.name}s after the last gap"
            if gaps
            else f"only {len(values)} {source.frequency.name}s"
        ) + f" (at least {source.frequency.min_points} needed)"
    return Series(
        source,
        force_code,
        category,
        values,
        periods[0],
        periods[-1],
        gaps,
        skipped,
    )


def load_series(
    wh: Warehouse,
    sources: list[str] | None = None,
    force_code: str | None = None,
    keep: Callable[[str, date], bool] | None = None,
) -> list[Series]:
    """Every declared series in the warehouse (of some sources, of one force; with ``keep``,
    only the periods it keeps for a source, as if the later ones were not there)."""
    known = load_sources()
    chosen = sources or list(known)
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ForecastError(
            f"no series source {', '.join(unknown)}", hint=f"one of: {', '.join(known)}"
        )
    out: list[Series] = []
    for sid in chosen:
        source = known[sid]
        try:
            frame = wh.execute(source.sql).df()
        except Exception as exc:  # a source the warehouse has not loaded yet
            raise ForecastError(
                f"cannot read the series {sid} from the warehouse: {exc}",
                hint="load its data first with `openpeel ingest`",
            ) from exc
        frame = frame[frame["force_code"].notna() & frame["category"].notna()]
        if force_code is not None:
            frame = frame[frame["force_code"] == force_code]
        if keep is not None:
            kept = [keep(sid, pd.Timestamp(p).date()) for p in frame["period"]]
            frame = frame[pd.Series(kept, index=frame.index, dtype=bool)]
        for (force, category), rows in frame.groupby(["force_code", "category"], sort=True):
            out.append(build(source, str(force), str(category), rows))
    return out


def as_frame(series: list[Series]) -> pd.DataFrame:
    """The series to forecast in statsforecast's long form (unique_id, ds, y)."""
    parts: list[dict[str, Any]] = []
    for s in series:
        if s.skipped is None:
            parts.extend({"unique_id": s.key, "ds": ds, "y": y} for ds, y in s.values.items())
    return pd.DataFrame(parts, columns=["unique_id", "ds", "y"])
