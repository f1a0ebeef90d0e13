"""``openpeel indicators compute``: every indicator, compared, into ``out_indicator_values``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pandas as pd

from openpeel.indicators.aggregate import indicator_frame, materialise
from openpeel.indicators.catalogue import Catalogue, load_catalogue
from openpeel.indicators.compare import OUT_COLUMNS, compare
from openpeel.indicators.engine import DuckDBEngine, Engine
from openpeel.indicators.peers import peer_group
from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.indicators")

Progress = Callable[[str], None]


def _peers(code: str) -> list[str]:
    return peer_group(code, include_self=True)


def compute(
    wh: Warehouse,
    ids: Sequence[str] | None = None,
    *,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute indicators (all by default); return each one's comparison frame."""
    catalogue = load_catalogue()
    chosen = [catalogue.indicator(i) for i in ids] if ids else list(catalogue.indicators.values())
    engine = engine or DuckDBEngine(wh)
    needed = {
        m
        for ind in chosen
        for m in (ind.measure, ind.denominator_measure, ind.exposure_measure)
        if m
    }
    for name in sorted(needed):
        if progress:
            progress(f"measure {name}")
        materialise(engine, catalogue.measures[name])
    territorial = {
        code for (code,) in wh.rows("SELECT force_code FROM ref_force WHERE is_territorial")
    }
    results: dict[str, pd.DataFrame] = {}
    for ind in chosen:
        if progress:
            progress(f"indicator {ind.id}")
        start = time.perf_counter()
        frame = compare(ind, indicator_frame(engine, catalogue, ind), territorial, _peers)
        results[ind.id] = frame
        log.info("%s: %d rows in %.2fs", ind.id, len(frame), time.perf_counter() - start)
    return results


def store(
    wh: Warehouse,
    results: dict[str, pd.DataFrame],
    engine: str = "duckdb",
    seconds: dict[str, float] | None = None,
) -> None:
    """Replace each computed indicator's rows in out_indicator_values, in one transaction."""
    catalogue: Catalogue = load_catalogue()
    now = datetime.now(UTC)
    with wh.transaction():
        for indicator_id, frame in results.items():
            wh.execute("DELETE FROM out_indicator_values WHERE indicator_id = ?", [indicator_id])
            wh.con.register("_indicator_rows", frame.loc[:, list(OUT_COLUMNS)])
            try:
                wh.execute("INSERT INTO out_indicator_values SELECT * FROM _indicator_rows")
            finally:
                wh.con.unregister("_indicator_rows")
            wh.execute("DELETE FROM out_indicator_runs WHERE indicator_id = ?", [indicator_id])
            wh.execute(
                "INSERT INTO out_indicator_runs VALUES (?, ?, ?, ?, ?, ?)",
                [
                    indicator_id,
                    catalogue.indicators[indicator_id].version,
                    engine,
                    len(frame),
                    (seconds or {}).get(indicator_id, 0.0),
                    now,
                ],
            )
