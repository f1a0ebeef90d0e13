"""Quirks of the full real data (PROVENANCE.md) that the bundled sample does not show.

Each expected figure is recomputed here from the published file with Python's csv module,
independently of the loader.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.quality import register_records
from tests.conftest import load


def _rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _register(wh: Warehouse, finding: str, dataset: str) -> dict[tuple[str, str], int]:
    return {
        (r["force_code"], r["period"]): r["count"]
        for r in register_records(wh)
        if r["finding"] == finding and r["dataset"] == dataset
    }


def test_repeated_crime_ids_in_a_street_file(warehouse: Warehouse, shared_data: Path) -> None:
    path = shared_data / "police_uk/2018-10/2018-10-avon-and-somerset-street.csv.gz"
    counts = Counter(r["Crime ID"] for r in _rows(path) if r["Crime ID"])
    expected = sum(n - 1 for n in counts.values() if n > 1)
    assert 200 < expected < 400  # "~260-300 per month in 2018-19"
    load(warehouse, path)
    found = _register(warehouse, "repeated crime id", "policeuk__street")
    assert found == {("E23000036", "2018-10"): expected}


def test_blank_locations(warehouse: Warehouse, shared_data: Path) -> None:
    path = shared_data / "police_uk/2014-06/2014-06-thames-valley-street.csv.gz"
    expected = sum(1 for r in _rows(path) if not r["LSOA code"] or not r["Longitude"])
    assert expected >= 1_621  # PROVENANCE: 1,621 blank LSOA codes
    load(warehouse, path)
    found = _register(warehouse, "blank location", "policeuk__street")
    assert found == {("E23000029", "2014-06"): expected}


def test_suspiciously_small_month(warehouse: Warehouse, shared_data: Path) -> None:
    months = ("2019-01", "2024-01", "2024-04")
    load(warehouse, *(shared_data / f"police_uk/{m}/{m}-dyfed-powys-street.csv.gz" for m in months))
    small = _register(warehouse, "small month", "policeuk__street")
    assert small == {("W15000004", "2024-04"): 283}  # PROVENANCE: 283 rows vs ~3,300


def test_stop_search_rows_dated_in_the_month_before(
    warehouse: Warehouse, shared_data: Path
) -> None:
    path = shared_data / "police_uk/2022-09/2022-09-metropolitan-stop-and-search.csv.gz"
    early = [r for r in _rows(path) if r["Date"] < "2022-09-01"]
    assert len(early) == 16  # PROVENANCE: 16 rows dated 2022-08-31T23:xx
    load(warehouse, path)
    months, before = warehouse.rows(
        "SELECT list(DISTINCT strftime(month, '%Y-%m')), "
        "count(*) FILTER (WHERE searched_at < TIMESTAMPTZ '2022-09-01 00:00:00+00') "
        "FROM core_policeuk__stop_search"
    )[0]
    assert months == ["2022-09"]  # filed under the archive month
    assert before == 16  # the time as published
