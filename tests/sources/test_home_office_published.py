"""The Home Office crime outcomes table as the Home Office publishes it (PROVENANCE.md section 14):
its own column names, a byte-order mark, expired codes marked ``x`` with ``N/A - offence code
expired`` and ``NA`` cells, every row kept; as CSV and as the ODS and XLSX spreadsheets.

The indicators computed from it equal, to the last digit, those computed from the tidy copy of
the same year (which dropped the rows where both counts are 0).

``tests/sources/data`` holds a slice of the published CSV (the rows of Hampshire and City of
London, byte for byte) and its re-encodings as ODS and XLSX, made by
``scripts/make_test_slices.py``: not downloads, but the same values cell for cell, so a
spreadsheet must load into exactly the rows of the CSV. The tests on the full files need the
shared data.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.run import compute
from openpeel.ingest.batch import FileResult
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.quality import register_records
from tests.conftest import load

DATA = Path(__file__).parent / "data"
SLICE = DATA / "prc-outcomes-open-data-mar2019-tables-slice.csv.gz"
SLICE_FORCES = ("Hampshire", "London, City of")
SLICE_ROWS = 28_240
PUBLISHED = "home_office/prc-outcomes-open-data-mar2019-tables.csv.gz"
TIDY = "home_office/prc_outcomes_open_data_2018_19_tidy.csv.gz"
LAYOUT = "as published (Home Office column names)"
#: every indicator of the outcomes table
OUTCOME_INDICATORS = tuple(
    i.id for i in load_catalogue().indicators.values() if i.measure == "homeoffice_outcomes"
)
KEY = ["indicator_id", "period_type", "period", "breakdown", "breakdown_value", "force_code"]
RAW = "SELECT * EXCLUDE (file_id) FROM raw_homeoffice__outcomes ORDER BY ALL"


def only(results: list[FileResult]) -> FileResult:
    assert len(results) == 1, results
    return results[0]


def indicators(wh: Warehouse) -> pd.DataFrame:
    """Every outcomes indicator of the warehouse, in one frame in a fixed order."""
    frames = compute(wh, OUTCOME_INDICATORS)
    frame = pd.concat(frames.values(), ignore_index=True)
    return frame.sort_values(KEY, ignore_index=True)


def tidy_lines_of(path: Path, forces: tuple[str, ...], out: Path) -> Path:
    """The header and the lines of ``forces`` of a tidy outcomes file, verbatim."""
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    kept = [lines[0]]
    for line in lines[1:]:
        (row,) = csv.reader(io.StringIO(line))
        if row[2] in forces:
            kept.append(line)
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def published_slice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path_factory.mktemp("published") / "home")
    result = only(load(wh, SLICE))
    assert (result.status, result.rows_read, result.rows_quarantined) == (
        "loaded",
        SLICE_ROWS,
        0,
    ), result
    yield wh
    wh.close()


# -- the bundled slice ----------------------------------------------------------------------


def test_published_layout_loads_every_row(published_slice: Warehouse) -> None:
    wh = published_slice
    assert wh.scalar("SELECT count(*) FROM meta_refused_file") == 0
    assert wh.rows("SELECT kind, layout, rows_loaded FROM meta_load_ledger") == [
        ("homeoffice_outcomes", LAYOUT, SLICE_ROWS)
    ]
    # the byte-order mark is not part of the first column's values
    assert wh.rows("SELECT DISTINCT financial_year FROM raw_homeoffice__outcomes") == [("2018/19",)]
    assert wh.scalar("SELECT count(*) FROM core_homeoffice__outcomes") == SLICE_ROWS
    assert wh.rows("SELECT DISTINCT force_code FROM core_homeoffice__outcomes ORDER BY 1") == [
        ("E23000030",),
        ("E23000034",),
    ]


def test_expired_codes_and_not_available_counts(published_slice: Warehouse) -> None:
    wh = published_slice
    expired = "N/A - offence code expired"
    marked = wh.rows(
        "SELECT offence_code_expired, count(*), count(*) FILTER (WHERE "
        "force_outcomes_for_offences_recorded_in_quarter = ?) FROM raw_homeoffice__outcomes "
        "GROUP BY 1 ORDER BY 1 NULLS FIRST",
        [expired],
    )
    # 40 expired codes x 20 outcome types x 4 quarters x 2 forces are marked x, each with the
    # count not available; the other rows leave the mark blank
    assert marked == [(None, SLICE_ROWS - 6400, 0), ("x", 6400, 6400)]
    core = wh.rows(
        "SELECT is_offence_code_expired, is_outcomes_only, count(*), "
        "count(outcomes_for_offences_recorded) FROM core_homeoffice__outcomes GROUP BY ALL "
        "ORDER BY ALL"
    )
    assert core == [(False, False, SLICE_ROWS - 6400, SLICE_ROWS - 6400), (True, True, 6400, 0)]
    # outcome type 0 has no "outcomes recorded in the quarter": NA, read as not available
    na = wh.rows(
        "SELECT count(*) FILTER (WHERE force_outcomes_recorded_in_quarter = 'NA'), "
        "count(*) FILTER (WHERE outcome_type = '0') FROM raw_homeoffice__outcomes"
    )
    assert na[0][0] >= na[0][1] > 0
    assert (
        wh.scalar(
            "SELECT count(*) FROM core_homeoffice__outcomes "
            "WHERE outcome_type = 0 AND outcomes_recorded_in_quarter IS NOT NULL"
        )
        == 0
    )


def test_negative_counts_are_kept_and_registered(published_slice: Warehouse) -> None:
    wh = published_slice
    negative = wh.scalar(
        "SELECT count(*) FROM core_homeoffice__outcomes WHERE outcomes_for_offences_recorded < 0"
    )
    registered = sum(
        r["count"]
        for r in register_records(wh)
        if r["finding"] == "negative count"
        and r["detail"] == "rows with a negative force_outcomes_for_offences_recorded_in_quarter"
    )
    assert negative > 0
    assert registered == negative


def test_slice_indicators_equal_the_tidy_copys(published_slice: Warehouse, tmp_path: Path) -> None:
    """The same forces' rows of the tidy 2018/19 copy (bundled in the sample) give the very
    same indicator values, intervals, ranks, flags and tests."""
    tidy = tidy_lines_of(sample_path() / TIDY, SLICE_FORCES, tmp_path / "tidy.csv")
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, tidy))
        assert result.status == "loaded", result
        from_tidy = indicators(wh)
    from_published = indicators(published_slice)
    # per indicator: 2 forces, 5 periods (4 quarters and the year), all and 9 offence groups
    assert len(from_published) == len(OUTCOME_INDICATORS) * 2 * 5 * 10
    assert from_published["value"].notna().sum() > 300
    pd.testing.assert_frame_equal(from_published, from_tidy, check_exact=True)


# -- spreadsheets ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["ods", "xlsx"])
def test_spreadsheet_loads_the_rows_of_the_csv(
    suffix: str, published_slice: Warehouse, tmp_path: Path
) -> None:
    """The ODS and XLSX re-encodings of the slice load directly, into exactly its rows."""
    book = DATA / f"{SLICE.name.removesuffix('.csv.gz')}.{suffix}"
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, book))
        assert result.status == "loaded", result
        assert result.display == f"{book}!Outcomes_open_data__2018-19"
        assert (result.rows_read, result.rows_quarantined) == (SLICE_ROWS, 0)
        assert wh.scalar("SELECT layout FROM meta_load_ledger") == LAYOUT
        assert wh.rows(RAW) == published_slice.rows(RAW)
        again = only(load(wh, book))  # the same workbook again: nothing changes
        assert (again.status, again.file_id) == ("unchanged", result.file_id)
        assert wh.scalar("SELECT count(*) FROM raw_homeoffice__outcomes") == SLICE_ROWS


def test_a_spreadsheet_inside_a_zip_archive_is_read(tmp_path: Path) -> None:
    book = DATA / f"{SLICE.name.removesuffix('.csv.gz')}.ods"
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(book, f"tables/{book.name}")
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, archive))
        assert result.status == "loaded", result
        assert result.display == f"{archive}!tables/{book.name}!Outcomes_open_data__2018-19"
        assert result.rows_loaded == SLICE_ROWS


def test_a_spreadsheet_in_a_folder_is_found(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    book = DATA / f"{SLICE.name.removesuffix('.csv.gz')}.ods"
    (folder / book.name).write_bytes(book.read_bytes())
    (folder / "notes.txt").write_text("not data\n", encoding="utf-8")
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, folder))
        assert (result.status, result.rows_loaded) == ("loaded", SLICE_ROWS), result


def test_a_spreadsheet_replaces_the_csv_of_the_same_table(tmp_path: Path) -> None:
    """Both cover the same quarters: the later file replaces the earlier one's rows."""
    book = DATA / f"{SLICE.name.removesuffix('.csv.gz')}.xlsx"
    with Warehouse(tmp_path / "home") as wh:
        first = only(load(wh, SLICE))
        second = only(load(wh, book))
        assert second.message == f"replaced file {first.file_id}"
        assert wh.scalar("SELECT count(*) FROM core_homeoffice__outcomes") == SLICE_ROWS


