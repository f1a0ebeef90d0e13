"""The engine comparison finds what differs: rows, or the columns whose values differ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openpeel.indicators.engine import differences
from openpeel.indicators.run import compute
from openpeel.warehouse.db import Warehouse


def test_differences_names_rows_and_columns(built_home: Path) -> None:
    with Warehouse(built_home, read_only=True) as wh:
        frame = compute(wh, ["arrests_per_1000"])["arrests_per_1000"]
    assert differences(frame, frame.sample(frac=1.0, random_state=1)) == []  # order is no matter
    changed = frame.copy()
    values = changed["value"].to_numpy(dtype=float, copy=True)
    first = int(np.flatnonzero(~np.isnan(values))[0])
    values[first] *= 1 + 1e-6
    changed["value"] = values
    changed.loc[changed.index[1], "change"] = "up" if changed["change"].iloc[1] != "up" else "down"
    assert differences(frame, changed) == ["value", "change"]
    assert differences(frame, frame.iloc[1:]) == ["rows"]


def test_duckdb_over_the_parquet_tree_gives_the_warehouses_values(
    built_home: Path, tmp_path: Path
) -> None:
    from openpeel.indicators.catalogue import load_catalogue
    from openpeel.indicators.engine import ParquetEngine
    from openpeel.warehouse.parquet import DERIVED, export_parquet

    ids = list(load_catalogue().indicators)
    with Warehouse(built_home, read_only=True) as wh:
        exported = {e.table for e in export_parquet(wh, tmp_path / "pq")}
        in_warehouse = compute(wh, ids)
        over_parquet = compute(wh, ids, engine=ParquetEngine(tmp_path / "pq"))
    assert not set(DERIVED) & exported  # street counts are aggregated from the rows
    assert "core_policeuk__street" in exported
    for iid in ids:
        assert differences(in_warehouse[iid], over_parquet[iid]) == [], iid


def test_an_engine_gap_is_refused_by_name_never_answered_wrongly(
    built_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from openpeel.indicators import engine as engines
    from openpeel.indicators.aggregate import materialise
    from openpeel.indicators.catalogue import load_catalogue

    measure = replace(load_catalogue().measures["arrests"], features=("exact decimals",))
    monkeypatch.setitem(
        engines.ENGINE_GAPS, ("duckdb", "exact decimals"), "it sums in binary floating point"
    )
    with Warehouse(built_home, read_only=True) as wh:
        with pytest.raises(engines.EngineGap, match="cannot exact decimals: it sums in binary"):
            materialise(engines.DuckDBEngine(wh), measure)
        materialise(engines.DuckDBEngine(wh), replace(measure, features=()))  # no gap: it runs
