"""One indicator catalogue, two engines: every indicator computed by DuckDB and by PySpark in
local mode over the Parquet export gives the same values. Skipped, saying why, where Java or
PySpark is absent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.run import OUT_COLUMNS, compute
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.parquet import export_parquet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java here (Spark needs Java 17+)"),
]
KEYS = ["indicator_id", "period_type", "period", "breakdown", "breakdown_value", "force_code"]


@pytest.fixture(scope="module")
def spark_engine(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install openpeel[spark])")
    from openpeel.indicators.spark import SparkEngine

    parquet = tmp_path_factory.mktemp("parquet")
    with Warehouse(built_home, read_only=True) as wh:
        exported = export_parquet(wh, parquet)
    assert any(e.partitioned for e in exported)
    assert (parquet / "core_policeuk_agg__street_counts").is_dir()
    engine = SparkEngine(parquet, "local[2]")
    yield engine
    engine.session.stop()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.loc[:, list(OUT_COLUMNS)].copy()
    frame["breakdown_value"] = frame["breakdown_value"].fillna("")
    return frame.sort_values(KEYS, ignore_index=True)


def test_the_export_partitions_by_month(built_home: Path, tmp_path: Path) -> None:
    with Warehouse(built_home, read_only=True) as wh:
        exported = {e.table: e for e in export_parquet(wh, tmp_path / "pq")}
        rows = wh.scalar("SELECT count(*) FROM core_policeuk_agg__street_counts")
    street = exported["core_policeuk_agg__street_counts"]
    assert street.partitioned
    assert street.rows == rows
    assert any(p.name.startswith("month=") for p in street.path.iterdir())
    assert not exported["ref_force"].partitioned


def test_every_indicator_gives_the_same_values_on_spark_and_duckdb(
    built_home: Path, spark_engine: Any
) -> None:
    ids = list(load_catalogue().indicators)
    with Warehouse(built_home, read_only=True) as wh:
        on_duckdb = compute(wh, ids)
        on_spark = compute(wh, ids, engine=spark_engine)
    for iid in ids:
        a, b = _sorted(on_duckdb[iid]), _sorted(on_spark[iid])
        assert len(a) == len(b), iid
        assert len(a) > 0, iid
        pd.testing.assert_frame_equal(a[KEYS], b[KEYS], obj=iid)
        for column in OUT_COLUMNS:
            if column in KEYS:
                continue
            x, y = a[column], b[column]
            if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
                assert np.allclose(
                    x.astype(float), y.astype(float), rtol=1e-9, atol=1e-12, equal_nan=True
                ), (iid, column)
            else:
                assert (
                    x.astype(object).where(x.notna(), None).tolist()
                    == y.astype(object).where(y.notna(), None).tolist()
                ), (iid, column)
