"""Python API: indicator values as pandas or Arrow, and their flags in words."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from openpeel.errors import OpenPeelError
from openpeel.indicators import comparison
from openpeel.indicators.catalogue import load_catalogue
from openpeel.warehouse.db import Warehouse

SHOW_COLUMNS = (
    "force_code",
    "force_name",
    "period",
    "breakdown_value",
    "numerator",
    "denominator",
    "value",
    "lower",
    "upper",
    "ew_value",
    "peer_value",
    "rank",
    "flags",
)


def flags(row: dict[str, Any]) -> str:
    """The comparisons that hold for a row, in words, with no judgement."""
    if row.get("is_suppressed"):
        return str(comparison.wording()["sentence"]["suppressed_flag"])
    return "; ".join(comparison.comparisons(row, judged=False))


def values(
    wh: Warehouse,
    indicator_id: str,
    *,
    period: str | None = None,
    force: str | None = None,
    breakdown: str = "all",
) -> pd.DataFrame:
    """One indicator's rows (latest period by default) as a pandas frame with a flags column."""
    load_catalogue().indicator(indicator_id)  # a clear error for an unknown id
    if not wh.scalar(
        "SELECT count(*) FROM out_indicator_values WHERE indicator_id = ?", [indicator_id]
    ):
        raise OpenPeelError(
            f"indicator {indicator_id} has not been computed in {wh.home}",
            hint="run `openpeel indicators compute`",
        )
    where, params = ["v.indicator_id = ?", "v.breakdown = ?"], [indicator_id, breakdown]
    if period is None:
        period = wh.scalar(
            "SELECT period FROM out_indicator_values WHERE indicator_id = ? AND breakdown = ? "
            "ORDER BY period_type = 'month', period DESC LIMIT 1",
            [indicator_id, breakdown],
        )
    where.append("v.period = ?")
    params.append(period)
    if force is not None:
        from openpeel.reference import forces

        where.append("v.force_code = ?")
        params.append(forces().resolve(force).code)
    frame = wh.execute(
        "SELECT v.*, f.name AS force_name FROM out_indicator_values v "
        "JOIN ref_force f USING (force_code) WHERE "
        + " AND ".join(where)
        + " ORDER BY v.rank NULLS LAST, v.force_code",
        params,
    ).df()
    if frame.empty:
        raise OpenPeelError(
            f"no values of {indicator_id} for period {period!r}"
            + (f", breakdown {breakdown!r}" if breakdown != "all" else ""),
            hint=f"`openpeel indicators periods {indicator_id}` lists them",
        )
    frame["flags"] = [flags({str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]
    return frame


def values_arrow(wh: Warehouse, indicator_id: str, **kwargs: Any) -> pa.Table:
    return pa.Table.from_pandas(values(wh, indicator_id, **kwargs), preserve_index=False)


def periods(wh: Warehouse, indicator_id: str) -> list[dict[str, Any]]:
    return wh.records(
        "SELECT period_type, period, count(*) FILTER (WHERE NOT is_suppressed) AS forces "
        "FROM out_indicator_values WHERE indicator_id = ? AND breakdown = 'all' "
        "GROUP BY ALL ORDER BY period_type, period",
        [indicator_id],
    )
