"""Spreadsheets read directly (``openpeel.sources._spreadsheets``): which sheets are data, how
cells become text, and what happens to a damaged or unknown workbook.

The workbooks here are made in the tests. Their data rows are real: the first rows of the XLSX
re-encoding of the published outcomes slice in ``tests/sources/data`` (each published CSV field
one cell, see ``scripts/make_test_slices.py``). Everything else in them (cover sheets, title
rows, sheet names, a renamed column, a stray cell) is SYNTHETIC, made up to test one thing.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import openpyxl
import pytest

from openpeel.ingest.batch import FileResult
from openpeel.sources._spreadsheets import cell_text, extract_sheets
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

DATA = Path(__file__).parent / "data"
SLICE = DATA / "prc-outcomes-open-data-mar2019-tables-slice.csv.gz"
XLSX = DATA / "prc-outcomes-open-data-mar2019-tables-slice.xlsx"


def _real_rows() -> list[list[object]]:
    book = openpyxl.load_workbook(XLSX, read_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


ROWS = _real_rows()
HEADER, BODY = ROWS[0], ROWS[1:]
Q1 = [r for r in BODY if r[1] == 1][:40]
Q2 = [r for r in BODY if r[1] == 2][:40]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def only(results: list[FileResult]) -> FileResult:
    assert len(results) == 1, results
    return results[0]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("N/A - offence code expired", "N/A - offence code expired"),
        (12.0, "12"),
        (-2.0, "-2"),
        (7, "7"),
        (942.1829999999999, "942.1829999999999"),
        (0.1, "0.1"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.date(2016, 6, 30), "2016-06-30"),
        (dt.datetime(2016, 6, 30), "2016-06-30"),
        (dt.datetime(2016, 6, 30, 23, 40, 5), "2016-06-30T23:40:05"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_cover_sheet_and_title_rows_are_not_data(tmp_path: Path) -> None:
    book = workbook(
        tmp_path / "outcomes.xlsx",
        {
            "Cover sheet": [["(synthetic) Crime outcomes open data"], ["(synthetic) notes"]],
            "Data": [["(synthetic) Table 1: outcomes"], [], HEADER, *Q1],
        },
    )
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, book))
        assert (result.status, result.rows_read, result.rows_quarantined) == ("loaded", 40, 0)
        assert result.display == f"{book}!Data"
        assert wh.scalar("SELECT count(*) FROM meta_refused_file") == 0


def test_each_data_sheet_loads_as_a_file(tmp_path: Path) -> None:
    book = workbook(tmp_path / "two.xlsx", {"Q1": [HEADER, *Q1], "Q2": [HEADER, *Q2]})
    with Warehouse(tmp_path / "home") as wh:
        results = load(wh, book)
        assert [(r.display.rsplit("!", 1)[1], r.status, r.rows_read) for r in results] == [
            ("Q1", "loaded", 40),
            ("Q2", "loaded", 40),
        ]
        assert wh.rows("SELECT periods FROM meta_load_ledger ORDER BY file_id") == [
            (["2018/19 Q1"],),
            (["2018/19 Q2"],),
        ]


def test_a_sheet_of_unknown_layout_is_refused_naming_the_nearest(tmp_path: Path) -> None:
    renamed = ["Outcome Number" if h == "Outcome Type" else h for h in HEADER]
    book = workbook(tmp_path / "renamed.xlsx", {"Data": [renamed, *Q1]})
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, book))
        assert result.status == "refused", result
        assert result.display == f"{book}!Data"
        assert "Home Office crime outcomes open data" in result.message
        assert "missing 'Outcome Type'" in result.message
        assert "unexpected 'Outcome Number'" in result.message
        assert wh.scalar("SELECT count(*) FROM raw_homeoffice__outcomes") == 0


def test_a_truncated_spreadsheet_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(XLSX.read_bytes()[: XLSX.stat().st_size // 2])
    with Warehouse(tmp_path / "home") as wh:
        good = only(load(wh, workbook(tmp_path / "q1.xlsx", {"Data": [HEADER, *Q1]})))
        result = only(load(wh, cut))
        assert result.status == "refused", result
        assert "cannot be read as a spreadsheet" in result.message
        assert wh.rows("SELECT path FROM meta_refused_file") == [(str(cut),)]
        assert wh.rows("SELECT file_id, status FROM meta_load_ledger") == [(good.file_id, "loaded")]
        assert wh.scalar("SELECT count(*) FROM raw_homeoffice__outcomes") == 40


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_a_text_file_named_as_a_spreadsheet_is_refused(tmp_path: Path, suffix: str) -> None:
    fake = tmp_path / f"fake.{suffix}"
    fake.write_bytes(gzip.decompress(SLICE.read_bytes())[:2000])
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, fake))
        assert result.status == "refused", result
        assert "cannot be read as a spreadsheet" in result.message


def test_an_empty_workbook_is_refused(tmp_path: Path) -> None:
    book = workbook(tmp_path / "empty.xlsx", {"Sheet1": []})
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, book))
        assert result.status == "refused", result
        assert "no sheet has any value" in result.message


def test_a_value_beyond_the_header_is_quarantined_with_its_line(tmp_path: Path) -> None:
    stray = [*Q1[5], "(synthetic) stray note"]
    book = workbook(tmp_path / "stray.xlsx", {"Data": [HEADER, *Q1[:5], stray, *Q1[6:]]})
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, book))
        assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 40, 39)
        ((line, reason),) = wh.rows("SELECT line, reason FROM meta_quarantine")
        assert line == 7  # the header is line 1
        assert "too many columns" in reason.lower()


def test_sheet_names_cannot_place_files_outside_the_work_folder(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="../../../escaped")  # synthetic hostile name
    for row in (HEADER, *Q1[:3]):
        line = TableRow()
        for value in row:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text="" if value is None else str(value)))
            line.addElement(cell)
        table.addElement(line)
    doc.spreadsheet.addElement(table)
    book = tmp_path / "hostile.ods"
    doc.save(str(book))
    work = tmp_path / "a" / "b" / "work"
    ((display, path),) = extract_sheets(book, str(book), work)
    assert display == f"{book}!../../../escaped"
    assert path.resolve().is_relative_to(work.resolve())
    assert not list(tmp_path.glob("**/escaped*"))
    with Warehouse(tmp_path / "home") as wh:
        assert only(load(wh, book)).rows_loaded == 3


def test_openpeel_sources_lists_the_new_formats() -> None:
    from typer.testing import CliRunner

    from openpeel.cli.app import app

    result = CliRunner().invoke(app, ["sources", "--format", "json"])
    assert result.exit_code == 0, result.output
    by_kind = {r["kind"]: r for r in json.loads(result.output)}
    outcomes = by_kind["homeoffice_outcomes"]
    assert "as published (Home Office column names)" in outcomes["layouts"]
    assert outcomes["files"] == [".csv", ".csv.gz", ".ods", ".xlsx"]
    rolling = by_kind["homeoffice_recorded_crime_rolling"]
    assert rolling["table"] == "raw_homeoffice__recorded_crime_rolling"
    assert rolling["publisher"] == "Home Office"
    assert by_kind["ons_pfa_boundaries"]["files"] == [".geojson", ".json"]
