"""``openpeel indicators compute``: every indicator, compared, into ``out_indicator_values``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import pandas as pd

from openpeel.indicators.aggregate import indicator_frame, materialise
from openpeel.indicators.catalogue import Catalogue, load_catalogue
from openpeel.indicators.compare import OUT_COLUMNS, compare
from openpeel.indicators.engine import DuckDBEngine, Engine
from openpeel.indicators.peers import peer_group
from openpeel.indicators.recent_trend import TREND_COLUMNS, recent_trends
from openpeel.indicators.spc import SPC_COLUMNS, spc_frame
from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.indicators")

Progress = Callable[[str], None]


class Computed(dict[str, pd.DataFrame]):
    """Each computed indicator's comparison frame, by indicator id, and in ``seconds`` the time
    each took to compare (after the measures were computed), which ``store`` records."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: dict[str, float] = {}


def _peers(code: str) -> list[str]:
    return peer_group(code, include_self=True)


def compute(
    wh: Warehouse,
    ids: Sequence[str] | None = None,
    *,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> Computed:
    """Compute indicators (all by default); return each one's comparison frame and timing."""
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
    results = Computed()
    for ind in chosen:
        if progress:
            progress(f"indicator {ind.id}")
        start = time.perf_counter()
        frame = compare(ind, indicator_frame(engine, catalogue, ind), territorial, _peers)
        results[ind.id] = frame
        results.seconds[ind.id] = time.perf_counter() - start
        log.info("%s: %d rows in %.2fs", ind.id, len(frame), results.seconds[ind.id])
    return results


def _insert(wh: Warehouse, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Insert a frame's columns into a table, matched by name."""
    wh.insert_rows(table, frame.loc[:, list(columns)])


def store(
    wh: Warehouse,
    results: Mapping[str, pd.DataFrame],
    engine: str = "duckdb",
    *,
    markers: bool = True,
) -> None:
    """Replace each computed indicator's rows in out_indicator_values, in one transaction; with
    ``markers``, also its recent trends (out_indicator_recent_trends) and, for a monthly
    indicator, its SPC charts (out_indicator_spc). The seconds recorded in out_indicator_runs
    are those ``compute`` measured; frames made elsewhere (a plain mapping) record 0.0."""
    seconds = results.seconds if isinstance(results, Computed) else {}
    catalogue: Catalogue = load_catalogue()
    now = datetime.now(UTC)
    with wh.transaction():
        for indicator_id, frame in results.items():
            ind = catalogue.indicators[indicator_id]
            wh.execute("DELETE FROM out_indicator_values WHERE indicator_id = ?", [indicator_id])
            _insert(wh, "out_indicator_values", frame, OUT_COLUMNS)
            if markers:
                start = time.perf_counter()
                trends = recent_trends(ind, frame)
                spc = spc_frame(ind, frame)
                for table, rows, columns in (
                    ("out_indicator_recent_trends", trends, TREND_COLUMNS),
                    ("out_indicator_spc", spc, SPC_COLUMNS),
                ):
                    wh.execute(f"DELETE FROM {table} WHERE indicator_id = ?", [indicator_id])
                    if len(rows):
                        _insert(wh, table, rows, columns)
                log.info(
                    "%s: markers (%d trends, %d SPC points) in %.2fs",
                    indicator_id,
                    len(trends),
                    len(spc),
                    time.perf_counter() - start,
                )
            wh.execute("DELETE FROM out_indicator_runs WHERE indicator_id = ?", [indicator_id])
            wh.insert_rows(
                "out_indicator_runs",
                [
                    {
                        "indicator_id": indicator_id,
                        "definition_version": ind.version,
                        "engine": engine,
                        "rows": len(frame),
                        "seconds": seconds.get(indicator_id, 0.0),
                        "computed_at": now,
                    }
                ],
            )