# -- the full files -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, Warehouse]]:
    """The published table and the tidy copy of 2018/19, each in a warehouse of its own."""
    homes = []
    for path in (PUBLISHED, TIDY):
        wh = Warehouse(tmp_path_factory.mktemp("full") / "home")
        result = only(load(wh, shared_data / path))
        assert result.status == "loaded", result
        homes.append(wh)
    yield homes[0], homes[1]
    for wh in homes:
        wh.close()


@pytest.mark.shared
@pytest.mark.slow
def test_full_published_table_loads_every_row(full: tuple[Warehouse, Warehouse]) -> None:
    wh, _ = full
    assert wh.scalar("SELECT count(*) FROM meta_refused_file") == 0
    assert wh.rows("SELECT rows_read, rows_loaded, rows_quarantined FROM meta_load_ledger") == [
        (621_280, 621_280, 0)
    ]
    cells = wh.rows(
        "SELECT count(*) FILTER (WHERE force_outcomes_for_offences_recorded_in_quarter "
        "= 'N/A - offence code expired'), "
        "count(*) FILTER (WHERE force_outcomes_recorded_in_quarter = 'NA') "
        "FROM raw_homeoffice__outcomes"
    )
    assert cells == [(140_800, 23_010)]
    forces = wh.scalar("SELECT forces FROM meta_load_ledger")
    assert len(forces) == 44
    assert "BTP" in forces


@pytest.mark.shared
@pytest.mark.slow
def test_full_hampshire_totals_by_outcome_type_equal_the_tidy_ones(
    full: tuple[Warehouse, Warehouse],
) -> None:
    sql = (
        "SELECT outcome_type, sum(outcomes_for_offences_recorded), "
        "sum(outcomes_recorded_in_quarter) FROM core_homeoffice__outcomes "
        "WHERE force_code = 'E23000030' GROUP BY 1 ORDER BY 1"
    )
    published, tidy = (wh.rows(sql) for wh in full)
    assert len(published) == 21
    assert published == tidy


@pytest.mark.shared
@pytest.mark.slow
def test_full_published_table_indicators_equal_the_tidy_copys(
    full: tuple[Warehouse, Warehouse],
) -> None:
    published, tidy = (indicators(wh) for wh in full)
    assert len(published) > 10_000
    pd.testing.assert_frame_equal(published, tidy, check_exact=True)
